"""Analyst area: surveys ready for analysis (weighting and reports follow)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..auth import role_required
from ..models import Role
from . import services

bp = Blueprint("berichte", __name__, url_prefix="/berichte")


@bp.route("/")
@role_required(Role.ANALYST)
def index() -> Any:
    return render_template("berichte/index.html", summaries=services.survey_summaries())
