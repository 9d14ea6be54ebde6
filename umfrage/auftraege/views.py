"""Job pages: the list of one's jobs, a job's progress, download, retry and the
confirmation of receipt for invitation codes."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth import role_required
from ..models import JobStatus, Role
from . import services
from .runner import JobError, kinds

bp = Blueprint("auftraege", __name__, url_prefix="/auftraege")

STAFF = (Role.DESIGNER, Role.ANALYST)


def _posted() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


@bp.route("/")
@role_required(*STAFF)
def list_jobs() -> Any:
    return render_template(
        "auftraege/list_jobs.html", jobs=services.jobs_of(current_user)
    )


@bp.route("/<int:job_id>")
@role_required(*STAFF)
def show_job(job_id: int) -> Any:
    job = services.job_for(current_user, job_id)
    kind = kinds().get(job.kind)
    if job.status == JobStatus.DONE and kind and kind.result_page:
        # an upload's preview or report: the page advances to it when done
        if services.note_shown(job) and kind.result_notice:
            notice = kind.result_notice(job)
            if notice:
                flash(notice)
        return redirect(kind.result_page(job))
    return render_template(
        "auftraege/show_job.html",
        job=job,
        form=FlaskForm(),
        receipt_label=kind.receipt_label if kind else None,
        restart_page=kind.restart_page(job) if kind and kind.restart_page else None,
        finished=job.status not in (JobStatus.QUEUED, JobStatus.RUNNING),
    )


@bp.route("/<int:job_id>/stand")
@role_required(*STAFF)
def job_status(job_id: int) -> Any:
    job = services.job_for(current_user, job_id)
    response = jsonify(services.status_data(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/datei", methods=["POST"])
@role_required(*STAFF)
def download_result(job_id: int) -> Any:
    job = services.job_for(current_user, job_id)
    _posted()
    path = services.open_result(int(current_user.id), job)
    if path is None:
        flash(_("Das Ergebnis ist nicht mehr vorhanden."))
        return redirect(url_for(".show_job", job_id=job.id))
    response = send_file(
        io.BytesIO(path.read_bytes()),  # read whole: no file left open
        mimetype=job.result_mimetype,
        as_attachment=True,
        download_name=job.result_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/erneut", methods=["POST"])
@role_required(*STAFF)
def retry_job(job_id: int) -> Any:
    job = services.job_for(current_user, job_id)
    _posted()
    if not services.retry(job):
        flash(_("Nur ein fehlgeschlagener Auftrag kann erneut versucht werden."))
    return redirect(url_for(".show_job", job_id=job.id))


@bp.route("/<int:job_id>/empfang", methods=["POST"])
@role_required(*STAFF)
def confirm_receipt(job_id: int) -> Any:
    job = services.job_for(current_user, job_id)
    _posted()
    kind = kinds().get(job.kind)
    if kind is None or kind.confirm_receipt is None:
        abort(404)
    try:
        kind.confirm_receipt(int(current_user.id), job)
    except JobError as error:
        flash(error.message)
        return redirect(url_for(".show_job", job_id=job.id))
    flash(_("Die Codes sind gelöscht; niemand kann sie mehr anzeigen."))
    return redirect(url_for(".show_job", job_id=job.id))
