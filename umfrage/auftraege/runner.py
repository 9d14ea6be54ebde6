"""Running jobs: claim, heartbeat, progress, result file, failure and recovery.

A job function takes the job row and a ``progress(done, total)`` callback and
returns a :class:`JobResult` (None for a job whose work is stored elsewhere,
e.g. the analysis it computed); it raises :class:`JobError` with a message a clerk
can act on when the job cannot be done (that is final, no retry). Any other
exception is logged and retried up to ``JOB_MAX_ATTEMPTS`` in all; after that
the job fails with a general message.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..extensions import db
from ..models import Job, JobStatus, utc_now

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class JobError(Exception):
    """The job cannot be done; ``message`` tells the clerk why (German), and
    ``problems`` (at most ``MAX_SHOWN_PROBLEMS``, each "where: what") name each
    thing wrong in an uploaded file. Stored one a line in ``Job.error_message``."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        shown = int(current_app.config.get("MAX_SHOWN_PROBLEMS", 20))
        lines = [message, *(" ".join(p.split()) for p in problems[:shown])]
        if len(problems) > shown:
            lines.append(
                _(
                    "Gezeigt sind die ersten %(shown)d von %(n)d Fehlern.",
                    shown=shown,
                    n=len(problems),
                )
            )
        self.message = "\n".join(lines)
        super().__init__(self.message)


@dataclass(frozen=True)
class JobResult:
    content: bytes
    filename: str
    mimetype: str
    # Delete the result at this moment at the latest (default: JOB_RESULT_DAYS).
    keep_until: datetime | None = None


@dataclass(frozen=True)
class JobKind:
    run: Callable[[Job, Progress], JobResult | None]
    # Results holding invitation codes: a download does not shorten their life;
    # the clerk confirms receipt (``confirm_receipt(actor id, job)`` deletes the
    # codes and files) or the deadline passes. ``receipt_label`` is its button.
    confirm_receipt: Callable[[int | None, Job], None] | None = None
    receipt_label: Any = None
    # Called with (actor id, job) at each download, e.g. for the audit log.
    on_download: Callable[[int | None, Job], None] | None = None
    # A page shows the result (an upload's preview or report) instead of a
    # download: the finished job's page leads to ``result_page(job)``.
    result_page: Callable[[Job], str] | None = None
    # Said once, when the finished job's page first leads to its result page.
    result_notice: Callable[[Job], str | None] | None = None
    # Where to start again with another file; shown instead of retrying.
    restart_page: Callable[[Job], str] | None = None
    # Called once the job is done or has failed for good (not when it is queued
    # again after a server error), e.g. to delete the uploaded file it read.
    finished: Callable[[Job], None] | None = None


def kinds() -> dict[str, JobKind]:
    """Every job function by its ``Job.kind``."""
    from ..berichte import analysis_jobs, report_jobs
    from ..gestaltung import code_jobs, import_jobs, translation_jobs
    from ..verwaltung import layer_jobs, population_jobs, street_jobs

    return {
        **code_jobs.KINDS,
        **report_jobs.KINDS,
        **analysis_jobs.KINDS,
        **import_jobs.KINDS,
        **translation_jobs.KINDS,
        **layer_jobs.KINDS,
        **population_jobs.KINDS,
        **street_jobs.KINDS,
    }


def results_dir() -> Path:
    return Path(current_app.instance_path) / "jobs"


def result_file(job: Job) -> Path | None:
    return results_dir() / job.result_path if job.result_path else None


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["JOB_LEASE_SECONDS"]))


def execute(job_id: int) -> None:
    """Run the job if it is queued (a duplicate task, or one for a job already
    done or being run elsewhere, does nothing)."""
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            lease_until=utc_now() + _lease(),
            error_message=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return
    job = db.session.get(Job, job_id)
    if job is None:  # deleted with its survey meanwhile
        return
    limit = int(current_app.config["JOB_MAX_ATTEMPTS"])
    kind = kinds().get(job.kind)
    if kind is None:
        _fail(job, _("Diese Art von Auftrag gibt es nicht mehr."))
        return
    if job.attempts > limit:
        _fail(job, _("Der Auftrag wurde %(count)d-mal abgebrochen.", count=limit))
        _finished(kind, job)
        return
    heartbeat = _Heartbeat(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]
    heartbeat.start()
    try:
        result = kind.run(job, _progress_reporter(job_id))
    except JobError as error:
        db.session.rollback()
        _fail(job, error.message)
        _finished(kind, job)
    except Exception:
        log.exception("job %s (%s) failed", job_id, job.kind)
        db.session.rollback()
        if job.attempts < limit:
            job.status = JobStatus.QUEUED
            db.session.commit()
            raise  # huey queues the task again after JOB_RETRY_DELAY_SECONDS
        _fail(
            job,
            _(
                "Ein unerwarteter Fehler ist aufgetreten (im Server-Protokoll "
                "vermerkt). Versuchen Sie es erneut oder wenden Sie sich an die "
                "Verwaltung."
            ),
        )
        _finished(kind, job)
    else:
        # a server error in storing leaves the job running until its lease
        # passes; then it is queued again (recover_stalled), its file still there
        _store(job, result)
        _finished(kind, job)
    finally:
        heartbeat.stop()


def _finished(kind: JobKind, job: Job) -> None:
    if kind.finished is not None:
        kind.finished(job)


def _fail(job: Job, message: str) -> None:
    job.status = JobStatus.FAILED
    job.error_message = message
    job.finished_at = utc_now()
    job.lease_until = None
    db.session.commit()


def _store(job: Job, result: JobResult | None) -> None:
    """Mark the job done, with its result file (None: a job without one)."""
    now = utc_now()
    written = None
    if result is not None:
        folder = results_dir()
        folder.mkdir(parents=True, exist_ok=True)
        suffix = Path(result.filename).suffix
        name = f"{job.id}-{secrets.token_hex(8)}{suffix}"
        partial = folder / (name + ".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(result.content)
        written = folder / name
        os.replace(partial, written)
        days = timedelta(days=float(current_app.config["JOB_RESULT_DAYS"]))
        job.result_path = name
        job.result_name = result.filename
        job.result_mimetype = result.mimetype
        job.result_size = len(result.content)
        job.keep_until = result.keep_until or now + days
    job.status = JobStatus.DONE
    job.progress_done = max(job.progress_done, job.progress_total)
    job.finished_at = now
    job.lease_until = None
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        if written is not None:
            written.unlink(missing_ok=True)
        raise


def _progress_reporter(job_id: int) -> Progress:
    """``progress(done, total)`` for a job function: written in its own short
    transaction (not the job's session), at most about three times a second."""
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.3:
            return
        last[0] = now
        with db.engine.begin() as connection:
            connection.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    progress_done=int(done),
                    progress_total=int(total),
                    lease_until=utc_now() + _lease(),
                )
            )

    return progress


class _Heartbeat:
    """Pushes the running job's lease forward every third of a lease, so that a
    job which reports no progress for a while is not taken for lost."""

    def __init__(self, app: Any, job_id: int) -> None:
        self.app = app
        self.job_id = job_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        with self.app.app_context():
            interval = float(current_app.config["JOB_LEASE_SECONDS"]) / 3
            while not self.stopped.wait(interval):
                try:
                    with db.engine.begin() as connection:
                        connection.execute(
                            update(Job)
                            .where(
                                Job.id == self.job_id,
                                Job.status == JobStatus.RUNNING,
                            )
                            .values(lease_until=utc_now() + _lease())
                        )
                except Exception:  # the next beat tries again
                    log.exception("heartbeat of job %s failed", self.job_id)


def recover_stalled(now: datetime | None = None) -> list[int]:
    """Queue again every running job whose lease has passed (its worker is gone);
    returns their ids. Safe with several consumers: each job is taken by one."""
    from .queue import enqueue

    now = now or utc_now()
    stalled = (
        db.session.execute(
            select(Job.id).where(Job.status == JobStatus.RUNNING, Job.lease_until < now)
        )
        .scalars()
        .all()
    )
    requeued = []
    for job_id in stalled:
        taken = db.session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == JobStatus.RUNNING,
                Job.lease_until < now,
            )
            .values(status=JobStatus.QUEUED, lease_until=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if taken == 1:
            log.warning("job %s lost its worker; queued again", job_id)
            requeued.append(job_id)
            enqueue(job_id)
    return requeued


def purge_results(now: datetime | None = None) -> int:
    """Delete the result files of jobs past ``keep_until`` (status ``expired``)."""
    now = now or utc_now()
    jobs = (
        db.session.execute(
            select(Job).where(Job.status == JobStatus.DONE, Job.keep_until <= now)
        )
        .scalars()
        .all()
    )
    for job in jobs:
        expire(job)
    db.session.commit()
    return len(jobs)


def expire(job: Job) -> None:
    """In the caller's transaction: delete the job's result file, if any."""
    path = result_file(job)
    if path is not None:
        path.unlink(missing_ok=True)
    job.result_path = None
    if job.status == JobStatus.DONE:
        job.status = JobStatus.EXPIRED
