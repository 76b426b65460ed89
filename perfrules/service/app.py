"""The application factory: settings → a FastAPI app with the API, the pages and the limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from perfrules._version import __version__
from perfrules.service.config import Settings
from perfrules.service.state import State, open_state
from perfrules.service.storage import Refused

_MULTIPART_SLACK = 64 * 1024


class BodyLimit:
    """Refuse a request body over the upload limit with 413, before it is read."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit + _MULTIPART_SLACK

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.limit):
                response = JSONResponse({"detail": "文件超过大小限制 / the upload is over the size limit"}, 413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings, state: State | None = None) -> FastAPI:
    shared = state or open_state(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from perfrules.service.jobs import Worker
        from perfrules.service.submissions import requeue

        requeue(shared)
        worker = Worker(shared)
        worker.start()
        yield
        worker.close()

    app = FastAPI(
        title="perfrules service",
        version=__version__,
        description="预算绩效自评在线校验 / budget-performance self-evaluation gating service",
        lifespan=lifespan,
    )
    app.state.perfrules = shared

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.message}, exc.status)
        from perfrules.service.pages import error_page

        return error_page(request, exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()]
        return JSONResponse({"detail": "请求无效 / invalid request", "errors": errors}, 422)

    from perfrules.service.api import router
    from perfrules.service.pages import router as pages

    app.include_router(router)
    app.include_router(pages)
    app.add_middleware(BodyLimit, limit=settings.max_upload)
    return app
