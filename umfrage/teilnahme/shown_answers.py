"""Answers as the respondent reads them: on the review page, and in texts that show
answers (``${name}``, :mod:`fragebogen.piping`), in the respondent's language.

In a page's HTML each shown answer is a ``<span data-answer="name">``, which
``static/teilnahme/conditions.js`` rewrites as answers on the same page change; it
formats numbers with the separators :func:`number_symbols` gives it, so the page
reads the same before and after the answer is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from fragebogen import piping
from fragebogen.model import Question, Questionnaire, QuestionType, Text
from fragebogen.validation import answer_fields, other_field

from .chrome import format_day

__all__ = [
    "ShownAnswers",
    "format_number",
    "number_symbols",
]


_SPAN = Markup('<span class="shown-answer" data-answer="{}">{}</span>')


def _locale(language: str) -> str:
    return language.replace("-", "_")


def format_number(value: float, language: str) -> str:
    """A number in the respondent's locale, at most three decimals (``1.234,5``)."""
    try:
        return format_decimal(value, locale=_locale(language), numbering_system="latn")
    except (UnknownLocaleError, ValueError):
        return format_decimal(value, locale="de")


def number_symbols(language: str) -> dict[str, str]:
    """The decimal and group separators and the minus sign, as
    :func:`format_number` writes them (read off what it writes: babel's symbol
    tables and its formatting disagree for some locales, e.g. the minus in ``ar``)."""
    return dict(_number_symbols(language))


@lru_cache(maxsize=64)
def _number_symbols(language: str) -> tuple[tuple[str, str], ...]:
    # babel's locale data never changes in a process: read once per language
    return (
        ("decimal", format_number(1.5, language)[1:-1]),
        ("group", format_number(1000, language)[1:-3]),
        ("minus", format_number(-1, language)[:-1]),
    )


@dataclass
class ShownAnswers:
    """Renders ``${name}`` in texts with the answers given so far."""

    questionnaire: Questionnaire
    answers: Mapping[str, Any]
    language: str
    district_names: Mapping[str, str]
    translate: Callable[[str], str]
    #: what a text shows for an unanswered field (the designer's preview: its name)
    unanswered: Callable[[str], str] = field(default=lambda name: "")
    _questions: dict[str, Question] = field(default_factory=dict, init=False)
    # the fields being shown: option labels that show each other end there
    _showing: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        for page in self.questionnaire.pages:
            for question in page.questions:
                for name in answer_fields(question):
                    self._questions.setdefault(name, question)

    @property
    def fallback(self) -> str:
        return self.questionnaire.default_language

    def option(self, question: Question, value: Any) -> str | None:
        """The label of the option with code ``value``, answers it shows filled in."""
        if value is None:
            return None
        try:
            label = question.option_by_code(int(value)).label
        except (KeyError, TypeError, ValueError):
            return str(value)
        return self.text(label)

    def answer(self, question: Question) -> str | None:
        """The answer to ``question`` as the review page shows it (None: not
        answered); numbers with their unit."""
        answers, language = self.answers, self.language
        value = answers.get(question.name)
        if value is None:
            return None
        kind = question.type
        other = other_field(question)
        other_text = answers.get(other) if other else None
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.LIKERT):
            text = self.option(question, value)
            return f"{text}: {other_text}" if other_text else text
        if kind is QuestionType.MULTIPLE_CHOICE:
            labels = [self.option(question, code) or "" for code in value]
            if other_text:
                labels.append(str(other_text))
            return ", ".join(labels)
        if kind is QuestionType.DISTRICT:
            if value in self.district_names:
                return self.district_names[value]
            for option in question.options:
                if option.value == value:
                    return option.label.get_text(language, self.fallback)
            return str(value)
        if kind is QuestionType.CONSENT:
            return self.translate("Zugestimmt")
        if kind is QuestionType.DATE and isinstance(value, str):
            try:
                return format_day(date.fromisoformat(value), language)
            except ValueError:
                return value
        if kind is QuestionType.NUMBER and isinstance(value, int | float):
            number = format_number(value, language)
            if question.unit is not None:
                return f"{number} {question.unit.get_text(language, self.fallback)}"
            return number
        return str(value)

    def value(self, name: str) -> str:
        """The answer to field ``name`` as shown in a text ("" if none): as on the
        review page, but a number without its unit."""
        question = self._questions.get(name)
        value = self.answers.get(name)
        if question is None or value is None:
            return self.unanswered(name)
        if name in self._showing:
            return ""
        if name == other_field(question):
            return str(value)
        if question.type is QuestionType.NUMBER and isinstance(value, int | float):
            return format_number(value, self.language)
        self._showing.add(name)
        try:
            if question.type is QuestionType.LIKERT_MATRIX:
                return self.option(question, value) or ""
            return self.answer(question) or ""
        finally:
            self._showing.discard(name)

    def text(self, text: Text) -> str:
        """``text`` in the respondent's language with the answers filled in."""
        written = text.get_text(self.language, self.fallback)
        return "".join(
            literal + (self.value(name) if name is not None else "")
            for literal, name in piping.segments(written)
        )

    def markup(self, text: Text) -> Markup:
        """Like :meth:`text`, each answer in a ``<span data-answer>`` the page's
        script keeps up to date."""
        written = text.get_text(self.language, self.fallback)
        parts = []
        for literal, name in piping.segments(written):
            parts.append(escape(literal))
            if name is not None:
                parts.append(_SPAN.format(name, self.value(name)))
        return Markup("").join(parts)
