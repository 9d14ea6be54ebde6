"""WTForms forms built from ``fragebogen`` pages; validity is decided by
``fragebogen.validation``, not by these fields.

Each answer field becomes a form attribute ``f_<name>`` whose HTML name is the answer
field name itself, so questionnaire variables called ``data`` or ``meta`` cannot
clash with the attributes of ``FlaskForm``. Use :func:`field_of` to reach them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)

from fragebogen.model import Option, Page, Question, QuestionType, Text
from fragebogen.validation import answer_fields

from .services import DistrictChoice
from .shown_answers import ShownAnswers

_EMPTY_CHOICE = SelectChoice("", "–")
_PREFIX = "f_"


def _id(name: str) -> str:
    """HTML ids get a prefix so no variable name can clash with page ids."""
    return f"feld-{name}"


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class StartForm(FlaskForm):
    """The landing page's form: a signed start token, optional invitation code."""


def field_of(form: FlaskForm, name: str) -> Field:
    """The form field of answer field ``name``."""
    return form[_PREFIX + name]


def has_field(form: FlaskForm, name: str) -> bool:
    return (_PREFIX + name) in form


def build_page_form(
    page: Page,
    shown: ShownAnswers,
    districts: Iterable[DistrictChoice] = (),
    data: Mapping[str, Any] | None = None,
    formdata: Any = None,
) -> FlaskForm:
    """A fresh FlaskForm subclass with one field per answer field of ``page``;
    labels in the respondent's language, answers they show filled in by ``shown``."""

    class PageForm(FlaskForm):
        pass

    district_list = list(districts)
    for question in page.questions:
        for name, field in _fields(question, shown, district_list):
            setattr(PageForm, _PREFIX + name, field)
    initial = {
        _PREFIX + name: _initial(question, name, data)
        for question in page.questions
        for name in answer_fields(question)
        if data and name in data
    }
    if formdata is not None:
        return PageForm(formdata=formdata)
    return PageForm(formdata=None, data=initial)


def raw_answers(form: FlaskForm, page: Page) -> dict[str, Any]:
    """The submitted values by answer field, as ``fragebogen.validation`` expects."""
    values: dict[str, Any] = {}
    for question in page.questions:
        for name in answer_fields(question):
            value = field_of(form, name).data
            if question.type == QuestionType.CONSENT:
                value = True if value else None
            values[name] = value
    return values


def _choices(
    options: Iterable[Option], show: Callable[[Text], str]
) -> list[SelectChoice]:
    return [SelectChoice(str(o.code), show(o.label)) for o in options]


def _fields(
    question: Question, shown: ShownAnswers, districts: list[DistrictChoice]
) -> list[tuple[str, Field]]:
    """One field per answer field: the main answer, matrix items, "other" texts."""
    items = {item.name: item for item in question.items}
    fields: list[tuple[str, Field]] = []
    for name in answer_fields(question):
        if name in items:
            label = shown.text(items[name].label)
            choices = _choices(question.options, shown.markup)
            field: Field = RadioField(
                label, choices=choices, validate_choice=False, name=name, id=_id(name)
            )
        elif name == question.name:
            field = _main_field(question, shown, districts)
        else:  # the free text of an "other, please specify" option
            field = StringField(shown.text(question.label), name=name, id=_id(name))
        fields.append((name, field))
    return fields


def _main_field(
    question: Question, shown: ShownAnswers, districts: list[DistrictChoice]
) -> Field:
    name = question.name
    ids = {"name": name, "id": _id(name)}
    label = shown.text(question.label)
    kind = question.type
    # labels beside radio buttons and checkboxes keep answers up to date in the
    # browser; a drop-down's options can only hold text
    choices = _choices(question.options, shown.markup)
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.LIKERT):
        if question.appearance == "dropdown":
            return SelectField(
                label,
                choices=[_EMPTY_CHOICE, *_choices(question.options, shown.text)],
                validate_choice=False,
                **ids,
            )
        return RadioField(label, choices=choices, validate_choice=False, **ids)
    if kind == QuestionType.MULTIPLE_CHOICE:
        return CheckboxListField(label, choices=choices, validate_choice=False, **ids)
    if kind == QuestionType.DISTRICT:
        district_choices = [SelectChoice(d.code, d.name) for d in districts]
        missing = [SelectChoice(o.value, shown.text(o.label)) for o in question.options]
        return SelectField(
            label,
            choices=[_EMPTY_CHOICE, *district_choices, *missing],
            validate_choice=False,
            **ids,
        )
    if kind == QuestionType.CONSENT:
        return BooleanField(label, **ids)
    if kind == QuestionType.LONG_TEXT:
        return TextAreaField(label, **ids)
    return StringField(label, **ids)


def _initial(question: Question, name: str, data: Mapping[str, Any]) -> Any:
    value = data[name]
    if question.type == QuestionType.MULTIPLE_CHOICE and name == question.name:
        return [str(code) for code in value]
    if question.type == QuestionType.CONSENT:
        return bool(value)
    if name != question.name:  # "other" text
        return value
    return "" if value is None else str(value)
