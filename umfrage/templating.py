"""Template globals and filters: formatting in the interface language."""

from __future__ import annotations

from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
)
from flask_babel import gettext as _

from fragebogen.model import text_direction
from fragebogen.validation import answer_fields

from .languages import (  # noqa: F401 - LANGUAGE_NAMES re-exported
    LANGUAGE_NAMES,
    language_name,
    unreviewed_languages,
)

def ui_language() -> str:
    return str(get_locale() or "de")


def status_label(status: str) -> str:
    return {
        "draft": _("Entwurf"),
        "open": _("Im Feld"),
        "closed": _("Beendet"),
    }.get(status, status)


def role_label(role: str) -> str:
    return {
        "admin": _("Verwaltung"),
        "designer": _("Gestaltung"),
        "analyst": _("Auswertung"),
    }.get(role, role)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        ui_language=ui_language,
        language_name=language_name,
        text_direction=text_direction,
        unreviewed_languages=unreviewed_languages,
        status_label=status_label,
        role_label=role_label,
        answer_fields=answer_fields,
    )
    app.jinja_env.filters.update(
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_percent=format_percent,
    )
