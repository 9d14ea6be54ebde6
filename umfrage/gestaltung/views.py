"""Designer area: surveys and field monitoring."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..auth import role_required
from ..extensions import db
from ..models import Role, Survey
from . import services

bp = Blueprint("gestaltung", __name__, url_prefix="/gestaltung")


@bp.route("/")
@role_required(Role.DESIGNER)
def index() -> Any:
    return render_template(
        "gestaltung/index.html", summaries=services.survey_summaries()
    )


@bp.route("/umfrage/<int:survey_id>")
@role_required(Role.DESIGNER)
def monitor_survey(survey_id: int) -> Any:
    survey = db.get_or_404(Survey, survey_id)
    rows, unknown_complete, unknown_partial = services.returns_by_district(survey)
    return render_template(
        "gestaltung/monitor_survey.html",
        survey=survey,
        rows=rows,
        unknown_complete=unknown_complete,
        unknown_partial=unknown_partial,
        total_complete=sum(r.complete for r in rows) + unknown_complete,
        total_partial=sum(r.partial for r in rows) + unknown_partial,
    )
