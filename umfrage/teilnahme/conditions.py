"""What the browser needs to apply a page's conditions live (static/teilnahme/
conditions.js with the expression mirror expressions.js): the answers of the other
pages as expressions see them, and each answer field of the page with its type and
options. The server evaluates every condition again when the page is sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fragebogen.expressions import Choice
from fragebogen.model import Questionnaire
from fragebogen.validation import answer_fields, expression_values, other_field


def _transport(value: Any) -> Any:
    if isinstance(value, Choice):
        return {"c": [value.code, value.value]}
    if isinstance(value, list | tuple):
        return [_transport(element) for element in value]
    return value


def page_conditions(
    questionnaire: Questionnaire, page_index: int, answers: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The page's live-condition context, or None when the page has no condition
    and no exclusive option (then nothing needs to run)."""
    page = questionnaire.pages[page_index]
    if not any(
        question.relevant or any(option.exclusive for option in question.options)
        for question in page.questions
    ):
        return None
    page_fields = {
        name for question in page.questions for name in answer_fields(question)
    }
    previous = {k: v for k, v in answers.items() if k not in page_fields}
    questions = []
    for question in page.questions:
        options = [[option.code, option.value] for option in question.options]
        fields = [
            {
                "name": name,
                "kind": "text" if name == other_field(question) else "answer",
            }
            for name in answer_fields(question)
        ]
        questions.append(
            {
                "name": question.name,
                "type": question.type.value,
                "relevant": question.relevant,
                "decimals": question.decimals,
                "options": options,
                "fields": fields,
            }
        )
    return {
        "answers": {
            name: _transport(value)
            for name, value in expression_values(questionnaire, previous).items()
        },
        "questions": questions,
    }
