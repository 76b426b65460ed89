"""``perfrules serve`` and ``perfrules users add``: the service's commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from perfrules.service import INSTALL_HINT
from perfrules.service.config import ROLES

users_app = typer.Typer(no_args_is_help=True, help="服务账号 / service accounts")

DataOption = Annotated[Path, typer.Option("--data", help="数据目录（首次使用时创建）/ data folder, created if missing")]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="数据库 URL（默认数据目录内的 SQLite）/ database URL, e.g. postgresql+psycopg://…"),
]


def serve(
    data: DataOption,
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="监听地址 / address")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="端口 / port")] = 8000,
    max_upload: Annotated[
        int | None, typer.Option("--max-upload", min=1, help="上传大小上限（字节）/ upload limit in bytes")
    ] = None,
) -> None:
    """启动校验服务 / run the gating service (HTTP API and web pages)."""
    _require_extra()
    import uvicorn

    from perfrules.service.app import create_app
    from perfrules.service.config import Settings

    app = create_app(Settings.build(data, db, max_upload=max_upload))
    typer.echo(f"perfrules 服务 / service: http://{host}:{port}/", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="用户名 / user name")],
    role: Annotated[str, typer.Option("--role", help="submitter | reviewer | admin")],
    data: DataOption,
    department: Annotated[str | None, typer.Option("--department", help="部门（填报单位必填）/ department")] = None,
    region: Annotated[str | None, typer.Option("--region", help="行政区划代码 / region code")] = None,
    db: DbOption = None,
) -> None:
    """添加账号，密码从标准输入读取 / add an account; the password is read from stdin."""
    _require_extra()
    from sqlalchemy.exc import IntegrityError

    from perfrules.service.auth import add_user
    from perfrules.service.config import Settings
    from perfrules.service.state import open_state

    if role not in ROLES:
        typer.echo(f"--role 应为 {' | '.join(ROLES)} / --role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    if role == "submitter" and not department:
        typer.echo("填报单位账号须有 --department / a submitter needs --department", err=True)
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        typer.echo("密码至少 8 个字符（从标准输入读取）/ the password (read from stdin) needs 8 characters", err=True)
        raise typer.Exit(2)
    state = open_state(Settings.build(data, db))
    with state.sessions() as session:
        try:
            add_user(session, name, password, role, department, region)
        except IntegrityError:
            typer.echo(f"用户已存在 / user exists: {name}", err=True)
            raise typer.Exit(2) from None
    state.engine.dispose()
    typer.echo(f"已添加 / added: {name} ({role})")


def _require_extra() -> None:
    """The service's libraries, or a clear message naming the extra (exit 2, no traceback)."""
    import importlib

    for module in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "jinja2", "pwdlib", "argon2", "python_multipart"):
        try:
            importlib.import_module(module)
        except ImportError:
            typer.echo(f"服务需要 {module}：{INSTALL_HINT} / the service needs {module}: {INSTALL_HINT}", err=True)
            raise typer.Exit(2) from None
