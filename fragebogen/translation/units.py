"""The translatable texts of a definition, keyed by names, and the review flags.

Keys: ``title``, ``description``, ``page.<page>.title``, ``question.<q>.label``
(also ``.hint``, ``.unit``, ``.constraint_message``), ``question.<q>.item.<item>``
and ``question.<q>.option.<value>``. A review flag is a pair (key, language): the
translation was made for an earlier source text (gettext's "fuzzy").
"""

from __future__ import annotations

from collections.abc import Iterator, Set
from dataclasses import dataclass

from fragebogen.model import Questionnaire, Text

__all__ = ["ReviewFlags", "TranslationUnit", "review_after_edit", "translation_units"]

#: (key, language) pairs whose translation needs review.
ReviewFlags = Set[tuple[str, str]]

_QUESTION_FIELDS = ("label", "hint", "unit", "constraint_message")


@dataclass(frozen=True)
class TranslationUnit:
    """One translatable text: its key, its place in the definition and context."""

    key: str
    place: str
    page: str
    question: str
    #: title, description, page_title, label, hint, unit, constraint_message,
    #: item or option
    field: str
    #: the option value or matrix item name, else ""
    detail: str
    text: Text

    def source(self, language: str) -> str:
        return self.text.get(language, "") if self.text else ""


def translation_units(questionnaire: Questionnaire) -> Iterator[TranslationUnit]:
    """Every text of the definition in reading order (optional texts where set)."""
    yield TranslationUnit("title", "title", "", "", "title", "", questionnaire.title)
    if questionnaire.description is not None:
        yield TranslationUnit(
            "description",
            "description",
            "",
            "",
            "description",
            "",
            questionnaire.description,
        )
    for p, page in enumerate(questionnaire.pages):
        yield TranslationUnit(
            f"page.{page.name}.title",
            f"pages[{p}].title",
            page.name,
            "",
            "page_title",
            "",
            page.title,
        )
        for q, question in enumerate(page.questions):
            place = f"pages[{p}].questions[{q}]"
            key = f"question.{question.name}"
            for name in _QUESTION_FIELDS:
                text = getattr(question, name)
                if text is not None:
                    yield TranslationUnit(
                        f"{key}.{name}",
                        f"{place}.{name}",
                        page.name,
                        question.name,
                        name,
                        "",
                        text,
                    )
            for i, item in enumerate(question.items):
                yield TranslationUnit(
                    f"{key}.item.{item.name}",
                    f"{place}.items[{i}].label",
                    page.name,
                    question.name,
                    "item",
                    item.name,
                    item.label,
                )
            for o, option in enumerate(question.options):
                yield TranslationUnit(
                    f"{key}.option.{option.value}",
                    f"{place}.options[{o}].label",
                    page.name,
                    question.name,
                    "option",
                    option.value,
                    option.label,
                )


def _same(first: str, second: str) -> bool:
    return " ".join(first.split()) == " ".join(second.split())


def review_after_edit(
    before: Questionnaire, after: Questionnaire, flags: ReviewFlags
) -> set[tuple[str, str]]:
    """The review flags after the designer changed ``before`` into ``after``.

    A translation whose source text (the default language) changed is flagged,
    unless the same edit changed the translation too; a flagged translation the
    designer edits is cleared. Flags of texts that are gone or empty go.
    """
    source = after.default_language
    old_texts = {unit.key: unit.text for unit in translation_units(before)}
    result: set[tuple[str, str]] = set()
    for unit in translation_units(after):
        old = old_texts.get(unit.key)
        for language in after.languages[1:]:
            target = unit.source(language)
            if not target.strip():
                continue
            flagged = (unit.key, language) in flags
            if old is not None:
                if not _same(old.get(language, ""), target):
                    flagged = False
                elif not _same(old.get(source, ""), unit.source(source)):
                    flagged = True
            if flagged:
                result.add((unit.key, language))
    return result
