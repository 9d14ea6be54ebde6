"""The translators' import read as a job: the request stores the file, a worker
reads it and compares it with the newest version, and keeps the comparison, from
which the confirm step applies the changes; the job's page leads to the report. A
file that cannot be read fails the job with the reason, and nothing changes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from fragebogen.translation import Comparison, Finding, Location, TranslationChange

from ..auftraege.runner import JobError, JobKind, JobResult, Progress
from ..auftraege.uploads import (
    json_result,
    queue_upload,
    read_uploaded,
    remove_upload,
    result_data,
)
from ..extensions import db
from ..models import Job, JobStatus
from ..models import Questionnaire as QuestionnaireRow
from ..services import questionnaire_of
from . import services, translations

TRANSLATION_IMPORT = "translation_import"


def queue_translation_import(
    actor_id: int, row: QuestionnaireRow, filename: str, content: bytes
) -> Job:
    return queue_upload(
        TRANSLATION_IMPORT,
        _(
            "Übersetzungen für %(questionnaire)s prüfen: %(name)s",
            questionnaire=row.name[:100],
            name=filename[:100],
        ),
        actor_id,
        filename,
        content,
        {"questionnaire_id": row.id},
    )


def _read(job: Job, progress: Progress) -> JobResult:
    def work(content: bytes) -> JobResult:
        row = db.session.get(QuestionnaireRow, int(job.params["questionnaire_id"]))
        if row is None or not row.versions:
            raise JobError(_("Den Fragebogen gibt es nicht mehr."))
        progress(0, 1)
        try:
            report = translations.read_translations(
                row, str(job.params["filename"]), content
            )
        except services.DesignError as error:
            raise JobError(error.message) from None
        progress(1, 1)
        return json_result(
            {
                "filename": report.filename,
                "number": report.version.number,
                "base": report.version.fingerprint,
                "comparison": asdict(report.comparison),
            }
        )

    return read_uploaded(job, work)


def _finding(data: dict[str, Any]) -> Finding:
    return Finding(
        **{
            **data,
            "location": Location(**data["location"]),
            "missing": tuple(data["missing"]),
            "extra": tuple(data["extra"]),
        }
    )


def _comparison(data: dict[str, Any]) -> Comparison:
    return Comparison(
        kind=str(data["kind"]),
        languages=tuple(data["languages"]),
        changes=tuple(
            TranslationChange(**{**c, "location": Location(**c["location"])})
            for c in data["changes"]
        ),
        unchanged=int(data["unchanged"]),
        stale=tuple(_finding(f) for f in data["stale"]),
        markup=tuple(_finding(f) for f in data["markup"]),
        unknown=tuple(_finding(f) for f in data["unknown"]),
        missing=tuple(_finding(f) for f in data["missing"]),
    )


def report_of(
    job: Job, row: QuestionnaireRow
) -> tuple[translations.TranslationImport, str] | None:
    """(the report, the fingerprint it was made for) of a finished reading of a
    file for ``row`` (None: another job, not done, or its result is gone)."""
    if (
        job.kind != TRANSLATION_IMPORT
        or job.status != JobStatus.DONE
        or int(job.params.get("questionnaire_id", 0)) != row.id
    ):
        return None
    data = result_data(job)
    if "comparison" not in data:
        return None
    version = services.version_or_404(row, int(data["number"]))
    report = translations.TranslationImport(
        filename=str(data["filename"]),
        version=version,
        questionnaire=questionnaire_of(version),
        comparison=_comparison(data["comparison"]),
    )
    return report, str(data["base"])


KINDS = {
    TRANSLATION_IMPORT: JobKind(
        _read,
        result_page=lambda job: url_for(
            "gestaltung.translation_report",
            questionnaire_id=job.params["questionnaire_id"],
            job_id=job.id,
        ),
        restart_page=lambda job: url_for(
            "gestaltung.import_translations",
            questionnaire_id=job.params["questionnaire_id"],
        ),
        finished=remove_upload,
    )
}
