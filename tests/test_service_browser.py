"""The service's pages in real Chromium: log in, upload, verdict, annotated copy, resubmit, 已改正, the year.

Needs ``chromium`` on PATH (``scripts/ensure-chromium``) and Playwright's Python package, driving the
system browser (nothing is downloaded). Without chromium the test is skipped, unless
PERFRULES_REQUIRE_BROWSER=1, where it fails. CSRF and escaping are checked over plain HTTP too.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import openpyxl
import pytest

from tests.service_support import NARRATIVE, PASSWORD, WORKBOOK, Live, running


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("PERFRULES_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not on PATH but PERFRULES_REQUIRE_BROWSER=1; run scripts/ensure-chromium")
        pytest.skip("chromium is not on PATH (scripts/ensure-chromium installs it)")
    return found


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with running("sqlite", tmp_path_factory.mktemp("pages"), login=False) as server:
        yield server


def _blocked_book(folder: Path) -> Path:
    book = folder / "人社局自评表.xlsx"
    shutil.copy(WORKBOOK, book)
    workbook = openpyxl.load_workbook(book)
    workbook["项目1"]["H13"] = 99999  # an indicator score far above its weight
    workbook.save(book)
    return book


@contextmanager
def _session(live: Live, user: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=60) as client:
        yield _logged_in(client, user)


def _logged_in(client: httpx.Client, user: str) -> httpx.Client:
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = client.post("/login", data={"csrf": csrf.group(1), "username": user, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


def test_forms_without_the_csrf_token_are_refused(live: Live) -> None:
    with httpx.Client(base_url=live.url, timeout=60) as anonymous:
        anonymous.get("/login")
        refused = anonymous.post("/login", data={"csrf": "forged", "username": "zfw", "password": PASSWORD})
        assert refused.status_code == 403
        assert anonymous.get("/").status_code == 303
    with _session(live, "zfw") as client:
        upload = client.post("/upload", files={"file": (NARRATIVE.name, NARRATIVE.read_bytes())})
        assert upload.status_code == 403
        forged = client.post(
            "/upload", data={"csrf": "x" * 43}, files={"file": (NARRATIVE.name, NARRATIVE.read_bytes())}
        )
        assert forged.status_code == 403
        assert client.get("/").text.count('class="submission"') == 0
        wrong = httpx.post(
            f"{live.url}/login",
            data={"csrf": "a", "username": "zfw", "password": "bad"},
            cookies={"perfrules_login_csrf": "a"},
        )
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text


def _login(page: object, live: Live, user: str, lang: str = "") -> None:
    page.goto(f"{live.url}/login{lang}")  # type: ignore[attr-defined]
    page.fill("input[name=username]", user)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("#login")  # type: ignore[attr-defined]


def test_a_department_uploads_fixes_and_the_reviewer_sees_the_year(live: Live, tmp_path: Path) -> None:
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    blocked = _blocked_book(tmp_path)
    fixed = tmp_path / "人社局自评表-改正.xlsx"
    shutil.copy(WORKBOOK, fixed)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(accept_downloads=True)
            page = context.new_page()
            _login(page, live, "zfw")
            page.set_input_files("form.upload input[type=file]", str(NARRATIVE))
            page.click("form.upload button")
            assert page.inner_text("#verdict") == "不通过"
            assert "FUND-COMMINGLED" in page.inner_text("main")
            page.fill("form.justify input[name=reason]", "<script>alert(1)</script>已说明")
            page.click("form.justify button")
            assert "<script>alert(1)</script>已说明" in page.inner_text("main")
            context.clear_cookies()

            _login(page, live, "rsj")
            page.set_input_files("form.upload input[type=file]", str(blocked))
            page.click("form.upload button")
            assert page.inner_text("#verdict") == "不通过"
            with page.expect_download() as download:
                page.click("#annotated")
            copy = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
            assert "SCORE-IND-BOUNDS" in copy["项目1"]["H13"].comment.text
            page.set_input_files("form.upload input[type=file]", str(fixed))
            page.click("form.upload button")
            assert page.inner_text("#verdict") == "通过"
            assert "已改正" in page.inner_text("#fixed")
            assert "SCORE-IND-BOUNDS" in page.inner_text("#fixed")
            page.goto(f"{live.url}/?lang=en")
            assert page.locator("#mine tr.submission").count() == 2
            context.clear_cookies()

            _login(page, live, "review-sjz")
            page.goto(f"{live.url}/year?year=2020")
            rows = page.locator("#departments tr.department")
            assert rows.count() == 1 and "中共石家庄市委政法委员会" in rows.first.inner_text()
            _login(page, live, "review-all")
            page.goto(f"{live.url}/year?year=2022&lang=en")
            assert "人力资源" in page.inner_text("#departments") and "pass" in page.inner_text("#departments")
            page.goto(f"{live.url}/year?year=2020")
            page.screenshot(path=str(tmp_path / "year.png"), full_page=True)
            waive = page.locator("a", has_text=NARRATIVE.name)
            waive.first.click()
            page.fill("form.waive input[name=reason]", "已现场核查")
            page.fill("form.waive input[name=expires]", "2999-12-31")
            page.click("form.waive button")
            assert "已豁免" in page.inner_text("main")
        finally:
            browser.close()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_pages_over_http_scope_languages_and_several_files(live: Live) -> None:
    with _session(live, "zfw") as zfw, _session(live, "rsj") as rsj, _session(live, "review-all") as reviewer:
        token = _csrf(zfw.get("/").text)
        files = [("file", ("一.txt", NARRATIVE.read_bytes())), ("file", ("二.txt", NARRATIVE.read_bytes()))]
        several = zfw.post("/upload", data={"csrf": token}, files=files)
        assert several.status_code == 303 and several.headers["location"] == "/"
        home = zfw.get("/?lang=en")
        assert home.text.count('class="submission"') >= 2 and "blocked" in home.text and "Upload" in home.text
        submission = re.search(r'href="(/s/[0-9a-f-]+)\?lang=en"', home.text)
        assert submission is not None
        path = submission.group(1)
        assert rsj.get(path).status_code == 404
        assert rsj.get(path + "/annotated").status_code == 404
        assert rsj.post(path + "/justify", data={"csrf": _csrf(rsj.get("/").text)}).status_code == 404
        assert zfw.get(path + "/annotated").status_code == 404  # a narrative has no annotated copy
        assert zfw.post(path + "/justify", data={"fingerprint": "x", "reason": "y"}).status_code == 403
        assert zfw.post(path + "/waive", data={"csrf": token, "fingerprint": "x", "reason": "y"}).status_code == 403
        refused = zfw.post("/upload", data={"csrf": token}, files={"file": ("人社局.xlsx", WORKBOOK.read_bytes())})
        assert refused.status_code == 422 and "部门" in refused.text
        assert zfw.post("/upload", data={"csrf": token}).status_code == 422
        assert reviewer.get("/").status_code == 303
        year = reviewer.get("/year?lang=en")
        assert year.status_code == 200 and "The year at a glance" in year.text
        assert "default-src 'self'" in year.headers["content-security-policy"]
        out = zfw.post("/logout", data={"csrf": token})
        assert out.status_code == 303
        assert zfw.get("/").status_code == 303
    with httpx.Client(base_url=live.url, timeout=60) as anonymous:
        for path in ("/", "/year", "/s/x", "/s/x/annotated"):
            assert anonymous.get(path).headers["location"].startswith("/login")
        assert anonymous.post("/upload").status_code == 303
        assert anonymous.post("/s/x/justify").status_code == 303
