"""Validation of answers (page by page) and of whole questionnaire definitions.

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
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from fragebogen.errors import AnswerError, DefinitionError, ExpressionError, Problem
from fragebogen.expressions import (
    BinaryOperation,
    Call,
    Choice,
    Expression,
    Literal,
    Negation,
    Reference,
    evaluate_bool,
    iter_calls,
    parse,
    references,
    uses_current,
)
from fragebogen.model import (
    CHOICE_TYPES,
    NAME_PATTERN,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)

__all__ = [
    "APPEARANCES",
    "LONG_TEXT_MAX_LENGTH",
    "MAX_NAME_LENGTH",
    "TEXT_MAX_LENGTH",
    "answer_fields",
    "check_definition",
    "expression_values",
    "page_is_relevant",
    "question_is_relevant",
    "relevant_questions",
    "validate_definition",
    "validate_page",
]

#: Longest answer to a ``text`` question, in characters.
TEXT_MAX_LENGTH = 1000
#: Longest answer to a ``long_text`` question, in characters.
LONG_TEXT_MAX_LENGTH = 10000
#: Longest variable name (SPSS allows 64 bytes).
MAX_NAME_LENGTH = 64
#: Most decimal places of a number question.
MAX_DECIMALS = 6

#: The ``appearance`` values each question type supports.
APPEARANCES: dict[QuestionType, frozenset[str]] = {
    QuestionType.SINGLE_CHOICE: frozenset({"dropdown", "minimal", "horizontal"}),
    QuestionType.MULTIPLE_CHOICE: frozenset({"minimal", "horizontal"}),
    QuestionType.LIKERT: frozenset({"dropdown", "horizontal", "likert"}),
    QuestionType.LONG_TEXT: frozenset({"multiline"}),
    QuestionType.DISTRICT: frozenset({"map", "list"}),
}

_NAME = re.compile(NAME_PATTERN)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
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


# ------------------------------------------------------------ definition checks


class _DefinitionChecker:
    def __init__(self, questionnaire: Questionnaire, has_district_layer: bool) -> None:
        self.questionnaire = questionnaire
        self.has_district_layer = has_district_layer
        self.problems: list[Problem] = []
        self.languages = tuple(questionnaire.languages)
        # field name -> (global question order, page index, question)
        self.fields: dict[str, tuple[int, int, Question]] = {}

    def problem(self, code: str, place: str, message: str, **params: Any) -> None:
        self.problems.append(Problem(code, place, message, params))

    def run(self) -> list[Problem]:
        questionnaire = self.questionnaire
        self.check_name(questionnaire.name, "name", "Der Name des Fragebogens")
        self.check_languages()
        self.check_text(questionnaire.title, "title")
        if questionnaire.description is not None:
            self.check_text(questionnaire.description, "description")
        if not questionnaire.pages:
            self.problem("no_pages", "pages", "Der Fragebogen hat keine Seiten.")
        self.collect_fields()
        page_names: dict[str, str] = {}
        order = 0
        for page_index, page in enumerate(questionnaire.pages):
            place = f"pages[{page_index}]"
            self.check_page(page, place, page_names, order)
            for question_index, question in enumerate(page.questions):
                self.check_question(
                    question, f"{place}.questions[{question_index}]", order, page_index
                )
                order += 1
        self.check_cycles()
        return self.problems

    # -- names, languages, texts

    def check_name(self, name: str, place: str, what: str) -> bool:
        if not _NAME.match(name):
            self.problem(
                "invalid_name",
                place,
                f"{what} {name!r} ist ungültig: erlaubt sind Kleinbuchstaben a–z, "
                "Ziffern und _, beginnend mit einem Buchstaben.",
                name=name,
            )
            return False
        if len(name) > MAX_NAME_LENGTH:
            self.problem(
                "name_too_long",
                place,
                f"{what} {name!r} ist länger als {MAX_NAME_LENGTH} Zeichen.",
                name=name,
                limit=MAX_NAME_LENGTH,
            )
            return False
        return True

    def check_languages(self) -> None:
        if not self.languages:
            self.problem(
                "no_languages", "languages", "Der Fragebogen hat keine Sprache."
            )
        seen: set[str] = set()
        for index, language in enumerate(self.languages):
            place = f"languages[{index}]"
            if not _LANGUAGE.match(language):
                self.problem(
                    "invalid_language",
                    place,
                    f"{language!r} ist kein gültiges Sprachkürzel (zum Beispiel de, "
                    "en, tr, ar).",
                    language=language,
                )
            if language in seen:
                self.problem(
                    "duplicate_language",
                    place,
                    f"Die Sprache {language!r} ist doppelt angegeben.",
                    language=language,
                )
            seen.add(language)

    def check_text(self, text: Text, place: str) -> None:
        for language in self.languages:
            if not text.get(language, "").strip():
                self.problem(
                    "missing_translation",
                    place,
                    f"Der Text in der Sprache {language!r} fehlt.",
                    language=language,
                )
        for language in text:
            if language not in self.languages:
                self.problem(
                    "unknown_language",
                    place,
                    f"Der Text hat die Sprache {language!r}, die nicht zu den "
                    "Sprachen des Fragebogens gehört.",
                    language=language,
                )

    # -- structure

    def collect_fields(self) -> None:
        seen: dict[str, str] = {}
        order = 0
        for page_index, page in enumerate(self.questionnaire.pages):
            for question_index, question in enumerate(page.questions):
                place = f"pages[{page_index}].questions[{question_index}]"
                names = [(question.name, f"{place}.name")]
                if question.type is QuestionType.LIKERT_MATRIX:
                    names.extend(
                        (item.name, f"{place}.items[{item_index}].name")
                        for item_index, item in enumerate(question.items)
                    )
                extra = other_field(question)
                if extra is not None:
                    names.append((extra, f"{place}.name"))
                for name, name_place in names:
                    if name in seen:
                        self.problem(
                            "duplicate_name",
                            name_place,
                            f"Der Variablenname {name!r} kommt mehrfach vor "
                            f"(zuerst bei {seen[name]}).",
                            name=name,
                            first=seen[name],
                        )
                        continue
                    seen[name] = name_place
                for name in answer_fields(question):
                    self.fields.setdefault(name, (order, page_index, question))
                order += 1

    def check_page(
        self, page: Page, place: str, page_names: dict[str, str], first_order: int
    ) -> None:
        if self.check_name(page.name, f"{place}.name", "Der Seitenname"):
            if page.name in page_names:
                self.problem(
                    "duplicate_name",
                    f"{place}.name",
                    f"Der Seitenname {page.name!r} kommt mehrfach vor "
                    f"(zuerst bei {page_names[page.name]}).",
                    name=page.name,
                    first=page_names[page.name],
                )
            else:
                page_names[page.name] = f"{place}.name"
        self.check_text(page.title, f"{place}.title")
        if not page.questions:
            self.problem("empty_page", place, "Die Seite enthält keine Fragen.")
        if page.relevant is not None:
            self.check_expression(
                page.relevant,
                f"{place}.relevant",
                earliest_forbidden=first_order,
                own_fields=(),
                allow_current=False,
                same_page_message=True,
            )

    def check_question(
        self, question: Question, place: str, order: int, page_index: int
    ) -> None:
        kind = question.type
        self.check_name(question.name, f"{place}.name", "Der Variablenname")
        self.check_text(question.label, f"{place}.label")
        if question.hint is not None:
            self.check_text(question.hint, f"{place}.hint")
        if question.unit is not None:
            self.check_text(question.unit, f"{place}.unit")
            if kind is not QuestionType.NUMBER:
                self.not_applicable(place, "unit", kind)
        if question.constraint_message is not None:
            self.check_text(question.constraint_message, f"{place}.constraint_message")
        self.check_options(question, place)
        self.check_items(question, place)
        self.check_numbers(question, place)
        if (
            question.appearance is not None
            and question.appearance not in APPEARANCES.get(kind, frozenset())
        ):
            allowed = sorted(APPEARANCES.get(kind, frozenset()))
            self.problem(
                "unsupported_appearance",
                f"{place}.appearance",
                f"Die Darstellung {question.appearance!r} wird für den Fragetyp "
                f"{kind.value} nicht unterstützt"
                + (f" (möglich: {', '.join(allowed)})." if allowed else "."),
                appearance=question.appearance,
            )
        if kind is QuestionType.DISTRICT and not self.has_district_layer:
            self.problem(
                "no_district_layer",
                place,
                f"Die Frage {question.name!r} fragt nach dem Sozialraum, aber der "
                "Umfrage ist keine Gebietsebene zugeordnet.",
                name=question.name,
            )
        if kind is QuestionType.INFO and question.constraint is not None:
            self.not_applicable(place, "constraint", kind)
        if question.relevant is not None:
            self.check_expression(
                question.relevant,
                f"{place}.relevant",
                earliest_forbidden=order,
                own_fields=(),
                allow_current=False,
                self_name=question.name,
                own=answer_fields(question),
            )
        if question.constraint is not None and kind is not QuestionType.INFO:
            self.check_expression(
                question.constraint,
                f"{place}.constraint",
                earliest_forbidden=order + 1,
                own_fields=answer_fields(question),
                allow_current=True,
            )

    def not_applicable(self, place: str, key: str, kind: QuestionType) -> None:
        self.problem(
            "not_applicable",
            f"{place}.{key}",
            f"{key!r} ist für den Fragetyp {kind.value} nicht vorgesehen.",
            key=key,
            type=kind.value,
        )

    def check_options(self, question: Question, place: str) -> None:
        kind = question.type
        options = question.options
        if options and kind not in CHOICE_TYPES and kind is not QuestionType.DISTRICT:
            self.not_applicable(place, "options", kind)
            return
        if kind in CHOICE_TYPES:
            substantive = [option for option in options if not option.missing]
            needed = (
                2 if kind in (QuestionType.LIKERT, QuestionType.LIKERT_MATRIX) else 1
            )
            if len(substantive) < needed:
                self.problem(
                    "no_options",
                    f"{place}.options",
                    "Die Frage hat keine Antwortoptionen."
                    if not substantive
                    else "Eine Skala braucht mindestens zwei Antwortoptionen.",
                    needed=needed,
                )
        codes: dict[int, int] = {}
        values: dict[str, int] = {}
        others = 0
        for index, option in enumerate(options):
            option_place = f"{place}.options[{index}]"
            self.check_text(option.label, f"{option_place}.label")
            if not _NAME.match(option.value):
                self.problem(
                    "invalid_name",
                    f"{option_place}.value",
                    f"Der Optionswert {option.value!r} ist ungültig: erlaubt sind "
                    "Kleinbuchstaben a–z, Ziffern und _, beginnend mit einem "
                    "Buchstaben.",
                    name=option.value,
                )
            if option.value in values:
                self.problem(
                    "duplicate_value",
                    f"{option_place}.value",
                    f"Der Optionswert {option.value!r} kommt mehrfach vor.",
                    value=option.value,
                )
            values.setdefault(option.value, index)
            if isinstance(option.code, bool) or not isinstance(option.code, int):
                self.problem(
                    "invalid_code",
                    f"{option_place}.code",
                    "Der Code einer Option muss eine ganze Zahl sein.",
                )
            elif not -(2**31) < option.code < 2**31:
                self.problem(
                    "invalid_code",
                    f"{option_place}.code",
                    f"Der Code {option.code} ist zu groß.",
                )
            elif option.code in codes:
                self.problem(
                    "duplicate_code",
                    f"{option_place}.code",
                    f"Der Code {option.code} kommt mehrfach vor.",
                    option_code=option.code,
                )
            else:
                codes[option.code] = index
            if option.exclusive and kind is not QuestionType.MULTIPLE_CHOICE:
                self.not_applicable(option_place, "exclusive", kind)
            if option.other:
                others += 1
                if kind not in (
                    QuestionType.SINGLE_CHOICE,
                    QuestionType.MULTIPLE_CHOICE,
                ):
                    self.not_applicable(option_place, "other", kind)
            if kind is QuestionType.DISTRICT and not option.missing:
                self.problem(
                    "district_option_not_missing",
                    option_place,
                    "Bei einer Sozialraum-Frage sind nur Optionen für fehlende "
                    "Angaben erlaubt (missing: true), zum Beispiel „Möchte ich nicht "
                    "angeben“.",
                )
        if others > 1:
            self.problem(
                "several_other_options",
                f"{place}.options",
                "Eine Frage kann nur eine Option „Sonstiges“ haben.",
            )

    def check_items(self, question: Question, place: str) -> None:
        if question.type is not QuestionType.LIKERT_MATRIX:
            if question.items:
                self.not_applicable(place, "items", question.type)
            return
        if not question.items:
            self.problem(
                "no_items", f"{place}.items", "Die Matrix hat keine Zeilen (items)."
            )
        for index, item in enumerate(question.items):
            item_place = f"{place}.items[{index}]"
            self.check_name(item.name, f"{item_place}.name", "Der Variablenname")
            self.check_text(item.label, f"{item_place}.label")

    def check_numbers(self, question: Question, place: str) -> None:
        kind = question.type
        numeric = kind in (QuestionType.NUMBER, QuestionType.YEAR)
        for key in ("minimum", "maximum"):
            value = getattr(question, key)
            if value is None:
                continue
            if not numeric:
                self.not_applicable(place, key, kind)
            elif not math.isfinite(value):
                self.problem(
                    "invalid_number", f"{place}.{key}", "Die Grenze ist keine Zahl."
                )
            elif kind is QuestionType.YEAR and value != int(value):
                self.problem(
                    "invalid_number",
                    f"{place}.{key}",
                    "Die Grenze einer Jahresfrage muss eine ganze Zahl sein.",
                )
        if (
            numeric
            and question.minimum is not None
            and question.maximum is not None
            and question.minimum > question.maximum
        ):
            self.problem(
                "empty_range",
                f"{place}.minimum",
                "Das Minimum ist größer als das Maximum.",
            )
        if question.decimals:
            if kind is not QuestionType.NUMBER:
                self.not_applicable(place, "decimals", kind)
            elif not 0 <= question.decimals <= MAX_DECIMALS:
                self.problem(
                    "invalid_decimals",
                    f"{place}.decimals",
                    f"Die Zahl der Nachkommastellen muss zwischen 0 und "
                    f"{MAX_DECIMALS} liegen.",
                )

    # -- expressions

    def check_expression(
        self,
        text: str,
        place: str,
        *,
        earliest_forbidden: int,
        own_fields: Iterable[str],
        allow_current: bool,
        same_page_message: bool = False,
        self_name: str | None = None,
        own: Iterable[str] = (),
    ) -> None:
        try:
            expression = parse(text)
        except ExpressionError as error:
            self.problem(
                "invalid_expression",
                place,
                error.message,
                position=error.position,
                detail=error.code,
                expression=text,
            )
            return
        if not allow_current and uses_current(expression):
            self.problem(
                "current_not_allowed",
                place,
                "'.' (die eigene Antwort) ist nur in Prüfregeln (constraint) erlaubt.",
                expression=text,
            )
        own_set = set(own_fields)
        self_fields = set(own)
        for name in sorted(references(expression)):
            if name in own_set:
                continue
            where = self.fields.get(name)
            if where is None:
                self.problem(
                    "unknown_reference",
                    place,
                    f"Der Verweis ${{{name}}} bezieht sich auf keine Frage mit "
                    "Antwort.",
                    name=name,
                    expression=text,
                    position=_reference_position(expression, name),
                )
            elif name in self_fields or (self_name is not None and name == self_name):
                self.problem(
                    "cycle",
                    place,
                    f"Der Filter verweist mit ${{{name}}} auf die eigene Frage.",
                    name=name,
                    expression=text,
                    position=_reference_position(expression, name),
                )
            elif where[0] >= earliest_forbidden:
                message = (
                    f"Der Verweis ${{{name}}} bezieht sich auf eine Frage derselben "
                    "oder einer späteren Seite; ein Seitenfilter darf nur frühere "
                    "Seiten verwenden."
                    if same_page_message
                    else f"Der Verweis ${{{name}}} bezieht sich auf eine spätere "
                    "Frage; es dürfen nur frühere Antworten verwendet werden."
                )
                self.problem(
                    "later_reference",
                    place,
                    message,
                    name=name,
                    expression=text,
                    position=_reference_position(expression, name),
                )
        self.check_option_values(expression, place, text)

    def check_option_values(
        self, expression: Expression, place: str, text: str
    ) -> None:
        for call in iter_calls(expression):
            if call.function != "selected":
                continue
            target, wanted = call.arguments
            if not isinstance(target, Reference) or not isinstance(wanted, Literal):
                continue
            where = self.fields.get(target.name)
            if where is None:
                continue
            question = where[2]
            if question.type not in CHOICE_TYPES and question.type is not (
                QuestionType.DISTRICT
            ):
                continue
            value = str(wanted.value) if isinstance(wanted.value, str) else None
            if value is None:
                continue
            known = {option.value for option in question.options} | {
                str(option.code) for option in question.options
            }
            if value not in known:
                self.problem(
                    "unknown_option_value",
                    place,
                    f"Die Frage {target.name!r} hat keine Option {value!r}.",
                    name=target.name,
                    value=value,
                    expression=text,
                    position=wanted.position,
                )

    def check_cycles(self) -> None:
        """Report relevance conditions that depend on each other in a circle."""
        graph: dict[str, set[str]] = {}
        for question in self.questionnaire.questions():
            if question.relevant is None:
                continue
            try:
                names = references(question.relevant)
            except ExpressionError:
                continue
            targets = {
                self.fields[name][2].name
                for name in names
                if name in self.fields and self.fields[name][2].name != question.name
            }
            if targets:
                graph[question.name] = targets
        reported: set[frozenset[str]] = set()
        done: set[str] = set()
        for start in graph:
            self.walk(start, graph, done, reported)

    def walk(
        self,
        start: str,
        graph: Mapping[str, set[str]],
        done: set[str],
        reported: set[frozenset[str]],
    ) -> None:
        """Depth-first search from ``start`` with an explicit stack (long chains of
        conditions must not exhaust Python's recursion limit)."""
        if start in done:
            return
        path: list[str] = [start]
        on_path: set[str] = {start}
        pending: list[list[str]] = [sorted(graph.get(start, ()))]
        while pending:
            targets = pending[-1]
            if not targets:
                pending.pop()
                node = path.pop()
                on_path.discard(node)
                done.add(node)
                continue
            target = targets.pop(0)
            if target in on_path:
                circle = path[path.index(target) :]
                key = frozenset(circle)
                if key not in reported:
                    reported.add(key)
                    shown = " → ".join([*circle, target])
                    self.problem(
                        "cycle",
                        self.place_of(circle[0]),
                        f"Die Filter hängen im Kreis voneinander ab: {shown}.",
                        names=list(circle),
                    )
                continue
            if target in done:
                continue
            path.append(target)
            on_path.add(target)
            pending.append(sorted(graph.get(target, ())))

    def place_of(self, question_name: str) -> str:
        for page_index, page in enumerate(self.questionnaire.pages):
            for question_index, question in enumerate(page.questions):
                if question.name == question_name:
                    return f"pages[{page_index}].questions[{question_index}].relevant"
        return ""


def _reference_position(expression: Expression, name: str) -> int:
    stack: list[Expression] = [expression]
    positions: list[int] = []
    while stack:
        node = stack.pop()
        if isinstance(node, Reference) and node.name == name:
            positions.append(node.position)
        elif isinstance(node, Call):
            stack.extend(node.arguments)
        elif isinstance(node, BinaryOperation):
            stack.extend((node.left, node.right))
        elif isinstance(node, Negation):
            stack.append(node.operand)
    return min(positions) if positions else 0


def validate_definition(
    questionnaire: Questionnaire, *, has_district_layer: bool = True
) -> list[Problem]:
    """All problems of a definition (empty if it is valid).

    Checks names (pattern, duplicates), languages and translations, options, matrix
    items, number settings, appearances, expressions (syntax, unknown, later and
    circular references, option values in ``selected()``) and, with
    ``has_district_layer=False``, district questions.
    """
    return _DefinitionChecker(questionnaire, has_district_layer).run()


def check_definition(
    questionnaire: Questionnaire, *, has_district_layer: bool = True
) -> None:
    """Raise :class:`~fragebogen.errors.DefinitionError` listing all problems."""
    problems = validate_definition(questionnaire, has_district_layer=has_district_layer)
    if problems:
        raise DefinitionError(problems)
