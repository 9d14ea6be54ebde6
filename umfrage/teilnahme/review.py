"""The review page: every answer given, page by page, in the respondent's language,
before the response is sent for good."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fragebogen.model import Questionnaire, QuestionType
from fragebogen.routing import Route
from fragebogen.validation import relevant_questions

from .shown_answers import ShownAnswers


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
    shown_answers = ShownAnswers(
        questionnaire, answers, language, district_names, translate
    )
    pages = []
    for index in path.pages:
        shown = []
        for question in relevant_questions(questionnaire, index, answers):
            if question.type is QuestionType.INFO:
                continue
            label = shown_answers.text(question.label)
            if question.type is QuestionType.LIKERT_MATRIX:
                for item in question.items:
                    value = answers.get(item.name)
                    shown.append(
                        _shown(
                            f"{label} – {shown_answers.text(item.label)}",
                            shown_answers.option(question, value),
                            translate,
                        )
                    )
                continue
            shown.append(_shown(label, shown_answers.answer(question), translate))
        title = shown_answers.text(questionnaire.pages[index].title)
        pages.append(ReviewPage(index + 1, title, tuple(shown)))
    return pages


def _shown(label: str, text: str | None, translate: Callable[[str], str]) -> Any:
    if text is None or text == "":
        return ReviewAnswer(label, translate("Nicht beantwortet"), False)
    return ReviewAnswer(label, text, True)
