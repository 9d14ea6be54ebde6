"""The district map: the layer's polygons as a small SVG drawn by the app.

No tiles and no third-party requests: district geometries (GeoJSON, WGS84) are
projected with spherical Web Mercator, scaled to a viewBox ``MAP_WIDTH`` units wide,
simplified as a coverage with shapely (shared borders stay shared, so no slivers
open between neighbours) and written as integer, relative SVG path data. For
Hamburg's 104 Stadtteile this is about 25 kB of markup (see the report in
``tests/umfrage/test_teilnahme_map.py``).

The map is cached per layer in the process for ``CACHE_SECONDS``; a layer whose
districts change (new ids) is redrawn at once.
"""

from __future__ import annotations

import math
import threading
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from markupsafe import Markup, escape
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel
from sqlalchemy import func, select, true

from ..caching import BoundedCache
from ..extensions import db
from ..models import District, Street
from ..services import database_key
from .services import DistrictChoice, LayerVersion

MAP_WIDTH = 1000
# Simplification tolerance in viewBox units (1 unit ≈ 0.4 px on a phone).
TOLERANCE = 1.0
CACHE_SECONDS = 600
_MAX_LATITUDE = 85.05


@dataclass(frozen=True)
class MapDistrict:
    code: str
    name: str
    parent_name: str | None
    path: str
    # Where the name is written (the pole of inaccessibility of the largest part)
    # and the radius of the largest circle inside the area there, in viewBox units:
    # the browser writes the name once it fits at the current zoom.
    label_x: int = 0
    label_y: int = 0
    room: int = 0


@dataclass(frozen=True)
class DistrictMap:
    width: int
    height: int
    districts: tuple[MapDistrict, ...]
    # Frames (x, y, width, height) around districts drawn as insets: those far away
    # from all others (Hamburg's island Neuwerk lies 100 km out in the North Sea).
    insets: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @cached_property
    def svg_body(self) -> Markup:
        """The drawing inside the map's ``<svg><g>``: inset frames, one path per
        district, the names; written once per map (per layer version), names
        escaped as the template would."""
        parts = [
            f'<rect class="inset-frame" x="{x}" y="{y}" width="{w}" height="{h}"/>'
            for x, y, w, h in self.insets
        ]
        parts.extend(
            f'<path class="district-shape" data-code="{escape(d.code)}" '
            f'd="{escape(d.path)}"><title>{escape(d.name)}</title></path>'
            for d in self.districts
        )
        labels = "".join(
            f'<text x="{d.label_x}" y="{d.label_y}" data-room="{d.room}">'
            f"{escape(d.name)}</text>"
            for d in self.districts
            if d.room
        )
        parts.append(f'<g class="district-labels">{labels}</g>')
        return Markup("".join(parts))


@dataclass(frozen=True)
class SearchEntry:
    """One district in the search list: its name, Bezirk and search terms."""

    code: str
    name: str
    parent_name: str | None
    terms: str


# keyed by (database, layer): one process may serve several databases (tests)
_CACHE: dict[tuple[str, int], tuple[float, tuple[int, ...], DistrictMap | None]] = {}
_LOCK = threading.Lock()


def map_for(layer_id: int, stamp: tuple[int, ...] | None = None) -> DistrictMap | None:
    """The layer's map, or None when no district has a usable geometry;
    ``stamp`` is the layer's :func:`layer_stamp`, when the caller has it."""
    if stamp is None:
        stamp = layer_stamp(layer_id)
    key = (database_key(), layer_id)
    now = time.monotonic()
    with _LOCK:
        cached = _CACHE.get(key)
        if (
            cached is not None
            and cached[1] == stamp
            and now - cached[0] < (CACHE_SECONDS)
        ):
            return cached[2]
    rows = db.session.execute(
        select(District.code, District.name, District.parent_name, District.geometry)
        .where(District.layer_id == layer_id)
        .order_by(District.code)
    ).all()
    drawn = draw_map([(r.code, r.name, r.parent_name, r.geometry) for r in rows])
    with _LOCK:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = (now, stamp, drawn)
    return drawn


def layer_stamp(layer_id: int) -> tuple[int, ...]:
    """Which version of the layer's districts and street directory this is: both
    are replaced (new ids), never edited in place. One query."""
    districts = (
        select(func.count(District.id), func.min(District.id), func.max(District.id))
        .where(District.layer_id == layer_id)
        .subquery()
    )
    streets = (
        select(func.count(Street.id), func.min(Street.id), func.max(Street.id))
        .where(Street.layer_id == layer_id)
        .subquery()
    )
    both = select(districts, streets).select_from(districts.join(streets, true()))
    row = db.session.execute(both).one()
    return tuple(int(value or 0) for value in row)


def draw_map(
    districts: Sequence[tuple[str, str, str | None, Mapping[str, Any] | None]],
) -> DistrictMap | None:
    """Project, scale, simplify and write the districts as SVG paths; districts far
    from all others are moved into insets on the left."""
    kept: list[tuple[str, str, str | None]] = []
    geometries: list[BaseGeometry] = []
    for code, name, parent, geometry in districts:
        polygon = _polygon(geometry)
        if polygon is not None:
            kept.append((code, name, parent))
            geometries.append(shapely.transform(polygon, _mercator))
    if not geometries:
        return None
    projected = np.array(geometries)
    far = _outliers(projected)
    main = projected[~far] if (~far).any() else projected
    min_x, min_y, max_x, max_y = shapely.total_bounds(main)
    main_width = max(max_x - min_x, 1e-12)
    main_height = max(max_y - min_y, 1e-12)

    # insets: a strip left of the main map, outliers stacked from the top
    pad = 0.02 * main_width
    outlier_bounds = [shapely.bounds(g) for g in projected[far]]
    widest = max((b[2] - b[0] for b in outlier_bounds), default=0.0)
    shrink = min(1.0, 0.25 * main_width / widest) if widest else 1.0
    strip = widest * shrink + 2 * pad if outlier_bounds else 0.0
    scale = MAP_WIDTH / (strip + main_width)
    moves: dict[int, tuple[float, float, float, float]] = {}
    frames = []
    top = pad
    for index, bounds in zip(np.flatnonzero(far), outlier_bounds, strict=True):
        width = (bounds[2] - bounds[0]) * shrink
        height = (bounds[3] - bounds[1]) * shrink
        moves[int(index)] = (bounds[0], bounds[3], top, shrink)
        frames.append(
            tuple(
                round(v * scale)
                for v in (pad / 2, top - pad / 2, width + pad, height + pad)
            )
        )
        top += height + pad
    total_height = max(main_height, top)
    view_height = max(1, math.ceil(total_height * scale))

    scaled = []
    for index, geometry in enumerate(projected):
        if index in moves:
            left, upper, offset, factor = moves[index]

            def to_view(
                coords: np.ndarray,
                left: float = left,
                upper: float = upper,
                offset: float = offset,
                factor: float = factor,
            ) -> np.ndarray:
                return np.column_stack(
                    (
                        ((coords[:, 0] - left) * factor + pad) * scale,
                        ((upper - coords[:, 1]) * factor + offset) * scale,
                    )
                )

        else:

            def to_view(coords: np.ndarray) -> np.ndarray:
                return np.column_stack(
                    (
                        (coords[:, 0] - min_x + strip) * scale,
                        (max_y - coords[:, 1]) * scale,
                    )
                )

        scaled.append(shapely.transform(geometry, to_view))
    simplified = _simplify(np.array(scaled))
    drawn = []
    for (code, name, parent), geometry in zip(kept, simplified, strict=True):
        path = _path(geometry)
        if path:
            drawn.append(MapDistrict(code, name, parent, path, *_label_spot(geometry)))
    return DistrictMap(MAP_WIDTH, view_height, tuple(drawn), tuple(frames))


def _outliers(projected: np.ndarray) -> np.ndarray:
    """Districts whose centre lies more than five typical distances from the
    median centre of all districts (and there are at least five districts)."""
    if len(projected) < 5:
        return np.zeros(len(projected), dtype=bool)
    centres = shapely.get_coordinates(shapely.centroid(projected))
    middle = np.median(centres, axis=0)
    distances = np.hypot(*(centres - middle).T)
    typical = float(np.median(distances)) or 1e-12
    return distances > 5 * typical


def _polygon(geometry: Mapping[str, Any] | None) -> BaseGeometry | None:
    if not geometry:
        return None
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if polygon.is_empty or polygon.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    return polygon


def _mercator(coords: np.ndarray) -> np.ndarray:
    lon = np.radians(coords[:, 0])
    lat = np.radians(np.clip(coords[:, 1], -_MAX_LATITUDE, _MAX_LATITUDE))
    return np.column_stack((lon, np.log(np.tan(np.pi / 4 + lat / 2))))


def _simplify(geometries: np.ndarray) -> list[BaseGeometry]:
    """Simplify as a coverage (shared borders stay shared); where GEOS cannot,
    simplify each polygon on its own."""
    try:
        result = shapely.coverage_simplify(geometries, TOLERANCE)
    except shapely.errors.GEOSException:
        result = shapely.simplify(geometries, TOLERANCE, preserve_topology=True)
    return list(result)


def _label_spot(geometry: BaseGeometry) -> tuple[int, int, int]:
    """Label point and room (see ``MapDistrict``) of a drawn district."""
    parts = [
        part
        for part in getattr(geometry, "geoms", [geometry])
        if part.geom_type == "Polygon" and not part.is_empty
    ]
    if not parts:
        return 0, 0, 0
    largest = max(parts, key=lambda part: part.area)
    try:
        point = polylabel(largest, tolerance=1.0)
    except (shapely.errors.GEOSException, ValueError):
        point = largest.representative_point()
    room = largest.boundary.distance(point)
    return round(point.x), round(point.y), max(0, math.floor(room))


def _path(geometry: BaseGeometry) -> str:
    """SVG path data: integer coordinates, relative moves, one subpath per ring."""
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            points = np.rint(np.asarray(ring.coords)[:-1]).astype(int)
            if len(points) < 3:
                continue
            keep = [points[0]]
            for point in points[1:]:
                if point[0] != keep[-1][0] or point[1] != keep[-1][1]:
                    keep.append(point)
            if len(keep) < 3:
                continue
            steps = " ".join(
                f"{b[0] - a[0]} {b[1] - a[1]}"
                for a, b in zip(keep, keep[1:], strict=False)
            )
            parts.append(f"M{keep[0][0]} {keep[0][1]}l{steps}z")
    return "".join(parts)


def search_entries(
    districts: Iterable[DistrictChoice], streets: Mapping[str, Sequence[str]]
) -> list[SearchEntry]:
    """What the district search looks through: name, Bezirk and, where the layer
    has a street directory, street names."""
    entries = []
    for district in districts:
        words = [
            district.name,
            district.parent_name or "",
            *streets.get(district.code, ()),
        ]
        entries.append(
            SearchEntry(
                district.code,
                district.name,
                district.parent_name,
                "|".join(word for word in words if word),
            )
        )
    return entries


@dataclass(frozen=True)
class ListGroup:
    """Districts under one parent area in the plain list; ``label`` None holds
    those without a parent (the whole list when the layer has no parents)."""

    label: str | None
    entries: tuple[SearchEntry, ...]

    def options(self, selected: object) -> Markup:
        """The group's ``<option>`` elements, the one whose code equals
        ``selected`` marked so; written once per group, escaped as the
        template would."""
        return Markup(
            "".join(
                f"{head} selected{tail}" if entry.code == selected else head + tail
                for entry, (head, tail) in zip(
                    self.entries, self._option_parts, strict=True
                )
            )
        )

    @cached_property
    def _option_parts(self) -> tuple[tuple[str, str], ...]:
        return tuple(
            (
                f'<option value="{escape(e.code)}" data-terms="{escape(e.terms)}"',
                f">{escape(e.name)}</option>",
            )
            for e in self.entries
        )


def sort_key(text: str) -> tuple[str, str]:
    """A stable, case- and accent-insensitive order for names in any script."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in folded if not unicodedata.combining(ch)), text


def list_groups(entries: Iterable[SearchEntry]) -> list[ListGroup]:
    """The list's groups: parents in name order, districts in name order inside,
    districts without a parent last (a layer may have parents for some only)."""
    grouped: dict[str | None, list[SearchEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.parent_name or None, []).append(entry)
    labels = sorted((label for label in grouped if label), key=sort_key)
    if None in grouped:
        labels.append(None)  # type: ignore[arg-type]
    return [
        ListGroup(
            label,
            tuple(sorted(grouped[label], key=lambda entry: sort_key(entry.name))),
        )
        for label in labels
    ]


def groups_of(layer: LayerVersion) -> list[ListGroup]:
    """:func:`list_groups` of the layer's districts with their streets, made once
    per layer version."""
    key = (database_key(), layer.layer_id)
    cached = _GROUPS.get(key)
    if cached is not None and cached[0] == layer.stamp:
        return list(cached[1])
    groups = tuple(list_groups(search_entries(layer.choices, layer.streets)))
    _GROUPS.put(key, (layer.stamp, groups))
    return list(groups)


_GROUPS: BoundedCache[
    tuple[str, int], tuple[tuple[int, ...], tuple[ListGroup, ...]]
] = BoundedCache(32)
