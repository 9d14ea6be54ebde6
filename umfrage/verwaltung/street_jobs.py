"""A layer's street directory upload as a job: the request stores the file, a
worker reads it and replaces the layer's directory (one transaction); a refused
file fails the job with what is wrong and where, and changes nothing."""

from __future__ import annotations

from flask_babel import gettext as _

from ..auftraege.runner import JobKind, JobResult, Progress
from ..auftraege.uploads import json_result, read_uploaded, remove_upload, result_data
from ..models import DistrictLayer, Job
from . import geodata, services
from .layer_jobs import layer_of, layer_page, queue_layer_file, refused

STREET_UPLOAD = "street_upload"


def queue_street_upload(
    actor_id: int, layer: DistrictLayer, filename: str, content: bytes
) -> Job:
    title = _(
        "Straßenverzeichnis für %(layer)s lesen: %(name)s",
        layer=layer.name,
        name=filename[:100],
    )
    return queue_layer_file(STREET_UPLOAD, title, actor_id, layer, filename, content)


def _read(job: Job, progress: Progress) -> JobResult:
    layer_id = layer_of(job)

    def work(content: bytes) -> JobResult:
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
        result_page=layer_page,
        result_notice=_notice,
        restart_page=lambda job: layer_page(job, "#strassen"),
        finished=remove_upload,
    )
}
