"""Designer forms. Forms with one field per language (or per option) are built as a
fresh FlaskForm subclass per request; ``fragebogen.validation`` decides whether the
resulting definition is valid, these forms only read what was typed."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from fragebogen.definition import APPEARANCES
from fragebogen.errors import ExpressionError
from fragebogen.expressions import parse
from fragebogen.model import (
    NAME_PATTERN,
    MatrixItem,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)

from . import editing

NAME_MESSAGE = _l(
    "Nur Kleinbuchstaben a–z, Ziffern und _, beginnend mit einem Buchstaben."
)
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,78}$"
_LANGUAGE_LIST = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

TYPE_LABELS = {
    QuestionType.INFO: _l("Hinweistext (ohne Antwort)"),
    QuestionType.CONSENT: _l("Einwilligung (Häkchen)"),
    QuestionType.SINGLE_CHOICE: _l("Einfachauswahl"),
    QuestionType.MULTIPLE_CHOICE: _l("Mehrfachauswahl"),
    QuestionType.LIKERT: _l("Skala (Likert)"),
    QuestionType.LIKERT_MATRIX: _l("Skalen-Matrix (Likert, mehrere Zeilen)"),
    QuestionType.NUMBER: _l("Zahl"),
    QuestionType.TEXT: _l("Kurzer Text"),
    QuestionType.LONG_TEXT: _l("Langer Text"),
    QuestionType.DATE: _l("Datum"),
    QuestionType.YEAR: _l("Jahr"),
    QuestionType.DISTRICT: _l("Sozialraum (Karte/Liste)"),
}


def type_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, label) for kind, label in TYPE_LABELS.items()]


def parse_languages(text: str) -> list[str]:
    """``"de, en tr"`` → ``["de", "en", "tr"]``; ValueError naming a bad entry."""
    languages = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    for language in languages:
        if not _LANGUAGE_LIST.match(language):
            raise ValueError(
                _(
                    "%(language)s ist kein Sprachkürzel (zum Beispiel de, en, tr, ar).",
                    language=repr(language),
                )
            )
    if len(set(languages)) != len(languages):
        raise ValueError(_("Eine Sprache ist doppelt angegeben."))
    if not languages:
        raise ValueError(_("Bitte geben Sie mindestens eine Sprache an."))
    return languages


def _languages_validator(form: Any, field: Field) -> None:
    try:
        parse_languages(field.data or "")
    except ValueError as error:
        raise ValidationError(str(error)) from None


def expression_validator(form: Any, field: Field) -> None:
    """Syntax check of a relevance condition or constraint, with the position."""
    text = (field.data or "").strip()
    field.expression_error = None
    if not text:
        return
    try:
        parse(text)
    except ExpressionError as error:
        field.expression_error = (error.message, error.position, text)
        raise ValidationError(
            _(
                "%(message)s (Stelle %(position)d)",
                message=error.message,
                position=error.position + 1,
            )
        ) from None


class BaseForm(FlaskForm):
    """A button form that carries the fingerprint of the definition it was made
    for (move, delete, publish …)."""

    base = HiddenField(validators=[DataRequired()])


class NewQuestionnaireForm(FlaskForm):
    title = StringField(_l("Titel"), validators=[DataRequired(), Length(max=200)])
    name = StringField(
        _l("Kurzname (für Dateien und Exporte)"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(NAME_PATTERN, message=NAME_MESSAGE),
        ],
    )
    languages = StringField(
        _l("Sprachen (Kürzel, die erste ist die Standardsprache)"),
        default="de",
        validators=[DataRequired(), _languages_validator],
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("Datei (YAML oder XLSForm)"),
        validators=[FileRequired(_l("Bitte wählen Sie eine Datei."))],
    )


class ReplaceDraftForm(ImportForm):
    base = HiddenField(validators=[DataRequired()])


class TranslationUploadForm(FlaskForm):
    file = FileField(
        _l("Datei (Übersetzungstabelle .xlsx, PO oder XLIFF)"),
        validators=[FileRequired(_l("Bitte wählen Sie eine Datei."))],
    )


class AddPageForm(BaseForm):
    name = StringField(
        _l("Name der Seite"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(NAME_PATTERN, message=NAME_MESSAGE),
        ],
    )
    title = StringField(_l("Überschrift"), validators=[DataRequired(), Length(max=500)])


class AddQuestionForm(BaseForm):
    kind = SelectField(
        _l("Fragetyp"), choices=type_choices, validators=[DataRequired()]
    )
    name = StringField(
        _l("Variablenname"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(NAME_PATTERN, message=NAME_MESSAGE),
        ],
    )
    label = StringField(_l("Fragetext"), validators=[Length(max=2000)])


# ----------------------------------------------------- forms with a field per language


def _text_field_name(prefix: str, language: str) -> str:
    return f"{prefix}__{language}"


def _add_text_fields(
    cls: type[FlaskForm],
    prefix: str,
    languages: Sequence[str],
    label: Any,
    *,
    long: bool = False,
) -> None:
    field_class = TextAreaField if long else StringField
    for language in languages:
        setattr(
            cls,
            _text_field_name(prefix, language),
            field_class(label, validators=[Length(max=10000)]),
        )


def _text_data(
    prefix: str, text: Text | None, languages: Sequence[str]
) -> dict[str, str]:
    return {
        _text_field_name(prefix, language): (text.get(language, "") if text else "")
        for language in languages
    }


def read_text(
    form: FlaskForm, prefix: str, languages: Sequence[str], *, optional: bool = False
) -> Text | None:
    values = {
        language: form[_text_field_name(prefix, language)].data or ""
        for language in languages
    }
    return editing.make_text(values, languages, optional=optional)


def text_fields(form: FlaskForm, prefix: str, languages: Sequence[str]) -> list[Field]:
    """The per-language fields of ``prefix`` in language order (for templates)."""
    return [form[_text_field_name(prefix, language)] for language in languages]


def build_settings_form(
    questionnaire: Questionnaire, formdata: Any = None
) -> FlaskForm:
    languages = questionnaire.languages

    class SettingsForm(BaseForm):
        name = StringField(
            _l("Kurzname"),
            validators=[
                DataRequired(),
                Length(max=64),
                Regexp(NAME_PATTERN, message=NAME_MESSAGE),
            ],
        )
        language_list = StringField(
            _l("Sprachen (Kürzel, die erste ist die Standardsprache)"),
            validators=[DataRequired(), _languages_validator],
        )

    _add_text_fields(SettingsForm, "title", languages, _l("Titel"))
    _add_text_fields(
        SettingsForm, "description", languages, _l("Beschreibung"), long=True
    )
    if formdata is not None:
        return SettingsForm(formdata=formdata)
    data = {
        "name": questionnaire.name,
        "language_list": ", ".join(languages),
        **_text_data("title", questionnaire.title, languages),
        **_text_data("description", questionnaire.description, languages),
    }
    return SettingsForm(formdata=None, data=data)


def settings_from_form(form: FlaskForm, questionnaire: Questionnaire) -> Questionnaire:
    languages = questionnaire.languages
    changed = replace(
        questionnaire,
        name=form.name.data.strip(),
        title=read_text(form, "title", languages),
        description=read_text(form, "description", languages, optional=True),
    )
    wanted = parse_languages(form.language_list.data)
    if tuple(wanted) != languages:
        changed = editing.set_languages(changed, wanted)
    return changed


def build_page_form(
    page: Page, languages: Sequence[str], formdata: Any = None
) -> FlaskForm:
    class PageSettingsForm(BaseForm):
        name = StringField(
            _l("Name der Seite"),
            validators=[
                DataRequired(),
                Length(max=64),
                Regexp(NAME_PATTERN, message=NAME_MESSAGE),
            ],
        )
        relevant = StringField(
            _l("Filter: Seite nur zeigen, wenn …"),
            validators=[Length(max=2000), expression_validator],
        )

    _add_text_fields(PageSettingsForm, "title", languages, _l("Überschrift"))
    if formdata is not None:
        return PageSettingsForm(formdata=formdata)
    data = {
        "name": page.name,
        "relevant": page.relevant or "",
        **_text_data("title", page.title, languages),
    }
    return PageSettingsForm(formdata=None, data=data)


def page_from_form(form: FlaskForm, page: Page, languages: Sequence[str]) -> Page:
    return replace(
        page,
        name=form.name.data.strip(),
        title=read_text(form, "title", languages),
        relevant=(form.relevant.data or "").strip() or None,
    )


# ------------------------------------------------------------------ question editor


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return str(value).replace(".", ",")


def build_question_form(
    question: Question, languages: Sequence[str], formdata: Any = None
) -> FlaskForm:
    """The question editor: settings, texts per language, options and items."""

    class QuestionForm(BaseForm):
        name = StringField(
            _l("Variablenname"),
            validators=[
                DataRequired(),
                Length(max=64),
                Regexp(NAME_PATTERN, message=NAME_MESSAGE),
            ],
        )
        kind = SelectField(_l("Fragetyp"), choices=type_choices)
        required = BooleanField(_l("Pflichtfrage"))
        relevant = StringField(
            _l("Filter: Frage nur zeigen, wenn …"),
            validators=[Length(max=2000), expression_validator],
        )
        constraint = StringField(
            _l("Prüfregel: eine Antwort ist gültig, wenn …"),
            validators=[Length(max=2000), expression_validator],
        )
        appearance = SelectField(_l("Darstellung"), choices=[], validate_choice=False)
        minimum = StringField(_l("Minimum"), validators=[Length(max=30)])
        maximum = StringField(_l("Maximum"), validators=[Length(max=30)])
        decimals = IntegerField(
            _l("Nachkommastellen"),
            validators=[Optional(), NumberRange(min=0, max=6)],
        )
        action = HiddenField()

    _add_text_fields(QuestionForm, "label", languages, _l("Fragetext"), long=True)
    _add_text_fields(QuestionForm, "hint", languages, _l("Hinweis"))
    _add_text_fields(QuestionForm, "unit", languages, _l("Einheit"))
    _add_text_fields(
        QuestionForm, "constraint_message", languages, _l("Meldung der Prüfregel")
    )
    for index, _option in enumerate(question.options):
        prefix = f"option_{index}"
        setattr(
            QuestionForm,
            f"{prefix}_code",
            StringField(_l("Code"), validators=[Length(max=12)]),
        )
        setattr(
            QuestionForm,
            f"{prefix}_value",
            StringField(_l("Wert"), validators=[Length(max=64)]),
        )
        setattr(QuestionForm, f"{prefix}_missing", BooleanField(_l("fehlender Wert")))
        setattr(QuestionForm, f"{prefix}_exclusive", BooleanField(_l("exklusiv")))
        setattr(QuestionForm, f"{prefix}_other", BooleanField(_l("Sonstiges mit Text")))
        _add_text_fields(QuestionForm, f"{prefix}_label", languages, _l("Beschriftung"))
    for index, _item in enumerate(question.items):
        prefix = f"item_{index}"
        setattr(
            QuestionForm,
            f"{prefix}_name",
            StringField(_l("Variablenname"), validators=[Length(max=64)]),
        )
        _add_text_fields(QuestionForm, f"{prefix}_label", languages, _l("Zeile"))

    appearances = sorted(APPEARANCES.get(question.type, ()))
    if formdata is not None:
        form = QuestionForm(formdata=formdata)
    else:
        data: dict[str, Any] = {
            "name": question.name,
            "kind": question.type.value,
            "required": question.required,
            "relevant": question.relevant or "",
            "constraint": question.constraint or "",
            "appearance": question.appearance or "",
            "minimum": _number_text(question.minimum),
            "maximum": _number_text(question.maximum),
            "decimals": question.decimals,
            **_text_data("label", question.label, languages),
            **_text_data("hint", question.hint, languages),
            **_text_data("unit", question.unit, languages),
            **_text_data("constraint_message", question.constraint_message, languages),
        }
        for index, option in enumerate(question.options):
            prefix = f"option_{index}"
            data.update(
                {
                    f"{prefix}_code": str(option.code),
                    f"{prefix}_value": option.value,
                    f"{prefix}_missing": option.missing,
                    f"{prefix}_exclusive": option.exclusive,
                    f"{prefix}_other": option.other,
                    **_text_data(f"{prefix}_label", option.label, languages),
                }
            )
        for index, item in enumerate(question.items):
            data[f"item_{index}_name"] = item.name
            data.update(_text_data(f"item_{index}_label", item.label, languages))
        form = QuestionForm(formdata=None, data=data)
    form.appearance.choices = [SelectChoice("", _("Standard"))] + [
        SelectChoice(a, a) for a in appearances
    ]
    return form


@dataclass(frozen=True)
class OptionRow:
    index: int
    code: Field
    value: Field
    labels: list[Field]
    missing: Field
    exclusive: Field
    other: Field


@dataclass(frozen=True)
class ItemRow:
    index: int
    name: Field
    labels: list[Field]


def option_rows(
    form: FlaskForm, question: Question, languages: Sequence[str]
) -> list[OptionRow]:
    return [
        OptionRow(
            index,
            form[f"option_{index}_code"],
            form[f"option_{index}_value"],
            text_fields(form, f"option_{index}_label", languages),
            form[f"option_{index}_missing"],
            form[f"option_{index}_exclusive"],
            form[f"option_{index}_other"],
        )
        for index in range(len(question.options))
    ]


def item_rows(
    form: FlaskForm, question: Question, languages: Sequence[str]
) -> list[ItemRow]:
    return [
        ItemRow(
            index,
            form[f"item_{index}_name"],
            text_fields(form, f"item_{index}_label", languages),
        )
        for index in range(len(question.items))
    ]


def _parse_number(field: Field) -> float | None:
    text = (field.data or "").strip().replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"[+-]?\d+([.,]\d+)?", text) is None:
        field.errors.append(_("Bitte eine Zahl eingeben, zum Beispiel 3 oder 2,5."))
        return None
    return float(text.replace(",", "."))


def question_from_form(
    form: FlaskForm, question: Question, languages: Sequence[str]
) -> Question | None:
    """The question as typed into the editor; None (with field errors) if a number
    or code cannot be read."""
    minimum = _parse_number(form.minimum)
    maximum = _parse_number(form.maximum)
    options = []
    for index in range(len(question.options)):
        prefix = f"option_{index}"
        code_field = form[f"{prefix}_code"]
        code_text = (code_field.data or "").strip()
        if re.fullmatch(r"-?\d{1,9}", code_text) is None:
            code_field.errors.append(_("Der Code muss eine ganze Zahl sein."))
            continue
        options.append(
            Option(
                code=int(code_text),
                value=(form[f"{prefix}_value"].data or "").strip(),
                label=read_text(form, f"{prefix}_label", languages),
                missing=bool(form[f"{prefix}_missing"].data),
                exclusive=bool(form[f"{prefix}_exclusive"].data),
                other=bool(form[f"{prefix}_other"].data),
            )
        )
    items = [
        MatrixItem(
            name=(form[f"item_{index}_name"].data or "").strip(),
            label=read_text(form, f"item_{index}_label", languages),
        )
        for index in range(len(question.items))
    ]
    if any(field.errors for field in form):
        return None
    kind = QuestionType(form.kind.data)
    typed = Question(
        name=form.name.data.strip(),
        type=kind,
        label=read_text(form, "label", languages),
        hint=read_text(form, "hint", languages, optional=True),
        options=tuple(options),
        items=tuple(items),
        required=bool(form.required.data),
        relevant=(form.relevant.data or "").strip() or None,
        constraint=(form.constraint.data or "").strip() or None,
        constraint_message=read_text(
            form, "constraint_message", languages, optional=True
        ),
        appearance=form.appearance.data or None,
        minimum=minimum,
        maximum=maximum,
        decimals=form.decimals.data or 0,
        unit=read_text(form, "unit", languages, optional=True),
    )
    if kind is not question.type:
        typed = editing.fit_to_type(typed)
        if (
            kind in (QuestionType.LIKERT, QuestionType.LIKERT_MATRIX)
            and not typed.options
        ):
            typed = replace(typed, options=editing.default_scale(languages))
        if kind is QuestionType.LIKERT_MATRIX and not typed.items:
            typed = editing.apply_row_action(typed, "add_item", languages)
    return typed


# ---------------------------------------------------------------- translations


def build_translations_form(
    places: Sequence[editing.TextPlace], languages: Sequence[str], formdata: Any = None
) -> FlaskForm:
    class TranslationsForm(BaseForm):
        pass

    for number, place in enumerate(places):
        _add_text_fields(
            TranslationsForm, f"t{number}", languages, place.what, long=True
        )
    if formdata is not None:
        return TranslationsForm(formdata=formdata)
    data: dict[str, str] = {}
    for number, place in enumerate(places):
        data.update(_text_data(f"t{number}", place.text, languages))
    return TranslationsForm(formdata=None, data=data)


def translations_from_form(
    form: FlaskForm, places: Sequence[editing.TextPlace], languages: Sequence[str]
) -> dict[str, Text | None]:
    return {
        place.place: read_text(form, f"t{number}", languages, optional=place.optional)
        for number, place in enumerate(places)
    }


def reviewed_translations(
    formdata: Any, keys: Mapping[str, str], languages: Sequence[str]
) -> set[tuple[str, str]]:
    """The (key, language) pairs ticked as "translation still fits"; the boxes send
    ``place|language``, unknown ones are ignored."""
    pairs = set()
    for value in formdata.getlist("reviewed"):
        place, _, language = str(value).partition("|")
        if place in keys and language in languages[1:]:
            pairs.add((keys[place], language))
    return pairs


# ------------------------------------------------------------------------ surveys


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


ACCESS_LABELS = {
    "open": _l("Offener Link (jede Person mit dem Link)"),
    "code": _l("Nur mit Einladungscode"),
    "both": _l("Offener Link und Einladungscodes"),
}


def build_survey_form(
    version_choices: Sequence[tuple[int, str]],
    layer_choices: Sequence[tuple[int, str]],
    language_choices: Sequence[tuple[str, str]],
    formdata: Any = None,
    data: Mapping[str, Any] | None = None,
) -> FlaskForm:
    class SurveyForm(FlaskForm):
        title = StringField(
            _l("Titel der Befragung"), validators=[DataRequired(), Length(max=300)]
        )
        slug = StringField(
            _l("Adresse: /s/…"),
            validators=[
                DataRequired(),
                Regexp(
                    SLUG_PATTERN,
                    message=_l("2 bis 79 Zeichen: Kleinbuchstaben a–z, Ziffern und -."),
                ),
            ],
        )
        version_id = SelectField(
            _l("Fragebogenversion"),
            coerce=int,
            choices=[SelectChoice(v, label) for v, label in version_choices],
        )
        layer_id = SelectField(
            _l("Gebietsgliederung"),
            coerce=int,
            choices=[
                SelectChoice(0, _l("– keine –")),
                *(SelectChoice(v, label) for v, label in layer_choices),
            ],
        )
        field_start = DateField(_l("Feldzeit von"), validators=[Optional()])
        field_end = DateField(_l("Feldzeit bis"), validators=[Optional()])
        access_mode = RadioField(
            _l("Zugang"),
            choices=[SelectChoice(v, label) for v, label in ACCESS_LABELS.items()],
            default="open",
            validators=[InputRequired()],
        )
        languages = MultiCheckboxField(
            _l("Sprachen (keine Auswahl: alle Sprachen des Fragebogens)"),
            choices=[SelectChoice(v, label) for v, label in language_choices],
        )
        deletion_date = DateField(
            _l("Antworten löschen am (Aufbewahrungsfrist)"), validators=[Optional()]
        )

    if formdata is not None:
        return SurveyForm(formdata=formdata)
    return SurveyForm(formdata=None, data=dict(data or {}))


class GenerateCodesForm(FlaskForm):
    count = IntegerField(
        _l("Anzahl der Codes"),
        default=100,
        validators=[InputRequired(), NumberRange(min=1, max=100000)],
    )
    district = SelectField(_l("Sozialraum"), choices=[], validate_choice=False)

    def district_target(self) -> tuple[int | None, bool]:
        """(district id, per district) from the choice."""
        value = self.district.data or ""
        if value == "each":
            return None, True
        if value.isdigit():
            return int(value), False
        return None, False
