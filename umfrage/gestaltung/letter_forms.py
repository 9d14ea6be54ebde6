"""Forms of the letter page: the letter's texts per language, the letterhead."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from .letter_templates import FIELD_LABELS, TEXT_LIMIT, TEXT_LIMITS
from .letter_texts import COMMON_FIELDS, native_name

_MULTILINE = ("sender", "body", "privacy")


def _field(name: str) -> StringField | TextAreaField:
    kind = TextAreaField if name in _MULTILINE else StringField
    limit = TEXT_LIMITS.get(name, TEXT_LIMIT)
    return kind(FIELD_LABELS[name], validators=[Optional(), Length(max=limit)])


class LetterTextsForm(FlaskForm):
    sender = _field("sender")
    return_line = _field("return_line")
    contact_name = _field("contact_name")
    contact_phone = _field("contact_phone")
    contact_email = _field("contact_email")
    subject = _field("subject")
    salutation = _field("salutation")
    body = _field("body")
    closing = _field("closing")
    signature_name = _field("signature_name")
    signature_role = _field("signature_role")
    privacy = _field("privacy")
    second_language = SelectField(
        _l("Ganzer Brief zusätzlich auf einer zweiten Seite in"), choices=[]
    )


def letter_texts_form(
    language: str, languages: list[str], **kwargs: object
) -> LetterTextsForm:
    """The form for ``language``'s page: the parts common to all languages and
    the second language are edited on the German page only."""
    form = LetterTextsForm(**kwargs)
    if language != "de":
        for name in (*COMMON_FIELDS, "second_language"):
            delattr(form, name)
    else:
        form.second_language.choices = [("", _l("keine (nur Deutsch)"))] + [
            (lang, native_name(lang)) for lang in languages[1:]
        ]
    return form


class LetterheadForm(FlaskForm):
    file = FileField(_l("Briefkopf: Bild (PNG oder JPEG)"))
