"""Districts ready to store, and the outline shown in previews."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from .geometry import feature_label
from .layer import Feature, _plain_text
from .limits import MAX_CODE_LENGTH, MAX_NAME_LENGTH
from .problems import _Problems


@dataclass(frozen=True)
class DistrictData:
    """A district ready to store: code (text, leading zeros kept), names, geometry."""

    code: str
    name: str
    parent_name: str | None
    geometry: dict[str, Any]


def build_districts(
    features: Sequence[Feature],
    id_property: str,
    name_property: str,
    parent_property: str | None = None,
) -> list[DistrictData]:
    """Districts from the chosen properties; refuses missing, too long or duplicate
    ids, and missing names, naming each feature."""
    problems = _Problems("bad_properties")
    seen: dict[str, int] = {}
    result = []
    for index, feature in enumerate(features, start=1):
        props = feature.properties
        place = feature_label(index, props)
        code = _plain_text(props.get(id_property))
        name = _plain_text(props.get(name_property))
        parent = _plain_text(props.get(parent_property)) if parent_property else None
        if code is None:
            problems.add(place, f"Die Kennung fehlt (Eigenschaft {id_property!r}).")
        elif len(code) > MAX_CODE_LENGTH:
            problems.add(
                place,
                f"Die Kennung {code[:50]!r} ist länger als {MAX_CODE_LENGTH} Zeichen.",
            )
        elif code in seen:
            problems.add(
                place,
                f"Die Kennung {code!r} gibt es schon bei Objekt {seen[code]}; "
                "Kennungen müssen eindeutig sein.",
            )
        if name is None:
            problems.add(place, f"Der Name fehlt (Eigenschaft {name_property!r}).")
        elif len(name) > MAX_NAME_LENGTH:
            problems.add(place, f"Der Name ist länger als {MAX_NAME_LENGTH} Zeichen.")
        if parent is not None and len(parent) > MAX_NAME_LENGTH:
            problems.add(
                place,
                f"Der übergeordnete Name ist länger als {MAX_NAME_LENGTH} Zeichen.",
            )
        if code is not None and code not in seen:
            seen[code] = index
        if code is not None and name is not None:
            result.append(DistrictData(code, name, parent, feature.geometry))
    problems.raise_if_any()
    return result


# -- outline for previews ----------------------------------------------------------


@dataclass(frozen=True)
class Outline:
    """Districts as SVG paths (north up, roughly true to scale) for previews:
    (label, path data) per district."""

    view_box: str
    paths: tuple[tuple[str, str], ...]


def outline(
    geometries: Sequence[Mapping[str, Any] | None],
    labels: Sequence[str] | None = None,
    width: float = 600,
) -> Outline:
    """Simplified SVG paths of WGS84 polygons; longitude scaled by cos(latitude).
    Districts without geometry are left out."""
    named = [
        (labels[i] if labels else "", shape(g))
        for i, g in enumerate(geometries)
        if g is not None
    ]
    if not named:
        return Outline("0 0 1 1", ())
    minx, miny, maxx, maxy = shapely.total_bounds([g for _, g in named])
    scale_x = math.cos(math.radians((miny + maxy) / 2))
    span = max((maxx - minx) * scale_x, maxy - miny) or 1.0
    factor = width / span

    def place(coords: np.ndarray) -> np.ndarray:
        x = (coords[:, 0] - minx) * scale_x * factor
        y = (maxy - coords[:, 1]) * factor
        return np.column_stack([x, y])

    paths = []
    for label, geometry in named:
        drawn = shapely.transform(geometry, place).simplify(0.5)
        d = []
        for polygon in getattr(drawn, "geoms", [drawn]):
            for ring in [polygon.exterior, *polygon.interiors]:
                points = shapely.get_coordinates(ring)[:-1]
                d.append("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in points) + "Z")
        paths.append((label, " ".join(d)))
    height = (maxy - miny) * factor
    return Outline(f"-2 -2 {width + 4:.0f} {height + 4:.0f}", tuple(paths))
