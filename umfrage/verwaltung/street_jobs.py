"""A layer's street directory upload as a job: the request stores the file, a
worker reads it and replaces the layer's directory (one transaction); a refused
file fails the job with what is wrong and where, and changes nothing."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ..auftraege.runner import JobError, JobKind, JobResult, Progress
from ..auftraege.uploads import (
    json_result,
    queue_upload,
    read_uploaded,
    remove_upload,
    result_data,
)
from ..extensions import db
from ..models import DistrictLayer, Job
from . import geodata, services
from .layer_jobs import refused

STREET_UPLOAD = "street_upload"


def queue_street_upload(
    actor_id: int, layer: DistrictLayer, filename: str, content: bytes
) -> Job:
    return queue_upload(
        STREET_UPLOAD,
        _(
            "Straßenverzeichnis für %(layer)s lesen: %(name)s",
            layer=layer.name,
            name=filename[:100],
        ),
        actor_id,
        filename,
        content,
        {"layer_id": layer.id},
    )


def _read(job: Job, progress: Progress) -> JobResult:
    layer_id = int(job.params["layer_id"])

    def work(content: bytes) -> JobResult:
        if db.session.get(DistrictLayer, layer_id) is None:
            raise JobError(_("Die Gebietsgliederung gibt es nicht mehr."))
        progress(0, 1)
        try:
            result = services.import_streets(
                int(job.owner_id or 0), layer_id, str(job.params["filename"]), content
            )
        except geodata.GeodataError as error:
            raise refused(
                error, _("Das Straßenverzeichnis wurde nicht übernommen.")
            ) from None
        progress(1, 1)
        return json_result({"rows": result.rows, "duplicates": result.duplicates})

    return read_uploaded(job, work)


def _layer_page(job: Job, anchor: str = "") -> str:
    return url_for("verwaltung.show_layer", layer_id=job.params["layer_id"]) + anchor


def _notice(job: Job) -> str | None:
    data = result_data(job)
    if "rows" not in data:
        return None
    return _(
        "Straßenverzeichnis mit %(rows)d Einträgen übernommen "
        "(%(duplicates)d doppelte Zeilen zusammengefasst).",
        rows=int(data["rows"]),
        duplicates=int(data["duplicates"]),
    )


KINDS = {
    STREET_UPLOAD: JobKind(
        _read,
        result_page=_layer_page,
        result_notice=_notice,
        restart_page=lambda job: _layer_page(job, "#strassen"),
        finished=remove_upload,
    )
}
