"""Languages of the interface: which ones respondents and staff read, their names
in their own script, and their writing direction.

Staff pages speak German and English (config ``LANGUAGES``). Respondent pages (the
chrome around a questionnaire: buttons, progress, messages, privacy notice) speak
every language in :data:`RESPONDENT_LANGUAGES`; each has a gettext catalogue under
``umfrage/translations/<language>/LC_MESSAGES/messages.po`` (German is the source
text and needs none). ``docs/translating.md`` says how a city adds one.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from babel import Locale, UnknownLocaleError

from fragebogen.model import text_direction

TRANSLATIONS = Path(__file__).parent / "translations"
#: The start of a catalogue's ``Language-Team`` header until a native speaker
#: has reviewed it.
NOT_REVIEWED = "NOT REVIEWED by a native speaker"
#: Languages with respondent catalogues; German is the source (the msgids).
RESPONDENT_LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru", "pl")

# Names of languages in their own language and script (shown on language choice).
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "fa": "فارسی",
    "ru": "Русский",
    "uk": "Українська",
    "pl": "Polski",
    "fr": "Français",
}


def language_name(code: str) -> str:
    """``code``'s name in its own script (``uk`` -> ``Українська``)."""
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name()
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:] if name else code


def base_language(language: str) -> str:
    """``ar-EG`` -> ``ar``."""
    return language.replace("_", "-").split("-", 1)[0].lower()


def respondent_language(language: str) -> str | None:
    """The respondent catalogue language for ``language``, None without one."""
    base = base_language(language)
    return base if base in RESPONDENT_LANGUAGES else None


@functools.cache
def unreviewed_languages() -> tuple[str, ...]:
    """Respondent languages whose catalogue says it is not reviewed by a native
    speaker (its ``Language-Team`` header, see ``docs/translating.md``)."""
    found = []
    for code in RESPONDENT_LANGUAGES:
        path = TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo"
        if not path.exists():
            continue
        with path.open("rb") as handle:
            team = gettext.GNUTranslations(handle).info().get("language-team", "")
        if team.startswith(NOT_REVIEWED):
            found.append(code)
    return tuple(found)


__all__ = [
    "LANGUAGE_NAMES",
    "RESPONDENT_LANGUAGES",
    "base_language",
    "language_name",
    "respondent_language",
    "text_direction",
    "unreviewed_languages",
]
