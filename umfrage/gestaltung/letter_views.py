"""The designer's letter page ("Anschreiben"): texts per language, letterhead
image, a sample letter. Registered on the designer blueprint by ``views``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response as HttpResponse
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..auth import role_required
from ..extensions import db
from ..models import LetterTemplate, Role, Survey
from . import letter_templates, letters
from .design_errors import DesignError
from .letter_forms import LetterheadForm, LetterTextsForm, letter_texts_form
from .letter_texts import COMMON_FIELDS, LANGUAGE_FIELDS, native_name
from .views import _actor, bp

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
#: shown in the sample letter instead of a real code and address
SAMPLE = letters.InvitationLetter(
    "XXXXXXXXXX", None, None, ("Familie Muster", "Musterweg 1", "12345 Musterstadt")
)


def _language_or_404(survey: Survey, languages: list[str]) -> str:
    language = request.values.get("sprache", "de")
    if language not in languages:
        abort(404)
    return language


def _render(
    survey: Survey,
    language: str,
    languages: list[str],
    form: LetterTextsForm | None,
    template: LetterTemplate | None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    url_error, local_url = None, False
    try:
        base = letter_templates.public_base(current_app.config)
        local_url = urlsplit(base).hostname in _LOCAL_HOSTS
    except DesignError as missing:
        url_error = missing.message
    return render_template(
        "gestaltung/edit_letter.html",
        survey=survey,
        language=language,
        languages=[(lang, native_name(lang)) for lang in languages],
        form=form,
        letterhead_form=LetterheadForm(),
        has_letterhead=bool(template and template.letterhead),
        error_message=error,
        url_error=url_error,
        local_url=local_url,
        public_url=current_app.config.get("PUBLIC_URL"),
        common_fields=COMMON_FIELDS if language == "de" else (),
        language_fields=LANGUAGE_FIELDS,
        rtl=letters.is_rtl(language),
    ), status


@bp.route("/umfrage/<int:survey_id>/anschreiben", methods=["GET", "POST"])
@role_required(Role.DESIGNER)
def edit_letter(survey_id: int) -> Any:
    survey = db.get_or_404(Survey, survey_id)
    languages = letter_templates.letter_languages(survey)
    language = _language_or_404(survey, languages)
    template = letter_templates.template_of(survey)
    config = current_app.config
    try:
        texts = letter_templates.texts_for(survey, language, config, template)
    except DesignError as missing:  # no PUBLIC_URL: the page says so
        return _render(survey, language, languages, None, template, missing.message)
    if request.method == "GET":
        data = {
            name: getattr(texts, name) for name in (*COMMON_FIELDS, *LANGUAGE_FIELDS)
        }
        data["second_language"] = (template.second_language if template else "") or ""
        form = letter_texts_form(language, languages, data=data)
        return _render(survey, language, languages, form, template)
    form = letter_texts_form(language, languages)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _render(survey, language, languages, form, template, status=422)
    values = {
        name: getattr(form, name).data or ""
        for name in (*COMMON_FIELDS, *LANGUAGE_FIELDS)
        if hasattr(form, name)
    }
    second = (
        form.second_language.data
        if language == "de"
        else (template.second_language if template else None)
    )
    try:
        changed = letter_templates.save_texts(
            _actor(), survey, language, values, second or None, config
        )
    except DesignError as error:
        template = letter_templates.template_of(survey)
        return _render(survey, language, languages, form, template, error.message, 422)
    flash(
        _("Das Anschreiben ist gespeichert.")
        if changed
        else _("Keine Änderungen am Anschreiben.")
    )
    return redirect(url_for(".edit_letter", survey_id=survey.id, sprache=language))


@bp.route("/umfrage/<int:survey_id>/anschreiben/briefkopf", methods=["POST"])
@role_required(Role.DESIGNER)
def upload_letterhead(survey_id: int) -> Any:
    survey = db.get_or_404(Survey, survey_id)
    form = LetterheadForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("aktion") == "entfernen":
        letter_templates.remove_letterhead(_actor(), survey)
        flash(_("Der Briefkopf ist entfernt."))
        return redirect(url_for(".edit_letter", survey_id=survey.id))
    upload = form.file.data
    try:
        if upload is None or not getattr(upload, "filename", ""):
            raise DesignError(_("Briefkopf: Bitte wählen Sie eine Bilddatei."))
        with upload.stream:
            data = upload.stream.read(letter_templates.LETTERHEAD_MAX_BYTES + 1)
        letter_templates.save_letterhead(_actor(), survey, data)
    except DesignError as error:
        languages = letter_templates.letter_languages(survey)
        template = letter_templates.template_of(survey)
        form_texts = None
        try:
            texts = letter_templates.texts_for(
                survey, "de", current_app.config, template
            )
            form_texts = letter_texts_form(
                "de",
                languages,
                formdata=None,
                data={n: getattr(texts, n) for n in (*COMMON_FIELDS, *LANGUAGE_FIELDS)},
            )
        except DesignError:
            pass
        return _render(
            survey, "de", languages, form_texts, template, error.message, 422
        )
    flash(_("Der Briefkopf ist gespeichert."))
    return redirect(url_for(".edit_letter", survey_id=survey.id))


@bp.route("/umfrage/<int:survey_id>/anschreiben/briefkopf.bild")
@role_required(Role.DESIGNER)
def letterhead_image(survey_id: int) -> Any:
    survey = db.get_or_404(Survey, survey_id)
    template = letter_templates.template_of(survey)
    if template is None or template.letterhead is None:
        abort(404)
    response = HttpResponse(template.letterhead, mimetype=template.letterhead_type)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/umfrage/<int:survey_id>/anschreiben/muster.pdf")
@role_required(Role.DESIGNER)
def sample_letter(survey_id: int) -> Any:
    """One letter as it will be printed, with a placeholder code and address."""
    survey = db.get_or_404(Survey, survey_id)
    try:
        settings = letter_templates.letter_settings(survey, current_app.config)
        letter_templates.check_layout(settings)
        pdf = letters.letters_pdf([SAMPLE], settings)
    except DesignError as error:
        return HttpResponse(error.message, status=409, mimetype="text/plain")
    response = HttpResponse(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="anschreiben-muster-{survey.slug}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
