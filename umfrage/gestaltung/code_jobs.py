"""Invitation letters (PDF) and code lists (CSV) as jobs.

The request only queues the job (with the texts of the letter, made in the
designer's language); a worker derives the batch's codes from its seed and writes
the file into the instance folder. The file can be downloaded again and again
until the designer confirms receipt, which erases the batch's seed and every file
made from it together, or until the batch's deadline passes (then the same
happens by ``wipe_expired_seeds``).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..auftraege.runner import JobError, JobKind, JobResult, Progress, expire
from ..auftraege.services import ACTIVE, create_job
from ..extensions import db
from ..models import InvitationBatch, Job, JobStatus, Survey, utc_now
from . import letter_templates, letters, services

LETTERS = "invitation_letters"
CODE_LIST = "invitation_code_list"
FORMATS = {"csv": CODE_LIST, "pdf": LETTERS}


def batch_jobs(survey_id: int, batch_id: int | None = None) -> list[Job]:
    """The survey's letter and list jobs (of one batch), newest first."""
    jobs = db.session.execute(
        select(Job)
        .where(Job.survey_id == survey_id, Job.kind.in_(FORMATS.values()))
        .order_by(Job.id.desc())
    ).scalars()
    return [
        job for job in jobs if batch_id is None or job.params["batch_id"] == batch_id
    ]


def active_jobs(survey: Survey) -> dict[tuple[int, str], Job]:
    """(batch id, "csv"/"pdf") → the newest queued, running or done job."""
    found: dict[tuple[int, str], Job] = {}
    for job in batch_jobs(survey.id):
        if job.status in ACTIVE:
            found.setdefault((job.params["batch_id"], job.params["format"]), job)
    return found


def request_file(
    actor_id: int,
    survey: Survey,
    batch: InvitationBatch,
    file_format: str,
) -> Job:
    """Queue the job that makes the batch's letters ("pdf") or list ("csv"), or
    return the one already queued, running or done for it."""
    if services.open_batch(batch.id) is None:
        raise services.DesignError(
            _(
                "Die Codes dieses Stapels sind gelöscht oder die Frist ist abgelaufen; "
                "sie können nicht noch einmal angezeigt werden. Erzeugen Sie bei "
                "Bedarf einen neuen Stapel und ziehen Sie den alten zurück."
            )
        )
    existing = active_jobs(survey).get((batch.id, file_format))
    if existing is not None:
        return existing
    title = (
        _("Einladungsbriefe, Stapel %(batch)d", batch=batch.id)
        if file_format == "pdf"
        else _("Codeliste, Stapel %(batch)d", batch=batch.id)
    )
    return create_job(
        FORMATS[file_format],
        f"{title}: {survey.title}",
        actor_id,
        {
            "batch_id": batch.id,
            "format": file_format,
            "locale": str(_current_locale()),
        },
        survey_id=survey.id,
    )


def _current_locale() -> Any:
    from flask_babel import get_locale

    return get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]


def _make_file(job: Job, progress: Progress) -> JobResult:
    batch = services.open_batch(int(job.params["batch_id"]))
    if batch is None:
        raise JobError(
            _(
                "Die Codes dieses Stapels sind gelöscht oder die Frist ist "
                "abgelaufen; die Datei kann nicht mehr erstellt werden."
            )
        )
    try:
        codes = services.batch_codes(batch, current_app.config["SECRET_KEY"])
    except services.DesignError as error:
        raise JobError(error.message) from None
    rows = [
        letters.InvitationLetter(c.code, c.district_code, c.district_name)
        for c in codes
    ]
    try:  # the letter as it is set up now (checked when the job was asked for)
        settings = letter_templates.letter_settings(batch.survey, current_app.config)
    except services.DesignError as error:
        raise JobError(error.message) from None
    slug = batch.survey.slug
    progress(0, len(rows))
    with force_locale(job.params.get("locale") or "de"):
        if job.params["format"] == "csv":
            content = letters.codes_csv(rows, settings.survey_url)
            name, mimetype = f"codes-{slug}-{batch.id}.csv", "text/csv"
        else:
            content = _letters_pdf(rows, settings, progress)
            name = f"einladungen-{slug}-{batch.id}.pdf"
            mimetype = "application/pdf"
    progress(len(rows), len(rows))
    return JobResult(content, name, mimetype, keep_until=batch.expires_at)


def _letters_pdf(
    rows: list[letters.InvitationLetter],
    settings: letters.LetterSettings,
    progress: Progress,
) -> bytes:
    """The letters, reporting progress every 50 letters."""
    return letters.letters_pdf(rows, settings, progress=progress)


def note_download(actor_id: int | None, job: Job) -> None:
    """Audit a download of a letter or list file and note it on the batch."""
    batch = db.session.get(InvitationBatch, int(job.params["batch_id"]))
    if batch is None:
        return
    column = (
        "csv_downloaded_at" if job.params["format"] == "csv" else "pdf_downloaded_at"
    )
    if getattr(batch, column) is None:
        setattr(batch, column, utc_now())
    record(
        actor_id,
        "download_codes",
        f"survey:{batch.survey_id}",
        batch=batch.id,
        format=job.params["format"],
        job=job.id,
    )
    db.session.commit()


def confirm_receipt(actor_id: int | None, job: Job) -> None:
    """ "Briefe erhalten – Codes jetzt unwiderruflich löschen": erase the batch's
    seed and every letter or list file made from it, in one transaction."""
    batch_id = int(job.params["batch_id"])
    jobs = batch_jobs(int(job.survey_id or 0), batch_id)
    if any(j.status in (JobStatus.QUEUED, JobStatus.RUNNING) for j in jobs):
        raise JobError(
            _(
                "Für diesen Stapel wird gerade noch eine Datei erstellt. Bitte "
                "warten Sie, bis sie fertig ist, und bestätigen Sie dann."
            )
        )
    batch = db.session.get(InvitationBatch, batch_id)
    if batch is not None:
        batch.seed = None
    for each in jobs:
        expire(each)
    record(
        actor_id,
        "erase_codes",
        f"survey:{job.survey_id}",
        batch=batch_id,
    )
    db.session.commit()


KINDS = {
    LETTERS: JobKind(
        _make_file,
        confirm_receipt=confirm_receipt,
        receipt_label=_l("Briefe erhalten – Codes jetzt unwiderruflich löschen"),
        on_download=note_download,
    ),
    CODE_LIST: JobKind(
        _make_file,
        confirm_receipt=confirm_receipt,
        receipt_label=_l("Liste erhalten – Codes jetzt unwiderruflich löschen"),
        on_download=note_download,
    ),
}
