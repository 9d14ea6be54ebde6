"""Real district layers for respondent tests, stored as the admin upload stores them.

Hamburg (104 Stadtteile with Bezirke), Köln (9 Stadtbezirke, no parent) and Berlin
(58 LOR Prognoseräume, with or without Bezirk) from ``tests/umfrage/data`` (see its
README), and a synthetic layer of 520 squares with names in many scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from umfrage.extensions import db
from umfrage.models import District, DistrictLayer, Survey
from umfrage.verwaltung.geodata import build_districts, read_layer_file

DATA = Path(__file__).parent / "data"

# Names no template may break on: scripts, markup, quotes, combining marks, emoji.
UNICODE_NAMES = (
    "Ölberg‐Süd",
    "حي النور",
    "Çarşı",
    "<script>alert(1)</script>",
    'Am "Bach" & Co.',
    "Łódź-Bałuty",
    "Ελληνικό",
    "東区",
    "Cafe\u0301 Viertel",
    "Familie 👨‍👩‍👧",
)


@dataclass(frozen=True)
class LayerCase:
    key: str
    count: int
    with_parents: bool
    code: str  # a district to choose
    name: str  # its name


CASES = (
    LayerCase("hamburg", 104, True, "0108", "Hamm"),
    LayerCase("koeln", 9, False, "5", "Nippes"),
    LayerCase("berlin", 58, False, "0930", "Treptow-Köpenick 3"),
    LayerCase("berlin-bezirke", 58, True, "0930", "Treptow-Köpenick 3"),
    LayerCase("unicode", 520, False, "u0003", "<script>alert(1)</script>"),
)


def _districts(key: str) -> list[tuple[str, str, str | None, dict]]:
    if key == "koeln":
        return _read("koeln-stadtbezirke.geojson", "STB_NR", "STB_NAME", None)
    if key == "berlin":
        return _read("berlin-lor-prognoseraeume.geojson", "id", "name", None)
    if key == "berlin-bezirke":
        return _read("berlin-lor-prognoseraeume.geojson", "id", "name", "bezirk")
    if key == "unicode":
        return _squares(520)
    raise ValueError(key)


def _read(
    filename: str, id_property: str, name_property: str, parent: str | None
) -> list[tuple[str, str, str | None, dict]]:
    layer_file = read_layer_file((DATA / filename).read_bytes(), filename)
    return [
        (d.code, d.name, d.parent_name, d.geometry)
        for d in build_districts(
            layer_file.features, id_property, name_property, parent
        )
    ]


def _squares(count: int) -> list[tuple[str, str, str | None, dict]]:
    """A 26-column grid of small squares near Konstanz, with Unicode names."""
    result = []
    for index in range(count):
        row, column = divmod(index, 26)
        x, y = 9.1 + column * 0.004, 47.7 - row * 0.003
        ring = [[x, y], [x + 0.004, y], [x + 0.004, y - 0.003], [x, y - 0.003], [x, y]]
        base = UNICODE_NAMES[index % len(UNICODE_NAMES)]
        name = base if index < len(UNICODE_NAMES) else f"{base} {index}"
        result.append(
            (f"u{index:04d}", name, None, {"type": "Polygon", "coordinates": [ring]})
        )
    return result


def add_layer(app: Flask, key: str, name: str | None = None) -> int:
    """Store a layer (Hamburg is the demo's own layer) and return its id."""
    with app.app_context():
        if key == "hamburg":
            layer_id = db.session.execute(
                sa.select(DistrictLayer.id).where(DistrictLayer.name.like("Hamburg%"))
            ).scalar_one()
            db.session.remove()
            return int(layer_id)
        layer = DistrictLayer(name=name or f"Gebiete {key}", attribution="Test")
        for code, district_name, parent, geometry in _districts(key):
            layer.districts.append(
                District(
                    code=code,
                    name=district_name,
                    parent_name=parent,
                    geometry=geometry,
                )
            )
        db.session.add(layer)
        db.session.commit()
        layer_id = layer.id
        db.session.remove()
        return int(layer_id)


def use_layer(app: Flask, slug: str, layer_id: int) -> None:
    with app.app_context():
        survey = db.session.execute(
            sa.select(Survey).where(Survey.slug == slug)
        ).scalar_one()
        survey.district_layer_id = layer_id
        db.session.commit()
        db.session.remove()
