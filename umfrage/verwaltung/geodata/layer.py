"""A checked layer file, its features and what the preview says about their
properties."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from pyproj import CRS

from .problems import GeodataError

# -- layer files ------------------------------------------------------------------


@dataclass(frozen=True)
class Feature:
    """A district polygon as read: its properties and GeoJSON geometry (WGS84)."""

    properties: dict[str, Any]
    geometry: dict[str, Any]


@dataclass(frozen=True)
class PropertySummary:
    """What the preview shows about one property of the features."""

    name: str
    present: int  # features with a non-empty plain value
    distinct: int
    unique: bool  # present in every feature and never repeated
    examples: tuple[str, ...]


@dataclass(frozen=True)
class LayerFile:
    """A checked layer file, reprojected to WGS84, before ids and names are chosen."""

    filename: str
    source_format: str  # "GeoJSON" or "Shapefile"
    crs: str  # "EPSG:25832", or the WKT of a system without EPSG code
    crs_name: str
    crs_origin: str  # how the system was determined (German)
    features: tuple[Feature, ...]
    notes: tuple[str, ...] = ()

    def property_summaries(self) -> list[PropertySummary]:
        return summarise_properties(f.properties for f in self.features)

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form (for storing the upload between preview and confirm)."""
        return {
            "filename": self.filename,
            "source_format": self.source_format,
            "crs": self.crs,
            "crs_name": self.crs_name,
            "crs_origin": self.crs_origin,
            "notes": list(self.notes),
            "features": [
                {"properties": f.properties, "geometry": f.geometry}
                for f in self.features
            ],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LayerFile:
        return cls(
            filename=str(data["filename"]),
            source_format=str(data["source_format"]),
            crs=str(data["crs"]),
            crs_name=str(data["crs_name"]),
            crs_origin=str(data["crs_origin"]),
            notes=tuple(str(n) for n in data.get("notes", ())),
            features=tuple(
                Feature(dict(f["properties"]), dict(f["geometry"]))
                for f in data["features"]
            ),
        )


@dataclass
class _RawLayer:
    """What a reader found before reprojection (coordinates in the source CRS)."""

    source_format: str
    records: list[tuple[dict[str, Any], Any]]  # (properties, geometry or None)
    declared_crs: CRS | None = None
    declared_text: str | None = None  # the declaration as written, for messages
    declared_origin: str = ""
    declared_problem: GeodataError | None = None  # an unreadable declaration
    notes: list[str] = field(default_factory=list)


# Properties ------------------------------------------------------------------------


def _plain_properties(props: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe properties (dates as ISO text, decimals as numbers)."""
    result: dict[str, Any] = {}
    for key, value in props.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, float) and not math.isfinite(value):
            value = None
        elif isinstance(value, bytes):
            value = value.decode("latin-1")
        result[str(key)] = value
    return result


def _plain_text(value: Any) -> str | None:
    """A property value as id/name text; None when empty or not a plain value."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text or None


def _looks_like_id(key: str) -> bool:
    return bool(
        re.search(r"(^|_)(id|nr|no|code|schl|key|nummer|kennung)($|_)", key.lower())
    )


def _looks_like_name(key: str) -> bool:
    return bool(re.search(r"name|bez", key.lower()))


def summarise_properties(
    properties: Iterable[Mapping[str, Any]],
) -> list[PropertySummary]:
    rows = list(properties)
    keys: dict[str, None] = {}
    for props in rows:
        keys.update(dict.fromkeys(props))
    summaries = []
    for key in keys:
        values = [_plain_text(props.get(key)) for props in rows]
        present = [v for v in values if v is not None]
        distinct = list(dict.fromkeys(present))
        summaries.append(
            PropertySummary(
                name=key,
                present=len(present),
                distinct=len(distinct),
                unique=len(present) == len(rows) and len(distinct) == len(rows),
                examples=tuple(v[:40] for v in distinct[:3]),
            )
        )
    return summaries


@dataclass(frozen=True)
class PropertyGuess:
    id_property: str | None
    name_property: str | None
    parent_property: str | None


def guess_properties(summaries: Sequence[PropertySummary]) -> PropertyGuess:
    """Preselected choices for the preview: an id-like unique property, a name-like
    complete property and, if there is one, a coarser name (the Bezirk)."""
    unique = [s for s in summaries if s.unique]
    ids = [s for s in unique if _looks_like_id(s.name) and not _looks_like_name(s.name)]
    id_choice = (ids or unique or [None])[0]
    total = max((s.present for s in summaries), default=0)
    names = [
        s
        for s in summaries
        if _looks_like_name(s.name) and s.present == total and s is not id_choice
    ]
    names.sort(key=lambda s: -s.distinct)
    name_choice = names[0] if names else None
    parents = [
        s
        for s in summaries
        if s is not name_choice
        and s is not id_choice
        and re.search(r"bezirk|parent|district_name|ober", s.name.lower())
        and 1 < s.distinct < total
    ]
    return PropertyGuess(
        id_property=id_choice.name if id_choice else None,
        name_property=(name_choice or id_choice).name
        if (name_choice or id_choice)
        else None,
        parent_property=parents[0].name if parents else None,
    )


def default_layer_name(filename: str) -> str:
    """A layer name proposed from the file name (``Stadtteile_2024.zip`` →
    ``Stadtteile 2024``)."""
    stem = PurePosixPath(filename.replace("\\", "/")).name.rsplit(".", 1)[0]
    return " ".join(stem.replace("_", " ").split())[:200]
