"""Accounts: argon2 password hashes (pwdlib), bearer tokens and page sessions, CSRF, login limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from perfrules.service.db import Token, User, utcnow

_HASHER = PasswordHash((Argon2Hasher(),))
# A constant hash to verify against when the user does not exist, so timing does not tell.
_DUMMY = _HASHER.hash("perfrules-not-a-user")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalars(select(User).where(User.username == username)).first()
    if user is None:
        _HASHER.verify(password, _DUMMY)
        return None
    return user if _HASHER.verify(password, user.password_hash) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(db: Session, user: User, kind: str, hours: int) -> tuple[str, str | None]:
    """A new token (only its hash is kept) and, for a page session, its CSRF secret."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32) if kind == "session" else None
    db.execute(delete(Token).where(Token.expires_at < utcnow()))
    db.add(
        Token(
            token_hash=_token_hash(token),
            user_id=user.id,
            kind=kind,
            csrf=csrf,
            expires_at=utcnow() + dt.timedelta(hours=hours),
        )
    )
    db.commit()
    return token, csrf


def lookup(db: Session, token: str | None, kind: str) -> tuple[User, Token] | None:
    if not token:
        return None
    row = db.get(Token, _token_hash(token))
    if row is None or row.kind != kind or row.expires_at < utcnow():
        return None
    user = db.get(User, row.user_id)
    return (user, row) if user is not None else None


def revoke(db: Session, token: str) -> None:
    db.execute(delete(Token).where(Token.token_hash == _token_hash(token)))
    db.commit()


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class LoginLimiter:
    """At most ``attempts`` failed logins per user name within ``window`` seconds."""

    def __init__(self, attempts: int, window: float) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, username: str) -> bool:
        with self._lock:
            failures = self._failures[username]
            while failures and failures[0] < time.monotonic() - self.window:
                failures.popleft()
            return len(failures) >= self.attempts

    def failed(self, username: str) -> None:
        with self._lock:
            self._failures[username].append(time.monotonic())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)


def add_user(db: Session, username: str, password: str, role: str, department: str | None, region: str | None) -> User:
    """A new account; the caller has checked the role and that a submitter has a department."""
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        department=department,
        region=region,
        created_at=utcnow(),
    )
    db.add(user)
    db.commit()
    return user
