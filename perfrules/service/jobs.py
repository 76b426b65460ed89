"""Batch uploads: a zip's files become queued submissions in the database; a worker checks them.

Nothing is held in memory between requests: every file is stored and queued in one transaction
before the answer, and after a crash or restart the worker picks up whatever is still queued.
"""

from __future__ import annotations

import io
import threading
import uuid
import zipfile
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from perfrules.service import audit
from perfrules.service.db import Job, SubmissionRow, User, utcnow
from perfrules.service.state import State
from perfrules.service.storage import Refused, safe_name, sniff, store
from perfrules.service.submissions import finish

MAX_FILES = 1000


def _entries(state: State, raw: bytes) -> tuple[list[tuple[str, bytes]], list[dict[str, str]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = [i for i in archive.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
    except (zipfile.BadZipFile, ValueError) as exc:
        raise Refused(422, f"无法读取 zip 文件 / cannot read the zip file: {exc}") from None
    if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > 10 * state.settings.max_upload:
        raise Refused(413, "zip 内文件过多或过大 / too many or too large files in the zip")
    files: list[tuple[str, bytes]] = []
    errors: list[dict[str, str]] = []
    for info in infos:
        name = info.filename.rsplit("/", 1)[-1]
        if name.startswith(".") or name.startswith("~$"):
            continue
        try:
            if info.file_size > state.settings.max_upload:
                raise Refused(413, "文件超过大小限制 / over the size limit")
            data = archive.read(info)
            sniff(safe_name(name), data)
        except Refused as exc:
            errors.append({"file": info.filename, "message": exc.message})
            continue
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            errors.append({"file": info.filename, "message": f"无法解压 / cannot extract: {exc}"})
            continue
        files.append((safe_name(name), data))
    return files, errors


def create(state: State, db: Session, user: User, filename: str | None, raw: bytes) -> Job:
    """Store the zip and each of its files, and queue them, in one transaction."""
    if user.role != "submitter" or not user.department:
        raise Refused(403, "只有填报单位账号可以上传 / only a department's submitter account can upload")
    name = safe_name(filename)
    if len(raw) > state.settings.max_upload:
        raise Refused(413, "文件超过大小限制 / the upload is over the size limit")
    if not raw.startswith(b"PK\x03\x04"):
        raise Refused(415, f"{name}: 不是 zip 文件 / not a zip file")
    files, errors = _entries(state, raw)
    sha, _ = store(state.settings.blobs, raw)
    job = Job(
        id=str(uuid.uuid4()), user_id=user.id, department=user.department, region=user.region, filename=name,
        sha256=sha, status="queued", total=len(files), errors=errors, created_at=utcnow(),
    )  # fmt: skip
    rows = []
    for entry, data in files:
        entry_sha, _ = store(state.settings.blobs, data)
        rows.append(
            SubmissionRow(
                id=str(uuid.uuid4()),
                user_id=user.id,
                department=user.department,
                region=user.region,
                filename=entry,
                sha256=entry_sha,
                size=len(data),
                status="queued",
                job_id=job.id,
                created_at=utcnow(),
            )
        )
    with state.write_lock:
        db.add(job)
        db.add_all(rows)
        audit.record(db, user.username, "batch", None, {"sha256": sha, "job": job.id, "files": len(rows)})
        db.commit()
    return job


def progress(db: Session, job: Job) -> dict[str, Any]:
    counts = dict(
        db.execute(
            select(SubmissionRow.status, func.count())
            .where(SubmissionRow.job_id == job.id)
            .group_by(SubmissionRow.status)
        ).all()
    )
    ids = list(
        db.scalars(select(SubmissionRow.id).where(SubmissionRow.job_id == job.id, SubmissionRow.status == "checked"))
    )
    return {
        "id": job.id,
        "status": job.status,
        "total": job.total,
        "done": job.total - counts.get("queued", 0) - counts.get("checking", 0),
        "submissions": sorted(ids),
        "errors": job.errors,
        "url": f"/api/v1/batches/{job.id}",
    }


def step(state: State) -> bool:
    """Check one queued file; False when nothing is queued."""
    with state.sessions() as db:
        row = db.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.status == "queued")
            .order_by(SubmissionRow.created_at, SubmissionRow.id)
            .limit(1)
        ).first()
        if row is None:
            return False
        job = db.get(Job, row.job_id) if row.job_id else None
        try:
            finish(state, db, row, "perfrules-service")
        except Refused as exc:
            if job is not None:
                job.errors = [*job.errors, {"file": row.filename, "message": exc.message}]
                job.total -= 1
                db.commit()
        except Exception as exc:  # a file the validator could not finish must not stop the queue
            db.rollback()
            row.status = "failed"
            if job is not None:
                job.errors = [*job.errors, {"file": row.filename, "message": f"{type(exc).__name__}: {exc}"[:500]}]
            db.commit()
        if job is not None:
            left = db.scalar(
                select(func.count()).where(
                    SubmissionRow.job_id == job.id, SubmissionRow.status.in_(("queued", "checking"))
                )
            )
            job.status = "done" if not left else "running"
            db.commit()
        return True


class Worker:
    """One background thread draining the queue; it stops when the server does."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="perfrules-jobs", daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            if not step(self.state):
                self.stop.wait(0.2)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


def find_job(db: Session, user: User, job_id: str) -> Job | None:
    """The job if the user may see it (the same scope as submissions)."""
    job = db.get(Job, job_id)
    if job is None:
        return None
    if user.role == "submitter":
        return job if job.department == user.department else None
    return job if not user.region or job.region == user.region else None
