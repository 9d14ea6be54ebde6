"""Creating, listing, retrying and downloading jobs (the page's side)."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Job, JobStatus, Role, User, utc_now
from . import queue
from .runner import kinds, purge_results, result_file

log = logging.getLogger(__name__)

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE)


def create_job(
    kind: str,
    title: str,
    owner_id: int | None,
    params: dict[str, Any],
    survey_id: int | None = None,
) -> Job:
    """Store a job and queue it (commits first, so a worker finds the row)."""
    if kind not in kinds():
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        kind=kind,
        title=title,
        owner_id=owner_id,
        survey_id=survey_id,
        params=params,
        status=JobStatus.QUEUED,
        progress_done=0,
        progress_total=0,
        attempts=0,
    )
    db.session.add(job)
    db.session.commit()
    _enqueue_or_fail(job)
    return job


def _enqueue_or_fail(job: Job) -> None:
    """Queue the job; if the queue cannot be reached (Redis down), the job fails
    at once with a message, instead of waiting for ever."""
    try:
        queue.enqueue(job.id)
    except Exception:
        log.exception("job %s could not be queued", job.id)
        db.session.rollback()
        job.status = JobStatus.FAILED
        job.error_message = _(
            "Die Warteschlange für Aufträge ist nicht erreichbar. Versuchen Sie es "
            "später erneut oder wenden Sie sich an die Verwaltung."
        )
        job.finished_at = utc_now()
        db.session.commit()
    db.session.expire_all()  # in immediate mode the job has run meanwhile


def job_for(user: User, job_id: int) -> Job:
    """The job if this user may see it (its owner; admins see all), else 404."""
    purge_results()
    job = db.session.get(Job, job_id)
    if job is None or (user.role != Role.ADMIN and job.owner_id != user.id):
        abort(404)
    return job


def jobs_of(user: User, limit: int = 100) -> list[Job]:
    """The user's jobs (an admin's: everyone's), newest first."""
    purge_results()
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if user.role != Role.ADMIN:
        query = query.where(Job.owner_id == user.id)
    return list(db.session.execute(query).scalars())


def retry(job: Job) -> bool:
    """Queue a failed job again (False when it has not failed)."""
    if job.status != JobStatus.FAILED:
        return False
    job.status = JobStatus.QUEUED
    job.error_message = None
    job.attempts = 0
    job.progress_done = 0
    job.finished_at = None
    db.session.commit()
    _enqueue_or_fail(job)
    return True


def needs_receipt(job: Job) -> bool:
    kind = kinds().get(job.kind)
    return kind is not None and kind.confirm_receipt is not None


def open_result(actor_id: int | None, job: Job) -> Path | None:
    """The result file to send, noting the download: from the first download on,
    an ordinary result is kept only ``JOB_KEEP_HOURS_AFTER_DOWNLOAD`` longer."""
    path = result_file(job)
    if job.status != JobStatus.DONE or path is None or not path.exists():
        return None
    now = utc_now()
    if job.downloaded_at is None:
        job.downloaded_at = now
        if not needs_receipt(job):
            hours = float(current_app.config["JOB_KEEP_HOURS_AFTER_DOWNLOAD"])
            later = now + timedelta(hours=hours)
            kept = job.keep_until
            if kept is not None and kept.tzinfo is None:  # SQLite drops the zone
                kept = kept.replace(tzinfo=UTC)
            if kept is None or later < kept:
                job.keep_until = later
        db.session.commit()
    kind = kinds().get(job.kind)
    if kind is not None and kind.on_download is not None:
        kind.on_download(actor_id, job)
    return path


def note_shown(job: Job) -> bool:
    """Note that the result page of a job was shown; True the first time."""
    if job.downloaded_at is not None:
        return False
    job.downloaded_at = utc_now()
    db.session.commit()
    return True


def status_data(job: Job) -> dict[str, Any]:
    """What the progress script polls."""
    return {
        "status": job.status.value,
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
    }
