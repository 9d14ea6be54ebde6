"""Designer routes of the translators' workflow (on the ``gestaltung`` blueprint):
export a version's texts as XLSX, PO or XLIFF and import a file back through a
report."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from fragebogen.model import text_direction
from fragebogen.translation import Location, translation_units

from ..auftraege.services import job_for
from ..auth import role_required
from ..models import Role, VersionStatus
from ..services import questionnaire_of
from ..templating import language_name
from . import editing, forms, services, translation_jobs, translations
from .review import review_flags
from .views import _actor, _attachment, _changed, bp


@bp.route("/fragebogen/<int:questionnaire_id>/version/<int:number>/uebersetzungen.xlsx")
@role_required(Role.DESIGNER)
def export_translations_xlsx(questionnaire_id: int, number: int) -> Any:
    return _export(questionnaire_id, number, "xlsx", None)


@bp.route(
    "/fragebogen/<int:questionnaire_id>/version/<int:number>/uebersetzung-<language>.po"
)
@role_required(Role.DESIGNER)
def export_translations_po(questionnaire_id: int, number: int, language: str) -> Any:
    return _export(questionnaire_id, number, "po", language)


@bp.route(
    "/fragebogen/<int:questionnaire_id>/version/<int:number>/uebersetzung-<language>.xlf"
)
@role_required(Role.DESIGNER)
def export_translations_xliff(questionnaire_id: int, number: int, language: str) -> Any:
    return _export(questionnaire_id, number, "xliff", language)


def _export(questionnaire_id: int, number: int, kind: str, language: str | None) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    version = services.version_or_404(row, number)
    content, filename, mimetype = translations.export_translations(
        _actor(), version, kind, language
    )
    return _attachment(content, filename, mimetype)


def location_text(location: Location) -> str:
    """Where an entry is in its file, in words."""
    if location.line is not None:
        return _("Zeile %(line)d", line=location.line)
    if location.row is not None:
        return _(
            "Blatt %(sheet)s, Zeile %(row)d, Spalte %(column)s",
            sheet=location.sheet,
            row=location.row,
            column=location.column,
        )
    return ""


def _page(
    row: Any,
    upload_form: Any,
    report: translations.TranslationImport | None = None,
    message: str | None = None,
    status: int = 200,
    job_id: int | None = None,
    base: str | None = None,
) -> Any:
    """The upload page; with a ``report``, also the report and the form that
    confirms it: its job and the fingerprint it was made for (``base``)."""
    confirm_form = None
    if base is not None:
        confirm_form = forms.BaseForm(formdata=None, data={"base": base})
    version = services.latest_version(row)
    return render_template(
        "gestaltung/import_translations.html",
        row=row,
        version=version,
        questionnaire=questionnaire_of(version),
        form=upload_form,
        report=report,
        confirm_form=confirm_form,
        job_id=job_id,
        message=message,
        where=location_text,
        report_languages=", ".join(
            f"{language_name(code)} ({code})"
            for code in (report.comparison.languages if report else ())
        ),
    ), status


@bp.route(
    "/fragebogen/<int:questionnaire_id>/uebersetzungen/einlesen",
    methods=["GET", "POST"],
)
@role_required(Role.DESIGNER)
def import_translations(questionnaire_id: int) -> Any:
    """Store the file and queue the job that reads and compares it; its page
    leads to the report (or names what is wrong)."""
    row = services.questionnaire_or_404(questionnaire_id)
    form = forms.TranslationUploadForm()
    if request.method == "GET":
        return _page(row, form)
    if not form.validate_on_submit():
        message = "; ".join(str(e) for e in form.file.errors) or _(
            "Bitte wählen Sie eine Datei."
        )
        return _page(row, form, message=message, status=400)
    upload = form.file.data
    with upload.stream:  # a large upload is a temporary file: closed here
        content = upload.read()
    job = translation_jobs.queue_translation_import(
        _actor(), row, upload.filename or "", content
    )
    return redirect(url_for("auftraege.show_job", job_id=job.id))


@bp.route("/fragebogen/<int:questionnaire_id>/uebersetzungen/einlesen/<int:job_id>")
@role_required(Role.DESIGNER)
def translation_report(questionnaire_id: int, job_id: int) -> Any:
    """The report of a read translators' file, with the confirm button."""
    row = services.questionnaire_or_404(questionnaire_id)
    found = translation_jobs.report_of(job_for(current_user, job_id), row)
    if found is None:
        abort(404)
    report, base = found
    upload_form = forms.TranslationUploadForm(formdata=None)
    return _page(row, upload_form, report, job_id=job_id, base=base)


@bp.route(
    "/fragebogen/<int:questionnaire_id>/uebersetzungen/einlesen/<int:job_id>/bestaetigen",
    methods=["POST"],
)
@role_required(Role.DESIGNER)
def confirm_translations(questionnaire_id: int, job_id: int) -> Any:
    """Apply the changes of the report the job keeps (the file is not read again)."""
    row = services.questionnaire_or_404(questionnaire_id)
    form = forms.BaseForm()
    upload_form = forms.TranslationUploadForm(formdata=None)
    invalid = _(
        "Die Angaben zum Import sind ungültig. Bitte laden Sie die Datei neu hoch."
    )
    if not form.validate_on_submit():
        return _page(row, upload_form, message=invalid, status=400)
    found = translation_jobs.report_of(job_for(current_user, job_id), row)
    if found is None:
        gone = _(
            "Der Bericht zu dieser Datei ist nicht mehr gespeichert. Bitte laden "
            "Sie die Datei neu hoch."
        )
        return _page(row, upload_form, message=gone, status=404)
    if found[1] != form.base.data:
        return _page(row, upload_form, message=invalid, status=400)
    report, base = found
    try:
        result = translations.confirm_translations(_actor(), row, base, report)
    except services.StaleVersionError as error:
        return _page(row, upload_form, message=error.message, status=409)
    except services.DesignError as error:
        return _page(row, upload_form, message=error.message, status=422)
    _changed(result)
    flash(
        ngettext(
            "%(num)d Übersetzung aus %(name)s übernommen.",
            "%(num)d Übersetzungen aus %(name)s übernommen.",
            len(report.comparison.changes),
            name=report.filename,
        )
    )
    return redirect(url_for(".edit_translations", questionnaire_id=row.id))


@bp.route("/fragebogen/<int:questionnaire_id>/uebersetzungen", methods=["GET", "POST"])
@role_required(Role.DESIGNER)
def edit_translations(questionnaire_id: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    version = services.latest_version(row)
    questionnaire = questionnaire_of(version)
    places = list(editing.text_places(questionnaire))
    languages = questionnaire.languages
    submitted = request.method == "POST"
    form = forms.build_translations_form(
        places, languages, request.form if submitted else None
    )
    if not submitted:
        form.base.data = version.fingerprint
    error_message = None
    keys = {unit.place: unit.key for unit in translation_units(questionnaire)}
    if submitted and form.validate():
        texts = forms.translations_from_form(form, places, languages)
        reviewed = forms.reviewed_translations(request.form, keys, languages)
        try:
            result = services.change_draft(
                _actor(),
                row,
                form.base.data,
                partial(editing.set_texts, texts=texts),
                review=dict.fromkeys(reviewed, False),
            )
        except services.DesignError as error:
            error_message = error.message
        else:
            _changed(result)
            flash(_("Die Übersetzungen sind gespeichert."))
            return redirect(url_for(".edit_translations", questionnaire_id=row.id))
    missing = {
        (problem.place, problem.params.get("language"))
        for problem in services.definition_problems(version)
        if problem.code == "missing_translation"
    }
    rows = [
        (
            place,
            editing.describe_place(questionnaire, place.place).text,
            forms.text_fields(form, f"t{number}", languages),
        )
        for number, place in enumerate(places)
    ]
    places_of = {key: place for place, key in keys.items()}
    review = {
        (places_of[key], language)
        for key, language in review_flags(version)
        if key in places_of
    }
    return render_template(
        "gestaltung/edit_translations.html",
        review=review,
        row=row,
        version=version,
        questionnaire=questionnaire,
        form=form,
        rows=rows,
        missing=missing,
        languages=languages,
        error_message=error_message,
        published=version.status == VersionStatus.PUBLISHED,
        text_direction=text_direction,
    ), (422 if submitted else 200)
