"""XLSForm export (:func:`to_xlsform`).

A workbook with the sheets ``survey``, ``choices`` and ``settings`` (openpyxl): pages
become ``begin_group`` … ``end_group`` with appearance ``field-list``, texts
``label::<language>`` columns. What XLSForm cannot say (the exact question type,
number bounds, option codes, missing/exclusive/other flags) goes into extra columns
(``question_type``, ``minimum``, ``maximum``, ``decimals``, ``unit::<language>``;
``code``, ``missing``, ``exclusive``, ``other`` on ``choices``), so model -> XLSForm ->
model is lossless.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from io import BytesIO

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from fragebogen.model import Question, Questionnaire, QuestionType, Text
from fragebogen.validation import other_field

__all__ = ["OTHER_LABEL", "OTHER_TEXT", "PLEASE_SPECIFY", "to_xlsform"]

PLEASE_SPECIFY = {
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

#: Label of the "other" option of ``select_one x or_other``.
OTHER_LABEL = {
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
OTHER_TEXT = "other_text"


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
                    f"label::{language}": PLEASE_SPECIFY.get(
                        language, other.label.get(language, "")
                    )
                    for language in languages
                },
                "relevant": f"selected(${{{question.name}}}, '{other.value}')",
                "question_type": OTHER_TEXT,
            }
        )
