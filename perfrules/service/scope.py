"""Who sees what: a submitter their department, a reviewer their region (all without one)."""

from __future__ import annotations

from sqlalchemy import Select, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from perfrules.service.db import SubmissionRow, User


def visible(user: User) -> ColumnElement[bool]:
    if user.role == "submitter":
        return SubmissionRow.department == (user.department or "")
    if user.region:
        return SubmissionRow.region == user.region
    return true()


def listing(
    user: User, year: int | None = None, department: str | None = None, verdict: str | None = None
) -> Select[SubmissionRow]:
    query = select(SubmissionRow).where(visible(user), SubmissionRow.status == "checked")
    if year is not None:
        query = query.where(SubmissionRow.fiscal_year == year)
    if department:
        query = query.where(SubmissionRow.department == department)
    if verdict:
        query = query.where(SubmissionRow.verdict == verdict)
    return query.order_by(SubmissionRow.created_at.desc(), SubmissionRow.id)


def find(db: Session, user: User, submission_id: str) -> SubmissionRow | None:
    """The submission if the user may see it; another department's is exactly like a missing one."""
    return db.scalars(
        select(SubmissionRow).where(SubmissionRow.id == submission_id, visible(user), SubmissionRow.status == "checked")
    ).first()
