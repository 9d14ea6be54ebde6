"""Answers shown in texts ("computed question text", piping in XLSForm's terms).

``${name}`` in a page title, a question's label or hint, a matrix item or an option
label stands for the answer to the field ``name`` as the respondent gave it, in the
respondent's language: "Wie alt ist ${kind_name}?". The field must belong to a
question on an earlier page or on the same page (the browser then updates the text
as the answer is typed); a question cannot show its own answer. Other texts (the
questionnaire's title and description, units, constraint messages) cannot show
answers: they are read before or apart from the answers.

A reference to an unanswered or irrelevant question shows nothing. How an answer
reads (option label, district name, number in the respondent's locale) is the web
app's business; this module only finds the references.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["REFERENCE", "may_show_answers", "references", "segments"]

#: ``${name}``, spaces inside the braces allowed, as in expressions.
REFERENCE = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")

_SHOWS_ANSWERS = re.compile(
    r"^pages\[\d+\](?:\.title|\.questions\[\d+\]"
    r"(?:\.label|\.hint|\.items\[\d+\]\.label|\.options\[\d+\]\.label))$"
)


def references(text: str) -> list[str]:
    """The names ``text`` refers to, in order of first appearance."""
    return list(dict.fromkeys(match.group(1) for match in REFERENCE.finditer(text)))


def segments(text: str) -> Iterator[tuple[str, str | None]]:
    """``text`` as pairs of literal text and the name referred to after it (None
    after the last literal)."""
    start = 0
    for match in REFERENCE.finditer(text):
        yield text[start : match.start()], match.group(1)
        start = match.end()
    yield text[start:], None


def may_show_answers(place: str) -> bool:
    """Whether the text at ``place`` (``pages[1].questions[0].label``) may refer to
    answers."""
    return _SHOWS_ANSWERS.match(place) is not None
