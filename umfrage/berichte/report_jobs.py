"""Reports and exports as jobs: the same files as the download links, made by a
queue worker, for surveys whose files take longer than a request should."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from ..auftraege.runner import JobError, JobKind, JobResult, Progress
from ..auftraege.services import create_job
from ..extensions import db
from ..models import Job, Survey
from . import outputs

# output name (form value) → (job kind, title)
OUTPUTS = ("bericht", "profile", "export", "ergebnistabelle")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "befragung"


def queue_output(actor_id: int, survey: Survey, output: str, file_format: str) -> Job:
    """Queue the job for one output; ValueError for an unknown output or format."""
    if output not in OUTPUTS:
        raise ValueError(output)
    if output == "export" and file_format not in outputs.EXPORT_FORMATS:
        raise ValueError(file_format)
    if output == "ergebnistabelle" and file_format not in outputs.FINDINGS_FORMATS:
        raise ValueError(file_format)
    titles = {
        "bericht": _("Stadtbericht (PDF)"),
        "profile": _("Alle Sozialraum-Profile in einer Datei (PDF)"),
        "export": _("Antworten (%(format)s)", format=file_format),
        "ergebnistabelle": _("Ergebnistabelle (%(format)s)", format=file_format),
    }
    return create_job(
        "report_output",
        f"{titles[output]}: {survey.title}",
        actor_id,
        {"output": output, "format": file_format},
        survey_id=survey.id,
    )


def _make(job: Job, progress: Progress) -> JobResult:
    survey = db.session.get(Survey, job.survey_id)
    if survey is None:
        raise JobError(_("Die Befragung gibt es nicht mehr."))
    output, kind = job.params["output"], job.params["format"]
    slug = _slug(survey.slug)
    progress(0, 1)
    if output == "bericht":
        content = outputs.city_report_pdf(survey)
        name, media = f"{slug}-bericht.pdf", "application/pdf"
    elif output == "profile":
        content = outputs.district_profiles_pdf(survey)
        name, media = f"{slug}-profile.pdf", "application/pdf"
    elif output == "export":
        content = outputs.export_file(survey, kind, job.owner_id)
        media, extension = outputs.MEDIA_TYPES[kind]
        suffix = {"csv-excel": "-excel", "codebook": "-codebuch"}.get(kind, "")
        name = (
            f"{slug}-antworten{suffix}.{extension}"
            if kind != "codebook"
            else f"{slug}-codebuch.{extension}"
        )
    else:
        content = outputs.findings_file(survey, kind)
        media, extension = outputs.MEDIA_TYPES[kind]
        suffix = "-excel" if kind == "csv-excel" else ""
        name = f"{slug}-ergebnisse{suffix}.{extension}"
    progress(1, 1)
    return JobResult(content, name, media.split(";")[0])


KINDS = {"report_output": JobKind(_make)}
