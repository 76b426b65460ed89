"""The pages' plumbing: the session cookie, CSRF, the language and rendering."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from perfrules.service.auth import csrf_ok, lookup
from perfrules.service.db import Token, User
from perfrules.service.i18n import text

SESSION_COOKIE = "perfrules_session"
LOGIN_CSRF_COOKIE = "perfrules_login_csrf"
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def lang_of(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def session(request: Request, db: Session) -> tuple[User, Token] | None:
    return lookup(db, request.cookies.get(SESSION_COOKIE), "session")


def check_csrf(expected: str | None, form: Any) -> bool:
    given = form.get("csrf")
    return csrf_ok(expected, given if isinstance(given, str) else None)


def link(request: Request, path: str) -> str:
    """A path that keeps ``?lang=en``."""
    if lang_of(request) != "en":
        return path
    return path + ("&" if "?" in path else "?") + "lang=en"


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    lang = lang_of(request)
    other = str(request.url.include_query_params(lang="zh" if lang == "en" else "en"))
    body = _ENV.get_template(template).render(
        t=lambda key: text(key, lang), lang=lang, link=lambda path: link(request, path), other_lang=other, **values
    )
    response = HTMLResponse(body, status)
    response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def to_login(request: Request) -> Response:
    return RedirectResponse(link(request, "/login"), 303)


def login_csrf() -> str:
    return secrets.token_urlsafe(32)
