"""The analysis of a large survey on the pages: the state a page shows, the
progress page while none is computed yet, its status for the page's script and
the retry of a failed analysis (registered on the ``berichte`` blueprint)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth import role_required
from ..models import JobStatus, Role, Survey
from . import analysis_jobs, services, weighting
from .views import bp

ACCEPTED = 202


def current_state(survey: Survey, *, draft: bool = False) -> weighting.WeightingState:
    """The weighting state a page shows. For a large survey whose current
    analysis is not stored yet, the analysis job is queued, and the state is
    the last one computed (``stale``) or :class:`weighting.AnalysisPending`
    is raised (answered with the progress page)."""
    try:
        state = weighting.weighting_state(survey, draft=draft, in_request=True)
    except weighting.AnalysisPending as pending:
        queue(survey, pending)
        # without a worker of its own (immediate mode) the job has run meanwhile
        return weighting.weighting_state(survey, draft=draft, in_request=True)
    if state.stale is not None:
        _job, due = analysis_jobs.refresh_when_due(
            survey, int(current_user.id), analysis_jobs.refresh_job(survey)
        )
        if due is not None:  # run again only so often during a busy field phase
            state = replace(state, stale=replace(state.stale, next_at=due))
    return state


def queue(survey: Survey, pending: weighting.AnalysisPending) -> None:
    """Queue the job that computes what is pending (unless it is queued)."""
    if pending.draft:
        analysis_jobs.queue_draft(survey, int(current_user.id))
    else:
        analysis_jobs.queue_refresh(survey, int(current_user.id))


def _kind(draft: bool) -> str:
    return analysis_jobs.KIND_DRAFT if draft else analysis_jobs.KIND


@bp.errorhandler(weighting.AnalysisPending)
def analysis_pending(error: weighting.AnalysisPending) -> Any:
    survey = services.survey_or_404(error.survey_id)
    return (
        render_template(
            "berichte/analysis_pending.html",
            survey=survey,
            job=analysis_jobs.refresh_job(survey, _kind(error.draft)),
            draft=error.draft,
            form=FlaskForm(),
        ),
        ACCEPTED,
    )


@bp.route("/<int:survey_id>/auswertung/stand")
@role_required(Role.ANALYST)
def analysis_status(survey_id: int) -> Any:
    """Whether the current analysis is stored, and the progress of its job;
    ``?entwurf=1``: the diagnosis of the edited weighting set-up. A page showing
    an earlier state asks this until the new one is there: once the next
    analysis is due (``ANALYSIS_REFRESH_MIN_SECONDS``) it is queued here."""
    survey = services.survey_or_404(survey_id)
    draft = request.args.get("entwurf") == "1"
    job = analysis_jobs.refresh_job(survey, _kind(draft))
    ready = weighting.is_current(survey, draft=draft)
    if not ready and not draft:
        # a page showing an earlier state asks: queued once its refresh is due
        job, _due = analysis_jobs.refresh_when_due(survey, int(current_user.id), job)
    response = jsonify(
        {
            "ready": ready,
            "status": job.status.value if job else None,
            "done": job.progress_done if job else 0,
            "total": job.progress_total if job else 0,
            "percent": job.percent if job else 0,
            "error": job.error_message
            if job and job.status == JobStatus.FAILED
            else None,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:survey_id>/auswertung/neu", methods=["POST"])
@role_required(Role.ANALYST)
def retry_analysis(survey_id: int) -> Any:
    """Compute the analysis (``entwurf=1``: the diagnosis of the edited
    weighting set-up) again after a failed job."""
    survey = services.survey_or_404(survey_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    draft = request.form.get("entwurf") == "1"
    job = analysis_jobs.refresh_job(survey, _kind(draft))
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        if draft:
            analysis_jobs.retry_draft(survey, int(current_user.id))
        else:
            analysis_jobs.start_refresh(survey, int(current_user.id))
    back = request.form.get("next", "")
    if not back.startswith(f"/berichte/{survey.id}/"):
        back = url_for(".show_findings", survey_id=survey.id)
    return redirect(back)
