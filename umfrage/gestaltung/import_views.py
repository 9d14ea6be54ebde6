"""The designer's questionnaire import: upload (queues the reading job), the
report of an XLSForm or LimeSurvey export, and its confirmation (queues the next
reading); and replacing a draft from a file (the same job). Registered on the
designer blueprint by ``views``."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auftraege.services import job_for
from ..auth import role_required
from ..models import JobStatus, Role
from . import forms, import_jobs, imports, services
from .views import _actor, bp


@bp.route("/fragebogen/importieren", methods=["GET", "POST"])
@role_required(Role.DESIGNER)
def import_questionnaire() -> Any:
    """Store the file and queue the job that reads it; its page leads to the
    report, the new draft, or names what is wrong."""
    form = forms.ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        with upload.stream:  # a large upload is a temporary file: closed here
            content = upload.read()
        job = import_jobs.queue_import(_actor(), upload.filename or "", content)
        return redirect(url_for("auftraege.show_job", job_id=job.id))
    status = 422 if request.method == "POST" else 200
    return _import_page(form, None, status)


@bp.route("/fragebogen/<int:questionnaire_id>/ersetzen", methods=["POST"])
@role_required(Role.DESIGNER)
def replace_draft(questionnaire_id: int) -> Any:
    """Store the file that replaces the draft (all or nothing) and queue the job
    that reads it, as for an import; its page leads back to the editor or names
    what is wrong."""
    row = services.questionnaire_or_404(questionnaire_id)
    form = forms.ReplaceDraftForm()
    if form.validate_on_submit():
        upload = form.file.data
        with upload.stream:  # a large upload is a temporary file: closed here
            content = upload.read()
        job = import_jobs.queue_replace(
            _actor(), row, form.base.data, upload.filename or "", content
        )
        return redirect(url_for("auftraege.show_job", job_id=job.id))
    return render_template(
        "gestaltung/import_questionnaire.html",
        form=forms.ImportForm(formdata=None),
        problems=[],
        message=_("Bitte wählen Sie eine Datei."),
        row=row,
    ), 422


def _import_page(form: Any, message: str | None, status: int) -> Any:
    return render_template(
        "gestaltung/import_questionnaire.html",
        form=form,
        problems=[],
        message=message,
    ), status


def _summary_or_404(job_id: int) -> import_jobs.ImportSummary:
    job = job_for(current_user, job_id)
    summary = import_jobs.summary_of(job) if job.status == JobStatus.DONE else None
    if summary is None:
        abort(404)
    return summary


@bp.route("/fragebogen/importieren/<int:job_id>")
@role_required(Role.DESIGNER)
def import_report(job_id: int) -> Any:
    """The report of a read XLSForm: what is taken over, what not, and where."""
    return _import_report(_summary_or_404(job_id))


def _import_report(
    summary: import_jobs.ImportSummary, form: Any = None, status: int = 200
) -> Any:
    if form is None:
        form = imports.build_confirm_form(
            summary.unknown,
            formdata=None,
            data={"payload": summary.payload, "job_id": str(summary.job_id)},
        )
    return render_template(
        "gestaltung/import_report.html",
        report=summary,
        form=form,
        unknown_fields=[form[f"language_{i}"] for i in range(len(summary.unknown))],
        notices=imports.notice_rows(
            summary.notices, str(get_locale() or "de").startswith("de")
        ),
        page_count=summary.page_count,
        question_count=summary.question_count,
        languages=summary.languages,
    ), status


@bp.route("/fragebogen/importieren/bestaetigen", methods=["POST"])
@role_required(Role.DESIGNER)
def confirm_import() -> Any:
    """Second step of an XLSForm import: read again with the languages given
    ("Erneut prüfen") or take over ("Übernehmen"), each as a job."""
    try:
        filename, content, unknown = imports.unpack(request.form.get("payload", ""))
    except services.DesignError as error:
        return _import_page(forms.ImportForm(formdata=None), error.message, 400)
    form = imports.build_confirm_form(unknown)
    if not form.validate_on_submit():
        job_id = form.job_id.data or ""
        if not job_id.isdigit():
            abort(400)
        return _import_report(_summary_or_404(int(job_id)), form, 422)
    job = import_jobs.queue_import(
        _actor(),
        filename,
        content,
        imports.language_answers(form, unknown),
        (form.default_language.data or "").strip() or None,
        unknown,
        take_over="always" if form.confirm.data else "never",
    )
    return redirect(url_for("auftraege.show_job", job_id=job.id))
