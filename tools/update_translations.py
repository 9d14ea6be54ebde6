"""Extract the UI strings, update every catalogue, compile them, list what is missing.

Usage: python tools/update_translations.py

German is the source language (the msgids). The catalogues are
``umfrage/translations/<language>/LC_MESSAGES/messages.po`` (compiled ``.mo``
beside them, committed, so a fresh clone needs no build step):

* ``en`` holds every string, staff and respondent pages (from ``messages.pot``);
* every other respondent language (``umfrage.languages.RESPONDENT_LANGUAGES``:
  tr, ar, uk, ru, pl, ...) holds only what respondents read: the strings of
  :data:`RESPONDENT_SOURCES` (from ``respondent.pot``, with source locations as
  context). Staff pages speak German and English only.

A language added to ``RESPONDENT_LANGUAGES`` gets a new catalogue, marked as not
reviewed by a native speaker (header comment and ``Language-Team``). New strings
arrive untranslated and are listed, per language, as are fuzzy ones and
translations whose placeholders differ from the German; translate them in the
``.po`` files (Poedit, Weblate, Lokalize, a text editor) and run this again.
Exit status 1 while anything is listed. See ``docs/translating.md``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "umfrage" / "translations"
POT = TRANSLATIONS / "messages.pot"
RESPONDENT_POT = TRANSLATIONS / "respondent.pot"
#: Catalogues with every string (staff and respondent pages).
FULL_LANGUAGES = ("en",)
#: Gettext keywords besides Babel's defaults (``_``, ``gettext``, ``ngettext``,
#: ``N_`` ...): lazy strings, and the respondent chrome's explicit-language calls.
KEYWORDS = ("_l", "translate", "ntranslate:1,2")
#: What respondents read (relative to the project root): their pages, the base
#: layout around them, the privacy notice and accessibility statement.
RESPONDENT_SOURCES = (
    "umfrage/teilnahme",
    "umfrage/templates/teilnahme",
    "umfrage/templates/base.html",
    "umfrage/templates/main/privacy.html",
    "umfrage/templates/main/accessibility.html",
    "umfrage/templates/main/_language_links.html",
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def respondent_languages() -> tuple[str, ...]:
    """The respondent languages with a catalogue of their own (not German)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from umfrage.languages import RESPONDENT_LANGUAGES

    return tuple(language for language in RESPONDENT_LANGUAGES if language != "de")


def catalogue_path(language: str, suffix: str = ".po") -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"messages{suffix}"


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _babel(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def _keyword_args() -> list[str]:
    return [part for keyword in KEYWORDS for part in ("-k", keyword)]


def _new_catalogue(language: str) -> None:
    """A catalogue for a new respondent language, marked as not reviewed."""
    from babel import Locale

    from umfrage.languages import NOT_REVIEWED

    name = Locale.parse(language).english_name
    catalogue = Catalog(
        locale=language,
        project="Umfrage",
        header_comment=(
            f"# {name} texts of the Umfrage respondent pages.\n"
            f"# {NOT_REVIEWED}: machine or non-native\n"
            "# translation. Have it checked, then record the review\n"
            "# in Language-Team and docs/translating.md."
        ),
        language_team=NOT_REVIEWED,
        fuzzy=False,
    )
    path = catalogue_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue)


def update() -> None:
    """pybabel extract (all strings; respondent strings) / update / compile."""
    _babel(
        "extract", "-F", "babel.cfg", *_keyword_args(), "--no-location",
        "--sort-output", "-o", str(POT), ".",
    )  # fmt: skip
    _babel(
        "extract", "-F", "babel.cfg", *_keyword_args(), "--add-comments",
        "TRANSLATORS:", "-o", str(RESPONDENT_POT),
        *(str(path.relative_to(ROOT)) for path in _files(RESPONDENT_SOURCES)),
    )  # fmt: skip
    for language in respondent_languages():
        template = POT if language in FULL_LANGUAGES else RESPONDENT_POT
        if not catalogue_path(language).exists():
            _new_catalogue(language)
        full = language in FULL_LANGUAGES
        _babel(
            "update", "-i", str(template), "-d", str(TRANSLATIONS), "-l", language,
            "--no-fuzzy-matching", "--ignore-pot-creation-date",
            *([] if full else ["--ignore-obsolete"]),
        )  # fmt: skip
    _babel("compile", "-d", str(TRANSLATIONS))


# -- checks (also used by tests/umfrage/test_translations.py) -------------------------


def extracted_respondent_messages() -> dict[str | tuple[str, str], str]:
    """Every message of :data:`RESPONDENT_SOURCES` as the sources are now (not as
    the last run of this script saw them), with one place it comes from."""
    from babel.messages.extract import DEFAULT_KEYWORDS
    from babel.messages.frontend import parse_keywords

    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(list(KEYWORDS))}
    methods = {"py": "python", "html": "jinja2"}
    found: dict[str | tuple[str, str], str] = {}
    for path in _files(RESPONDENT_SOURCES):
        method = methods[path.suffix[1:]]
        for line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=keywords
        ):
            key = message if isinstance(message, str) else tuple(message[:2])
            found.setdefault(key, f"{path.relative_to(ROOT)}:{line}")
    return found


def _files(sources: Iterable[str]) -> Iterator[Path]:
    for source in sources:
        path = ROOT / source
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix in (".py", ".html")
            )
        else:
            yield path


def message_problem(message: Message) -> str | None:
    """Why a catalogue message cannot be used: untranslated, fuzzy, or its
    placeholders differ from the German."""
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if not all(strings):
        return "untranslated"
    if message.fuzzy:
        return "fuzzy (needs review)"
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    wanted = set().union(*(_PLACEHOLDER.findall(text) for text in ids))
    for text in strings:
        used = set(_PLACEHOLDER.findall(text))
        # a plural form may leave out the number ("one minute"), nothing else
        if used - wanted or (wanted - used) - {"num"}:
            return f"placeholders {sorted(used)} instead of {sorted(wanted)}"
    return None


def catalogue_problems(language: str) -> dict[str, str]:
    """msgid -> problem for every unusable message of ``language``'s catalogue."""
    catalogue = read_catalogue(catalogue_path(language))
    problems = {}
    for message in catalogue:
        if not message.id:
            continue
        problem = message_problem(message)
        if problem is not None:
            key = message.id if isinstance(message.id, str) else message.id[0]
            problems[key] = problem
    return problems


def _key(value: Any) -> Any:
    """``read_mo`` gives plural ids and strings as lists, ``read_po`` as tuples."""
    return tuple(value) if isinstance(value, list) else value


def stale_compiled(language: str) -> list[str]:
    """msgids whose compiled translation differs from the ``.po`` file (as
    ``pybabel compile`` writes it: translated, not fuzzy)."""
    with catalogue_path(language, ".mo").open("rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    wanted = {
        m.id: m.string
        for m in read_catalogue(catalogue_path(language))
        if m.id and m.string and not m.fuzzy
    }
    return sorted(
        str(key)
        for key in set(compiled) | set(wanted)
        if compiled.get(key) != wanted.get(key)
    )


def main() -> int:
    update()
    listed = 0
    for language in respondent_languages():
        for msgid, problem in catalogue_problems(language).items():
            print(f"{language}: {problem}: {msgid!r}")
            listed += 1
    return 1 if listed else 0


if __name__ == "__main__":
    raise SystemExit(main())
