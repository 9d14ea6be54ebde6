"""The analysis of a large survey as a job: reading and weighting its responses
and every indicator table, stored for the pages (``cache``).

A survey with more complete responses than ``ANALYSIS_REQUEST_MAX_RESPONSES`` is
not analysed inside a request. After each change of its data or weighting, the
first page that needs the analysis queues this job (one at a time per survey)
and shows the last computed state of the same weighting, marked with its time,
or a progress bar if there is none.

The diagnosis of an edited, not yet confirmed weighting set-up of such a survey
is a job too (``KIND_DRAFT``): the weighting page waits for it, and saving a
set-up whose small cells are to be merged leaves the merging to it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..auftraege.runner import JobError, JobKind, Progress
from ..auftraege.services import create_job
from ..extensions import db
from ..models import Job, JobStatus, Survey, utc_now
from . import outputs
from .weighting import (
    WeightingState,
    draft_fingerprint,
    merge_small_cells,
    store_draft,
    weighting_setup,
    weighting_state,
)

KIND = "analysis_refresh"
KIND_DRAFT = "weighting_draft"


def refresh_job(survey: Survey, kind: str = KIND) -> Job | None:
    """The survey's newest analysis job (queued, running or finished), if any;
    ``kind``: that of the draft diagnosis (``KIND_DRAFT``)."""
    return db.session.execute(
        select(Job)
        .where(Job.kind == kind, Job.survey_id == survey.id)
        .order_by(Job.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def queue_refresh(
    survey: Survey, actor_id: int | None, *, latest: Job | None = None
) -> Job:
    """Queue the analysis of the survey's current data, unless a job for it is
    already waiting or running (that one computes the newest data it sees).
    A failed job is not queued again by itself: ``retry`` does that.
    ``latest``: the survey's newest analysis job, if the caller has read it."""
    job = latest if latest is not None else refresh_job(survey)
    if job is not None and job.status in (
        JobStatus.QUEUED,
        JobStatus.RUNNING,
        JobStatus.FAILED,
    ):
        return job
    return start_refresh(survey, actor_id)


def refresh_when_due(
    survey: Survey, actor_id: int | None, latest: Job | None
) -> tuple[Job | None, datetime | None]:
    """Queue the analysis of newer data (``queue_refresh``) unless the last one
    finished less than ``ANALYSIS_REFRESH_MIN_SECONDS`` ago. ``latest``: the
    survey's newest analysis job. Returns the newest job and, when nothing
    was queued for the interval, when the next analysis is due."""
    due = _due_at(latest)
    if due is not None:
        return latest, due
    return queue_refresh(survey, actor_id, latest=latest), None


def _due_at(job: Job | None) -> datetime | None:
    """When the analysis may run again after ``job``: None if now."""
    interval = int(current_app.config["ANALYSIS_REFRESH_MIN_SECONDS"])
    if interval <= 0 or job is None or job.status != JobStatus.DONE:
        return None
    finished = job.finished_at
    if finished is None:
        return None
    if finished.tzinfo is None:  # SQLite drops the zone
        finished = finished.replace(tzinfo=UTC)
    due = finished + timedelta(seconds=interval)
    return due if due > utc_now() else None


def start_refresh(survey: Survey, actor_id: int | None) -> Job:
    """Queue a new analysis job (after a failed one: the analyst's retry)."""
    return create_job(
        KIND,
        _("Auswertung berechnen: %(title)s", title=survey.title),
        actor_id,
        {},
        survey_id=survey.id,
    )


def _refresh(job: Job, progress: Progress) -> None:
    survey = db.session.get(Survey, job.survey_id)
    if survey is None:
        raise JobError(_("Die Befragung gibt es nicht mehr."))
    definitions = outputs.indicators(survey)
    total = len(definitions) + 1
    progress(0, total)
    state: WeightingState = weighting_state(survey)
    progress(1, total)
    outputs.store_each_finding(
        state, definitions, lambda done, _n: progress(1 + done, total)
    )
    return None


def queue_draft(survey: Survey, actor_id: int | None) -> Job:
    """Queue the diagnosis of the set-up as edited, unless a job for it is
    waiting or running, or failed for this very set-up (``retry``)."""
    job = refresh_job(survey, KIND_DRAFT)
    if job is not None and (
        job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
        or job.status == JobStatus.FAILED
        and _of_current_setup(survey, job)
    ):
        return job
    return start_draft(survey, actor_id)


def _of_current_setup(survey: Survey, job: Job) -> bool:
    """Whether the diagnosis job was for the set-up as it is now."""
    setup = weighting_setup(survey)
    return setup is not None and job.params.get("setup") == draft_fingerprint(setup)


def start_draft(
    survey: Survey, actor_id: int | None, *, merge_small_cells: bool = False
) -> Job:
    """Queue the diagnosis of the set-up as edited; ``merge_small_cells``:
    first merge its too small cells (the set-up was saved with
    ``defer_collapse``)."""
    setup = weighting_setup(survey)
    return create_job(
        KIND_DRAFT,
        _("Gewichtung prüfen: %(title)s", title=survey.title),
        actor_id,
        {
            "setup": draft_fingerprint(setup) if setup is not None else None,
            "merge": bool(merge_small_cells),
        },
        survey_id=survey.id,
    )


def retry_draft(survey: Survey, actor_id: int | None) -> Job:
    """Queue the diagnosis again after a failed job; one that was to merge the
    small cells of this very set-up first does so again."""
    failed = refresh_job(survey, KIND_DRAFT)
    merge = bool(
        failed is not None
        and failed.params.get("merge")
        and _of_current_setup(survey, failed)
    )
    return start_draft(survey, actor_id, merge_small_cells=merge)


def _draft(job: Job, progress: Progress) -> None:
    survey = db.session.get(Survey, job.survey_id)
    if survey is None:
        raise JobError(_("Die Befragung gibt es nicht mehr."))
    merge = bool(job.params.get("merge")) and job.params.get("setup") is not None
    total = 2 if merge else 1
    progress(0, total)
    if merge:
        if merge_small_cells(survey, str(job.params["setup"])):
            # done: the job is now about the merged set-up (a failure below
            # is this set-up's, and its retry does not merge again)
            setup = weighting_setup(survey)
            assert setup is not None
            job.params = {"setup": draft_fingerprint(setup), "merge": False}
            db.session.commit()
        progress(1, total)
    store_draft(survey)
    progress(total, total)
    return None


def _findings_page(job: Job) -> str:
    return url_for("berichte.show_findings", survey_id=job.survey_id)


def _weighting_page(job: Job) -> str:
    return url_for("berichte.edit_weighting", survey_id=job.survey_id) + "#diagnose"


KINDS = {
    KIND: JobKind(_refresh, result_page=_findings_page),
    KIND_DRAFT: JobKind(_draft, result_page=_weighting_page),
}
