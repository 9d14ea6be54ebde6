"""What the browser needs to apply a page's conditions live (static/teilnahme/
conditions.js with the expression mirror expressions.js): the answers of the other
pages as expressions see them, and each answer field of the page with its type and
options. The server evaluates every condition again when the page is sent.

The same script keeps texts that show answers given on this page (``${name}``) up
to date; for them it gets the option labels and the number separators of the
respondent's language."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from fragebogen import piping
from fragebogen.expressions import Choice
from fragebogen.model import Page, Questionnaire, Text
from fragebogen.validation import answer_fields, expression_values, other_field

from .shown_answers import ShownAnswers, number_symbols


def _transport(value: Any) -> Any:
    if isinstance(value, Choice):
        return {"c": [value.code, value.value]}
    if isinstance(value, list | tuple):
        return [_transport(element) for element in value]
    return value


def _texts(page: Page) -> Iterator[Text]:
    yield page.title
    for question in page.questions:
        yield question.label
        if question.hint is not None:
            yield question.hint
        yield from (item.label for item in question.items)
        yield from (option.label for option in question.options)


def page_conditions(
    questionnaire: Questionnaire,
    page_index: int,
    answers: Mapping[str, Any],
    shown: ShownAnswers,
) -> dict[str, Any] | None:
    """The page's live-condition context, or None when the page has no condition,
    no exclusive option and no text showing an answer given on it (then nothing
    needs to run)."""
    layout = _layout(questionnaire, page_index)
    if layout is None:
        return None
    page_fields, static = layout
    page = questionnaire.pages[page_index]
    previous = {k: v for k, v in answers.items() if k not in page_fields}
    questions = []
    for question, fixed in zip(page.questions, static, strict=True):
        labels = {
            str(option.code): shown.text(option.label) for option in question.options
        }
        head, other, fields = fixed
        questions.append({**head, "labels": labels, "other": other, "fields": fields})
    return {
        "answers": {
            name: _transport(value)
            for name, value in expression_values(questionnaire, previous).items()
        },
        "questions": questions,
        "language": shown.language,
        "numbers": number_symbols(shown.language),
        "consent": shown.translate("Zugestimmt"),
    }


# a question's part of the context without its labels: the keys before the
# labels, then "other" and "fields" (the order the browser's JSON has always had)
_Fixed = tuple[Mapping[str, Any], Any, list[dict[str, str]]]


@lru_cache(maxsize=256)
def _layout(
    questionnaire: Questionnaire, page_index: int
) -> tuple[frozenset[str], tuple[_Fixed, ...]] | None:
    """What of a page's context depends on the questionnaire alone (made once per
    page: a questionnaire never changes): the page's answer fields and each
    question's part without labels; None when nothing needs to run."""
    page = questionnaire.pages[page_index]
    page_fields = frozenset(
        name for question in page.questions for name in answer_fields(question)
    )
    shows_page_answers = any(
        name in page_fields
        for text in _texts(page)
        for value in text.values()
        for name in piping.references(value)
    )
    if not shows_page_answers and not any(
        question.relevant or any(option.exclusive for option in question.options)
        for question in page.questions
    ):
        return None
    static = tuple(
        (
            MappingProxyType(
                {
                    "name": question.name,
                    "type": question.type.value,
                    "relevant": question.relevant,
                    "decimals": question.decimals,
                    "options": [[o.code, o.value] for o in question.options],
                }
            ),
            next((o.code for o in question.options if o.other), None),
            [
                {
                    "name": name,
                    "kind": "text" if name == other_field(question) else "answer",
                }
                for name in answer_fields(question)
            ],
        )
        for question in page.questions
    )
    return page_fields, static
