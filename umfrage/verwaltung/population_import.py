"""Admin: importing a layer's population table in three steps: upload (the file is
read and kept in ``PopulationUpload``), map (which column is the area key, which
columns are which level) with a report, confirm (one transaction)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from ..audit import record
from ..extensions import db
from ..models import DistrictLayer, PopulationFigure, PopulationUpload, utc_now
from . import population
from .population import RawTable, Report, TableMapping
from .services import UPLOAD_LIFETIME, _codes, layer_or_404


class MappingError(Exception):
    """A column mapping cannot be applied; ``problems`` are (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


def stage_population_upload(
    actor_id: int, layer_id: int, filename: str, data: bytes
) -> PopulationUpload:
    """Read a population table and keep it for the mapping step (replacing the
    admin's previous one). Raises ``geodata.GeodataError``; nothing stored then."""
    layer = layer_or_404(layer_id)
    table = population.read_table_file(data, filename)
    db.session.execute(
        delete(PopulationUpload).where(
            (PopulationUpload.user_id == actor_id)
            | (PopulationUpload.created_at < utc_now() - UPLOAD_LIFETIME)
        )
    )
    upload = PopulationUpload(
        user_id=actor_id,
        layer_id=layer.id,
        filename=table.filename,
        content=table.to_data(),
    )
    db.session.add(upload)
    db.session.commit()
    return upload


def pending_population_upload(user_id: int, layer_id: int) -> PopulationUpload | None:
    return db.session.execute(
        select(PopulationUpload)
        .where(
            PopulationUpload.user_id == user_id,
            PopulationUpload.layer_id == layer_id,
            PopulationUpload.created_at >= utc_now() - UPLOAD_LIFETIME,
        )
        .order_by(PopulationUpload.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def discard_population_upload(user_id: int) -> None:
    db.session.execute(
        delete(PopulationUpload).where(PopulationUpload.user_id == user_id)
    )
    db.session.commit()


@dataclass(frozen=True)
class MappingPage:
    """What the mapping page shows of a pending upload."""

    layer: DistrictLayer
    upload: PopulationUpload
    table: RawTable
    proposal: TableMapping
    codes: list[str]


def mapping_page(upload: PopulationUpload) -> MappingPage:
    layer = layer_or_404(upload.layer_id)
    table = RawTable.from_data(upload.content)
    codes = sorted(_codes(layer))
    return MappingPage(
        layer, upload, table, population.guess_mapping(table, codes), codes
    )


def population_report(upload: PopulationUpload, mapping: TableMapping) -> Report:
    """Apply a mapping without storing anything. Raises :class:`MappingError`."""
    table = RawTable.from_data(upload.content)
    problems = population.mapping_problems(table, mapping)
    if problems:
        raise MappingError(problems)
    layer = layer_or_404(upload.layer_id)
    return population.check_mapping(table, mapping, sorted(_codes(layer)))


def confirm_population_import(
    actor_id: int, upload_id: int, layer_id: int, mapping: TableMapping
) -> Report:
    """Replace the layer's figures of the mapped variables (others stay), in one
    transaction with its audit entry. Raises :class:`MappingError` when the upload
    is gone, the mapping is wrong or a value cannot be taken over."""
    upload = pending_population_upload(actor_id, layer_id)
    if upload is None or upload.id != upload_id:
        raise MappingError(
            [
                (
                    "upload",
                    "Diese Datei wartet nicht mehr auf Bestätigung (ersetzt, "
                    "verworfen oder älter als einen Tag). Bitte neu hochladen.",
                )
            ]
        )
    report = population_report(upload, mapping)
    if not report.figures:
        raise MappingError(
            [
                (
                    "key_column",
                    "Kein Gebiet der Datei passt zur Gebietsgliederung; bitte die "
                    "Spalte mit der Gebietskennung prüfen.",
                )
            ]
        )
    if report.problems:
        raise MappingError([("values", str(p)) for p in report.problems])
    codes = _codes(layer_or_404(layer_id))
    variables = [v for v, _ in report.variables]
    db.session.execute(
        delete(PopulationFigure).where(
            PopulationFigure.district_id.in_(codes.values()),
            PopulationFigure.variable.in_(variables),
        )
    )
    db.session.add_all(
        PopulationFigure(
            district_id=codes[f.code], variable=f.variable, level=f.level, count=f.count
        )
        for f in report.figures
    )
    db.session.delete(upload)
    record(
        actor_id,
        "import_population",
        f"layer:{layer_id}",
        file=upload.filename,
        rows=len(report.figures),
        variables=variables,
        unknown_areas=len(report.unknown),
        districts_without=len(report.without),
    )
    db.session.commit()
    return report
