"""A layer's population table upload as a job: the request stores the file, a
worker reads it (CSV or XLSX, within the table limits) and keeps it for the
column mapping; a refused file fails the job with what is wrong and where."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ..auftraege.runner import JobKind, JobResult, Progress
from ..auftraege.uploads import json_result, read_uploaded, remove_upload
from ..models import DistrictLayer, Job
from . import geodata
from .layer_jobs import layer_of, layer_page, queue_layer_file, refused
from .population_import import stage_population_upload

POPULATION_UPLOAD = "population_upload"


def queue_population_upload(
    actor_id: int, layer: DistrictLayer, filename: str, content: bytes
) -> Job:
    title = _(
        "Bevölkerungstabelle für %(layer)s lesen: %(name)s",
        layer=layer.name,
        name=filename[:100],
    )
    return queue_layer_file(
        POPULATION_UPLOAD, title, actor_id, layer, filename, content
    )


def _read(job: Job, progress: Progress) -> JobResult:
    layer_id = layer_of(job)

    def work(content: bytes) -> JobResult:
        progress(0, 1)
        try:
            upload = stage_population_upload(
                int(job.owner_id or 0),
                layer_id,
                str(job.params["filename"]),
                content,
            )
        except geodata.GeodataError as error:
            raise refused(
                error, _("Die Bevölkerungstabelle wurde nicht übernommen.")
            ) from None
        progress(1, 1)
        return json_result({"upload_id": upload.id})

    return read_uploaded(job, work)


KINDS = {
    POPULATION_UPLOAD: JobKind(
        _read,
        result_page=lambda job: url_for(
            "verwaltung.map_population", layer_id=job.params["layer_id"]
        ),
        restart_page=lambda job: layer_page(job, "#bevoelkerung"),
        finished=remove_upload,
    )
}
