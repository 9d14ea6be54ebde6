"""The designer's questionnaire import as a job.

The request stores the file and queues the job; a worker reads it (YAML, XLSForm
or LimeSurvey export, within the import limits). A YAML file, or an XLSForm
without notices, becomes a draft at once and the job's page leads to the editor;
otherwise the job keeps a report (notices with sheet, row and column, and the
signed file for the confirm form) and its page leads to the report, whose
"Erneut prüfen" and "Übernehmen" queue the next reading of the same file. A file
that cannot be taken over fails the job with every problem and its place, and
nothing is stored.

Replacing a draft from a file is the same job with ``replace`` (the questionnaire
and the fingerprint the designer saw): all or nothing, then the editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from fragebogen.errors import DefinitionError, Problem

from ..auftraege.runner import JobError, JobKind, JobResult, Progress
from ..auftraege.uploads import (
    json_result,
    queue_upload,
    read_uploaded,
    remove_upload,
    result_data,
)
from ..extensions import db
from ..models import Job
from ..models import Questionnaire as QuestionnaireRow
from . import imports, services

IMPORT = "questionnaire_import"

# what the job does with a readable XLSForm: take it over when it has no notices
# (the upload), always ("Übernehmen"), or never ("Erneut prüfen")
TAKE_OVER = ("if_clean", "always", "never")


@dataclass(frozen=True)
class ImportSummary:
    """What the report page shows of a read XLSForm or LimeSurvey export."""

    job_id: int
    filename: str
    payload: str
    unknown: list[str]
    notices: tuple[Problem, ...]
    page_count: int
    question_count: int
    languages: str


def queue_import(
    actor_id: int,
    filename: str,
    content: bytes,
    languages: dict[str, str] | None = None,
    default_language: str | None = None,
    unknown: list[str] | None = None,
    take_over: str = "if_clean",
) -> Job:
    if take_over not in TAKE_OVER:
        raise ValueError(take_over)
    return queue_upload(
        IMPORT,
        _("Fragebogen importieren: %(name)s", name=filename[:100]),
        actor_id,
        filename,
        content,
        {
            "languages": languages or {},
            "default_language": default_language,
            "unknown": unknown,
            "take_over": take_over,
        },
    )


def queue_replace(
    actor_id: int, row: QuestionnaireRow, base: str, filename: str, content: bytes
) -> Job:
    """Queue the reading of a file that replaces the draft of ``row`` (as it was
    at ``base``)."""
    return queue_upload(
        IMPORT,
        _(
            "Entwurf von %(questionnaire)s ersetzen: %(name)s",
            questionnaire=row.name[:100],
            name=filename[:100],
        ),
        actor_id,
        filename,
        content,
        {"replace": {"questionnaire_id": row.id, "base": base}},
    )


def _replace(job: Job, replace: dict[str, Any], content: bytes) -> JobResult:
    row = db.session.get(QuestionnaireRow, int(replace["questionnaire_id"]))
    if row is None or not row.versions:
        raise JobError(_("Den Fragebogen gibt es nicht mehr."))
    result = services.replace_draft_from_file(
        job.owner_id, row, str(replace["base"]), str(job.params["filename"]), content
    )
    return json_result(
        {
            "questionnaire_id": row.id,
            "replaced": True,
            "new_version": result.version.number if result.new_version else None,
        }
    )


def _refused(error: DefinitionError) -> JobError:
    return JobError(
        _("Die Datei wurde nicht übernommen: %(n)d Fehler.", n=len(error.problems)),
        [str(problem) for problem in error.problems],
    )


def _read(job: Job, progress: Progress) -> JobResult:
    params = job.params
    filename = str(params["filename"])

    def work(content: bytes) -> JobResult:
        progress(0, 1)
        try:
            if params.get("replace"):
                return _replace(job, params["replace"], content)
            if not filename.lower().endswith(imports.XLSFORM_SUFFIXES):
                row = services.import_questionnaire(job.owner_id, filename, content)
                return json_result({"questionnaire_id": row.id})
            report = imports.read_upload(
                filename,
                content,
                params.get("languages") or {},
                params.get("default_language") or None,
                params.get("unknown"),
            )
            take_over = params.get("take_over", "if_clean")
            if take_over == "always" or (
                take_over == "if_clean" and not report.result.notices
            ):
                row = imports.create_questionnaire(job.owner_id, report)
                return json_result({"questionnaire_id": row.id})
        except DefinitionError as error:
            raise _refused(error) from None
        except services.DesignError as error:
            raise JobError(error.message) from None
        progress(1, 1)
        return json_result({"report": _report_data(report, params.get("unknown"))})

    return read_uploaded(job, work)


def _report_data(report: imports.ImportReport, unknown: Any) -> dict[str, Any]:
    result = report.result
    questionnaire = result.questionnaire
    return {
        "filename": report.filename,
        "payload": report.payload,
        "unknown": list(result.unknown_languages if unknown is None else unknown),
        "notices": [
            {
                "code": n.code,
                "place": n.place,
                "message": n.message,
                "params": dict(n.params),
            }
            for n in result.notices
        ],
        "page_count": len(questionnaire.pages),
        "question_count": sum(1 for _q in questionnaire.questions()),
        "languages": ", ".join(questionnaire.languages),
    }


def summary_of(job: Job) -> ImportSummary | None:
    """The report a finished import job keeps (None: none, or gone)."""
    if job.kind != IMPORT:
        return None
    data = result_data(job).get("report")
    if not isinstance(data, dict):
        return None
    return ImportSummary(
        job_id=job.id,
        filename=str(data["filename"]),
        payload=str(data["payload"]),
        unknown=[str(u) for u in data["unknown"]],
        notices=tuple(
            Problem(n["code"], n["place"], n["message"], n.get("params") or {})
            for n in data["notices"]
        ),
        page_count=int(data["page_count"]),
        question_count=int(data["question_count"]),
        languages=str(data["languages"]),
    )


def _result_page(job: Job) -> str:
    questionnaire_id = result_data(job).get("questionnaire_id")
    if questionnaire_id is not None:
        return url_for(
            "gestaltung.edit_questionnaire", questionnaire_id=int(questionnaire_id)
        )
    return url_for("gestaltung.import_report", job_id=job.id)


def _result_notice(job: Job) -> str | None:
    data = result_data(job)
    if data.get("questionnaire_id") is None:
        return None
    if not data.get("replaced"):
        return _("Der Fragebogen wurde importiert (Version 1, Entwurf).")
    notice = _("Der Entwurf wurde durch die Datei ersetzt.")
    if data.get("new_version"):
        notice += " " + _(
            "Die veröffentlichte Version bleibt unverändert; Ihre Änderung steht "
            "in der neuen Version %(number)d (Entwurf).",
            number=int(data["new_version"]),
        )
    return notice


def _restart_page(job: Job) -> str:
    replace = job.params.get("replace")
    if replace:
        return (
            url_for(
                "gestaltung.edit_questionnaire",
                questionnaire_id=int(replace["questionnaire_id"]),
            )
            + "#datei-titel"
        )
    return url_for("gestaltung.import_questionnaire")


KINDS = {
    IMPORT: JobKind(
        _read,
        result_page=_result_page,
        result_notice=_result_notice,
        restart_page=_restart_page,
        finished=remove_upload,
    )
}
