"""Uploads, rechecks and decisions: what the API and the pages both do."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from perfrules.model.report import Report, Waiver
from perfrules.service import audit
from perfrules.service.admin import overlays_for
from perfrules.service.checking import check_file, report_text
from perfrules.service.db import Decision, SubmissionRow, User, utcnow
from perfrules.service.scope import find
from perfrules.service.state import State
from perfrules.service.storage import Refused, blob_path, safe_name, sniff, store


@dataclass(frozen=True)
class Upload:
    filename: str | None
    raw: bytes


def summary_of(row: SubmissionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "filename": row.filename,
        "department": row.department,
        "region": row.region,
        "fiscal_year": row.fiscal_year,
        "verdict": row.verdict,
        "exit_code": row.exit_code,
        "summary": row.summary,
        "previous": row.previous_id,
        "created_at": row.created_at.isoformat() + "Z",
        "report_url": f"/api/v1/submissions/{row.id}",
    }


def report_of(row: SubmissionRow) -> Report:
    return Report.model_validate_json(row.report or "")


def _stamp(report: Report) -> dict[str, Any]:
    return {"pack": report.pack.content_hash, "overlays": report.pack.overlays, "verdict": report.verdict}


def submit(state: State, db: Session, user: User, upload: Upload, previous_id: str | None) -> SubmissionRow:
    """Store the bytes, then check them inline; the verdict is in the returned row."""
    if user.role != "submitter" or not user.department:
        raise Refused(403, "只有填报单位账号可以上传 / only a department's submitter account can upload")
    name = safe_name(upload.filename)
    if len(upload.raw) > state.settings.max_upload:
        raise Refused(413, f"文件超过 {state.settings.max_upload} 字节 / the file is over the size limit")
    sniff(name, upload.raw)
    previous = find(db, user, previous_id) if previous_id else None
    if previous_id and previous is None:
        raise Refused(404, "找不到上次的提交 / no such previous submission")
    sha, _ = store(state.settings.blobs, upload.raw)
    row = SubmissionRow(
        id=str(uuid.uuid4()), user_id=user.id, department=user.department, region=user.region, filename=name,
        sha256=sha, size=len(upload.raw), status="checking", previous_id=previous.id if previous else None,
        created_at=utcnow(),
    )  # fmt: skip
    with state.write_lock:
        db.add(row)
        audit.record(db, user.username, "upload", row.id, {"sha256": sha, "filename": name})
        db.commit()
    return finish(state, db, row, user.username)


def finish(state: State, db: Session, row: SubmissionRow, actor: str) -> SubmissionRow:
    """Check a stored upload and record the verdict (also how a restart re-queues one)."""
    report = recheck(state, db, row)
    others = sorted({s.department for s in report.submissions if s.department != row.department})
    with state.write_lock:
        if others:
            audit.record(db, actor, "refused", row.id, {"sha256": row.sha256, "departments": others, **_stamp(report)})
            db.delete(row)
            db.commit()
            raise Refused(
                422,
                f"材料的部门（{'、'.join(others)}）不是本账号的部门（{row.department}）/ "
                "the document names another department than this account's",
            )
        audit.record(db, actor, "checked", row.id, {"sha256": row.sha256, **_stamp(report)})
        db.commit()
    return row


def recheck(state: State, db: Session, row: SubmissionRow) -> Report:
    """Run the validator over the stored bytes with every decision so far; store the report."""
    decisions = list(db.scalars(select(Decision).where(Decision.submission_id == row.id).order_by(Decision.id)))
    waivers = []
    for d in decisions:
        if d.kind == "waiver" and d.expires is not None:
            approver = db.get(User, d.user_id)
            waivers.append(
                Waiver(fingerprint=d.fingerprint, approver=approver.username if approver else "?", reason=d.reason,
                       expires=d.expires)
            )  # fmt: skip
    justified = {d.fingerprint: d.reason for d in decisions if d.kind == "justification"}
    previous = db.get(SubmissionRow, row.previous_id) if row.previous_id else None
    earlier = report_of(previous) if previous and previous.report else None
    blob = blob_path(state.settings.blobs, row.sha256)
    overlays = overlays_for(state, db, row.region, row.fiscal_year)
    while True:
        report = check_file(
            blob, row.filename, rules=state.settings.rules, overlays=overlays, previous=earlier, waivers=waivers,
            justified=justified,
        )  # fmt: skip
        year = report.submissions[0].fiscal_year if report.submissions else None
        wanted = overlays_for(state, db, row.region, year)
        if wanted == overlays:  # the year is known only once the file is read
            break
        overlays = wanted
    row.report = report_text(report)
    row.verdict = report.verdict
    row.exit_code = report.exit_code
    row.summary = dict(report.summary)
    row.fiscal_year = report.submissions[0].fiscal_year if report.submissions else None
    row.status = "checked"
    return report


def decide(state: State, db: Session, user: User, row: SubmissionRow, kind: str, body: dict[str, Any]) -> SubmissionRow:
    """Record a justification (the submitter) or a waiver (a reviewer or admin), then recheck."""
    if kind == "waiver" and user.role not in ("reviewer", "admin"):
        raise Refused(403, "只有审核人可以豁免 / only a reviewer can waive a finding")
    if kind == "justification" and user.role != "submitter":
        raise Refused(403, "只有填报单位可以说明 / only the submitting department can justify a finding")
    fingerprint = str(body.get("fingerprint") or "")
    reason = str(body.get("reason") or "").strip()
    if not reason:
        raise Refused(422, "请填写理由 / a reason is required")
    known = {f.fingerprint for s in report_of(row).submissions for f in s.findings}
    if fingerprint not in known:
        raise Refused(422, "该提交没有这条问题 / no such finding in this submission")
    expires = None
    if kind == "waiver":
        try:
            expires = dt.date.fromisoformat(str(body.get("expires") or ""))
        except ValueError:
            raise Refused(422, "豁免须有到期日 YYYY-MM-DD / a waiver needs an expiry date YYYY-MM-DD") from None
    with state.write_lock:
        db.add(
            Decision(submission_id=row.id, kind=kind, fingerprint=fingerprint, reason=reason[:2000], expires=expires,
                     user_id=user.id, created_at=utcnow())
        )  # fmt: skip
        db.flush()
        report = recheck(state, db, row)
        detail = {"fingerprint": fingerprint, "reason": reason[:2000], "sha256": row.sha256, **_stamp(report)}
        if expires:
            detail["expires"] = expires.isoformat()
        audit.record(db, user.username, kind, row.id, detail)
        db.commit()
    return row


def requeue(state: State) -> int:
    """After a restart: every upload stored but not yet checked is checked now (batch files stay
    queued for the worker), and no half-written upload file is left behind."""
    for partial in state.settings.blobs.glob("*/.partial-*"):
        partial.unlink(missing_ok=True)
    with state.sessions() as db:
        pending = list(db.scalars(select(SubmissionRow).where(SubmissionRow.status == "checking")))
        for row in pending:
            try:
                finish(state, db, row, "perfrules-service")
            except Refused:
                continue
        return len(pending)
