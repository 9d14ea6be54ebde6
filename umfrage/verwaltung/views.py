"""Admin area: users, district layers, audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..auth import role_required
from ..models import Role
from . import services

bp = Blueprint("verwaltung", __name__, url_prefix="/verwaltung")


@bp.route("/")
@role_required(Role.ADMIN)
def index() -> Any:
    return render_template(
        "verwaltung/index.html",
        users=services.users(),
        layers=services.layers_with_counts(),
        audit_entries=services.recent_audit_entries(),
    )
