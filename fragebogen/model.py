"""The questionnaire model: frozen, hashable dataclasses.

A :class:`Questionnaire` has languages, pages and questions; every text a respondent
reads is a :class:`Text` holding one string per language.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

__all__ = [
    "ANSWERLESS_TYPES",
    "CHOICE_TYPES",
    "NAME_PATTERN",
    "RTL_LANGUAGES",
    "MatrixItem",
    "Option",
    "Page",
    "Question",
    "QuestionType",
    "Questionnaire",
    "Text",
    "fingerprint",
    "text_direction",
]

#: Pattern of variable names, option values, page and questionnaire names.
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"

#: Languages written from right to left.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


def text_direction(language: str) -> Literal["rtl", "ltr"]:
    """``"rtl"`` for right-to-left languages (also ``ar-EG`` etc.), else ``"ltr"``."""
    base = language.split("-", 1)[0].split("_", 1)[0].lower()
    return "rtl" if base in RTL_LANGUAGES else "ltr"


class Text(Mapping[str, str]):
    """An immutable, hashable mapping language -> text.

    ``Text({"de": "Ja", "en": "Yes"})`` or ``Text(de="Ja", en="Yes")``. Equality does
    not depend on the order of the languages.
    """

    __slots__ = ("_pairs",)
    _pairs: tuple[tuple[str, str], ...]

    def __init__(
        self,
        texts: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        /,
        **by_language: str,
    ) -> None:
        items = texts.items() if isinstance(texts, Mapping) else texts
        merged: dict[str, str] = {}
        for language, text in (*items, *by_language.items()):
            if not isinstance(language, str) or not isinstance(text, str):
                raise TypeError("Text needs str languages and str texts")
            merged[language] = text
        object.__setattr__(self, "_pairs", tuple(merged.items()))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Text is immutable")

    def __getitem__(self, language: str) -> str:
        for key, text in self._pairs:
            if key == language:
                return text
        raise KeyError(language)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __contains__(self, language: object) -> bool:
        return any(key == language for key, _ in self._pairs)

    def __hash__(self) -> int:
        return hash(frozenset(self._pairs))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Text):
            return frozenset(self._pairs) == frozenset(other._pairs)
        if isinstance(other, Mapping):
            return dict(self._pairs) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"Text({dict(self._pairs)!r})"

    def __reduce__(self) -> tuple[type[Text], tuple[dict[str, str]]]:
        return (Text, (dict(self._pairs),))

    def get_text(self, language: str, fallback: str) -> str:
        """The text in ``language``, else in ``fallback``, else the first text."""
        found: str | None = None
        for key, text in self._pairs:
            if key == language and text:
                return text
            if key == fallback and text:
                found = text
        if found is not None:
            return found
        for _, text in self._pairs:
            if text:
                return text
        return ""

    def to_dict(self) -> dict[str, str]:
        """A plain ``dict`` copy."""
        return dict(self._pairs)


class QuestionType(StrEnum):
    """The kinds of question."""

    INFO = "info"
    CONSENT = "consent"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    LIKERT = "likert"
    LIKERT_MATRIX = "likert_matrix"
    NUMBER = "number"
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"
    YEAR = "year"
    DISTRICT = "district"


#: Question types whose answers are option codes.
CHOICE_TYPES = frozenset(
    {
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
        QuestionType.LIKERT,
        QuestionType.LIKERT_MATRIX,
    }
)

#: Question types without an answer.
ANSWERLESS_TYPES = frozenset({QuestionType.INFO})


@dataclass(frozen=True)
class Option:
    """An answer option with its numeric export ``code`` and short ``value`` name.

    ``missing`` marks a declared missing code ("weiß nicht"), ``exclusive`` an option
    that cannot be combined with others ("keines davon"), ``other`` an option with a
    text field ("Sonstiges, bitte angeben").
    """

    code: int
    value: str
    label: Text
    missing: bool = False
    exclusive: bool = False
    other: bool = False


@dataclass(frozen=True)
class MatrixItem:
    """One row of a Likert matrix; ``name`` is its own variable name."""

    name: str
    label: Text


@dataclass(frozen=True)
class Question:
    """A question. Which fields matter depends on ``type``."""

    name: str
    type: QuestionType
    label: Text
    hint: Text | None = None
    options: tuple[Option, ...] = ()
    items: tuple[MatrixItem, ...] = ()
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text | None = None
    appearance: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    decimals: int = 0
    unit: Text | None = None

    def option_by_code(self, code: int) -> Option:
        """The option with ``code`` (KeyError if there is none)."""
        for option in self.options:
            if option.code == code:
                return option
        raise KeyError(code)

    def option_by_value(self, value: str) -> Option:
        """The option with ``value`` (KeyError if there is none)."""
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(value)

    @property
    def other_option(self) -> Option | None:
        """The "other, please specify" option, if any."""
        for option in self.options:
            if option.other:
                return option
        return None

    @property
    def missing_codes(self) -> tuple[int, ...]:
        """The codes of the options declared as missing values."""
        return tuple(option.code for option in self.options if option.missing)


@dataclass(frozen=True)
class Page:
    """A page (section) of questions, shown only if ``relevant`` holds."""

    name: str
    title: Text
    questions: tuple[Question, ...]
    relevant: str | None = None


@dataclass(frozen=True)
class Questionnaire:
    """A questionnaire definition; ``languages[0]`` is the default language."""

    name: str
    title: Text
    languages: tuple[str, ...]
    pages: tuple[Page, ...]
    description: Text | None = None

    def __hash__(self) -> int:
        # Computed once: a questionnaire keys caches (``validation``'s index) on
        # every request, and hashing walks every page, question and text.
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(
                (self.name, self.title, self.languages, self.pages, self.description)
            )
            object.__setattr__(self, "_hash", cached)
        return cached

    def __getstate__(self) -> dict[str, object]:
        # string hashes differ between processes: a pickle never carries one
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    @property
    def default_language(self) -> str:
        """The first language."""
        return self.languages[0]

    def questions(self) -> Iterator[Question]:
        """All questions in order."""
        for page in self.pages:
            yield from page.questions

    def question(self, name: str) -> Question:
        """The question called ``name`` (KeyError if there is none)."""
        for question in self.questions():
            if question.name == name:
                return question
        raise KeyError(name)

    def page_index_of(self, name: str) -> int:
        """The index of the page holding question ``name`` or matrix item ``name``.

        Raises KeyError if there is none.
        """
        for index, page in enumerate(self.pages):
            for question in page.questions:
                if question.name == name or any(
                    item.name == name for item in question.items
                ):
                    return index
        raise KeyError(name)


def fingerprint(questionnaire: Questionnaire) -> str:
    """A stable SHA-256 hex digest of the canonical form of a definition.

    Two definitions have the same fingerprint exactly when they are equal.
    """
    from fragebogen.yaml_format import to_data  # deferred: yaml_format imports us

    canonical = json.dumps(
        to_data(questionnaire),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
