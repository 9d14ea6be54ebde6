"""XLSForm import and export for the supported subset.

Export (:func:`to_xlsform`) writes a workbook with the sheets ``survey``, ``choices``
and ``settings`` (openpyxl): pages become ``begin_group`` … ``end_group`` with
appearance ``field-list``, texts ``label::<language>`` columns. What XLSForm cannot
say (the exact question type, number bounds, option codes, missing/exclusive/other
flags) goes into extra columns (``question_type``, ``minimum``, ``maximum``,
``decimals``, ``unit::<language>``; ``code``, ``missing``, ``exclusive``, ``other``
on ``choices``), so model -> XLSForm -> model is lossless.

Import (:func:`from_xlsform`) reads xlsx/xls/csv/markdown XLSForms through pyxform's
readers. Anything outside the supported subset (repeats, calculations, geo types,
metadata such as ``deviceid``, unknown columns …) is reported by name in a
:class:`~fragebogen.errors.DefinitionError`, never dropped silently; the imported
definition is checked with :func:`fragebogen.validation.validate_definition` as well.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from io import BytesIO
from os import PathLike
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]
from pyxform.errors import PyXFormError  # type: ignore[import-untyped]
from pyxform.xls2json_backends import (  # type: ignore[import-untyped]
    XLRDError,
    get_xlsform,
)

from fragebogen.errors import DefinitionError, Problem
from fragebogen.model import (
    MatrixItem,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)
from fragebogen.validation import other_field, validate_definition

__all__ = ["from_xlsform", "to_xlsform"]

#: Languages recognised by name in ``label::<name>`` headers.
LANGUAGE_NAMES = {
    "deutsch": "de",
    "german": "de",
    "english": "en",
    "englisch": "en",
    "turkish": "tr",
    "türkçe": "tr",
    "türkisch": "tr",
    "arabic": "ar",
    "arabisch": "ar",
    "العربية": "ar",
    "farsi": "fa",
    "persian": "fa",
    "french": "fr",
    "français": "fr",
    "spanish": "es",
    "español": "es",
    "russian": "ru",
    "polish": "pl",
    "ukrainian": "uk",
}

_PLEASE_SPECIFY = {
    "de": "Bitte angeben",
    "en": "Please specify",
    "tr": "Lütfen belirtin",
    "ar": "يرجى التحديد",
    "fa": "لطفاً مشخص کنید",
    "fr": "Veuillez préciser",
    "es": "Especifique",
    "ru": "Укажите",
    "pl": "Proszę podać",
    "uk": "Уточніть",
}
_OTHER = {
    "de": "Andere",
    "en": "Other",
    "tr": "Diğer",
    "ar": "أخرى",
    "fa": "سایر",
    "fr": "Autre",
    "es": "Otro",
    "ru": "Другое",
    "pl": "Inne",
    "uk": "Інше",
}

_TEXT_COLUMNS = ("label", "hint", "constraint_message", "unit")
_SURVEY_COLUMNS = (
    "type",
    "name",
    "required",
    "relevant",
    "constraint",
    "appearance",
    "question_type",
    "minimum",
    "maximum",
    "decimals",
)
_CHOICE_COLUMNS = ("list_name", "name", "code", "missing", "exclusive", "other")
_SETTINGS_COLUMNS = ("form_id", "form_title", "default_language", "languages")
_IGNORED_SETTINGS = frozenset({"version"})

_METADATA_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "start-geopoint",
        "imei",
    }
)
_SELECT = re.compile(
    r"^select[_ ]?(one|multiple)\s+([A-Za-z_][A-Za-z0-9_.-]*)(\s+or_other)?$"
)
_LANGUAGE_IN_PARENS = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\)\s*$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_TRUE = frozenset({"yes", "true", "true()", "1", "ja"})
_FALSE = frozenset({"no", "false", "false()", "0", "nein", ""})
_OTHER_TEXT = "other_text"


# -------------------------------------------------------------------------- export


def _number_cell(number: float) -> int | float:
    if math.isfinite(number) and number == int(number):
        return int(number)
    return number


class _SheetWriter:
    def __init__(self, sheet: Worksheet, columns: Sequence[str]) -> None:
        self.sheet = sheet
        self.columns = list(columns)
        self.rows: list[dict[str, object]] = []

    def add(self, row: Mapping[str, object]) -> None:
        self.rows.append(
            {key: value for key, value in row.items() if value not in (None, "")}
        )

    def write(self) -> None:
        used = [
            column
            for column in self.columns
            if column in ("type", "list_name", "name")
            or any(column in row for row in self.rows)
        ]
        self.sheet.append(used)
        for row in self.rows:
            self.sheet.append([row.get(column) for column in used])
        for cells in self.sheet.iter_rows(min_row=1):
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, never a formula


def _texts(prefix: str, text: Text | None, languages: Sequence[str]) -> dict[str, str]:
    if text is None:
        return {}
    return {f"{prefix}::{language}": text.get(language, "") for language in languages}


def _flag(value: bool) -> str | None:
    return "yes" if value else None


def to_xlsform(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an XLSForm workbook (xlsx bytes)."""
    languages = list(questionnaire.languages)
    text_columns = [
        f"{prefix}::{language}" for prefix in _TEXT_COLUMNS for language in languages
    ]
    workbook = Workbook()
    survey_sheet = workbook.active
    assert survey_sheet is not None
    survey_sheet.title = "survey"
    survey = _SheetWriter(survey_sheet, [*_SURVEY_COLUMNS[:2], *text_columns])
    survey.columns.extend(_SURVEY_COLUMNS[2:])
    choices = _SheetWriter(
        workbook.create_sheet("choices"),
        [
            "list_name",
            "name",
            *(f"label::{language}" for language in languages),
            *_CHOICE_COLUMNS[2:],
        ],
    )
    settings = _SheetWriter(
        workbook.create_sheet("settings"),
        [
            *_SETTINGS_COLUMNS,
            *(f"questionnaire_title::{language}" for language in languages),
            *(f"questionnaire_description::{language}" for language in languages),
        ],
    )
    settings.add(
        {
            "form_id": questionnaire.name,
            "form_title": questionnaire.title.get_text(
                questionnaire.default_language, questionnaire.default_language
            ),
            "default_language": questionnaire.default_language,
            "languages": " ".join(languages),
            **_texts("questionnaire_title", questionnaire.title, languages),
            **_texts("questionnaire_description", questionnaire.description, languages),
        }
    )
    for page in questionnaire.pages:
        survey.add(
            {
                "type": "begin_group",
                "name": page.name,
                **_texts("label", page.title, languages),
                "relevant": page.relevant,
                "appearance": "field-list",
            }
        )
        for question in page.questions:
            _export_question(question, languages, survey, choices)
        survey.add({"type": "end_group", "name": page.name})
    survey.write()
    choices.write()
    settings.write()
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _export_question(
    question: Question,
    languages: Sequence[str],
    survey: _SheetWriter,
    choices: _SheetWriter,
) -> None:
    kind = question.type
    if question.options:
        for option in question.options:
            choices.add(
                {
                    "list_name": question.name,
                    "name": option.value,
                    **_texts("label", option.label, languages),
                    "code": option.code,
                    "missing": _flag(option.missing),
                    "exclusive": _flag(option.exclusive),
                    "other": _flag(option.other),
                }
            )
    common: dict[str, object] = {
        "name": question.name,
        **_texts("label", question.label, languages),
        **_texts("hint", question.hint, languages),
        "required": _flag(question.required),
        "relevant": question.relevant,
        "constraint": question.constraint,
        **_texts("constraint_message", question.constraint_message, languages),
        "appearance": question.appearance,
        "question_type": kind.value,
        "minimum": None if question.minimum is None else _number_cell(question.minimum),
        "maximum": None if question.maximum is None else _number_cell(question.maximum),
        "decimals": question.decimals or None,
        **_texts("unit", question.unit, languages),
    }
    if kind is QuestionType.LIKERT_MATRIX:
        survey.add(
            {
                "type": "begin_group",
                "name": question.name,
                **_texts("label", question.label, languages),
                **_texts("hint", question.hint, languages),
                "relevant": question.relevant,
                "appearance": question.appearance or "table-list",
                "question_type": kind.value,
            }
        )
        for item in question.items:
            survey.add(
                {
                    "type": f"select_one {question.name}",
                    "name": item.name,
                    **_texts("label", item.label, languages),
                    "required": _flag(question.required),
                    "constraint": question.constraint,
                    **_texts(
                        "constraint_message", question.constraint_message, languages
                    ),
                    "question_type": "likert_matrix_item",
                }
            )
        survey.add({"type": "end_group", "name": question.name})
        return
    xls_type = {
        QuestionType.INFO: "note",
        QuestionType.CONSENT: "acknowledge",
        QuestionType.NUMBER: "decimal" if question.decimals else "integer",
        QuestionType.TEXT: "text",
        QuestionType.LONG_TEXT: "text",
        QuestionType.DATE: "date",
        QuestionType.YEAR: "integer",
        QuestionType.MULTIPLE_CHOICE: f"select_multiple {question.name}",
    }.get(kind, f"select_one {question.name}")
    if kind is QuestionType.DISTRICT and not question.options:
        xls_type = "text"
    survey.add({"type": xls_type, **common})
    other = question.other_option
    extra = other_field(question)
    if other is not None and extra is not None:
        survey.add(
            {
                "type": "text",
                "name": extra,
                **{
                    f"label::{language}": _PLEASE_SPECIFY.get(
                        language, other.label.get(language, "")
                    )
                    for language in languages
                },
                "relevant": f"selected(${{{question.name}}}, '{other.value}')",
                "question_type": _OTHER_TEXT,
            }
        )


# -------------------------------------------------------------------------- import


@dataclass
class _Row:
    sheet: str
    number: int  # as shown in the spreadsheet (the header is row 1)
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "").strip()

    @property
    def place(self) -> str:
        return f"{self.sheet}, Zeile {self.number}"


@dataclass
class _Group:
    row: _Row
    questions: list[Question] = field(default_factory=list)
    items: list[_Row] = field(default_factory=list)


class _Importer:
    def __init__(self, sheets: Any) -> None:
        self.problems: list[Problem] = []
        self.survey = self.rows("survey", sheets.survey)
        self.choice_rows = self.rows("choices", sheets.choices)
        settings = self.rows("settings", sheets.settings)
        self.settings = settings[0] if settings else _Row("settings", 2, {})
        self.languages = self.find_languages()
        self.default = self.languages[0] if self.languages else "de"
        self.lists = self.read_choices()

    def problem(self, code: str, place: str, message: str, **params: Any) -> None:
        self.problems.append(Problem(code, place, message, params))

    def unsupported(self, place: str, feature: str, hint: str = "") -> None:
        self.problem(
            "unsupported_feature",
            place,
            f"Die XLSForm-Funktion {feature!r} wird nicht unterstützt{hint}.",
            feature=feature,
        )

    @staticmethod
    def rows(sheet: str, data: Sequence[Mapping[str, str]] | None) -> list[_Row]:
        rows = []
        for index, values in enumerate(data or ()):
            cleaned = {
                str(key).strip(): str(value)
                for key, value in values.items()
                if value is not None and str(value).strip() != ""
            }
            if cleaned:
                rows.append(_Row(sheet, index + 2, cleaned))
        return rows

    # -- languages and texts

    def language_of(self, header: str, place: str) -> str | None:
        spec = header.split("::", 1)[1].strip()
        match = _LANGUAGE_IN_PARENS.search(spec)
        if match:
            return match.group(1).lower()
        if _LANGUAGE_CODE.match(spec):
            return spec
        code = LANGUAGE_NAMES.get(spec.lower())
        if code is None:
            self.problem(
                "unknown_language",
                place,
                f"Die Sprache {spec!r} in der Spalte {header!r} ist nicht bekannt; "
                "schreiben Sie zum Beispiel label::Deutsch (de).",
                header=header,
            )
        return code

    def find_languages(self) -> list[str]:
        found: list[str] = []
        declared = self.settings.get("languages").split()
        default = self.settings.get("default_language")
        if default and default != "default":
            default = self.language_of(f"x::{default}", self.settings.place) or ""
        else:
            default = ""
        seen_headers: set[str] = set()
        for row in [*self.survey, *self.choice_rows]:
            for header in row.values:
                if "::" in header and header not in seen_headers:
                    seen_headers.add(header)
                    language = self.language_of(header, f"{row.sheet}: {header}")
                    if language and language not in found:
                        found.append(language)
        has_plain = any(
            key in row.values
            for row in [*self.survey, *self.choice_rows]
            for key in _TEXT_COLUMNS
        )
        ordered = [language for language in declared if language]
        if default and default not in ordered:
            ordered.insert(0, default)
        for language in found:
            if language not in ordered:
                ordered.append(language)
        if has_plain and not ordered:
            ordered.append("de")
        if default and ordered[0] != default:
            ordered.remove(default)
            ordered.insert(0, default)
        return ordered

    def text(self, row: _Row, prefix: str) -> Text | None:
        texts: dict[str, str] = {}
        plain = row.get(prefix)
        if plain:
            texts[self.default] = plain
        for header, value in row.values.items():
            if header.startswith(f"{prefix}::") and value.strip():
                language = self.language_of(header, row.place)
                if language:
                    texts[language] = value.strip()
        return Text(texts) if texts else None

    # -- columns

    def check_columns(
        self, row: _Row, known: Iterable[str], text_prefixes: Iterable[str]
    ) -> None:
        allowed = set(known)
        prefixes = tuple(f"{prefix}::" for prefix in text_prefixes)
        for header in row.values:
            if header in allowed or header in text_prefixes:
                continue
            if header.startswith(prefixes):
                continue
            self.unsupported(f"{row.place}, Spalte {header!r}", header)

    # -- choices

    def read_choices(self) -> dict[str, list[Option]]:
        lists: dict[str, list[Option]] = {}
        for row in self.choice_rows:
            self.check_columns(row, _CHOICE_COLUMNS + ("list name",), ("label",))
            list_name = row.get("list_name") or row.get("list name")
            name = row.get("name")
            if not list_name or not name:
                self.problem(
                    "missing_key",
                    row.place,
                    "Die Auswahlliste braucht list_name und name.",
                )
                continue
            options = lists.setdefault(list_name, [])
            code_text = row.get("code")
            code: int | None = None
            if code_text:
                try:
                    code = int(float(code_text))
                except ValueError:
                    self.problem(
                        "wrong_type",
                        f"{row.place}, Spalte 'code'",
                        f"Der Code {code_text!r} ist keine ganze Zahl.",
                    )
                    continue
            elif re.fullmatch(r"-?\d+", name):
                code = int(name)
            else:
                code = max((option.code for option in options), default=0) + 1
            value = (
                name
                if not re.fullmatch(r"-?\d+", name)
                else f"c{name}".replace("-", "m")
            )
            label = self.text(row, "label") or Text({self.default: name})
            options.append(
                Option(
                    code=code,
                    value=value,
                    label=label,
                    missing=self.flag(row, "missing"),
                    exclusive=self.flag(row, "exclusive"),
                    other=self.flag(row, "other"),
                )
            )
        return lists

    def flag(self, row: _Row, key: str) -> bool:
        value = row.get(key).lower()
        if value in _TRUE:
            return True
        if value not in _FALSE:
            self.unsupported(
                f"{row.place}, Spalte {key!r}",
                f"{key}: {row.get(key)}",
                " (erwartet wird yes oder no)",
            )
        return False

    def number(self, row: _Row, key: str) -> float | None:
        text = row.get(key)
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.problem(
                "wrong_type",
                f"{row.place}, Spalte {key!r}",
                f"{text!r} ist keine Zahl.",
            )
            return None
        return number

    # -- survey

    def build(self) -> Questionnaire:
        pages: list[Page] = []
        loose: list[Question] = []
        page: _Group | None = None
        matrix: _Group | None = None
        depth_rows: list[_Row] = []
        previous: Question | None = None
        for row in self.survey:
            kind = re.sub(r"\s+", " ", row.get("type")).lower()
            if kind in ("begin_group", "begin group"):
                if page is None:
                    if loose:
                        pages.append(self.loose_page(loose, len(pages)))
                        loose = []
                    self.check_columns(
                        row, ("type", "name", "relevant", "appearance"), ("label",)
                    )
                    if row.get("appearance") not in ("", "field-list"):
                        self.unsupported(
                            f"{row.place}, Spalte 'appearance'",
                            f"appearance {row.get('appearance')}",
                        )
                    page = _Group(row)
                elif matrix is None and (
                    row.get("question_type") == "likert_matrix"
                    or row.get("appearance") == "table-list"
                ):
                    matrix = _Group(row)
                else:
                    self.unsupported(row.place, "begin_group (verschachtelte Gruppe)")
                    depth_rows.append(row)
                continue
            if kind in ("end_group", "end group"):
                if depth_rows:
                    depth_rows.pop()
                elif matrix is not None:
                    question = self.matrix(matrix)
                    if page is not None and question is not None:
                        page.questions.append(question)
                    matrix = None
                elif page is not None:
                    pages.append(self.page(page))
                    page = None
                else:
                    self.problem(
                        "unbalanced_group",
                        row.place,
                        "end_group ohne passendes begin_group.",
                    )
                continue
            if depth_rows:
                continue
            if matrix is not None:
                matrix.items.append(row)
                continue
            if row.get("question_type") == _OTHER_TEXT or (
                previous is not None and self.absorbs_other(row, previous)
            ):
                if previous is not None:
                    marked = self.mark_other(row, previous)
                    target = page.questions if page is not None else loose
                    if target and target[-1] is previous:
                        target[-1] = marked
                    previous = marked
                continue
            question = self.question(row, kind)
            if question is None:
                continue
            previous = question
            (page.questions if page is not None else loose).append(question)
        if matrix is not None or page is not None or depth_rows:
            self.problem(
                "unbalanced_group",
                "survey",
                "Eine Gruppe (begin_group) wird nicht mit end_group geschlossen.",
            )
            if page is not None:
                pages.append(self.page(page))
        if loose:
            pages.append(self.loose_page(loose, len(pages)))
        return Questionnaire(
            name=self.settings.get("form_id") or "fragebogen",
            title=self.questionnaire_title(),
            languages=tuple(self.languages),
            pages=tuple(pages),
            description=self.text(self.settings, "questionnaire_description"),
        )

    def questionnaire_title(self) -> Text:
        title = self.text(self.settings, "questionnaire_title")
        if title is not None:
            return title
        # XLSForm has one form_title for all languages.
        form_title = self.settings.get("form_title") or self.settings.get("form_id")
        return Text(
            {language: form_title or "Fragebogen" for language in self.languages}
            or {self.default: form_title or "Fragebogen"}
        )

    def check_settings(self) -> None:
        self.check_columns(
            self.settings,
            (*_SETTINGS_COLUMNS, *_IGNORED_SETTINGS),
            ("questionnaire_title", "questionnaire_description"),
        )

    def page(self, group: _Group) -> Page:
        row = group.row
        return Page(
            name=row.get("name"),
            title=self.text(row, "label") or Text({self.default: row.get("name")}),
            questions=tuple(group.questions),
            relevant=row.get("relevant") or None,
        )

    def loose_page(self, questions: list[Question], index: int) -> Page:
        return Page(
            name=f"seite_{index + 1}",
            title=self.questionnaire_title(),
            questions=tuple(questions),
        )

    def question(self, row: _Row, kind: str) -> Question | None:
        self.check_columns(row, _SURVEY_COLUMNS, _TEXT_COLUMNS)
        declared = row.get("question_type")
        appearance = row.get("appearance") or None
        options: tuple[Option, ...] = ()
        select = _SELECT.match(kind)
        question_type: QuestionType | None
        if select:
            list_name = select.group(2)
            found = self.lists.get(list_name)
            if found is None:
                self.problem(
                    "unknown_list",
                    f"{row.place}, Spalte 'type'",
                    f"Die Auswahlliste {list_name!r} fehlt im Blatt choices.",
                    list_name=list_name,
                )
                found = []
            options = tuple(found)
            if select.group(3):
                options = (*options, self.or_other_option(options))
            question_type = (
                QuestionType.MULTIPLE_CHOICE
                if select.group(1) == "multiple"
                else QuestionType.SINGLE_CHOICE
            )
            if question_type is QuestionType.SINGLE_CHOICE and appearance == "likert":
                question_type, appearance = QuestionType.LIKERT, None
        else:
            question_type = {
                "note": QuestionType.INFO,
                "acknowledge": QuestionType.CONSENT,
                "trigger": QuestionType.CONSENT,
                "integer": QuestionType.NUMBER,
                "int": QuestionType.NUMBER,
                "decimal": QuestionType.NUMBER,
                "text": QuestionType.TEXT,
                "string": QuestionType.TEXT,
                "date": QuestionType.DATE,
            }.get(kind)
            if question_type is QuestionType.TEXT and appearance == "multiline":
                question_type, appearance = QuestionType.LONG_TEXT, None
        if question_type is None:
            hint = ""
            if kind in _METADATA_TYPES:
                hint = (
                    " (Metadaten wie Gerätekennung oder Zeitstempel widersprechen der "
                    "Anonymität der Antworten)"
                )
            self.unsupported(
                f"{row.place}, Spalte 'type'", kind or "(leerer Typ)", hint
            )
            return None
        decimals_text = row.get("decimals")
        decimals = 0
        if declared:
            try:
                question_type = QuestionType(declared)
            except ValueError:
                self.unsupported(
                    f"{row.place}, Spalte 'question_type'", f"question_type {declared}"
                )
                return None
            if decimals_text:
                number = self.number(row, "decimals")
                decimals = int(number) if number is not None else 0
        elif kind == "decimal":
            decimals = 2
        required_text = row.get("required").lower()
        if required_text not in _TRUE and required_text not in _FALSE:
            self.unsupported(
                f"{row.place}, Spalte 'required'",
                f"required: {row.get('required')}",
                " (nur yes oder no)",
            )
        name = row.get("name")
        if not name:
            self.problem("missing_key", row.place, "Der Frage fehlt ein Name (name).")
            return None
        return Question(
            name=name,
            type=question_type,
            label=self.text(row, "label") or Text({self.default: ""}),
            hint=self.text(row, "hint"),
            options=options,
            required=required_text in _TRUE,
            relevant=row.get("relevant") or None,
            constraint=row.get("constraint") or None,
            constraint_message=self.text(row, "constraint_message"),
            appearance=appearance,
            minimum=self.number(row, "minimum"),
            maximum=self.number(row, "maximum"),
            decimals=decimals,
            unit=self.text(row, "unit"),
        )

    def or_other_option(self, options: Sequence[Option]) -> Option:
        code = max((option.code for option in options), default=0) + 1
        label = Text(
            {language: _OTHER.get(language, "Other") for language in self.languages}
        )
        return Option(code=code, value="other", label=label, other=True)

    def absorbs_other(self, row: _Row, previous: Question) -> bool:
        """A foreign "please specify" text field right after its select question."""
        if row.get("type").lower() != "text" or row.get("name") != (
            f"{previous.name}_other"
        ):
            return False
        return previous.type in (
            QuestionType.SINGLE_CHOICE,
            QuestionType.MULTIPLE_CHOICE,
        ) and bool(self.other_value(row, previous))

    @staticmethod
    def other_value(row: _Row, previous: Question) -> str | None:
        pattern = (
            r"^\s*selected\(\s*\$\{\s*" + re.escape(previous.name) + r"\s*\}\s*,\s*"
            r"['\"]([^'\"]+)['\"]\s*\)\s*$"
        )
        match = re.match(pattern, row.get("relevant"))
        return match.group(1) if match else None

    def mark_other(self, row: _Row, previous: Question) -> Question:
        value = self.other_value(row, previous)
        if value is None or row.get("name") != f"{previous.name}_other":
            self.problem(
                "unsupported_feature",
                row.place,
                "Das Textfeld für „Sonstiges“ muss <frage>_other heißen, direkt nach "
                "seiner Auswahlfrage stehen und den Filter selected(${frage}, "
                "'wert') haben.",
                feature="other_text",
            )
            return previous
        if any(option.other for option in previous.options):
            return previous
        options = tuple(
            replace(option, other=True) if option.value == value else option
            for option in previous.options
        )
        return replace(previous, options=options)

    def matrix(self, group: _Group) -> Question | None:
        row = group.row
        self.check_columns(
            row,
            ("type", "name", "relevant", "appearance", "question_type"),
            ("label", "hint"),
        )
        items: list[MatrixItem] = []
        list_names: set[str] = set()
        required: list[bool] = []
        first: _Row | None = None
        for item in group.items:
            self.check_columns(
                item,
                ("type", "name", "required", "constraint", "question_type"),
                ("label", "constraint_message"),
            )
            select = _SELECT.match(re.sub(r"\s+", " ", item.get("type")).lower())
            if not select or select.group(1) != "one" or select.group(3):
                self.unsupported(
                    f"{item.place}, Spalte 'type'",
                    f"{item.get('type')} in einer Matrix (table-list)",
                    "; erlaubt sind nur select_one-Zeilen mit derselben Liste",
                )
                continue
            first = first or item
            list_names.add(select.group(2))
            required.append(item.get("required").lower() in _TRUE)
            items.append(
                MatrixItem(
                    name=item.get("name"),
                    label=self.text(item, "label") or Text({self.default: ""}),
                )
            )
        if len(list_names) > 1:
            self.unsupported(
                row.place,
                "table-list mit verschiedenen Auswahllisten",
            )
        list_name = next(iter(list_names), "")
        options = tuple(self.lists.get(list_name, ()))
        if list_name and list_name not in self.lists:
            self.problem(
                "unknown_list",
                row.place,
                f"Die Auswahlliste {list_name!r} fehlt im Blatt choices.",
                list_name=list_name,
            )
        appearance = row.get("appearance") or None
        if appearance == "table-list":
            appearance = None
        return Question(
            name=row.get("name"),
            type=QuestionType.LIKERT_MATRIX,
            label=self.text(row, "label") or Text({self.default: ""}),
            hint=self.text(row, "hint"),
            options=options,
            items=tuple(items),
            required=any(required),
            relevant=row.get("relevant") or None,
            constraint=(first.get("constraint") or None) if first else None,
            constraint_message=self.text(first, "constraint_message")
            if first
            else None,
            appearance=appearance,
        )


def from_xlsform(source: bytes | str | PathLike[str]) -> Questionnaire:
    """Read a questionnaire from an XLSForm (xlsx, xls, csv or markdown; bytes or path).

    Raises :class:`~fragebogen.errors.DefinitionError` listing every unsupported
    feature (by name and place, such as ``survey, Zeile 7``) and every problem of the
    resulting definition. Nothing is dropped silently.
    """
    try:
        sheets = get_xlsform(source)
    except (
        PyXFormError,
        BadZipFile,
        XLRDError,
        ValueError,
        KeyError,
        OSError,
        TypeError,
    ) as error:
        raise DefinitionError(
            [
                Problem(
                    "unreadable_file",
                    "",
                    f"Die XLSForm-Datei kann nicht gelesen werden: {error}",
                )
            ]
        ) from None
    if not sheets.survey:
        raise DefinitionError(
            [
                Problem(
                    "missing_sheet", "survey", "Das Blatt 'survey' fehlt oder ist leer."
                )
            ]
        )
    importer = _Importer(sheets)
    importer.check_settings()
    for sheet in ("external_choices", "entities", "osm"):
        if getattr(sheets, sheet, None):
            importer.unsupported(f"Blatt {sheet!r}", f"Blatt {sheet}")
    questionnaire = importer.build()
    problems = importer.problems + validate_definition(questionnaire)
    if problems:
        raise DefinitionError(problems)
    return questionnaire
