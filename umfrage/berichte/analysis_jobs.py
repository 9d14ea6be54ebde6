"""The analysis of a large survey as a job: reading and weighting its responses
and every indicator table, stored for the pages (``cache``).

A survey with more complete responses than ``ANALYSIS_REQUEST_MAX_RESPONSES`` is
not analysed inside a request. After each change of its data or weighting, the
first page that needs the analysis queues this job (one at a time per survey)
and shows the last computed state of the same weighting, marked with its time,
or a progress bar if there is none.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..auftraege.runner import JobError, JobKind, Progress
from ..auftraege.services import create_job
from ..extensions import db
from ..models import Job, JobStatus, Survey
from . import outputs
from .weighting import WeightingState, weighting_state

KIND = "analysis_refresh"


def refresh_job(survey: Survey) -> Job | None:
    """The survey's newest analysis job (queued, running or finished), if any."""
    return db.session.execute(
        select(Job)
        .where(Job.kind == KIND, Job.survey_id == survey.id)
        .order_by(Job.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def queue_refresh(survey: Survey, actor_id: int | None) -> Job:
    """Queue the analysis of the survey's current data, unless a job for it is
    already waiting or running (that one computes the newest data it sees).
    A failed job is not queued again by itself: ``retry`` does that."""
    job = refresh_job(survey)
    if job is not None and job.status in (
        JobStatus.QUEUED,
        JobStatus.RUNNING,
        JobStatus.FAILED,
    ):
        return job
    return start_refresh(survey, actor_id)


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


def _findings_page(job: Job) -> str:
    return url_for("berichte.show_findings", survey_id=job.survey_id)


KINDS = {KIND: JobKind(_refresh, result_page=_findings_page)}
