"""What an admin manages: accounts, and the overlays per region and year."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from perfrules.service import audit
from perfrules.service.auth import add_user
from perfrules.service.config import ROLES
from perfrules.service.db import OverlaySetting, User, utcnow
from perfrules.service.state import State
from perfrules.service.storage import Refused


def _require_admin(user: User) -> None:
    if user.role != "admin":
        raise Refused(403, "只有管理员可以这样做 / only an admin can do this")


def create_user(
    state: State, db: Session, admin: User, name: str, password: str, role: str, department: str | None,
    region: str | None,
) -> User:  # fmt: skip
    _require_admin(admin)
    if role not in ROLES or (role == "submitter" and not department) or len(password) < 8:
        raise Refused(422, "角色无效、填报单位缺部门或密码少于 8 位 / bad role, no department, or a short password")
    try:
        user = add_user(db, name, password, role, department, region)
    except IntegrityError:
        db.rollback()
        raise Refused(409, f"用户已存在 / user exists: {name}") from None
    with state.write_lock:
        audit.record(db, admin.username, "user", None, {"username": name, "role": role, "department": department})
        db.commit()
    return user


def set_overlays(
    state: State, db: Session, admin: User, region: str, year: int | None, overlays: Sequence[str]
) -> OverlaySetting:
    """Check submissions of ``region`` (in ``year``, or every year) with these overlays from now on."""
    from perfrules.pack.cache import load_pack_cached
    from perfrules.pack.location import default_rules_dir

    _require_admin(admin)
    pack = load_pack_cached(state.settings.rules or default_rules_dir(), list(overlays))
    if pack.problems:
        raise Refused(
            422, "叠加规则无法加载 / the overlays do not load: " + "; ".join(str(p) for p in pack.problems[:5])
        )
    row = _setting(db, region, year)
    if row is None:
        row = OverlaySetting(region=region, fiscal_year=year, overlays=[], set_by=admin.username)
        db.add(row)
    row.overlays, row.set_by, row.updated_at = list(overlays), admin.username, utcnow()
    with state.write_lock:
        detail = {"region": region, "fiscal_year": year, "overlays": list(overlays), "pack": pack.content_hash}
        audit.record(db, admin.username, "overlays", None, detail)
        db.commit()
    return row


def _setting(db: Session, region: str, year: int | None) -> OverlaySetting | None:
    same_year = OverlaySetting.fiscal_year == year if year is not None else OverlaySetting.fiscal_year.is_(None)
    return db.scalars(select(OverlaySetting).where(OverlaySetting.region == region, same_year)).first()


def overlays_for(state: State, db: Session, region: str | None, year: int | None) -> list[str]:
    """The region's overlays for the year, else for every year, else the server's default."""
    if region:
        for candidate in (year, None) if year is not None else (None,):
            found = _setting(db, region, candidate)
            if found is not None:
                return list(found.overlays)
    return list(state.settings.overlays)
