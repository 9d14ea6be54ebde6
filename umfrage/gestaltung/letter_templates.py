"""The invitation letter's template per survey: reading, checking and saving it
(texts, second language, letterhead image), and the settings a letter run uses.

Only parts that differ from the default letter are stored, so a survey without
changes keeps following the defaults (e.g. a changed survey title). Every change
is audited; bad input raises :class:`DesignError` and changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from typing import Any

from babel.dates import format_date
from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image

from ..audit import record
from ..extensions import db
from ..models import LetterTemplate, Survey, local_today
from ..teilnahme.services import languages_of
from ..urls import public_url
from . import letters
from .design_errors import DesignError
from .letter_texts import COMMON_FIELDS, LANGUAGE_FIELDS, native_name

LETTERHEAD_MAX_BYTES = 2 * 1024 * 1024
LETTERHEAD_MAX_SIDE = 4000
LETTERHEAD_MAX_PIXELS = 8_000_000
LETTERHEAD_MIN_SIDE = 16
_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
#: most characters per part (the page limit is checked by laying the letter out)
TEXT_LIMITS = {"body": 4000, "privacy": 1500, "sender": 400}
TEXT_LIMIT = 300
SENDER_MAX_LINES = 6
#: the parts' names as the form shows them
FIELD_LABELS: dict[str, Any] = {
    "sender": _l("Absender (Briefkopf und Informationsblock)"),
    "return_line": _l("Rücksendeangabe im Anschriftfeld"),
    "subject": _l("Betreff"),
    "salutation": _l("Anrede"),
    "body": _l("Brieftext"),
    "closing": _l("Grußformel"),
    "signature_name": _l("Unterschrift: Name"),
    "signature_role": _l("Unterschrift: Funktion"),
    "contact_name": _l("Ansprechperson"),
    "contact_phone": _l("Telefon"),
    "contact_email": _l("E-Mail"),
    "privacy": _l("Datenschutzhinweis mit Rechtsgrundlage"),
}


def template_of(survey: Survey) -> LetterTemplate | None:
    return db.session.execute(
        db.select(LetterTemplate).where(LetterTemplate.survey_id == survey.id)
    ).scalar_one_or_none()


def letter_languages(survey: Survey) -> list[str]:
    """German first (the front page), then the survey's other languages."""
    return ["de"] + [lang for lang in languages_of(survey) if lang != "de"]


def public_base(config: Mapping[str, Any]) -> str:
    """The configured ``PUBLIC_URL``; letters are refused without it."""
    base = str(config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if not base:
        raise DesignError(
            _(
                "PUBLIC_URL ist nicht eingestellt: Briefe und QR-Codes brauchen die "
                "Adresse, unter der Familien die Befragung erreichen (z. B. "
                "UMFRAGE_PUBLIC_URL=https://umfrage.stadt.de)."
            )
        )
    return base


def survey_url(survey: Survey, config: Mapping[str, Any]) -> str:
    """The survey's public address from ``PUBLIC_URL`` (never the request's
    host); works inside a request and in a background job."""
    base = public_base(config)
    if has_request_context():
        return public_url("teilnahme.landing", slug=survey.slug)
    root = str(config.get("APPLICATION_ROOT") or "/")
    adapter = current_app.url_map.bind("localhost", script_name=root)
    return base + adapter.build("teilnahme.landing", {"slug": survey.slug})


def _operator(survey: Survey, config: Mapping[str, Any]) -> tuple[str, str]:
    return (
        survey.operator_name or str(config["OPERATOR_NAME"]),
        survey.contact_email or str(config["CONTACT_EMAIL"]),
    )


def texts_for(
    survey: Survey,
    language: str,
    config: Mapping[str, Any],
    template: LetterTemplate | None = None,
) -> letters.LetterTexts:
    """The letter's parts in ``language``: the stored ones over the defaults."""
    operator, email = _operator(survey, config)
    base = letters.default_texts(
        language, survey.title, operator, email, survey_url(survey, config)
    )
    if template is None:
        return base
    return letters.merge_texts(
        base, {**template.common, **template.texts.get(language, {})}
    )


def letter_settings(
    survey: Survey,
    config: Mapping[str, Any],
    today: date | None = None,
    template: LetterTemplate | None = None,
) -> letters.LetterSettings:
    """Everything ``letters.letters_pdf`` needs for this survey's letters (needs
    an app context; raises :class:`DesignError` without ``PUBLIC_URL``)."""
    template = template if template is not None else template_of(survey)
    today = today or local_today()
    operator, email = _operator(survey, config)
    second = template.second_language if template else None
    return letters.LetterSettings(
        survey_title=survey.title,
        survey_url=survey_url(survey, config),
        operator_name=operator,
        contact_email=email,
        date_text=format_date(today, "long", locale="de"),
        field_end_text=format_date(survey.field_end, "long", locale="de")
        if survey.field_end
        else None,
        texts=texts_for(survey, "de", config, template),
        language="de",
        second_language=second,
        second_texts=texts_for(survey, second, config, template) if second else None,
        survey_languages=tuple(letter_languages(survey)),
        letterhead=template.letterhead if template else None,
        letter_date=today,
        field_end=survey.field_end,
    )


def _clean(name: str, value: str) -> str:
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if name not in ("body", "privacy", "sender"):
        text = " ".join(text.split())
    limit = TEXT_LIMITS.get(name, TEXT_LIMIT)
    if len(text) > limit:
        raise DesignError(
            _(
                "%(field)s: höchstens %(limit)d Zeichen (jetzt %(count)d).",
                field=FIELD_LABELS[name],
                limit=limit,
                count=len(text),
            )
        )
    if name == "sender" and len(text.splitlines()) > SENDER_MAX_LINES:
        raise DesignError(
            _("Absender: höchstens %(lines)d Zeilen.", lines=SENDER_MAX_LINES)
        )
    return text


def _check_layout(
    survey: Survey, config: Mapping[str, Any], template: LetterTemplate
) -> None:
    check_layout(letter_settings(survey, config, template=template))


def check_layout(settings: letters.LetterSettings) -> None:
    """:class:`DesignError` (naming the page and by how much) unless the letter
    fits on its pages."""
    try:
        letters.layout_pages(settings)
    except letters.LetterLayoutError as error:
        raise DesignError(
            _(
                "Der Brief passt so nicht auf eine Seite (%(language)s): etwa "
                "%(mm)d mm zu lang. Bitte kürzen Sie den Text.",
                language=native_name(error.language),
                mm=max(1, round(error.excess_mm)),
            )
        ) from error


def _template_for_update(survey: Survey) -> LetterTemplate:
    template = template_of(survey)
    if template is None:
        template = LetterTemplate(survey_id=survey.id, common={}, texts={})
        db.session.add(template)
    return template


def save_texts(
    actor_id: int,
    survey: Survey,
    language: str,
    values: Mapping[str, str],
    second_language: str | None,
    config: Mapping[str, Any],
) -> list[str]:
    """Store the letter's parts in ``language`` (and the common parts and the
    second language); returns the names of the parts that changed."""
    languages = letter_languages(survey)
    if language not in languages:
        raise DesignError(
            _("Die Befragung hat diese Sprache nicht: %(l)s.", l=language)
        )
    if second_language and second_language not in languages[1:]:
        raise DesignError(
            _("Die Befragung hat diese Sprache nicht: %(l)s.", l=second_language)
        )
    cleaned = {
        name: _clean(name, values[name])
        for name in (*COMMON_FIELDS, *LANGUAGE_FIELDS)
        if name in values
    }
    template = _template_for_update(survey)
    before = texts_for(survey, language, config, template)
    operator, email = _operator(survey, config)
    defaults = letters.default_texts(
        language, survey.title, operator, email, survey_url(survey, config)
    )
    common = dict(template.common or {})
    own = dict((template.texts or {}).get(language, {}))
    for name, text in cleaned.items():
        target = common if name in COMMON_FIELDS else own
        if text == getattr(defaults, name):
            target.pop(name, None)
        else:
            target[name] = text
    template.common = common
    template.texts = {**(template.texts or {}), language: own}
    changed = [name for name, text in cleaned.items() if getattr(before, name) != text]
    old_second = template.second_language
    template.second_language = second_language or None
    if old_second != template.second_language:
        changed.append("second_language")
    try:
        _check_layout(survey, config, template)
    except DesignError:
        db.session.rollback()
        raise
    if changed:
        record(
            actor_id,
            "edit_letter_template",
            f"survey:{survey.id}",
            language=language,
            fields=changed,
            second_language=template.second_language,
        )
    db.session.commit()
    return changed


def check_letterhead(data: bytes) -> str:
    """The image type of an uploaded letterhead; :class:`DesignError` unless it
    is a PNG or JPEG within the size limits that decodes completely. The
    dimensions are read from the header before any pixel is decoded."""
    if not data:
        raise DesignError(_("Briefkopf: Die Datei ist leer."))
    if len(data) > LETTERHEAD_MAX_BYTES:
        raise DesignError(
            _(
                "Briefkopf: Die Datei ist größer als %(mb)d MB.",
                mb=LETTERHEAD_MAX_BYTES // (1024 * 1024),
            )
        )
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise DesignError(_("Briefkopf: Bitte laden Sie ein PNG- oder JPEG-Bild hoch."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = _IMAGE_TYPES.get(str(image.format))
            width, height = image.size
            if kind is None:
                raise DesignError(
                    _("Briefkopf: Bitte laden Sie ein PNG- oder JPEG-Bild hoch.")
                )
            if (
                max(width, height) > LETTERHEAD_MAX_SIDE
                or width * height > LETTERHEAD_MAX_PIXELS
            ):
                raise DesignError(
                    _(
                        "Briefkopf: Das Bild ist %(w)d × %(h)d Pixel groß; höchstens "
                        "%(max)d Pixel je Seite und %(mp)d Megapixel.",
                        w=width,
                        h=height,
                        max=LETTERHEAD_MAX_SIDE,
                        mp=LETTERHEAD_MAX_PIXELS // 1_000_000,
                    )
                )
            if min(width, height) < LETTERHEAD_MIN_SIDE:
                raise DesignError(
                    _(
                        "Briefkopf: Das Bild ist zu klein (%(w)d × %(h)d Pixel).",
                        w=width,
                        h=height,
                    )
                )
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DesignError(
            _("Briefkopf: Das Bild ist beschädigt oder unvollständig.")
        ) from error
    return kind


def save_letterhead(actor_id: int, survey: Survey, data: bytes) -> None:
    kind = check_letterhead(data)
    template = _template_for_update(survey)
    template.letterhead = data
    template.letterhead_type = kind
    record(
        actor_id,
        "upload_letterhead",
        f"survey:{survey.id}",
        bytes=len(data),
        type=kind,
    )
    db.session.commit()


def remove_letterhead(actor_id: int, survey: Survey) -> None:
    template = template_of(survey)
    if template is None or template.letterhead is None:
        return
    template.letterhead = None
    template.letterhead_type = None
    record(actor_id, "remove_letterhead", f"survey:{survey.id}")
    db.session.commit()
