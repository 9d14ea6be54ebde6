"""The admin's district-layer upload as a job: the request stores the file, a
worker reads and checks it (limits, validity, overlaps) and keeps it for the
preview; a refused file fails the job with what is wrong and where, and changes
nothing."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _

from ..auftraege.runner import JobError, JobKind, JobResult, Progress
from ..auftraege.uploads import json_result, queue_upload, read_uploaded, remove_upload
from ..extensions import db
from ..models import DistrictLayer, Job
from . import geodata, services

LAYER_UPLOAD = "layer_upload"


def layer_limits() -> geodata.LayerLimits:
    config = current_app.config
    return geodata.LayerLimits(
        unzipped_bytes=int(config["LAYER_MAX_UNZIPPED_BYTES"]),
        geojson_bytes=int(config["LAYER_MAX_GEOJSON_BYTES"]),
        features=int(config["LAYER_MAX_FEATURES"]),
        vertices=int(config["LAYER_MAX_VERTICES"]),
        feature_vertices=int(config["LAYER_MAX_FEATURE_VERTICES"]),
    )


def queue_layer_upload(
    actor_id: int, filename: str, content: bytes, stated_crs: str | None
) -> Job:
    return queue_upload(
        LAYER_UPLOAD,
        _("Gebietsgliederung prüfen: %(name)s", name=filename[:100]),
        actor_id,
        filename,
        content,
        {"crs": stated_crs},
    )


def queue_layer_file(
    kind: str,
    title: str,
    actor_id: int,
    layer: DistrictLayer,
    filename: str,
    content: bytes,
) -> Job:
    """Queue the job of ``kind`` that reads a file for an existing layer
    (population table, street directory)."""
    return queue_upload(
        kind, title, actor_id, filename, content, {"layer_id": layer.id}
    )


def layer_of(job: Job) -> int:
    """The id of the layer a file job is for; a failed job if it is gone."""
    layer_id = int(job.params["layer_id"])
    if db.session.get(DistrictLayer, layer_id) is None:
        raise JobError(_("Die Gebietsgliederung gibt es nicht mehr."))
    return layer_id


def layer_page(job: Job, anchor: str = "") -> str:
    """The page of the job's layer (at ``anchor``)."""
    return url_for("verwaltung.show_layer", layer_id=job.params["layer_id"]) + anchor


def refused(error: geodata.GeodataError, message: str | None = None) -> JobError:
    """The job's answer to a refused file: each problem with its place."""
    return JobError(
        message or _("Die Datei wurde nicht übernommen."),
        [str(p) for p in error.problems],
    )


def _check(job: Job, progress: Progress) -> JobResult:
    def work(content: bytes) -> JobResult:
        progress(0, 1)
        try:
            upload = services.stage_layer_upload(
                int(job.owner_id or 0),
                str(job.params["filename"]),
                content,
                job.params.get("crs") or None,
                bounds=current_app.config["DISTRICT_BOUNDS"],
                limits=layer_limits(),
            )
        except geodata.GeodataError as error:
            raise refused(error) from None
        progress(1, 1)
        return json_result({"upload_id": upload.id})

    return read_uploaded(job, work)


KINDS = {
    LAYER_UPLOAD: JobKind(
        _check,
        result_page=lambda job: url_for("verwaltung.preview_layer"),
        restart_page=lambda job: url_for("verwaltung.upload_layer"),
        finished=remove_upload,
    )
}
