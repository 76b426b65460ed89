"""The web pages (Chinese first, ``?lang=en``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

router = APIRouter()


def error_page(request: Request, status: int, message: str) -> Response:
    from html import escape

    return HTMLResponse(f"<!doctype html><meta charset=utf-8><p>{escape(message)}</p>", status)
