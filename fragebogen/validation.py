"""Validation of answers, page by page (definitions: :mod:`fragebogen.definition`).

This module is the single source of truth for what a valid answer is: the web app
builds its forms from :mod:`fragebogen.model`, passes the submitted values to
:func:`validate_page` and stores what it returns.

Stored answer values by question type:

=================  ===========================================================
single_choice      ``int`` option code (plus ``<name>_other`` text if the chosen
likert             option is an "other" option)
multiple_choice    ``list[int]`` of codes in option order, plus ``<name>_other``
likert_matrix      one ``int`` code per item, under the item's name
number             ``int`` (``decimals == 0``) or ``float``
text, long_text    ``str``
date               ``str`` ``"YYYY-MM-DD"``
year               ``int``
consent            ``True``
district           ``str``: a district code or the value of a (missing) option
info               no answer
=================  ===========================================================
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from fragebogen.errors import AnswerError, Problem
from fragebogen.expressions import (
    Choice,
    evaluate_bool,
)
from fragebogen.model import (
    CHOICE_TYPES,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)

__all__ = [
    "LONG_TEXT_MAX_LENGTH",
    "TEXT_MAX_LENGTH",
    "answer_fields",
    "expression_values",
    "page_is_relevant",
    "question_is_relevant",
    "relevant_questions",
    "validate_page",
]

#: Longest answer to a ``text`` question, in characters.
TEXT_MAX_LENGTH = 1000
#: Longest answer to a ``long_text`` question, in characters.
LONG_TEXT_MAX_LENGTH = 10000
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^([+-]?)(\d*)(?:[.,](\d*))?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TRUE = frozenset({"1", "true", "on", "yes", "y", "ja", "j"})
_FALSE = frozenset({"0", "false", "off", "no", "n", "nein"})

REQUIRED_MESSAGE = "Bitte beantworten Sie diese Frage."
CONSENT_MESSAGE = "Bitte stimmen Sie zu, um fortzufahren."
OPTION_MESSAGE = "Bitte wählen Sie eine der angebotenen Antworten."
DISTRICT_MESSAGE = "Bitte wählen Sie einen Sozialraum aus der Karte oder der Liste."
CONSTRAINT_MESSAGE = "Diese Antwort ist nicht zulässig."
INVALID_MESSAGE = "Diese Antwort hat ein ungültiges Format."
DATE_MESSAGE = "Bitte geben Sie ein gültiges Datum ein (TT.MM.JJJJ)."


# ------------------------------------------------------------------ answer fields


def other_field(question: Question) -> str | None:
    """The field of the "other, please specify" text, if the question has one."""
    if question.type in (
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
    ) and any(option.other for option in question.options):
        return f"{question.name}_other"
    return None


def answer_fields(question: Question) -> list[str]:
    """The answer keys of a question.

    Matrix: the item names; single/multiple choice: the name, plus ``<name>_other`` if
    there is an "other" option; info: none; all others: the name.
    """
    if question.type is QuestionType.INFO:
        return []
    if question.type is QuestionType.LIKERT_MATRIX:
        return [item.name for item in question.items]
    fields = [question.name]
    extra = other_field(question)
    if extra is not None:
        fields.append(extra)
    return fields


@dataclass(frozen=True)
class _Index:
    """Where each answer field lives, for expressions and ordering checks."""

    question_of_field: Mapping[str, Question]
    order_of_field: Mapping[str, int]
    page_of_field: Mapping[str, int]


@lru_cache(maxsize=64)
def _index(questionnaire: Questionnaire) -> _Index:
    question_of_field: dict[str, Question] = {}
    order_of_field: dict[str, int] = {}
    page_of_field: dict[str, int] = {}
    order = 0
    for page_index, page in enumerate(questionnaire.pages):
        for question in page.questions:
            for name in answer_fields(question):
                question_of_field.setdefault(name, question)
                order_of_field.setdefault(name, order)
                page_of_field.setdefault(name, page_index)
            order += 1
    return _Index(question_of_field, order_of_field, page_of_field)


def _choice(question: Question, value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        for option in question.options:
            if option.code == value:
                return Choice(option.code, option.value)
    return value


def expression_values(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> dict[str, object]:
    """Stored answers as expressions see them.

    Option codes of choice questions become :class:`~fragebogen.expressions.Choice`
    objects, so ``${haushaltstyp} = 'paar'``, ``selected(${angebote}, 'kita')`` and
    ``${zufriedenheit} >= 4`` all work. Other values are passed through.
    """
    index = _index(questionnaire)
    values: dict[str, object] = {}
    for name, value in answers.items():
        question = index.question_of_field.get(name)
        if (
            question is not None
            and question.type in CHOICE_TYPES
            and name != other_field(question)
        ):
            if isinstance(value, list | tuple):
                value = [_choice(question, element) for element in value]
            else:
                value = _choice(question, value)
        values[name] = value
    return values


def _holds(
    expression: str | None, questionnaire: Questionnaire, answers: Mapping[str, object]
) -> bool:
    if expression is None:
        return True
    return evaluate_bool(expression, expression_values(questionnaire, answers))


# ---------------------------------------------------------------------- relevance


def _page(questionnaire: Questionnaire, page_index: int) -> Page:
    """The page at ``page_index``; IndexError outside 0 … len(pages) - 1."""
    if not 0 <= page_index < len(questionnaire.pages):
        raise IndexError(f"no page {page_index}")
    return questionnaire.pages[page_index]


def question_is_relevant(
    questionnaire: Questionnaire, question: Question, answers: Mapping[str, object]
) -> bool:
    """Whether ``question.relevant`` holds for the stored ``answers``."""
    return _holds(question.relevant, questionnaire, answers)


def page_is_relevant(
    questionnaire: Questionnaire, page_index: int, answers: Mapping[str, object]
) -> bool:
    """Whether the page's relevance condition holds for the stored ``answers``."""
    return _holds(_page(questionnaire, page_index).relevant, questionnaire, answers)


def relevant_questions(
    questionnaire: Questionnaire, page_index: int, answers: Mapping[str, object]
) -> list[Question]:
    """The questions of a page whose relevance holds for ``answers``.

    Questions are evaluated in order, so a condition on an earlier question of the
    same page sees that question's answer only if that question is relevant itself.
    """
    page = _page(questionnaire, page_index)
    context = dict(answers)
    shown: list[Question] = []
    for question in page.questions:
        if question_is_relevant(questionnaire, question, context):
            shown.append(question)
        else:
            for name in answer_fields(question):
                context.pop(name, None)
    return shown


# ---------------------------------------------------------------- answer cleaning


def _german_number(number: float) -> str:
    if number == int(number):
        return str(int(number))
    return repr(float(number)).replace(".", ",")


def _range_phrase(question: Question) -> str:
    low, high = question.minimum, question.maximum
    if low is not None and high is not None:
        return f" zwischen {_german_number(low)} und {_german_number(high)}"
    if low is not None:
        return f" von mindestens {_german_number(low)}"
    if high is not None:
        return f" von höchstens {_german_number(high)}"
    return ""


def number_message(question: Question) -> str:
    """The message shown for any invalid answer to a number question."""
    if question.decimals == 0:
        kind = "eine ganze Zahl"
    elif question.decimals == 1:
        kind = "eine Zahl mit höchstens einer Nachkommastelle"
    else:
        kind = f"eine Zahl mit höchstens {question.decimals} Nachkommastellen"
    return f"Bitte geben Sie {kind}{_range_phrase(question)} ein."


def year_message(question: Question) -> str:
    """The message shown for any invalid answer to a year question."""
    if question.minimum is not None or question.maximum is not None:
        return f"Bitte geben Sie eine Jahreszahl{_range_phrase(question)} ein."
    return "Bitte geben Sie eine vierstellige Jahreszahl ein (zum Beispiel 2015)."


class _Cleaner:
    """Cleans the raw values of one page, collecting problems."""

    def __init__(
        self,
        raw: Mapping[str, object],
        district_codes: Collection[str],
        language: str,
        fallback: str,
    ) -> None:
        self.raw = raw
        self.district_codes = district_codes
        self.language = language
        self.fallback = fallback
        self.problems: list[Problem] = []

    def problem(self, code: str, field: str, message: str, **params: Any) -> None:
        self.problems.append(Problem(code, field, message, params))

    def label(self, text: Text) -> str:
        return text.get_text(self.language, self.fallback)

    # -- raw value helpers

    def scalar(self, field: str) -> object:
        """The raw value of a single-valued field; None when empty."""
        value = self.raw.get(field)
        if isinstance(value, list | tuple):
            values = [element for element in value if not _is_blank(element)]
            if not values:
                return None
            if len(values) > 1:
                self.problem("invalid_value", field, INVALID_MESSAGE)
                return None
            value = values[0]
        if _is_blank(value):
            return None
        return value

    def text_value(self, field: str, *, long: bool) -> str | None:
        value = self.scalar(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem("invalid_value", field, INVALID_MESSAGE)
            return None
        text = _clean_text(str(value), long=long)
        if not text:
            return None
        limit = LONG_TEXT_MAX_LENGTH if long else TEXT_MAX_LENGTH
        if len(text) > limit:
            self.problem(
                "too_long",
                field,
                f"Bitte kürzen Sie Ihre Antwort auf höchstens {limit} Zeichen.",
                limit=limit,
                length=len(text),
            )
            return None
        return text

    # -- per type

    def option(self, question: Question, field: str, value: object) -> Option | None:
        option = _find_option(question, value)
        if option is None:
            self.problem("invalid_option", field, OPTION_MESSAGE)
        return option

    def single(self, question: Question, field: str) -> int | None:
        value = self.scalar(field)
        if value is None:
            return None
        option = self.option(question, field, value)
        return None if option is None else option.code

    def multiple(self, question: Question) -> list[int] | None:
        field = question.name
        value = self.raw.get(field)
        if isinstance(value, str | int) and not isinstance(value, bool):
            values: list[object] = [value]
        elif isinstance(value, list | tuple | set | frozenset):
            values = [element for element in value if not _is_blank(element)]
        elif _is_blank(value):
            values = []
        else:
            self.problem("invalid_value", field, INVALID_MESSAGE)
            return None
        chosen: set[int] = set()
        for element in values:
            if _is_blank(element):
                continue
            option = self.option(question, field, element)
            if option is None:
                return None
            chosen.add(option.code)
        if not chosen:
            return None
        codes = [option.code for option in question.options if option.code in chosen]
        exclusive = [
            option
            for option in question.options
            if option.exclusive and option.code in chosen
        ]
        if exclusive and len(codes) > 1:
            label = self.label(exclusive[0].label)
            self.problem(
                "exclusive_option",
                field,
                f"„{label}“ kann nicht zusammen mit anderen Antworten gewählt werden.",
                option=exclusive[0].value,
            )
            return None
        return codes

    def number(self, question: Question) -> int | float | None:
        field = question.name
        value = self.scalar(field)
        if value is None:
            return None
        message = number_message(question)
        number = _parse_number(value)
        if number is None:
            self.problem("not_a_number", field, message)
            return None
        result, places = number
        if question.decimals == 0:
            if result != int(result):
                self.problem("not_an_integer", field, message)
                return None
        elif places > question.decimals:
            self.problem(
                "too_many_decimals", field, message, decimals=question.decimals
            )
            return None
        if not self.in_range(question, result, field, message):
            return None
        return int(result) if question.decimals == 0 else float(result)

    def in_range(
        self, question: Question, number: float, field: str, message: str
    ) -> bool:
        low, high = question.minimum, question.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            self.problem("out_of_range", field, message, minimum=low, maximum=high)
            return False
        return True

    def year(self, question: Question) -> int | None:
        field = question.name
        value = self.scalar(field)
        if value is None:
            return None
        message = year_message(question)
        if isinstance(value, str):
            value = value.strip()
            if not _INTEGER.match(value):
                self.problem("invalid_year", field, message)
                return None
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem("invalid_year", field, message)
            return None
        if not 1000 <= value <= 9999:
            self.problem("invalid_year", field, message)
            return None
        if not self.in_range(question, value, field, message):
            return None
        return value

    def date(self, question: Question) -> str | None:
        field = question.name
        value = self.scalar(field)
        if value is None:
            return None
        if isinstance(value, date):
            return value.isoformat()[:10]
        if not isinstance(value, str):
            self.problem("invalid_date", field, DATE_MESSAGE)
            return None
        text = value.strip()
        match = _ISO_DATE.match(text)
        parts: tuple[int, int, int] | None = None
        if match:
            parts = (int(match[1]), int(match[2]), int(match[3]))
        else:
            match = _GERMAN_DATE.match(text)
            if match:
                parts = (int(match[3]), int(match[2]), int(match[1]))
        try:
            if parts is None:
                raise ValueError(text)
            return date(*parts).isoformat()
        except ValueError:
            self.problem("invalid_date", field, DATE_MESSAGE)
            return None

    def consent(self, question: Question) -> bool | None:
        field = question.name
        value = self.scalar(field)
        if value is None or value is False:
            return None
        if value is True:
            return True
        token = str(value).strip().lower()
        if token in _TRUE:
            return True
        if token in _FALSE:
            return None
        self.problem("invalid_value", field, INVALID_MESSAGE)
        return None

    def district(self, question: Question) -> str | None:
        field = question.name
        value = self.scalar(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem("invalid_district", field, DISTRICT_MESSAGE)
            return None
        token = str(value).strip()
        if token in self.district_codes:
            return token
        option = _find_option(question, value)
        if option is not None:
            return option.value
        self.problem("invalid_district", field, DISTRICT_MESSAGE)
        return None


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    return isinstance(value, list | tuple | set | frozenset) and not value


def _clean_text(text: str, *, long: bool) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for char in text:
        if char == "\n" and long:
            kept.append(char)
        elif char in "\n\t":
            kept.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cs"):
            continue
        else:
            kept.append(char)
    return "".join(kept).strip()


def _find_option(question: Question, value: object) -> Option | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        for option in question.options:
            if option.code == value:
                return option
        return None
    if not isinstance(value, str):
        return None
    token = value.strip()
    if _INTEGER.match(token):
        code = int(token)
        for option in question.options:
            if option.code == code:
                return option
    for option in question.options:
        if option.value == token:
            return option
    return None


def _parse_number(value: object) -> tuple[float, int] | None:
    """The number and its count of decimal places; None if it is no number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) > 10**15:
            return None
        return float(value), 0
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        text = repr(value)
        places = 0 if value.is_integer() else len(text.split(".")[-1])
        return value, places
    if not isinstance(value, str):
        return None
    text = value.strip().replace("\u2212", "-").replace(" ", "")
    match = _DECIMAL.match(text)
    if not match or not (match[2] or match[3]) or len(text) > 30:
        return None
    fraction = (match[3] or "").rstrip("0")
    number = float(f"{match[1]}{match[2] or '0'}.{match[3] or '0'}")
    return number, len(fraction)


def validate_page(
    questionnaire: Questionnaire,
    page_index: int,
    raw: Mapping[str, object],
    previous: Mapping[str, object],
    district_codes: Collection[str] = (),
    *,
    language: str | None = None,
) -> dict[str, object]:
    """Clean and check the answers to one page.

    ``raw`` holds the submitted values by answer field (strings, lists of strings
    for multiple choice, None or "" for empty; already typed values are accepted
    too). ``previous`` holds the answers of earlier pages. Returns the cleaned
    answers of the relevant questions of the page; unanswered and irrelevant ones
    are absent. Raises :class:`~fragebogen.errors.AnswerError` listing every
    problem, each placed at its answer field. ``language`` chooses the language of
    texts taken from the definition (constraint messages, option labels).
    """
    page = _page(questionnaire, page_index)
    language = language or questionnaire.default_language
    page_fields = {
        name for question in page.questions for name in answer_fields(question)
    }
    context = {
        name: value for name, value in previous.items() if name not in page_fields
    }
    if not page_is_relevant(questionnaire, page_index, context):
        return {}
    codes = (
        district_codes
        if isinstance(district_codes, set | frozenset | dict)
        else frozenset(district_codes)
    )
    cleaner = _Cleaner(raw, codes, language, questionnaire.default_language)
    cleaned: dict[str, object] = {}
    for question in page.questions:
        if question.type is QuestionType.INFO:
            continue
        if not question_is_relevant(questionnaire, question, {**context, **cleaned}):
            continue
        before = len(cleaner.problems)
        answers = _clean_question(cleaner, question)
        failed = {problem.place for problem in cleaner.problems[before:]}
        _check_required(cleaner, question, answers, failed)
        if len(cleaner.problems) == before and question.constraint is not None:
            _check_constraint(
                cleaner, questionnaire, question, answers, {**context, **cleaned}
            )
        if len(cleaner.problems) == before:
            cleaned.update(answers)
    if cleaner.problems:
        raise AnswerError(cleaner.problems)
    return cleaned


def _clean_question(cleaner: _Cleaner, question: Question) -> dict[str, object]:
    kind = question.type
    name = question.name
    value: object = None
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.LIKERT):
        value = cleaner.single(question, name)
    elif kind is QuestionType.MULTIPLE_CHOICE:
        value = cleaner.multiple(question)
    elif kind is QuestionType.LIKERT_MATRIX:
        matrix: dict[str, object] = {}
        for item in question.items:
            code = cleaner.single(question, item.name)
            if code is not None:
                matrix[item.name] = code
        return matrix
    elif kind is QuestionType.NUMBER:
        value = cleaner.number(question)
    elif kind in (QuestionType.TEXT, QuestionType.LONG_TEXT):
        value = cleaner.text_value(name, long=kind is QuestionType.LONG_TEXT)
    elif kind is QuestionType.DATE:
        value = cleaner.date(question)
    elif kind is QuestionType.YEAR:
        value = cleaner.year(question)
    elif kind is QuestionType.CONSENT:
        value = cleaner.consent(question)
    elif kind is QuestionType.DISTRICT:
        value = cleaner.district(question)
    answers: dict[str, object] = {}
    if value is not None:
        answers[name] = value
    extra = other_field(question)
    if extra is not None and value is not None:
        chosen = value if isinstance(value, list) else [value]
        if any(option.other and option.code in chosen for option in question.options):
            text = cleaner.text_value(extra, long=False)
            if text is not None:
                answers[extra] = text
    return answers


def _check_required(
    cleaner: _Cleaner,
    question: Question,
    answers: Mapping[str, object],
    failed: Collection[str],
) -> None:
    """Report unanswered required fields (except those with a problem already)."""
    if not question.required:
        return
    if question.type is QuestionType.LIKERT_MATRIX:
        for item in question.items:
            if item.name not in answers and item.name not in failed:
                cleaner.problem("required", item.name, REQUIRED_MESSAGE)
        return
    if question.name not in answers and question.name not in failed:
        message = (
            CONSENT_MESSAGE
            if question.type is QuestionType.CONSENT
            else REQUIRED_MESSAGE
        )
        cleaner.problem("required", question.name, message)


def _check_constraint(
    cleaner: _Cleaner,
    questionnaire: Questionnaire,
    question: Question,
    answers: Mapping[str, object],
    context: Mapping[str, object],
) -> None:
    assert question.constraint is not None
    values = expression_values(questionnaire, {**context, **answers})
    message = CONSTRAINT_MESSAGE
    if question.constraint_message is not None:
        message = cleaner.label(question.constraint_message) or message
    if question.type is QuestionType.LIKERT_MATRIX:
        checks = [(item.name, item.name) for item in question.items]
    else:
        checks = [(question.name, question.name)]
    for field, key in checks:
        if key not in answers:
            continue  # constraints apply to given answers only, as in XLSForm
        if not evaluate_bool(question.constraint, values, current=values.get(key)):
            cleaner.problem("constraint", field, message)
