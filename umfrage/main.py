"""Public pages every visitor can reach: start, data sources, accessibility, privacy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm

from . import services

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> Any:
    return render_template("main/index.html", surveys=services.open_surveys())


@bp.route("/datenquellen")
def data_sources() -> Any:
    return render_template("main/data_sources.html", layers=services.district_layers())


@bp.route("/barrierefreiheit")
def accessibility() -> Any:
    return render_template("main/accessibility.html")


@bp.route("/datenschutz")
def privacy() -> Any:
    return render_template("main/privacy.html")


@bp.route("/sprache", methods=["POST"])
def set_language() -> Any:
    """Switch the interface language (de/en); kept in the session cookie only."""
    form = FlaskForm()
    if form.validate_on_submit():
        language = request.form.get("language", "de")
        session["ui_language"] = language if language in ("de", "en") else "de"
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)
