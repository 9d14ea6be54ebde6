"""The review page: every answer given, page by page, in the respondent's language,
before the response is sent for good."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fragebogen.model import Question, Questionnaire, QuestionType
from fragebogen.routing import Route
from fragebogen.validation import other_field, relevant_questions

from .texts import format_day


@dataclass(frozen=True)
class ReviewAnswer:
    question: str
    answer: str
    answered: bool


@dataclass(frozen=True)
class ReviewPage:
    page_no: int
    title: str
    answers: tuple[ReviewAnswer, ...]


def review_pages(
    questionnaire: Questionnaire,
    path: Route,
    answers: Mapping[str, Any],
    language: str,
    district_names: Mapping[str, str],
    translate: Callable[[str], str],
) -> list[ReviewPage]:
    """The relevant pages with their relevant questions and answers as text."""
    fallback = questionnaire.default_language
    pages = []
    for index in path.pages:
        shown = []
        for question in relevant_questions(questionnaire, index, answers):
            if question.type is QuestionType.INFO:
                continue
            label = question.label.get_text(language, fallback)
            if question.type is QuestionType.LIKERT_MATRIX:
                for item in question.items:
                    value = answers.get(item.name)
                    shown.append(
                        _shown(
                            f"{label} – {item.label.get_text(language, fallback)}",
                            _option_text(question, value, language, fallback),
                            translate,
                        )
                    )
                continue
            text = _answer_text(
                question, answers, language, fallback, district_names, translate
            )
            shown.append(_shown(label, text, translate))
        title = questionnaire.pages[index].title.get_text(language, fallback)
        pages.append(ReviewPage(index + 1, title, tuple(shown)))
    return pages


def _shown(label: str, text: str | None, translate: Callable[[str], str]) -> Any:
    if text is None or text == "":
        return ReviewAnswer(label, translate("Nicht beantwortet"), False)
    return ReviewAnswer(label, text, True)


def _option_text(
    question: Question, value: Any, language: str, fallback: str
) -> str | None:
    if value is None:
        return None
    try:
        return question.option_by_code(int(value)).label.get_text(language, fallback)
    except (KeyError, TypeError, ValueError):
        return str(value)


def _answer_text(
    question: Question,
    answers: Mapping[str, Any],
    language: str,
    fallback: str,
    district_names: Mapping[str, str],
    translate: Callable[[str], str],
) -> str | None:
    value = answers.get(question.name)
    if value is None:
        return None
    kind = question.type
    other = other_field(question)
    other_text = answers.get(other) if other else None
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.LIKERT):
        text = _option_text(question, value, language, fallback)
        return f"{text}: {other_text}" if other_text else text
    if kind is QuestionType.MULTIPLE_CHOICE:
        labels = [
            _option_text(question, code, language, fallback) or "" for code in value
        ]
        if other_text:
            labels.append(str(other_text))
        return ", ".join(labels)
    if kind is QuestionType.DISTRICT:
        if value in district_names:
            return district_names[value]
        for option in question.options:
            if option.value == value:
                return option.label.get_text(language, fallback)
        return str(value)
    if kind is QuestionType.CONSENT:
        return translate("Zugestimmt")
    if kind is QuestionType.DATE and isinstance(value, str):
        try:
            return format_day(date.fromisoformat(value), language)
        except ValueError:
            return value
    if kind is QuestionType.NUMBER and question.unit is not None:
        return f"{value} {question.unit.get_text(language, fallback)}"
    return str(value)
