"""The web pages (Chinese first, ``?lang=en``): log in, upload, my submissions, a submission, the year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from perfrules.service.auth import authenticate, issue, revoke
from perfrules.service.deps import DbDep, StateDep
from perfrules.service.i18n import text
from perfrules.service.scope import find, listing
from perfrules.service.storage import Refused
from perfrules.service.submissions import Upload, decide, report_of, submit
from perfrules.service.view import submission_view, year_view
from perfrules.service.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    lang_of,
    link,
    login_csrf,
    render,
    session,
    to_login,
)

router = APIRouter(include_in_schema=False)


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", status, message=message)


@router.get("/login")
def login_form(request: Request) -> Response:
    token = login_csrf()
    response = render(request, "login.html", csrf=token, failed=None)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/login")
async def login(request: Request, state: StateDep, db: DbDep) -> Response:
    form = await request.form()
    if not check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), form):
        return error_page(request, 403, text("csrf", lang_of(request)))
    username = str(form.get("username") or "")[:200]
    if state.limiter.blocked(username):
        return render(request, "login.html", 429, csrf=form.get("csrf"), failed=text("login_limited", lang_of(request)))
    user = authenticate(db, username, str(form.get("password") or "")[:1000])
    if user is None:
        state.limiter.failed(username)
        return render(request, "login.html", 401, csrf=form.get("csrf"), failed=text("login_failed", lang_of(request)))
    state.limiter.succeeded(username)
    token, _ = issue(db, user, "session", state.settings.token_hours)
    response = RedirectResponse(link(request, "/"), 303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, db: DbDep) -> Response:
    found = session(request, db)
    form = await request.form()
    if found is not None and check_csrf(found[1].csrf, form):
        revoke(db, request.cookies.get(SESSION_COOKIE, ""))
    response = to_login(request)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, db: DbDep) -> Response:
    found = session(request, db)
    if found is None:
        return to_login(request)
    user, token = found
    if user.role != "submitter":
        return RedirectResponse(link(request, "/year"), 303)
    rows = list(db.scalars(listing(user)))
    return render(request, "home.html", user=user, csrf=token.csrf, rows=rows)


@router.post("/upload")
async def upload(request: Request, state: StateDep, db: DbDep) -> Response:
    found = session(request, db)
    if found is None:
        return to_login(request)
    user, token = found
    form = await request.form()
    if not check_csrf(token.csrf, form):
        return error_page(request, 403, text("csrf", lang_of(request)))
    files = [f for f in form.getlist("file") if isinstance(f, UploadFile) and f.filename]
    if not files:
        raise Refused(422, "请选择文件 / choose a file")
    previous = form.get("previous")
    last = None
    for item in files:
        raw = await item.read(state.settings.max_upload + 1)
        last = submit(state, db, user, Upload(item.filename, raw), previous if isinstance(previous, str) else None)
    target = f"/s/{last.id}" if last is not None and len(files) == 1 else "/"
    return RedirectResponse(link(request, target), 303)


@router.get("/s/{submission_id}")
def submission(submission_id: str, request: Request, db: DbDep) -> Response:
    found = session(request, db)
    if found is None:
        return to_login(request)
    user, token = found
    row = find(db, user, submission_id)
    if row is None:
        return error_page(request, 404, "找不到该提交 / no such submission")
    view = submission_view(row, report_of(row))
    return render(request, "submission.html", user=user, csrf=token.csrf, row=row, view=view)


@router.get("/s/{submission_id}/annotated")
def annotated(submission_id: str, request: Request, state: StateDep, db: DbDep) -> Response:
    from perfrules.service.api import annotated_response

    found = session(request, db)
    if found is None:
        return to_login(request)
    row = find(db, found[0], submission_id)
    if row is None:
        return error_page(request, 404, "找不到该提交 / no such submission")
    return annotated_response(state, row)


@router.post("/s/{submission_id}/{kind}")
async def decision(submission_id: str, kind: str, request: Request, state: StateDep, db: DbDep) -> Response:
    found = session(request, db)
    if found is None:
        return to_login(request)
    user, token = found
    form = await request.form()
    if not check_csrf(token.csrf, form):
        return error_page(request, 403, text("csrf", lang_of(request)))
    row = find(db, user, submission_id)
    if row is None or kind not in ("justify", "waive"):
        return error_page(request, 404, "找不到该提交 / no such submission")
    body = {k: form.get(k) for k in ("fingerprint", "reason", "expires")}
    decide(state, db, user, row, "waiver" if kind == "waive" else "justification", body)
    return RedirectResponse(link(request, f"/s/{row.id}"), 303)


@router.get("/year")
def year(
    request: Request, db: DbDep, y: Annotated[int | None, Query(alias="year", ge=1900, le=2999)] = None
) -> Response:
    found = session(request, db)
    if found is None:
        return to_login(request)
    user, token = found
    rows = list(db.scalars(listing(user)))
    view = year_view(rows, y)
    return render(request, "year.html", user=user, csrf=token.csrf, view=view)
