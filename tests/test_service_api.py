"""The service's HTTP contract, over the real uvicorn server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import json
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.service_support import (
    BACKENDS,
    BOOK_DEPARTMENT,
    NARRATIVE,
    PASSWORD,
    WORKBOOK,
    Live,
    running,
)


@pytest.fixture(scope="module", params=BACKENDS)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with running(request.param, tmp_path_factory.mktemp("service"), max_upload=1_000_000) as server:
        yield server


def _cli_json(path: Path, *options: str) -> str:
    """What ``perfrules check --format json`` prints for the file, named as uploaded (run in its folder)."""
    import os

    from typer.testing import CliRunner

    from perfrules.cli import app

    here = Path.cwd()
    os.chdir(path.parent)
    try:
        done = CliRunner().invoke(app, ["check", path.name, "--format", "json", *options])
    finally:
        os.chdir(here)
    assert done.exit_code in (0, 1, 2), done.output
    return done.stdout


def _upload(live: Live, user: str, name: str, raw: bytes, previous: str | None = None) -> dict[str, object]:
    with live.client(user) as client:
        answer = client.post(
            "/api/v1/submissions", files={"file": (name, raw)}, data={"previous": previous} if previous else {}
        )
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


def _blocked_book(tmp_path: Path) -> bytes:
    book = tmp_path / "blocked.xlsx"
    shutil.copy(WORKBOOK, book)
    workbook = openpyxl.load_workbook(book)
    workbook["项目1"]["H13"] = 99999  # an indicator score far above its weight
    workbook.save(book)
    return book.read_bytes()


def test_login_and_tokens(live: Live) -> None:
    with live.client() as client:
        assert client.post("/api/v1/login", json={"username": "zfw", "password": "wrong"}).status_code == 401
        assert client.post("/api/v1/login", json={"username": "nobody", "password": "x"}).status_code == 401
        assert client.get("/api/v1/submissions").status_code == 401
        bad = client.get("/api/v1/submissions", headers={"Authorization": "Bearer not-a-token"})
        assert bad.status_code == 401
        assert bad.headers["www-authenticate"] == "Bearer"
        statuses = [
            client.post("/api/v1/login", json={"username": "review-all", "password": "guess"}).status_code
            for _ in range(3)
        ]
        assert statuses == [401, 401, 429]  # the test server allows 2 failures a minute (5 by default)
        assert client.post("/api/v1/login", json={"username": "admin", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize(("path", "user"), [(NARRATIVE, "zfw"), (WORKBOOK, "rsj")])
def test_the_report_is_the_cli_json(live: Live, path: Path, user: str) -> None:
    created = _upload(live, user, path.name, path.read_bytes())
    expected = json.loads(_cli_json(path))
    assert created["verdict"] == expected["verdict"]
    assert created["exit_code"] == expected["exit_code"]
    assert created["summary"] == expected["summary"]
    assert len(str(created["id"])) == 36 and uuid.UUID(str(created["id"])).version == 4
    with live.client(user) as client:
        report = client.get(str(created["report_url"]))
    assert report.status_code == 200
    assert report.text == _cli_json(path)
    stored = next(live.data.joinpath("uploads").rglob(expected["inputs"][0]["sha256"].removeprefix("sha256:")))
    assert stored.read_bytes() == path.read_bytes()


def test_unreadable_files_get_the_cli_problems(live: Live, tmp_path: Path) -> None:
    for name, raw in [("坏.json", b'{"document_kind": '), ("truncated.xlsx", WORKBOOK.read_bytes()[:900])]:
        created = _upload(live, "zfw", name, raw)
        assert (created["verdict"], created["exit_code"]) == ("error", 2)
        (tmp_path / name).write_bytes(raw)
        with live.client("zfw") as client:
            assert client.get(str(created["report_url"])).text == _cli_json(tmp_path / name)


def test_another_departments_document_is_refused(live: Live) -> None:
    with live.client("rsj") as client:
        answer = client.post("/api/v1/submissions", files={"file": (NARRATIVE.name, NARRATIVE.read_bytes())})
    assert answer.status_code == 422
    assert "部门" in answer.json()["detail"]


def test_oversized_and_disguised_uploads_are_refused(live: Live) -> None:
    cases = [
        ("big.json", b" " * 1_200_000, 413),
        ("big.txt", b"x" * 1_000_001, 413),
        ("picture.json", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, 415),
        ("program.txt", b"MZ\x90\x00" + b"\0" * 100, 415),
        ("notes.xlsx", "这不是工作簿".encode(), 415),
        ("setup.exe", b"MZ", 415),
        ("", b"{}", 422),
    ]
    with live.client("zfw") as client:
        for name, raw, status in cases:
            answer = client.post("/api/v1/submissions", files={"file": (name, raw)})
            assert answer.status_code == status, (name, answer.text)
        assert client.post("/api/v1/submissions", data={"x": "1"}).status_code == 422


def test_departments_cannot_reach_each_other(live: Live) -> None:
    mine = str(_upload(live, "zfw", NARRATIVE.name, NARRATIVE.read_bytes())["id"])
    fingerprint = json.loads(_report(live, "zfw", mine))["submissions"][0]["findings"][0]["fingerprint"]
    missing = str(uuid.uuid4())
    with live.client("rsj") as other, live.client("review-all") as anyone:
        for target in (mine, missing):
            for path in ("", "/annotated"):
                assert other.get(f"/api/v1/submissions/{target}{path}").json() == {
                    "detail": "找不到该提交 / no such submission"
                }
            justified = other.post(
                f"/api/v1/submissions/{target}/justifications", json={"fingerprint": fingerprint, "reason": "x"}
            )
            assert justified.status_code == 404
        listed = other.get("/api/v1/submissions", params={"department": "中共石家庄市委政法委员会"}).json()
        assert listed == []
        assert all(row["department"] == BOOK_DEPARTMENT for row in other.get("/api/v1/submissions").json())
        assert any(row["id"] == mine for row in anyone.get("/api/v1/submissions").json())
    with live.client("review-sjz") as regional:
        assert regional.get(f"/api/v1/submissions/{mine}").status_code == 200
        assert all(row["region"] == "130100" for row in regional.get("/api/v1/submissions").json())


def _report(live: Live, user: str, submission: str) -> str:
    with live.client(user) as client:
        answer = client.get(f"/api/v1/submissions/{submission}")
    assert answer.status_code == 200
    return answer.text


def test_justify_and_waive_are_recorded_and_change_the_verdict(live: Live) -> None:
    mine = str(_upload(live, "zfw", NARRATIVE.name, NARRATIVE.read_bytes())["id"])
    findings = json.loads(_report(live, "zfw", mine))["submissions"][0]["findings"]
    errors = [f["fingerprint"] for f in findings if f["severity"] == "error"]
    warning = next(f["fingerprint"] for f in findings if f["severity"] == "warning")
    waiver = {"fingerprint": errors[0], "reason": "已现场核查", "expires": "2999-12-31"}
    with live.client("zfw") as submitter, live.client("review-sjz") as reviewer, live.client("rsj") as other:
        assert submitter.post(f"/api/v1/submissions/{mine}/waivers", json=waiver).status_code == 403
        assert other.post(f"/api/v1/submissions/{mine}/waivers", json=waiver).status_code == 404
        explained = submitter.post(
            f"/api/v1/submissions/{mine}/justifications", json={"fingerprint": warning, "reason": "<b>说明</b>"}
        )
        assert explained.status_code == 201, explained.text
        assert explained.json()["summary"]["justified"] == 1
        unknown = {**waiver, "fingerprint": "0" * 24}
        assert reviewer.post(f"/api/v1/submissions/{mine}/waivers", json=unknown).status_code == 422
        for fingerprint in errors:
            answer = reviewer.post(f"/api/v1/submissions/{mine}/waivers", json={**waiver, "fingerprint": fingerprint})
            assert answer.status_code == 201, answer.text
        assert answer.json()["verdict"] == "pass"
    report = json.loads(_report(live, "zfw", mine))
    assert report["verdict"] == "pass" and report["summary"]["waived"] == len(errors)
    assert {f["disposition"] for f in report["submissions"][0]["findings"] if f["fingerprint"] == warning} == {
        "justified"
    }
    _assert_audit(live, mine, ["upload", "checked", "justification", *["waiver"] * len(errors)])


def _assert_audit(live: Live, submission: str, actions: list[str]) -> None:
    from perfrules.service import audit
    from perfrules.service.config import Settings
    from perfrules.service.db import AuditEvent
    from perfrules.service.state import open_state

    state = open_state(Settings.build(live.data, live.db_url))
    with state.sessions() as db:
        assert audit.verify(db) == []
        events = [e for e in db.query(AuditEvent).order_by(AuditEvent.id) if e.submission_id == submission]
    state.engine.dispose()
    assert [e.action for e in events] == actions
    assert all(e.detail["sha256"].startswith("sha256:") for e in events)
    assert all(e.detail["pack"].startswith("sha256:") for e in events if e.action != "upload")
    assert {e.actor for e in events} == {"zfw", "review-sjz"}


def test_resubmission_diff_and_annotated_copy(live: Live, tmp_path: Path) -> None:
    first = _upload(live, "rsj", "自评表.xlsx", _blocked_book(tmp_path))
    assert first["verdict"] == "blocked"
    with live.client("rsj") as client:
        annotated = client.get(f"/api/v1/submissions/{first['id']}/annotated")
        assert annotated.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(annotated.content))["项目1"]
        assert "SCORE-IND-BOUNDS" in sheet["H13"].comment.text
        assert (
            "审核意见" in annotated.headers["content-disposition"]
            or "filename*" in annotated.headers["content-disposition"]
        )
    second = _upload(live, "rsj", "自评表-改.xlsx", WORKBOOK.read_bytes(), previous=str(first["id"]))
    assert second["verdict"] == "pass"
    report = json.loads(_report(live, "rsj", str(second["id"])))
    # 99999 breaks the project's total too (SCORE-TOTAL-SUM); both are fixed by the resubmission.
    assert sorted(f["rule_id"] for f in report["submissions"][0]["fixed"]) == ["SCORE-IND-BOUNDS", "SCORE-TOTAL-SUM"]
    assert report["summary"]["fixed"] == 2
    with live.client("zfw") as other:
        refused = other.post(
            "/api/v1/submissions", files={"file": (NARRATIVE.name, NARRATIVE.read_bytes())},
            data={"previous": str(first["id"])},
        )  # fmt: skip
        assert refused.status_code == 404
        text_copy = other.get(
            f"/api/v1/submissions/{_upload(live, 'zfw', 'a.txt', NARRATIVE.read_bytes())['id']}/annotated"
        )
        assert text_copy.status_code == 404


def test_list_filters(live: Live) -> None:
    _upload(live, "zfw", NARRATIVE.name, NARRATIVE.read_bytes())
    with live.client("review-all") as client:
        rows = client.get("/api/v1/submissions", params={"year": 2020, "verdict": "blocked"}).json()
        assert rows and all(r["fiscal_year"] == 2020 and r["verdict"] == "blocked" for r in rows)
        assert client.get("/api/v1/submissions", params={"year": 1999}).json() == []
        assert client.get("/api/v1/submissions", params={"verdict": "maybe"}).status_code == 422


def test_users_add_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from perfrules.cli import app

    data = tmp_path / "new-data"

    def add(*args: str, password: str = PASSWORD) -> tuple[int, str]:
        done = CliRunner().invoke(app, ["users", "add", *args, "--data", str(data)], input=password + "\n")
        return done.exit_code, done.output

    code, output = add("boss", "--role", "admin")
    assert code == 0, output
    assert PASSWORD not in output
    assert (data / "perfrules.sqlite3").is_file()
    assert add("boss", "--role", "admin")[0] == 2
    assert add("x", "--role", "submitter")[0] == 2
    assert add("x", "--role", "king")[0] == 2
    assert add("y", "--role", "reviewer", password="short")[0] == 2


def test_serve_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from perfrules.cli import app

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    done = CliRunner().invoke(app, ["serve", "--data", "unused"])
    assert done.exit_code == 2
    assert "perfrules[service]" in done.output


def test_the_default_upload_limit_is_20_mb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfrules.service.config import Settings

    assert Settings.build(tmp_path).max_upload == 20 * 1024 * 1024
    assert Settings.build(tmp_path).db_url == f"sqlite:///{(tmp_path / 'perfrules.sqlite3').resolve()}"
    monkeypatch.setenv("PERFRULES_MAX_UPLOAD", "1234")
    assert Settings.build(tmp_path).max_upload == 1234
    assert Settings.build(tmp_path, max_upload=99).max_upload == 99


def _zip(files: dict[str, bytes]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, raw in files.items():
            archive.writestr(name, raw)
    return buffer.getvalue()


def test_a_batch_is_checked_in_the_background(live: Live) -> None:
    import time

    raw = _zip(
        {
            "2020/政法委自评报告.txt": NARRATIVE.read_bytes(),
            "2020/副本.txt": NARRATIVE.read_bytes(),
            "picture.json": b"\x89PNG\r\n\x1a\n",
            "人社局.xlsx": WORKBOOK.read_bytes(),
        }
    )
    with live.client("zfw") as client:
        assert client.post("/api/v1/batches", files={"file": ("a.zip", b"not a zip")}).status_code == 415
        queued = client.post("/api/v1/batches", files={"file": ("材料.zip", raw)})
        assert queued.status_code == 202, queued.text
        job = queued.json()
        assert job["total"] == 3 and [e["file"] for e in job["errors"]] == ["picture.json"]
        deadline = time.monotonic() + 60
        while job["status"] != "done":
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
            job = client.get(job["url"]).json()
        assert job["done"] == job["total"] == 2 and len(job["submissions"]) == 2
        assert "部门" in job["errors"][-1]["message"]
        for submission in job["submissions"]:
            assert json.loads(client.get(f"/api/v1/submissions/{submission}").text)["verdict"] == "blocked"
    with live.client("rsj") as other:
        assert other.get(job["url"]).status_code == 404


def test_hostile_requests_never_get_a_500(live: Live) -> None:
    long_name = "很长的文件名" * 100 + ".txt"
    with live.client("zfw") as client, live.client() as anonymous:
        answers = [
            anonymous.post("/api/v1/login", content=b"{not json", headers={"Content-Type": "application/json"}),
            anonymous.post("/api/v1/login", json={"username": ["x"], "password": 1}),
            anonymous.post("/api/v1/login", json={"username": "x" * 10_000, "password": "y"}),
            client.get("/api/v1/submissions/" + "a" * 5000),
            client.get("/api/v1/submissions/../../etc/passwd"),
            client.get("/api/v1/submissions", params={"year": "二〇二〇"}),
            client.post("/api/v1/submissions", files={"file": ("../../../etc/x.json", b"{}")}),
            client.post("/api/v1/submissions", files={"file": ("C:\\\\Windows\\\\a.yaml", b"- [")}),
            client.post("/api/v1/submissions", files={"file": (long_name, NARRATIVE.read_bytes())}),
            client.post("/api/v1/submissions", files={"file": ("a.json", b"\xff\xfe\x00{")}),
            client.post("/api/v1/submissions", files={"file": ("a.yaml", b"a: &a [*a]")}),
            client.post("/api/v1/submissions", files={"file": ("a.txt", b"")}),
            client.post("/api/v1/submissions", files={"file": ("a.xlsx", b"")}),
            client.post(
                "/api/v1/submissions", files={"file": ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)}
            ),
            client.post(
                "/api/v1/submissions", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data; boundary=x"}
            ),
            client.post("/api/v1/submissions/" + str(uuid.uuid4()) + "/waivers", json={"fingerprint": 1}),
            client.post("/api/v1/batches", files={"file": ("a.zip", b"PK\x03\x04broken")}),
            client.get("/api/v1/batches/nope"),
            client.get("/openapi.json"),
        ]
    assert all(a.status_code < 500 for a in answers), [(a.request.url, a.status_code, a.text[:200]) for a in answers]
    stored = [a.json() for a in answers if a.status_code == 201]
    assert all(s["exit_code"] in (0, 1, 2) for s in stored)
    assert "Report" in answers[-1].json()["components"]["schemas"]


def _admin(live: Live) -> str:
    with live.client() as client:
        answer = client.post("/api/v1/login", json={"username": "admin", "password": PASSWORD})
    token: str = answer.json()["token"]
    return token


def test_an_admin_adds_users_and_sets_overlays_per_region_and_year(live: Live, tmp_path: Path) -> None:
    import httpx

    admin = httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {_admin(live)}"}, timeout=60)
    with admin, live.client("review-all") as reviewer, live.client("zfw") as submitter:
        body = {"username": "sjz-new", "password": PASSWORD, "role": "reviewer", "region": "130100"}
        assert reviewer.post("/api/v1/users", json=body).status_code == 403
        made = admin.post("/api/v1/users", json=body)
        assert made.status_code == 201 and PASSWORD not in made.text
        assert admin.post("/api/v1/users", json=body).status_code == 409
        assert admin.post("/api/v1/users", json={**body, "username": "x", "role": "submitter"}).status_code == 422
        setting = {"region": "130100", "fiscal_year": 2020, "overlays": ["sichuan"]}
        assert submitter.put("/api/v1/overlays", json=setting).status_code == 403
        assert admin.put("/api/v1/overlays", json={**setting, "overlays": ["nowhere"]}).status_code == 422
        assert admin.put("/api/v1/overlays", json={**setting, "fiscal_year": 2019}).status_code == 200
        assert admin.put("/api/v1/overlays", json=setting).json() == setting
        created = submitter.post("/api/v1/submissions", files={"file": (NARRATIVE.name, NARRATIVE.read_bytes())})
        report = submitter.get(created.json()["report_url"]).text
        assert admin.put("/api/v1/overlays", json={**setting, "overlays": []}).status_code == 200
    assert json.loads(report)["pack"]["overlays"] == ["sichuan"]
    assert report == _cli_json(NARRATIVE, "--overlay", "sichuan")
    with live.client() as client:
        assert client.post("/api/v1/login", json={"username": "sjz-new", "password": PASSWORD}).status_code == 200


def test_a_word_upload_has_an_annotated_copy_with_word_comments(live: Live, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    from tests.test_annotate_docx import _report as word_report

    raw = word_report(tmp_path / "报告.docx").read_bytes()
    created = _upload(live, "rsj", "报告.docx", raw)
    with live.client("rsj") as client:
        annotated = client.get(f"/api/v1/submissions/{created['id']}/annotated")
        assert annotated.status_code == 200
        assert ".docx" in annotated.headers["content-disposition"]
        document = docx.Document(io.BytesIO(annotated.content))
        assert document.part.package.part_related_by  # a real Word package
        xml = annotated.content
        assert b"comments.xml" in xml  # the copy carries a comments part; the stored upload does not
        assert b"comments.xml" not in raw


def test_the_service_accepts_every_type_the_cli_reads() -> None:
    from perfrules.read.inputs import READERS
    from perfrules.service.storage import ACCEPTED, Refused, sniff

    assert set(ACCEPTED) == set(READERS)
    sniff("报告.pdf", b"%PDF-1.7 ...")
    sniff("报告.html", "<html><body>自评报告</body></html>".encode())
    for name, raw in (("报告.pdf", b"PK\x03\x04..."), ("报告.docx", b"%PDF-1.7"), ("报告.html", b"\x7fELF...")):
        with pytest.raises(Refused) as refused:
            sniff(name, raw)
        assert refused.value.status == 415
