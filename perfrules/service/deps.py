"""FastAPI dependencies: the shared state, a database session, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from perfrules.service.auth import lookup
from perfrules.service.db import User
from perfrules.service.state import State


def get_state(request: Request) -> State:
    state: State = request.app.state.perfrules
    return state


def get_db(state: Annotated[State, Depends(get_state)]) -> Iterator[Session]:
    with state.sessions() as db:
        yield db


def api_user(request: Request, db: Annotated[Session, Depends(get_db)]) -> User:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    found = lookup(db, token.strip(), "api") if scheme.lower() == "bearer" else None
    if found is None:
        raise HTTPException(401, "需要有效的令牌 / a valid bearer token is required", {"WWW-Authenticate": "Bearer"})
    return found[0]


StateDep = Annotated[State, Depends(get_state)]
DbDep = Annotated[Session, Depends(get_db)]
ApiUser = Annotated[User, Depends(api_user)]
