"""Public pages every visitor can reach: start, data sources, accessibility, privacy.

The privacy notice and the accessibility statement are linked from every respondent
page with ``?sprache=<language>``; in a respondent language
(``languages.RESPONDENT_LANGUAGES``) they are shown in it, otherwise in the interface
language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm

from fragebogen.model import text_direction

from . import services
from .extensions import login_manager
from .languages import RESPONDENT_LANGUAGES
from .security import local_target
from .teilnahme.chrome import format_day, use_language
from .templating import ui_language

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> Any:
    return render_template("main/index.html", surveys=services.open_surveys())


@bp.route("/datenquellen")
def data_sources() -> Any:
    return render_template("main/data_sources.html", layers=services.district_layers())


def _render_in_respondent_language(template: str, **context: Any) -> Any:
    # shown to respondents like their own pages: anonymous, no staff account loaded
    g._login_user = login_manager.anonymous_user()
    language = request.args.get("sprache", "")
    if language not in RESPONDENT_LANGUAGES:
        language = ui_language()
    use_language(language)
    return render_template(
        template,
        language=language,
        page_language=language,
        direction=text_direction(language),
        languages=[],
        page_languages=RESPONDENT_LANGUAGES,
        format_day=format_day,
        **context,
    )


@bp.route("/barrierefreiheit")
def accessibility() -> Any:
    config = current_app.config
    try:
        reviewed: date | None = date.fromisoformat(
            str(config["ACCESSIBILITY_REVIEWED_ON"])
        )
    except ValueError:
        reviewed = None
    return _render_in_respondent_language(
        "main/accessibility.html",
        reviewed_on=reviewed,
        feedback_email=config["ACCESSIBILITY_CONTACT_EMAIL"] or config["CONTACT_EMAIL"],
    )


@bp.route("/datenschutz")
def privacy() -> Any:
    return _render_in_respondent_language("main/privacy.html")


@bp.route("/sprache", methods=["POST"])
def set_language() -> Any:
    """Switch the interface language (de/en); kept in the session cookie only."""
    form = FlaskForm()
    if form.validate_on_submit():
        language = request.form.get("language", "de")
        session["ui_language"] = language if language in ("de", "en") else "de"
    return redirect(local_target(request.form.get("next")) or url_for("main.index"))
