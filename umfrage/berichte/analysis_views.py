"""The analysis of a large survey on the pages: the state a page shows, the
progress page while none is computed yet, its status for the page's script and
the retry of a failed analysis (registered on the ``berichte`` blueprint)."""

from __future__ import annotations

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
    except weighting.AnalysisPending:
        analysis_jobs.queue_refresh(survey, int(current_user.id))
        # without a worker of its own (immediate mode) the job has run meanwhile
        return weighting.weighting_state(survey, draft=draft, in_request=True)
    if state.stale is not None:
        analysis_jobs.queue_refresh(survey, int(current_user.id))
    return state


@bp.errorhandler(weighting.AnalysisPending)
def analysis_pending(error: weighting.AnalysisPending) -> Any:
    survey = services.survey_or_404(error.survey_id)
    return (
        render_template(
            "berichte/analysis_pending.html",
            survey=survey,
            job=analysis_jobs.refresh_job(survey),
            form=FlaskForm(),
        ),
        ACCEPTED,
    )


@bp.route("/<int:survey_id>/auswertung/stand")
@role_required(Role.ANALYST)
def analysis_status(survey_id: int) -> Any:
    """Whether the current analysis is stored, and the progress of its job."""
    survey = services.survey_or_404(survey_id)
    job = analysis_jobs.refresh_job(survey)
    response = jsonify(
        {
            "ready": weighting.is_current(survey),
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
    """Compute the analysis again after a failed job."""
    survey = services.survey_or_404(survey_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    job = analysis_jobs.refresh_job(survey)
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        analysis_jobs.start_refresh(survey, int(current_user.id))
    back = request.form.get("next", "")
    if not back.startswith(f"/berichte/{survey.id}/"):
        back = url_for(".show_findings", survey_id=survey.id)
    return redirect(back)
