"""The append-only audit log: every decision, who made it, when, with the hashes it rests on.

Each row stores the SHA-256 of its content and of the row before it, so a deleted or edited
row breaks the chain (``verify``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from perfrules.service.db import AuditEvent, utcnow

GENESIS = "0" * 64


def _content_hash(prev: str, actor: str, action: str, submission_id: str | None, detail: dict[str, Any]) -> str:
    body = json.dumps([prev, actor, action, submission_id, detail], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(db: Session, actor: str, action: str, submission_id: str | None, detail: dict[str, Any]) -> None:
    """Append one event in the caller's transaction."""
    last = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1).with_for_update()).first()
    prev = last.hash if last else GENESIS
    db.add(
        AuditEvent(
            at=utcnow(),
            actor=actor,
            action=action,
            submission_id=submission_id,
            detail=detail,
            prev_hash=prev,
            hash=_content_hash(prev, actor, action, submission_id, detail),
        )
    )


def verify(db: Session) -> list[str]:
    """Problems with the chain: empty when every row is intact and in order."""
    problems: list[str] = []
    prev = GENESIS
    for event in db.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != prev:
            problems.append(f"audit #{event.id}: chain broken")
        if event.hash != _content_hash(event.prev_hash, event.actor, event.action, event.submission_id, event.detail):
            problems.append(f"audit #{event.id}: content changed")
        prev = event.hash
    return problems
