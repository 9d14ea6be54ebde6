"""Coordinate reference systems: resolving the system, plausibility of the
coordinates, reprojection to WGS84."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError
from shapely.geometry.base import BaseGeometry

from .geometry import _decimal, _explain, _fmt_point, feature_label
from .layer import _RawLayer
from .limits import COORDINATE_DECIMALS, SUPPORTED_CRS, WGS84
from .problems import _fail, _Problems

# Coordinate reference systems -------------------------------------------------------


def _resolve_crs(raw: _RawLayer, stated: str | None) -> tuple[CRS, str]:
    declared = raw.declared_crs
    if raw.declared_problem is not None:
        if not stated:
            raise raw.declared_problem
        raw.notes.append(
            "Die Angabe 'crs' in der Datei ist nicht lesbar; verwendet wird das "
            "beim Hochladen gewählte Koordinatensystem."
        )
    if stated:
        if stated not in SUPPORTED_CRS:
            raise _fail(
                "unsupported_crs",
                "Koordinatensystem",
                f"{stated!r} ist keines der angebotenen Koordinatensysteme.",
            )
        chosen = CRS.from_user_input(stated)
        if declared is not None and not _same_crs(declared, chosen):
            raise _fail(
                "crs_conflict",
                "Koordinatensystem",
                f"Sie haben {SUPPORTED_CRS[stated]} gewählt, die Datei gibt aber "
                f"{_crs_label(declared)} an ({raw.declared_origin}). Wählen Sie "
                "„aus der Datei“ oder korrigieren Sie die Datei.",
            )
        return chosen, "Ihre Angabe beim Hochladen"
    if declared is not None:
        if not (declared.is_projected or declared.is_geographic):
            raise _fail(
                "unsupported_crs",
                raw.declared_origin,
                f"{_crs_label(declared)} ist kein Lage-Koordinatensystem.",
            )
        return declared, raw.declared_origin
    if raw.source_format == "GeoJSON":
        return CRS.from_user_input(WGS84), "GeoJSON-Standard (RFC 7946): WGS84"
    raise _fail(
        "crs_unknown",
        "Koordinatensystem",
        "Das Shapefile hat keine .prj-Datei. Wählen Sie beim Hochladen, in welchem "
        "Koordinatensystem die Koordinaten vorliegen.",
    )


def _same_crs(a: CRS, b: CRS) -> bool:
    return bool(a.equals(b, ignore_axis_order=True)) or (
        a.to_epsg() is not None and a.to_epsg() == b.to_epsg()
    )


def _crs_key(crs: CRS) -> str:
    if _same_crs(crs, CRS.from_user_input(WGS84)):
        return WGS84
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg is not None else str(crs.to_wkt())


def _crs_label(crs: CRS) -> str:
    key = _crs_key(crs)
    if key in SUPPORTED_CRS:
        return SUPPORTED_CRS[key]
    epsg = crs.to_epsg()
    return f"{crs.name} (EPSG:{epsg})" if epsg is not None else str(crs.name)


def _check_coordinates(
    raw: _RawLayer,
    source: Sequence[BaseGeometry],
    crs: CRS,
    bounds: tuple[float, float, float, float],
) -> None:
    """Refuse coordinates that do not fit the CRS, with a guess what they are."""
    all_bounds = np.array([g.bounds for g in source])
    minx, miny = all_bounds[:, 0].min(), all_bounds[:, 1].min()
    maxx, maxy = all_bounds[:, 2].max(), all_bounds[:, 3].max()
    sample = shapely.get_coordinates(source[0])[0]
    label = _crs_label(crs)
    place = feature_label(1, raw.records[0][0])
    if crs.is_geographic:
        if _within((miny, minx, maxy, maxx), bounds):
            raise _fail(
                "swapped_axes",
                place,
                f"Länge und Breite sind vertauscht: der erste Punkt "
                f"({sample[0]:.6f}, {sample[1]:.6f}) liegt bei Breite "
                f"{sample[0]:.4f}, Länge {sample[1]:.4f}. GeoJSON verlangt die "
                "Reihenfolge Länge, Breite (RFC 7946); bitte beim Export umstellen.",
            )
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            raise _fail(
                "not_degrees",
                place,
                f"Die Koordinaten (z. B. {_fmt_point(*sample)}) sind keine "
                f"Längen- und Breitengrade, wie {label} sie verlangt"
                f"{_guess_suffix(sample)}. Wählen Sie beim Hochladen das "
                "Koordinatensystem der Datei.",
            )
        return
    if max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90:
        raise _fail(
            "degrees_not_metres",
            place,
            f"Die Koordinaten (z. B. {sample[0]:.6f}, {sample[1]:.6f}) sehen nach "
            f"Längen- und Breitengraden aus, nicht nach Metern in {label}. Wählen "
            "Sie WGS84 (EPSG:4326).",
        )


def _within(box: Sequence[float], bounds: Sequence[float]) -> bool:
    minx, miny, maxx, maxy = box
    west, south, east, north = bounds
    return bool(west <= minx and maxx <= east and south <= miny and maxy <= north)


def _guess(x: float, y: float) -> str | None:
    """What coordinates of this size usually are in Germany (for messages)."""
    if 47 <= x <= 55.5 and 5 <= y <= 16:
        return "Breite und Länge in vertauschter Reihenfolge"
    if 5 <= x <= 16 and 47 <= y <= 55.5:
        return "Längen- und Breitengrade (WGS84, EPSG:4326)"
    if 100_000 <= x <= 900_000 and 5_200_000 <= y <= 6_200_000:
        return "UTM-Koordinaten (ETRS89, EPSG:25832 oder EPSG:25833)"
    if 2_000_000 <= x < 6_000_000 and 5_200_000 <= y <= 6_200_000:
        zone = int(x // 1_000_000)
        return f"Gauß-Krüger Zone {zone} (EPSG:{31464 + zone})"
    if 32_000_000 <= x < 34_000_000 and 5_200_000 <= y <= 6_200_000:
        zone = int(x // 1_000_000)
        return (
            f"UTM-Koordinaten mit vorangestellter Zonennummer {zone} "
            f"(EPSG:{4647 if zone == 32 else 5650})"
        )
    if 5_200_000 <= x <= 6_200_000 and (100_000 <= y <= 900_000 or y >= 2_000_000):
        return "Rechts- und Hochwert in vertauschter Reihenfolge"
    return None


def _guess_suffix(point: Sequence[float]) -> str:
    guess = _guess(float(point[0]), float(point[1]))
    return f"; sie sehen nach {guess} aus" if guess else ""


def _to_wgs84(
    raw: _RawLayer,
    source: Sequence[BaseGeometry],
    crs: CRS,
    bounds: tuple[float, float, float, float],
) -> list[BaseGeometry]:
    """Reproject to WGS84 (lon/lat), orient rings as RFC 7946 asks, round to about
    1 cm; refuse what lands outside the plausible area or turns invalid."""
    is_wgs84 = _crs_key(crs) == WGS84
    transformer = None if is_wgs84 else Transformer.from_crs(crs, WGS84, always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        if transformer is None:
            result = coords
        else:
            x, y = transformer.transform(coords[:, 0], coords[:, 1], errcheck=False)
            result = np.column_stack([x, y])
        return np.round(result, COORDINATE_DECIMALS)

    problems = _Problems("implausible_coordinates")
    out: list[BaseGeometry] = []
    outside: list[int] = []
    for index, geometry in enumerate(source, start=1):
        try:
            projected = shapely.transform(geometry, project)
        except ProjError as error:
            raise _fail(
                "reprojection_failed",
                feature_label(index, raw.records[index - 1][0]),
                f"Die Umrechnung aus {_crs_label(crs)} ist gescheitert ({error}).",
            ) from error
        coords = shapely.get_coordinates(projected)
        if not np.isfinite(coords).all() or not _within(projected.bounds, bounds):
            outside.append(index)
        out.append(projected)
    if outside:
        first = outside[0]
        sample = shapely.get_coordinates(source[first - 1])[0]
        landed = shapely.get_coordinates(out[first - 1])[0]
        west, south, east, north = (_decimal(v, 1) for v in bounds)
        where = (
            f"{_decimal(landed[0], 4)}° Länge, {_decimal(landed[1], 4)}° Breite"
            if np.isfinite(landed).all()
            else "keinem Ort auf der Erde"
        )
        raise _fail(
            "implausible_coordinates",
            feature_label(first, raw.records[first - 1][0]),
            f"{len(outside)} von {len(out)} Objekten liegen außerhalb des erwarteten "
            f"Gebiets ({west}° bis {east}° Länge, {south}° bis {north}° Breite). "
            f"Der erste Punkt ({_fmt_point(*sample)}) in {_crs_label(crs)} "
            f"entspricht {where}{_guess_suffix(sample)}. Stimmt das "
            "Koordinatensystem?",
        )
    result = []
    for index, geometry in enumerate(out, start=1):
        oriented = shapely.orient_polygons(geometry, exterior_cw=False)
        if not oriented.is_valid:
            problems.add(
                feature_label(index, raw.records[index - 1][0]),
                "Nach der Umrechnung nach WGS84 ist die Fläche ungültig ("
                + _explain(oriented)
                + ")",
            )
        result.append(oriented)
    problems.raise_if_any()
    return result
