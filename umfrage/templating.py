"""Template globals and filters: formatting in the interface language."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
)
from flask_babel import gettext as _

from auswertung import findings
from fragebogen.model import text_direction
from fragebogen.validation import answer_fields

from .languages import language_name, unreviewed_languages


def ui_language() -> str:
    return str(get_locale() or "de")


def findings_formats() -> dict[str, Callable[..., str]]:
    """The findings' number formats (``fmt``, ``fmt_ci``, ``value_text``,
    ``interval_text``, ``n_text``) in the interface language: the published
    German format on German pages, ``45.3%`` on English ones."""
    locale = ui_language()
    return {
        "fmt": partial(findings.format_estimate, locale=locale),
        "fmt_ci": partial(findings.format_ci, locale=locale),
        "value_text": partial(findings.value_text, locale=locale),
        "interval_text": partial(findings.interval_text, locale=locale),
        "n_text": partial(findings.n_text, locale=locale),
    }


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
        format_time=format_time,
    )
