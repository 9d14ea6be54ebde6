"""The respondent chrome (buttons, progress, messages, the privacy box) in the
respondent's language, from the gettext catalogues.

German is the message id, as everywhere. A respondent page is rendered with the
response's language as the request's locale (:func:`use_language`; the app's locale
selector reads it), so respondent templates use the ordinary ``_``/``ngettext`` and
Babel's formats. A questionnaire language without a respondent catalogue
(:data:`umfrage.languages.RESPONDENT_LANGUAGES`) gets the chrome in the interface
language. Python code that needs an explicit language (answer problems, the
designer's preview) calls :func:`translate` / :func:`ntranslate`; extraction knows
both names as gettext keywords (``tools/update_translations.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.core import UnknownLocaleError
from babel.dates import format_date
from flask import current_app, g, has_request_context, session
from flask_babel import force_locale, gettext, ngettext, refresh

from ..languages import respondent_language


def chrome_language(language: str) -> str:
    """The catalogue language of the chrome around a questionnaire in
    ``language``: its own, else the interface language (German by default)."""
    own = respondent_language(language)
    if own is not None:
        return own
    config = current_app.config
    chosen = session.get("ui_language") if has_request_context() else None
    return str(
        chosen if chosen in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
    )


def use_language(language: str) -> None:
    """Render the rest of this request for a respondent reading ``language``."""
    g.respondent_language = language
    refresh()


def translate(msgid: str, language: str, **params: Any) -> str:
    """``msgid`` (German) in ``language``, formatted with ``params``."""
    with force_locale(chrome_language(language)):
        return str(gettext(msgid, **params))


def ntranslate(
    singular: str, plural: str, num: int, language: str, **params: Any
) -> str:
    """The plural form for ``num`` in ``language`` (``%(num)s`` is the number)."""
    with force_locale(chrome_language(language)):
        return str(ngettext(singular, plural, num, **params))


def _locale(language: str) -> str:
    return language.replace("-", "_")


def format_day(day: date | None, language: str) -> str:
    """A date written out in the respondent's language (``26. November 2026``)."""
    if day is None:
        return ""
    try:
        return format_date(day, format="long", locale=_locale(language))
    except (UnknownLocaleError, ValueError):
        return format_date(day, format="long", locale="de")
