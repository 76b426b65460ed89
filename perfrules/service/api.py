"""The HTTP API, /api/v1: login, submissions, annotated copies, justifications and waivers."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from perfrules.model.report import Report
from perfrules.service.auth import authenticate, issue
from perfrules.service.checking import annotate
from perfrules.service.db import SubmissionRow
from perfrules.service.deps import ApiUser, DbDep, StateDep
from perfrules.service.scope import find, listing
from perfrules.service.state import State
from perfrules.service.storage import Refused, blob_path
from perfrules.service.submissions import Upload, decide, report_of, submit, summary_of

router = APIRouter(prefix="/api/v1")
NOT_FOUND = "找不到该提交 / no such submission"


class Login(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class TokenOut(BaseModel):
    token: str


class Created(BaseModel):
    id: str
    verdict: str
    exit_code: int
    summary: dict[str, int]
    report_url: str


class Justification(BaseModel):
    fingerprint: str = Field(max_length=80)
    reason: str = Field(min_length=1, max_length=2000)


class WaiverIn(Justification):
    expires: dt.date


@router.post("/login", responses={401: {"description": "wrong user name or password"}})
def login(body: Login, state: StateDep, db: DbDep) -> TokenOut:
    if state.limiter.blocked(body.username):
        raise HTTPException(429, "登录失败次数过多，请稍后再试 / too many failed logins, try again later")
    user = authenticate(db, body.username, body.password)
    if user is None:
        state.limiter.failed(body.username)
        raise HTTPException(401, "用户名或密码错误 / wrong user name or password")
    state.limiter.succeeded(body.username)
    token, _ = issue(db, user, "api", state.settings.token_hours)
    return TokenOut(token=token)


@router.post("/submissions", status_code=201)
def create_submission(
    user: ApiUser,
    state: StateDep,
    db: DbDep,
    file: Annotated[UploadFile, File()],
    previous: Annotated[str | None, Form(max_length=64)] = None,
) -> Created:
    raw = file.file.read(state.settings.max_upload + 1)
    row = submit(state, db, user, Upload(file.filename, raw), previous or None)
    return Created(
        id=row.id, verdict=row.verdict or "error", exit_code=row.exit_code if row.exit_code is not None else 2,
        summary=row.summary or {}, report_url=f"/api/v1/submissions/{row.id}",
    )  # fmt: skip


@router.get("/submissions")
def list_submissions(
    user: ApiUser,
    db: DbDep,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
    department: Annotated[str | None, Query(max_length=300)] = None,
    verdict: Annotated[str | None, Query(pattern="^(pass|blocked|error)$")] = None,
) -> list[dict[str, Any]]:
    return [summary_of(row) for row in db.scalars(listing(user, year, department, verdict))]


@router.get(
    "/submissions/{submission_id}",
    response_class=Response,
    responses={200: {"model": Report, "description": "the report, as perfrules check --format json"}, 404: {}},
)
def get_submission(submission_id: str, user: ApiUser, db: DbDep) -> Response:
    row = find(db, user, submission_id)
    if row is None or row.report is None:
        raise HTTPException(404, NOT_FOUND)
    return Response(row.report, media_type="application/json")


@router.get("/submissions/{submission_id}/annotated", response_class=FileResponse, responses={404: {}})
def get_annotated(submission_id: str, user: ApiUser, state: StateDep, db: DbDep) -> FileResponse:
    row = find(db, user, submission_id)
    if row is None:
        raise HTTPException(404, NOT_FOUND)
    return annotated_response(state, row)


def annotated_response(state: State, row: SubmissionRow) -> FileResponse:
    """The annotated copy of a workbook or Word upload, built on first request for the current report."""
    digest = hashlib.sha256((row.report or "").encode("utf-8")).hexdigest()[:16]
    suffix = ".docx" if row.filename.lower().endswith(".docx") else ".xlsx"
    out = state.settings.data / "annotated" / f"{row.id}-{digest}{suffix}"
    built = annotate(report_of(row), blob_path(state.settings.blobs, row.sha256), row.filename, out)
    if built is None:
        raise Refused(
            404,
            "只有 .xlsx 工作簿和 .docx 文档有批注副本 / only .xlsx workbooks and .docx documents have an annotated copy",
        )
    stem = row.filename.rsplit(".", 1)[0]
    return FileResponse(built, filename=f"{stem}.审核意见{suffix}")


@router.post("/submissions/{submission_id}/justifications", status_code=201)
def justify(submission_id: str, body: Justification, user: ApiUser, state: StateDep, db: DbDep) -> Created:
    return _decide(submission_id, "justification", body.model_dump(mode="json"), user, state, db)


@router.post("/submissions/{submission_id}/waivers", status_code=201)
def waive(submission_id: str, body: WaiverIn, user: ApiUser, state: StateDep, db: DbDep) -> Created:
    return _decide(submission_id, "waiver", body.model_dump(mode="json"), user, state, db)


def _decide(submission_id: str, kind: str, body: dict[str, Any], user: ApiUser, state: StateDep, db: DbDep) -> Created:
    row = find(db, user, submission_id)
    if row is None:
        raise HTTPException(404, NOT_FOUND)
    row = decide(state, db, user, row, kind, body)
    return Created(
        id=row.id, verdict=row.verdict or "error", exit_code=row.exit_code if row.exit_code is not None else 2,
        summary=row.summary or {}, report_url=f"/api/v1/submissions/{row.id}",
    )  # fmt: skip


@router.post("/batches", status_code=202)
def create_batch(user: ApiUser, state: StateDep, db: DbDep, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """A zip of a department's files, checked in the background; poll ``url`` for progress."""
    from perfrules.service.jobs import create, progress

    job = create(state, db, user, file.filename, file.file.read(state.settings.max_upload + 1))
    return progress(db, job)


@router.get("/batches/{job_id}", responses={404: {}})
def get_batch(job_id: str, user: ApiUser, db: DbDep) -> dict[str, Any]:
    from perfrules.service.jobs import find_job, progress

    job = find_job(db, user, job_id)
    if job is None:
        raise HTTPException(404, "找不到该批次 / no such batch")
    return progress(db, job)


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=1000)
    role: str = Field(pattern="^(submitter|reviewer|admin)$")
    department: str | None = Field(None, max_length=300)
    region: str | None = Field(None, max_length=40)


class Overlays(BaseModel):
    region: str = Field(min_length=1, max_length=40)
    fiscal_year: int | None = Field(None, ge=1900, le=2999)
    overlays: list[str] = Field(max_length=20)


@router.post("/users", status_code=201, responses={403: {}, 409: {}})
def create_user(body: NewUser, user: ApiUser, state: StateDep, db: DbDep) -> dict[str, Any]:
    """Admin only: a new account (nothing secret is returned)."""
    from perfrules.service.admin import create_user as create

    made = create(state, db, user, body.username, body.password, body.role, body.department, body.region)
    return {"username": made.username, "role": made.role, "department": made.department, "region": made.region}


@router.put("/overlays", responses={403: {}})
def put_overlays(body: Overlays, user: ApiUser, state: StateDep, db: DbDep) -> Overlays:
    """Admin only: the overlays a region's submissions are checked with (one year, or every year)."""
    from perfrules.service.admin import set_overlays

    row = set_overlays(state, db, user, body.region, body.fiscal_year, body.overlays)
    return Overlays(region=row.region, fiscal_year=row.fiscal_year, overlays=list(row.overlays))
