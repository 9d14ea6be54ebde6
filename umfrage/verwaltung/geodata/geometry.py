"""Polygon geometry: validity, overlaps between districts (STRtree), GeoJSON output."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.errors import GEOSException, ShapelyError
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from .layer import _looks_like_id, _looks_like_name, _plain_text, _RawLayer
from .limits import _METRIC_CRS, WGS84
from .problems import _Problems

# Geometry ----------------------------------------------------------------------------


_VALIDITY_REASONS = {
    "Self-intersection": "Die Umrandung schneidet sich selbst",
    "Ring Self-intersection": "Ein Ring berührt oder schneidet sich selbst",
    "Too few points": "Ein Ring hat zu wenige Punkte",
    "Hole lies outside shell": "Ein Loch liegt außerhalb der Fläche",
    "Nested shells": "Teilflächen liegen ineinander",
    "Interior is disconnected": "Löcher zerteilen die Fläche",
    "Duplicate Rings": "Ein Ring kommt doppelt vor",
    "Nested holes": "Löcher liegen ineinander",
    "Invalid Coordinate": "Eine Koordinate ist ungültig",
}


def feature_label(index: int, properties: Mapping[str, Any]) -> str:
    """``Objekt 3 (STT_NR 010, STT_NAME Altstadt)``: position plus up to two
    identifying property values, so that a message can be found in the GIS."""
    picked = []
    keys = sorted(
        (k for k, v in properties.items() if _plain_text(v)),
        key=lambda k: 0 if _looks_like_id(k) else 1 if _looks_like_name(k) else 2,
    )
    for key in keys[:2]:
        value = _plain_text(properties[key]) or ""
        picked.append(f"{key} {value[:40]}")
    return f"Objekt {index}" + (f" ({', '.join(picked)})" if picked else "")


def _source_geometries(raw: _RawLayer) -> list[BaseGeometry]:
    """Shapely polygons in the source CRS; refuses anything else, and invalid ones."""
    problems = _Problems("invalid_geometry")
    result: list[BaseGeometry] = []
    for index, (props, geometry) in enumerate(raw.records, start=1):
        place = feature_label(index, props)
        polygon = _polygon(geometry, place, problems)
        if polygon is None:
            result.append(Polygon())
            continue
        if not polygon.is_valid:
            problems.add(place, _explain(polygon))
        result.append(polygon)
    problems.raise_if_any()
    return result


def _polygon(geometry: Any, place: str, problems: _Problems) -> BaseGeometry | None:
    if not geometry:
        problems.add(place, "Das Objekt hat keine Geometrie.")
        return None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        problems.add(
            place,
            f"Die Geometrie ist vom Typ {kind or 'unbekannt'}; Gebiete müssen "
            "Flächen (Polygon oder MultiPolygon) sein.",
        )
        return None
    parts, problem = _parts(kind, geometry.get("coordinates"))
    if problem:
        problems.add(place, problem)
        return None
    try:
        polygons = [shapely.Polygon(rings[0], rings[1:]) for rings in parts]
        polygon = polygons[0] if kind == "Polygon" else shapely.MultiPolygon(polygons)
    except (ValueError, TypeError, ShapelyError, GEOSException) as error:
        problems.add(place, f"Die Koordinaten sind nicht lesbar ({error}).")
        return None
    if polygon.is_empty:
        problems.add(place, "Die Fläche ist leer (keine Koordinaten).")
        return None
    polygon = shapely.force_2d(polygon)
    if polygon.area <= 0:
        problems.add(place, "Die Fläche hat keinen Flächeninhalt.")
        return None
    return polygon


def _parts(kind: str, coordinates: Any) -> tuple[list[list[np.ndarray]], str | None]:
    """GeoJSON polygon coordinates as arrays of x, y per ring, per polygon; or the
    problem with their nesting or numbers (before shapely sees them)."""
    if coordinates in (None, [], ()):
        return [], "Die Fläche ist leer (keine Koordinaten)."
    polygons = [coordinates] if kind == "Polygon" else coordinates
    nesting = "Die Koordinaten sind falsch verschachtelt (erwartet: Ringe)."
    if not isinstance(polygons, list | tuple) or not polygons:
        return [], "Die Fläche ist leer (keine Koordinaten)."
    result = []
    for polygon in polygons:
        if not isinstance(polygon, list | tuple) or not polygon:
            return [], nesting
        rings = []
        for ring in polygon:
            if not isinstance(ring, list | tuple):
                return [], nesting
            if len(ring) < 4:
                return [], (
                    f"Ein Ring hat {len(ring)} Punkte; eine Fläche braucht "
                    "mindestens 4 (der letzte gleich dem ersten)."
                )
            try:
                array = np.array(ring, dtype=float)
            except (ValueError, TypeError, OverflowError):
                array = None
            if array is None or array.ndim != 2 or not 2 <= array.shape[1] <= 4:
                bad = next((p for p in ring if not _is_position(p)), ring[0])
                what = "keine endliche Zahl" if _is_numbers(bad) else "kein Zahlenpaar"
                return [], f"Der Punkt {str(bad)[:60]} ist {what}."
            if not np.isfinite(array).all():
                bad = ring[int(np.argwhere(~np.isfinite(array))[0][0])]
                return [], f"Der Punkt {str(bad)[:60]} ist keine endliche Zahl."
            rings.append(array[:, :2])
        result.append(rings)
    return result, None


def _is_numbers(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and 2 <= len(value) <= 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )


def _is_position(value: Any) -> bool:
    return _is_numbers(value) and all(_finite(v) for v in value)


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond float range
        return False


def _num(value: float) -> str:
    """A coordinate for messages: metres to 0.1, degrees to 1e-6, absurd ones short."""
    if abs(value) >= 1e9:
        return f"{value:.3g}"
    return f"{value:.6f}" if abs(value) <= 180 else f"{value:.1f}"


def _explain(polygon: BaseGeometry) -> str:
    text = explain_validity(polygon)
    match = re.match(r"^(.*?)\[([-\d.eE+]+) ([-\d.eE+]+)\]", text)
    reason = match.group(1).strip() if match else text
    german = _VALIDITY_REASONS.get(reason, f"Ungültige Fläche ({reason})")
    if match:
        x, y = float(match.group(2)), float(match.group(3))
        return f"{german} bei {_fmt_point(x, y)}. Bitte im GIS korrigieren."
    return f"{german}. Bitte im GIS korrigieren."


def _fmt_point(x: float, y: float) -> str:
    return f"{_num(x)}, {_num(y)}"


def _check_overlaps(
    raw: _RawLayer,
    geometries: Sequence[BaseGeometry],
    max_share: float,
    max_m2: float,
) -> None:
    """Refuse pairs of districts that overlap by more than a sliver."""
    to_metric = Transformer.from_crs(WGS84, _METRIC_CRS, always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = to_metric.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    metric = [shapely.transform(g, project) for g in geometries]
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    problems = _Problems("overlap")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        a, b = metric[i], metric[j]
        try:
            overlap = a.intersection(b).area
        except GEOSException:
            overlap = 0.0
        smaller = min(a.area, b.area)
        share = overlap / smaller if smaller > 0 else 0.0
        if share > max_share or overlap > max_m2:
            problems.add(
                feature_label(i + 1, raw.records[i][0]),
                f"Überlappt sich mit {feature_label(j + 1, raw.records[j][0])} auf "
                f"{_fmt_area(overlap)} ({share * 100:.0f} % des kleineren "
                "Gebiets). Gebiete dürfen sich nicht überlagern.",
            )
    problems.raise_if_any()


def _fmt_area(square_metres: float) -> str:
    if square_metres >= 1_000_000:
        return f"{_decimal(square_metres / 1_000_000, 2)} km²"
    if square_metres >= 10_000:
        return f"{_decimal(square_metres / 10_000, 1)} ha"
    return f"{square_metres:.0f} m²"


def _decimal(value: float, places: int) -> str:
    """German decimal comma (messages are German)."""
    return f"{value:.{places}f}".replace(".", ",")


def _geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """GeoJSON dictionary with plain lists (numpy does the conversion quickly)."""

    def rings(polygon: Polygon) -> list[Any]:
        return [
            np.asarray(ring.coords).tolist()
            for ring in (polygon.exterior, *polygon.interiors)
        ]

    if isinstance(geometry, Polygon):
        return {"type": "Polygon", "coordinates": rings(geometry)}
    return {
        "type": "MultiPolygon",
        "coordinates": [rings(part) for part in geometry.geoms],
    }
