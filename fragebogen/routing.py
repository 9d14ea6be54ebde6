"""The questionnaire's path: which pages a respondent sees, in which order, where
they may go next or back, which page still lacks answers, and when the review page
comes.

One call, :func:`route`, works the path out for the answers so far; the web app
asks it once per request and reads everything it needs from the :class:`Route`.
Relevance of a single page or question and answer cleaning stay in
:mod:`fragebogen.validation`, which this module builds on.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .errors import AnswerError
from .model import Questionnaire
from .validation import (
    answer_fields,
    page_is_relevant,
    question_is_relevant,
    validate_page,
)

__all__ = [
    "Progress",
    "Route",
    "next_page_index",
    "previous_page_index",
    "relevant_answers",
    "route",
]


def next_page_index(
    questionnaire: Questionnaire, page_index: int, answers: Mapping[str, object]
) -> int | None:
    """The next relevant page after ``page_index``, or None at the end."""
    for index in range(max(page_index + 1, 0), len(questionnaire.pages)):
        if page_is_relevant(questionnaire, index, answers):
            return index
    return None


def previous_page_index(
    questionnaire: Questionnaire, page_index: int, answers: Mapping[str, object]
) -> int | None:
    """The relevant page before ``page_index``, or None at the start."""
    for index in range(min(page_index, len(questionnaire.pages)) - 1, -1, -1):
        if page_is_relevant(questionnaire, index, answers):
            return index
    return None


def relevant_answers(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> dict[str, object]:
    """``answers`` without those to questions or pages that are not relevant.

    Walks the questionnaire in order, as a respondent would; use it after an earlier
    answer was changed. Keys that belong to no question are dropped as well.
    """
    kept: dict[str, object] = {}
    for page_index, page in enumerate(questionnaire.pages):
        if not page_is_relevant(questionnaire, page_index, kept):
            continue
        for question in page.questions:
            if not question_is_relevant(questionnaire, question, kept):
                continue
            for name in answer_fields(question):
                if name in answers and answers[name] is not None:
                    kept[name] = answers[name]
    return kept


@dataclass(frozen=True)
class Progress:
    """Where a page stands among the steps the respondent will see (the relevant
    pages and, last, the review page)."""

    position: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * (self.position - 1) / self.total) if self.total else 0


@dataclass(frozen=True)
class Route:
    """The path through a questionnaire for one set of answers.

    ``pages`` are the relevant page indexes in order. ``first_incomplete`` is the
    first of them whose stored answers do not pass its validation (None: every page
    is complete, the review page may be shown and the response sent).
    """

    pages: tuple[int, ...]
    first_incomplete: int | None
    page_count: int

    @property
    def first(self) -> int:
        return self.pages[0] if self.pages else 0

    @property
    def complete(self) -> bool:
        return self.first_incomplete is None

    def is_relevant(self, page_index: int) -> bool:
        return page_index in self.pages

    def next_after(self, page_index: int) -> int | None:
        """The relevant page after ``page_index``; None means the review page."""
        return next((index for index in self.pages if index > page_index), None)

    def previous_before(self, page_index: int) -> int | None:
        """The relevant page before ``page_index`` (None at the start); use
        ``page_count`` for the page before the review page."""
        return next(
            (index for index in reversed(self.pages) if index < page_index), None
        )

    def nearest(self, page_index: int, reached: int) -> int:
        """``page_index`` if relevant, else the next relevant page already reached,
        else the previous relevant one, else the first."""
        if self.is_relevant(page_index):
            return page_index
        following = self.next_after(page_index)
        if following is not None and following <= reached:
            return following
        previous = self.previous_before(page_index)
        return self.first if previous is None else previous

    def progress(self, page_index: int) -> Progress:
        """Step number of a page (``page_count`` for the review page) among the
        relevant pages plus the review page."""
        total = len(self.pages) + 1
        if page_index >= self.page_count:
            return Progress(total, total)
        before = sum(1 for index in self.pages if index < page_index)
        return Progress(before + 1, max(total, before + 1))


def route(
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
    district_codes: Collection[str] = (),
) -> Route:
    """The path for the stored ``answers`` (see :class:`Route`)."""
    pages = tuple(
        index
        for index in range(len(questionnaire.pages))
        if page_is_relevant(questionnaire, index, answers)
    )
    codes = frozenset(district_codes)
    first_incomplete = None
    for index in pages:
        fields = [
            name
            for question in questionnaire.pages[index].questions
            for name in answer_fields(question)
        ]
        raw = {name: answers.get(name) for name in fields}
        previous = {k: v for k, v in answers.items() if k not in fields}
        try:
            validate_page(questionnaire, index, raw, previous, codes)
        except AnswerError:
            first_incomplete = index
            break
    return Route(pages, first_incomplete, len(questionnaire.pages))
