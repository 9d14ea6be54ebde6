"""The forgiving XLSForm import (:func:`import_xlsform`) and its strict variant.

Everything representable is imported; every column, row or feature that is not (gps,
image, calculate, repeats, metadata such as start/end/deviceid …) is named in a notice
(sheet, row, column, what happens to it). Problems of the resulting definition
(missing translations, unknown references …) are notices too, placed on the sheet,
row and column they come from; the questionnaire is then a draft to finish in the
editor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike

from fragebogen.definition import validate_definition
from fragebogen.errors import DefinitionError, Problem
from fragebogen.model import Questionnaire, Text
from fragebogen.xlsform.languages import guess_language, language_code
from fragebogen.xlsform.notices import Notices
from fragebogen.xlsform.placing import locate, rewrite_expressions
from fragebogen.xlsform.questions import QuestionReader
from fragebogen.xlsform.sheets import (
    KNOWN_SHEETS,
    MAX_COLUMNS,
    Row,
    Sheet,
    read_sheets,
)

__all__ = ["ImportResult", "from_xlsform", "import_xlsform"]

_SETTINGS_KEYS = frozenset(
    {
        "version",
        "form_id",
        "form_title",
        "default_language",
        "languages",
        "questionnaire_title",
        "questionnaire_description",
    }
)


@dataclass(frozen=True)
class ImportResult:
    """A questionnaire read from an XLSForm and the notices about it.

    ``notices`` name what was not taken over or changed and the problems of the
    definition, each with ``params`` ``sheet``, ``row``, ``column`` and ``action``.
    ``renamed`` maps names that were not valid variable names to the new ones;
    ``unknown_languages`` are language parts of headers that could not be mapped to a
    code (pass ``languages={"Klingonisch": "tlh"}`` to map them).
    """

    questionnaire: Questionnaire
    notices: tuple[Problem, ...]
    renamed: Mapping[str, str]
    unknown_languages: tuple[str, ...]


class _Languages:
    """Which language each text column holds."""

    def __init__(
        self,
        sheets: Mapping[str, Sheet],
        notices: Notices,
        names: Mapping[str, str],
        default: str | None,
    ) -> None:
        from fragebogen.xlsform.columns import column_of

        self.notices = notices
        self.names = {key.strip().lower(): value for key, value in names.items()}
        self.codes: dict[str, str | None] = {}
        self.unknown: list[str] = []
        found: list[str] = []
        plain_texts: list[str] = []
        plain_columns: list[tuple[str, str]] = []
        for key in ("settings", "survey", "choices"):
            sheet = sheets.get(key)
            if sheet is None:
                continue
            for header in sheet.headers:
                column = column_of(header) if header else None
                if column is None or column.media:
                    continue
                if column.language is not None:
                    code = self.code(column.language, sheet.name, header)
                    if code is not None and code not in found:
                        found.append(code)
                elif column.key in ("label", "hint", "constraint_message"):
                    plain_columns.append((sheet.name, header))
                    plain_texts.extend(
                        row.get(header) for row in sheet.rows if row.get(header)
                    )
        settings = sheets.get("settings")
        first = settings.rows[0] if settings and settings.rows else None
        declared = first.get("default_language") if first else ""
        if declared.lower() == "default":
            declared = ""
        setting_code = self.code(declared, "settings", "default_language") or ""
        ordered: list[str] = []
        if setting_code:
            ordered.append(setting_code)
        listed = first.get("languages").split() if first else []
        for code in listed:
            if re.fullmatch(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", code):
                ordered.append(code)
        self.plain = ""
        if plain_columns:
            self.plain = self.plain_language(
                setting_code or default, plain_texts, plain_columns[0]
            )
            ordered.append(self.plain)
        ordered.extend(found)
        self.languages = list(dict.fromkeys(ordered)) or [default or "de"]
        self.plain = self.plain or self.languages[0]

    def code(self, spec: str, sheet: str, header: str) -> str | None:
        if not spec:
            return None
        if spec in self.codes:
            return self.codes[spec]
        code = self.names.get(spec.strip().lower()) or language_code(spec)
        self.codes[spec] = code
        if code is None:
            self.unknown.append(spec)
            self.notices.add(
                "unknown_language",
                sheet,
                1,
                header,
                f"Die Sprache {spec!r} ist nicht bekannt; geben Sie beim Import ihr "
                "Sprachkürzel an (zum Beispiel en, tr, ar). Die Spalte wird",
                "skipped",
                language=spec,
            )
        return code

    def plain_language(
        self, declared: str | None, texts: list[str], first: tuple[str, str]
    ) -> str:
        if declared:
            return declared
        guessed = guess_language(texts[:200])
        code = guessed or "de"
        name = {"de": "Deutsch", "en": "Englisch"}[code]
        how = "an den Texten erkannt" if guessed else "angenommen"
        self.notices.add(
            "language_assumed",
            first[0],
            1,
            first[1],
            f"Die Spalte nennt keine Sprache; {name} ({code}) wurde {how}. Geben Sie "
            "beim Import eine andere Sprache an, wenn das nicht stimmt",
            "check",
            language=code,
            guessed=bool(guessed),
        )
        return code


def _read(
    source: bytes | str | PathLike[str],
    filename: str,
    languages: Mapping[str, str],
    default_language: str | None,
) -> ImportResult:
    sheets = read_sheets(source, filename)
    survey = sheets.get("survey")
    if survey is None or not survey.rows:
        raise DefinitionError(
            [
                Problem(
                    "missing_sheet",
                    "Blatt survey",
                    "Das Blatt 'survey' fehlt oder ist leer.",
                    {"sheet": "survey", "row": 0, "column": ""},
                )
            ]
        )
    notices = Notices()
    for sheet in sheets.values():
        if sheet.cut_rows:
            notices.add(
                "too_many_columns",
                sheet.name,
                sheet.cut_rows[0],
                "",
                f"Zellen rechts der Spalte {MAX_COLUMNS} werden nicht gelesen; sie "
                "werden in allen genannten Zeilen",
                "skipped",
                rows=sheet.cut_rows,
            )
    for key, sheet in sheets.items():
        if key not in ("survey", "choices", "settings") and (
            sheet.rows or key in KNOWN_SHEETS
        ):
            notices.add(
                "unsupported_sheet",
                sheet.name,
                0,
                "",
                f"Das Blatt {sheet.name!r} gehört nicht zu dem, was Umfrage aus "
                "XLSForms liest; es wird",
                "skipped",
            )
    langs = _Languages(sheets, notices, languages, default_language)
    reader = QuestionReader(sheets, notices, langs)
    settings = sheets.get("settings")
    settings_row = (
        settings.rows[0] if settings and settings.rows else Row("settings", 2, {})
    )
    title = reader.text(settings_row, "questionnaire_title")
    if title is None:
        written = settings_row.get("form_title") or settings_row.get("title")
        form_title = written or settings_row.get("form_id") or "Fragebogen"
        title = Text(dict.fromkeys(langs.languages, form_title))
    reader.title = title
    pages = reader.read_survey(survey.rows)
    description = reader.text(settings_row, "questionnaire_description")
    reader.leftovers(settings_row, _SETTINGS_KEYS | {"title"})
    for extra in settings.rows[1:] if settings else ():
        notices.add(
            "extra_settings_row",
            "settings",
            extra.number,
            "",
            "Das Blatt settings hat nur eine Zeile mit Werten; diese Zeile wird",
            "skipped",
        )
    name = reader.valid_name(settings_row.get("form_id") or "fragebogen", None)
    questionnaire = Questionnaire(
        name=name,
        title=title,
        languages=tuple(langs.languages),
        pages=tuple(pages),
        description=description,
    )
    questionnaire = rewrite_expressions(reader, questionnaire)
    reader.questionnaire = questionnaire
    problems = [
        locate(reader, problem) for problem in validate_definition(questionnaire)
    ]
    return ImportResult(
        questionnaire=questionnaire,
        notices=(*notices.items, *problems),
        renamed=dict(reader.renamed),
        unknown_languages=tuple(langs.unknown),
    )


def import_xlsform(
    source: bytes | str | PathLike[str],
    *,
    filename: str = "",
    languages: Mapping[str, str] | None = None,
    default_language: str | None = None,
) -> ImportResult:
    """Read an XLSForm (xlsx, xls, csv or markdown; bytes or path), forgivingly.

    ``languages`` maps language names of headers (``label::Klingonisch``) to codes;
    ``default_language`` is the language of text columns without one (``label``)
    when the settings sheet does not name it. Raises
    :class:`~fragebogen.errors.DefinitionError` only when the file cannot be read at
    all, is too large or would inflate beyond the limits, or has no survey sheet.
    """
    return _read(source, filename, languages or {}, default_language)


def from_xlsform(source: bytes | str | PathLike[str]) -> Questionnaire:
    """Read a questionnaire from an XLSForm, strictly.

    Raises :class:`~fragebogen.errors.DefinitionError` listing every notice of
    :func:`import_xlsform` (unsupported features, changed names, problems of the
    definition), each placed by sheet, row and column. Nothing is dropped silently.
    """
    result = import_xlsform(source)
    if result.notices:
        raise DefinitionError(list(result.notices))
    return result.questionnaire
