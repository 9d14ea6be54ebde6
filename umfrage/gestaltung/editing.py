"""Pure edits of a questionnaire definition for the designer.

Every function takes a frozen :class:`fragebogen.model.Questionnaire` and returns a
changed copy (``dataclasses.replace``); nothing here touches the database or the
request. Indexes are 0-based; :class:`EditError` names what cannot be done.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fragebogen.definition import APPEARANCES
from fragebogen.model import (
    CHOICE_TYPES,
    MatrixItem,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)

T = TypeVar("T")

_PLACE_PART = re.compile(r"([a-z_]+)(?:\[(\d+)\])?")


class EditError(Exception):
    """An edit cannot be applied (German message for the designer)."""


# ----------------------------------------------------------------------- texts


def make_text(
    values: Mapping[str, str], languages: Sequence[str], *, optional: bool = False
) -> Text | None:
    """A text from per-language input; blank languages are left out.

    An optional text without any content is ``None``; a required one keeps an
    empty default-language entry so that the definition stays readable (the
    validation then reports the missing translation).
    """
    texts = {
        language: values.get(language, "").strip()
        for language in languages
        if values.get(language, "").strip()
    }
    if texts:
        return Text(texts)
    return None if optional else Text({languages[0]: ""})


def blank_questionnaire(
    name: str, title: str, languages: Sequence[str]
) -> Questionnaire:
    return Questionnaire(
        name=name,
        title=Text({languages[0]: title.strip()}),
        languages=tuple(languages),
        pages=(),
    )


def _keep_languages(text: Text | None, languages: Sequence[str]) -> Text | None:
    if text is None:
        return None
    kept = {language: text[language] for language in languages if language in text}
    return Text(kept or {languages[0]: ""})


def set_languages(
    questionnaire: Questionnaire, languages: Sequence[str]
) -> Questionnaire:
    """Change the languages (the first is the default); texts in languages that are
    no longer offered are removed, new languages start empty."""
    langs = tuple(languages)
    if not langs:
        raise EditError(_("Der Fragebogen braucht mindestens eine Sprache."))

    def text(value: Text | None) -> Text | None:
        return _keep_languages(value, langs)

    pages = []
    for page in questionnaire.pages:
        questions = []
        for question in page.questions:
            questions.append(
                replace(
                    question,
                    label=text(question.label),
                    hint=text(question.hint),
                    unit=text(question.unit),
                    constraint_message=text(question.constraint_message),
                    options=tuple(
                        replace(option, label=text(option.label))
                        for option in question.options
                    ),
                    items=tuple(
                        replace(item, label=text(item.label)) for item in question.items
                    ),
                )
            )
        pages.append(replace(page, title=text(page.title), questions=tuple(questions)))
    return replace(
        questionnaire,
        languages=langs,
        title=text(questionnaire.title),
        description=text(questionnaire.description),
        pages=tuple(pages),
    )


@dataclass(frozen=True)
class TextPlace:
    """One translatable text of a definition, for the side-by-side editor."""

    place: str
    page_index: int | None
    what: str
    context: str
    text: Text | None
    optional: bool


def text_places(questionnaire: Questionnaire) -> Iterator[TextPlace]:
    """Every text of the definition in reading order (optional texts only where
    they exist, except the description)."""
    yield TextPlace("title", None, "title", "", questionnaire.title, False)
    yield TextPlace(
        "description", None, "description", "", questionnaire.description, True
    )
    for p, page in enumerate(questionnaire.pages):
        base = f"pages[{p}]"
        yield TextPlace(f"{base}.title", p, "page_title", page.name, page.title, False)
        for q, question in enumerate(page.questions):
            place = f"{base}.questions[{q}]"
            yield TextPlace(
                f"{place}.label", p, "label", question.name, question.label, False
            )
            for key in ("hint", "unit", "constraint_message"):
                value = getattr(question, key)
                if value is not None:
                    yield TextPlace(
                        f"{place}.{key}", p, key, question.name, value, True
                    )
            for i, item in enumerate(question.items):
                yield TextPlace(
                    f"{place}.items[{i}].label", p, "item", item.name, item.label, False
                )
            for o, option in enumerate(question.options):
                yield TextPlace(
                    f"{place}.options[{o}].label",
                    p,
                    "option",
                    f"{question.name} = {option.value}",
                    option.label,
                    False,
                )


# ----------------------------------------------------------------------- places


def parse_place(place: str) -> list[tuple[str, int | None]]:
    """``pages[1].questions[0].label`` → ``[("pages", 1), ("questions", 0),
    ("label", None)]``; EditError for anything else."""
    parts = []
    for part in place.split("."):
        match = _PLACE_PART.fullmatch(part)
        if match is None:
            raise EditError(_("Unbekannte Stelle %(place)s.", place=repr(place)))
        index = match.group(2)
        parts.append((match.group(1), int(index) if index is not None else None))
    return parts


def set_at(obj: Any, place: str, value: Any) -> Any:
    """A copy of ``obj`` with the value at ``place`` replaced."""
    return _set(obj, parse_place(place), value, place)


def _set(obj: Any, parts: list[tuple[str, int | None]], value: Any, place: str) -> Any:
    (attr, index), rest = parts[0], parts[1:]
    if not hasattr(obj, "__dataclass_fields__") or attr not in obj.__dataclass_fields__:
        raise EditError(_("Unbekannte Stelle %(place)s.", place=repr(place)))
    current = getattr(obj, attr)
    if index is None:
        new = _set(current, rest, value, place) if rest else value
        return replace(obj, **{attr: new})
    if not isinstance(current, tuple) or not 0 <= index < len(current):
        raise EditError(_("Unbekannte Stelle %(place)s.", place=repr(place)))
    items = list(current)
    items[index] = _set(items[index], rest, value, place) if rest else value
    return replace(obj, **{attr: tuple(items)})


def set_texts(
    questionnaire: Questionnaire, texts: Mapping[str, Text | None]
) -> Questionnaire:
    for place, text in texts.items():
        questionnaire = set_at(questionnaire, place, text)
    return questionnaire


# ------------------------------------------------------------------- sequences


def _move(items: tuple[T, ...], index: int, delta: int) -> tuple[T, ...]:
    target = index + delta
    if not 0 <= index < len(items):
        raise EditError(_("Diesen Eintrag gibt es nicht (mehr)."))
    if not 0 <= target < len(items):
        return items
    moved = list(items)
    moved[index], moved[target] = moved[target], moved[index]
    return tuple(moved)


def _delete(items: tuple[T, ...], index: int) -> tuple[T, ...]:
    if not 0 <= index < len(items):
        raise EditError(_("Diesen Eintrag gibt es nicht (mehr)."))
    return items[:index] + items[index + 1 :]


def _page(questionnaire: Questionnaire, index: int) -> Page:
    if not 0 <= index < len(questionnaire.pages):
        raise EditError(_("Diese Seite gibt es nicht (mehr)."))
    return questionnaire.pages[index]


def add_page(questionnaire: Questionnaire, name: str, title: str) -> Questionnaire:
    if any(page.name == name for page in questionnaire.pages):
        raise EditError(
            _("Eine Seite mit dem Namen %(name)s gibt es schon.", name=repr(name))
        )
    page = Page(
        name=name, title=Text({questionnaire.default_language: title}), questions=()
    )
    return replace(questionnaire, pages=(*questionnaire.pages, page))


def replace_page(questionnaire: Questionnaire, index: int, page: Page) -> Questionnaire:
    _page(questionnaire, index)
    pages = list(questionnaire.pages)
    pages[index] = page
    return replace(questionnaire, pages=tuple(pages))


def move_page(questionnaire: Questionnaire, index: int, delta: int) -> Questionnaire:
    return replace(questionnaire, pages=_move(questionnaire.pages, index, delta))


def delete_page(questionnaire: Questionnaire, index: int) -> Questionnaire:
    return replace(questionnaire, pages=_delete(questionnaire.pages, index))


def question_at(questionnaire: Questionnaire, page_index: int, index: int) -> Question:
    page = _page(questionnaire, page_index)
    if not 0 <= index < len(page.questions):
        raise EditError(_("Diese Frage gibt es nicht (mehr)."))
    return page.questions[index]


def add_question(
    questionnaire: Questionnaire, page_index: int, question: Question
) -> Questionnaire:
    names = {
        name
        for existing in questionnaire.questions()
        for name in (existing.name, *(item.name for item in existing.items))
    }
    if question.name in names:
        raise EditError(
            _("Den Variablennamen %(name)s gibt es schon.", name=repr(question.name))
        )
    page = _page(questionnaire, page_index)
    return replace_page(
        questionnaire,
        page_index,
        replace(page, questions=(*page.questions, question)),
    )


def replace_question(
    questionnaire: Questionnaire, page_index: int, index: int, question: Question
) -> Questionnaire:
    question_at(questionnaire, page_index, index)
    page = questionnaire.pages[page_index]
    questions = list(page.questions)
    questions[index] = question
    return replace_page(
        questionnaire, page_index, replace(page, questions=tuple(questions))
    )


def move_question(
    questionnaire: Questionnaire, page_index: int, index: int, delta: int
) -> Questionnaire:
    """Move a question up or down; past the first or last question of its page it
    moves to the end of the previous or the start of the next page."""
    question = question_at(questionnaire, page_index, index)
    page = questionnaire.pages[page_index]
    target = index + delta
    if 0 <= target < len(page.questions):
        return replace_page(
            questionnaire,
            page_index,
            replace(page, questions=_move(page.questions, index, delta)),
        )
    other_index = page_index + (1 if delta > 0 else -1)
    if not 0 <= other_index < len(questionnaire.pages):
        return questionnaire
    other = questionnaire.pages[other_index]
    questionnaire = replace_page(
        questionnaire,
        page_index,
        replace(page, questions=_delete(page.questions, index)),
    )
    questions = (
        (question, *other.questions) if delta > 0 else (*other.questions, question)
    )
    return replace_page(questionnaire, other_index, replace(other, questions=questions))


def delete_question(
    questionnaire: Questionnaire, page_index: int, index: int
) -> Questionnaire:
    question_at(questionnaire, page_index, index)
    page = questionnaire.pages[page_index]
    return replace_page(
        questionnaire,
        page_index,
        replace(page, questions=_delete(page.questions, index)),
    )


# -------------------------------------------------------------------- questions


_SCALE_DE = (
    ("sehr_unzufrieden", "sehr unzufrieden"),
    ("unzufrieden", "eher unzufrieden"),
    ("teils", "teils/teils"),
    ("zufrieden", "eher zufrieden"),
    ("sehr_zufrieden", "sehr zufrieden"),
)
_SCALE_EN = (
    "very dissatisfied",
    "rather dissatisfied",
    "neither nor",
    "rather satisfied",
    "very satisfied",
)


def default_scale(languages: Sequence[str]) -> tuple[Option, ...]:
    """A five-point satisfaction scale, labelled in German and English where the
    questionnaire has these languages."""
    options = []
    for code, ((value, german), english) in enumerate(
        zip(_SCALE_DE, _SCALE_EN, strict=True), start=1
    ):
        texts = {"de": german, "en": english}
        label = {lang: texts[lang] for lang in languages if lang in texts}
        options.append(
            Option(code=code, value=value, label=Text(label or {languages[0]: ""}))
        )
    return tuple(options)


def new_question(
    name: str, kind: QuestionType, label: str, languages: Sequence[str]
) -> Question:
    """A question of ``kind`` with sensible starting content."""
    options: tuple[Option, ...] = ()
    items: tuple[MatrixItem, ...] = ()
    if kind in (QuestionType.LIKERT, QuestionType.LIKERT_MATRIX):
        options = default_scale(languages)
    if kind is QuestionType.LIKERT_MATRIX:
        items = (MatrixItem(name=f"{name}_1", label=Text({languages[0]: ""})),)
    return Question(
        name=name,
        type=kind,
        label=Text({languages[0]: label.strip()}),
        options=options,
        items=items,
    )


def fit_to_type(question: Question) -> Question:
    """Drop settings the question's type does not use (after a change of type)."""
    kind = question.type
    changes: dict[str, Any] = {}
    if kind not in CHOICE_TYPES and kind is not QuestionType.DISTRICT:
        changes["options"] = ()
    if kind is not QuestionType.LIKERT_MATRIX:
        changes["items"] = ()
    if kind not in (QuestionType.NUMBER, QuestionType.YEAR):
        changes["minimum"] = None
        changes["maximum"] = None
    if kind is not QuestionType.NUMBER:
        changes["decimals"] = 0
        changes["unit"] = None
    if question.appearance and question.appearance not in APPEARANCES.get(kind, ()):
        changes["appearance"] = None
    if kind is QuestionType.INFO:
        changes.update(required=False, constraint=None, constraint_message=None)
    if kind is QuestionType.DISTRICT:
        changes["options"] = tuple(o for o in question.options if o.missing)
    return replace(question, **changes)


def apply_row_action(
    question: Question, action: str, languages: Sequence[str]
) -> Question:
    """Apply a button of the question editor: ``add_option``, ``add_item``,
    ``option_up:2``, ``option_down:2``, ``option_delete:2`` and the same for
    ``item``. Unknown actions change nothing."""
    if action == "add_option":
        codes = [option.code for option in question.options]
        code = max(codes, default=0) + 1
        used = {option.value for option in question.options}
        number = len(question.options) + 1
        while f"option_{number}" in used:
            number += 1
        option = Option(
            code=code,
            value=f"option_{number}",
            label=Text({languages[0]: ""}),
            missing=question.type is QuestionType.DISTRICT,
        )
        return replace(question, options=(*question.options, option))
    if action == "add_item":
        used = {item.name for item in question.items}
        number = len(question.items) + 1
        while f"{question.name}_{number}" in used:
            number += 1
        item = MatrixItem(
            name=f"{question.name}_{number}", label=Text({languages[0]: ""})
        )
        return replace(question, items=(*question.items, item))
    kind, _, index_text = action.partition(":")
    if not index_text.isdigit():
        return question
    index = int(index_text)
    rows = {"option": "options", "item": "items"}
    what, _, verb = kind.partition("_")
    if what not in rows:
        return question
    attr = rows[what]
    items = getattr(question, attr)
    if verb == "up":
        return replace(question, **{attr: _move(items, index, -1)})
    if verb == "down":
        return replace(question, **{attr: _move(items, index, 1)})
    if verb == "delete":
        return replace(question, **{attr: _delete(items, index)})
    return question


# ----------------------------------------------------------------- place names

_KEY_NAMES = {
    "name": _l("Name"),
    "title": _l("Titel"),
    "label": _l("Text"),
    "hint": _l("Hinweis"),
    "relevant": _l("Filter"),
    "constraint": _l("Prüfregel"),
    "constraint_message": _l("Meldung der Prüfregel"),
    "appearance": _l("Darstellung"),
    "minimum": _l("Minimum"),
    "maximum": _l("Maximum"),
    "decimals": _l("Nachkommastellen"),
    "unit": _l("Einheit"),
    "options": _l("Optionen"),
    "items": _l("Zeilen"),
    "languages": _l("Sprachen"),
    "description": _l("Beschreibung"),
    "pages": _l("Seiten"),
    "value": _l("Wert"),
    "code": _l("Code"),
}


@dataclass(frozen=True)
class PlaceName:
    """A place of a definition in words, with the page and question it is on."""

    text: str
    page_index: int | None
    question_index: int | None


def describe_place(questionnaire: Questionnaire, place: str) -> PlaceName:
    """``pages[1].questions[0].relevant`` → "Seite 2 (haushalt) › Frage 1
    (kinder_anzahl) › Filter"."""
    try:
        parts = parse_place(place) if place else []
    except EditError:
        return PlaceName(place, None, None)
    words: list[str] = []
    page_index: int | None = None
    question_index: int | None = None
    page: Page | None = None
    question: Question | None = None
    for attr, index in parts:
        if attr == "pages" and index is not None:
            page_index = index
            page = (
                questionnaire.pages[index] if index < len(questionnaire.pages) else None
            )
            words.append(
                _("Seite %(no)d", no=index + 1) + (f" ({page.name})" if page else "")
            )
        elif attr == "questions" and index is not None and page is not None:
            question_index = index
            question = page.questions[index] if index < len(page.questions) else None
            words.append(
                _("Frage %(no)d", no=index + 1)
                + (f" ({question.name})" if question else "")
            )
        elif attr == "options" and index is not None:
            value = (
                question.options[index].value
                if question is not None and index < len(question.options)
                else ""
            )
            words.append(
                _("Option %(no)d", no=index + 1) + (f" ({value})" if value else "")
            )
        elif attr == "items" and index is not None:
            name = (
                question.items[index].name
                if question is not None and index < len(question.items)
                else ""
            )
            words.append(
                _("Zeile %(no)d", no=index + 1) + (f" ({name})" if name else "")
            )
        elif attr == "languages" and index is not None:
            words.append(_("Sprache %(no)d", no=index + 1))
        else:
            words.append(str(_KEY_NAMES.get(attr, attr)))
    return PlaceName(" › ".join(words) or _("Fragebogen"), page_index, question_index)
