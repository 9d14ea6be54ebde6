"""Reading layer files: GeoJSON and zipped Shapefiles within size, feature and
vertex limits."""

from __future__ import annotations

import codecs
import io
import json
import re
import struct
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import shapefile
from pyproj import CRS
from pyproj.exceptions import CRSError

from .geometry import _check_overlaps, _geojson, _source_geometries
from .layer import Feature, LayerFile, _plain_properties, _RawLayer
from .limits import (
    GERMANY_BOUNDS,
    MAX_FEATURE_VERTICES,
    MAX_FEATURES,
    MAX_GEOJSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_OVERLAP_M2,
    MAX_OVERLAP_SHARE,
    MAX_UNZIPPED_BYTES,
    MAX_VERTICES,
)
from .problems import GeodataError, _fail, _Problems
from .projection import (
    _check_coordinates,
    _crs_key,
    _crs_label,
    _resolve_crs,
    _to_wgs84,
)


@dataclass(frozen=True)
class LayerLimits:
    """Bounds on an uploaded layer, checked while reading (the app takes them from
    its ``LAYER_MAX_*`` config): real decompressed bytes of a zipped Shapefile,
    bytes and nesting of a GeoJSON, features, vertices in all and per feature."""

    unzipped_bytes: int = MAX_UNZIPPED_BYTES
    geojson_bytes: int = MAX_GEOJSON_BYTES
    features: int = MAX_FEATURES
    vertices: int = MAX_VERTICES
    feature_vertices: int = MAX_FEATURE_VERTICES


class _VertexBudget:
    """Counts vertices feature by feature; refuses as soon as a limit is passed."""

    def __init__(self, limits: LayerLimits) -> None:
        self.limits = limits
        self.total = 0

    def add(self, count: int, index: int) -> None:
        if count > self.limits.feature_vertices:
            raise _fail(
                "too_many_vertices",
                f"Objekt {index}",
                f"Das Gebiet hat {count} Eckpunkte; höchstens "
                f"{self.limits.feature_vertices} sind möglich. Vereinfachen Sie die "
                "Geometrie im GIS (z. B. auf 1 m Genauigkeit).",
            )
        self.total += count
        if self.total > self.limits.vertices:
            raise _fail(
                "too_many_vertices",
                "Datei",
                f"Die Datei hat mehr als {self.limits.vertices} Eckpunkte. "
                "Vereinfachen Sie die Geometrien im GIS.",
            )

    def feature(self, index: int) -> None:
        if index > self.limits.features:
            raise _fail(
                "too_many_features",
                "Datei",
                f"Die Datei enthält mehr als {self.limits.features} Objekte; "
                f"höchstens {self.limits.features} Gebiete sind möglich.",
            )


def _check_shp_vertices(shp: bytes, limits: LayerLimits, name: str) -> None:
    """Read only the record headers of a .shp (numParts, numPoints) and refuse it
    before pyshp builds any point list."""
    budget = _VertexBudget(limits)
    offset, index = 100, 0
    while offset + 8 <= len(shp):
        length = struct.unpack(">i", shp[offset + 4 : offset + 8])[0] * 2
        index += 1
        budget.feature(index)
        content = offset + 8
        if length >= 44 and content + 44 <= len(shp):
            shape_type = struct.unpack("<i", shp[content : content + 4])[0]
            if shape_type in (5, 15, 25):  # polygon, polygon Z, polygon M
                points = struct.unpack("<i", shp[content + 40 : content + 44])[0]
                budget.add(max(points, 0), index)
        if length <= 0:
            raise _fail("bad_shapefile", name, "Das Shapefile ist beschädigt.")
        offset = content + length


def _count_positions(value: Any, depth: int = 0) -> int:
    """Positions in GeoJSON coordinates (nested lists); bounded depth."""
    if depth > MAX_JSON_DEPTH or not isinstance(value, list):
        return 0
    if value and not isinstance(value[0], list):
        return 1
    return sum(_count_positions(item, depth + 1) for item in value)


def read_layer_file(
    data: bytes,
    filename: str,
    stated_crs: str | None = None,
    *,
    bounds: tuple[float, float, float, float] = GERMANY_BOUNDS,
    max_overlap_share: float = MAX_OVERLAP_SHARE,
    max_overlap_m2: float = MAX_OVERLAP_M2,
    limits: LayerLimits | None = None,
) -> LayerFile:
    """Read a GeoJSON file or zipped Shapefile, reproject it to WGS84 and check it.

    ``stated_crs`` is the admin's statement (``"EPSG:25832"``) or None for "from the
    file". Raises ``GeodataError`` naming every problem found.
    """
    limits = limits or LayerLimits()
    if not data:
        raise _fail("empty_file", "Datei", "Die Datei ist leer.")
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        raw = _read_zipped_shapefile(data, limits)
    elif filename.lower().endswith((".shp", ".dbf", ".shx", ".prj")):
        raise _fail(
            "shapefile_not_zipped",
            "Datei",
            "Ein Shapefile besteht aus mehreren Dateien. Packen Sie .shp, .shx, "
            ".dbf und .prj zusammen in eine ZIP-Datei und laden Sie diese hoch.",
        )
    else:
        raw = _read_geojson(data, limits)
    if not raw.records:
        raise _fail(
            "no_features", "Datei", "Die Datei enthält keine Gebiete (keine Objekte)."
        )
    crs, crs_origin = _resolve_crs(raw, stated_crs)
    source = _source_geometries(raw)
    _check_coordinates(raw, source, crs, bounds)
    geometries = _to_wgs84(raw, source, crs, bounds)
    _check_overlaps(raw, geometries, max_overlap_share, max_overlap_m2)
    features = tuple(
        Feature(_plain_properties(props), _geojson(geometry))
        for (props, _), geometry in zip(raw.records, geometries, strict=True)
    )
    notes = list(raw.notes)
    if crs.to_epsg() == 31468 or "DHDN" in crs.name:
        notes.append(
            "Gauß-Krüger (DHDN) wird ohne das BeTA2007-Gitter mit einer "
            "7-Parameter-Transformation umgerechnet; Genauigkeit etwa 1–3 m."
        )
    return LayerFile(
        filename=filename,
        source_format=raw.source_format,
        crs=_crs_key(crs),
        crs_name=_crs_label(crs),
        crs_origin=crs_origin,
        features=features,
        notes=tuple(notes),
    )


# GeoJSON ---------------------------------------------------------------------------


def _read_geojson(data: bytes, limits: LayerLimits) -> _RawLayer:
    if len(data) > limits.geojson_bytes:
        raise _fail(
            "geojson_too_large",
            "Datei",
            f"Die GeoJSON-Datei ist größer als "
            f"{limits.geojson_bytes // (1024 * 1024)} MB. Vereinfachen Sie die "
            "Geometrien oder laden Sie ein gezipptes Shapefile hoch.",
        )
    # Every position opens a bracket: an upper bound on vertices before parsing.
    if data.count(b"[") > limits.vertices + limits.features * 10 + 100:
        raise _fail(
            "too_many_vertices",
            "Datei",
            f"Die Datei hat mehr als {limits.vertices} Eckpunkte. Vereinfachen Sie "
            "die Geometrien im GIS.",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _fail(
            "not_utf8",
            f"Zeile {line}",
            "Die Datei ist weder GeoJSON in UTF-8 noch eine ZIP-Datei mit einem "
            "Shapefile.",
        ) from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise _fail(
            "invalid_json",
            f"Zeile {error.lineno}, Spalte {error.colno}",
            f"Die Datei ist kein gültiges JSON ({error.msg}).",
        ) from error
    except RecursionError:
        raise _fail(
            "json_too_deep", "Datei", "Die Datei ist zu tief verschachtelt."
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        kind = document.get("type") if isinstance(document, dict) else None
        raise _fail(
            "not_feature_collection",
            "Datei",
            "Erwartet wird eine GeoJSON-FeatureCollection"
            + (f", die Datei hat den Typ {kind!r}." if kind else "."),
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise _fail(
            "no_features",
            "Datei",
            "Die FeatureCollection hat keine Liste 'features'.",
        )
    raw = _RawLayer(source_format="GeoJSON", records=[])
    problems = _Problems("invalid_feature")
    budget = _VertexBudget(limits)
    for index, feature in enumerate(features, start=1):
        budget.feature(index)
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict):
            budget.add(_count_positions(geometry.get("coordinates")), index)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.add(f"Objekt {index}", "Das ist kein GeoJSON-Feature.")
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            problems.add(f"Objekt {index}", "'properties' ist kein Objekt.")
            continue
        raw.records.append((props, feature.get("geometry")))
    problems.raise_if_any()
    if "crs" in document and document["crs"] is not None:
        raw.declared_origin = "Angabe 'crs' in der GeoJSON-Datei"
        try:
            raw.declared_text, raw.declared_crs = _geojson_crs(document["crs"])
        except GeodataError as error:
            raw.declared_problem = error
    return raw


def _geojson_crs(member: Any) -> tuple[str, CRS]:
    """The CRS named by a (pre-RFC 7946) GeoJSON ``crs`` member."""
    text: str | None = None
    if isinstance(member, dict):
        props = member.get("properties") or {}
        if member.get("type") == "name" and isinstance(props, dict):
            text = str(props.get("name") or "")
        elif member.get("type") == "EPSG" and isinstance(props, dict):
            text = f"EPSG:{props.get('code')}"
    if not text:
        raise _fail(
            "unreadable_crs",
            "Datei",
            "Die Angabe 'crs' in der Datei ist nicht lesbar. Entfernen Sie sie oder "
            "wählen Sie das Koordinatensystem beim Hochladen.",
        )
    try:
        return text, CRS.from_user_input(text)
    except CRSError as error:
        raise _fail(
            "unknown_crs",
            "Datei",
            f"Das Koordinatensystem {text!r} aus der Datei ist unbekannt.",
        ) from error


# Shapefile --------------------------------------------------------------------------


def _read_member(archive: zipfile.ZipFile, name: str, budget: list[int]) -> bytes:
    """A member's bytes, counting what is really decompressed (declared sizes in
    the ZIP directory can lie); refuses once ``budget[0]`` bytes are used up."""
    chunks = []
    with archive.open(name) as member:
        while chunk := member.read(1024 * 1024):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise _fail(
                    "zip_too_large",
                    "ZIP-Datei",
                    "Das entpackte Shapefile ist größer als erlaubt "
                    f"({budget[1] // (1024 * 1024)} MB).",
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _read_zipped_shapefile(data: bytes, limits: LayerLimits) -> _RawLayer:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise _fail(
            "bad_zip", "Datei", "Die ZIP-Datei ist beschädigt oder unvollständig."
        ) from error
    with archive:
        members = {
            info.filename: info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not PurePosixPath(info.filename).name.startswith(".")
        }
        shps = sorted(n for n in members if n.lower().endswith(".shp"))
        if not shps:
            listed = ", ".join(sorted(members)) or "keine Dateien"
            raise _fail(
                "no_shp",
                "ZIP-Datei",
                f"Die ZIP-Datei enthält kein Shapefile (.shp); gefunden: {listed}.",
            )
        if len(shps) > 1:
            raise _fail(
                "several_shp",
                "ZIP-Datei",
                "Die ZIP-Datei enthält mehrere Shapefiles ("
                + ", ".join(shps)
                + "). Laden Sie jede Gebietsgliederung einzeln hoch.",
            )
        stem = shps[0][:-4]
        parts = {
            n[len(stem) :].lower(): n
            for n in members
            if n[: len(stem)] == stem and len(n) == len(stem) + 4
        }
        if ".dbf" not in parts:
            raise _fail(
                "no_dbf",
                "ZIP-Datei",
                f"Zu {shps[0]} fehlt die Attributtabelle {stem}.dbf (Kennungen und "
                "Namen der Gebiete).",
            )
        total = sum(members[n].file_size for n in parts.values())
        if total > limits.unzipped_bytes:
            raise _fail(
                "zip_too_large",
                "ZIP-Datei",
                "Das entpackte Shapefile wäre größer als "
                f"{limits.unzipped_bytes // (1024 * 1024)} MB.",
            )
        budget = [limits.unzipped_bytes, limits.unzipped_bytes]
        try:
            files = {
                ext: _read_member(archive, name, budget) for ext, name in parts.items()
            }
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise _fail(
                "bad_zip", "ZIP-Datei", f"{shps[0]} lässt sich nicht entpacken."
            ) from error
    _check_shp_vertices(files[".shp"], limits, shps[0])
    raw = _RawLayer(source_format="Shapefile", records=[])
    encoding = _dbf_encoding(files.get(".cpg"), files[".dbf"], raw.notes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            reader = shapefile.Reader(
                shp=io.BytesIO(files[".shp"]),
                shx=io.BytesIO(files[".shx"]) if ".shx" in files else None,
                dbf=io.BytesIO(files[".dbf"]),
                encoding=encoding,
            )
            with reader:
                shape_type = reader.shapeType
                if shape_type not in (
                    shapefile.POLYGON,
                    shapefile.POLYGONZ,
                    shapefile.POLYGONM,
                    shapefile.NULL,
                ):
                    raise _fail(
                        "not_polygons",
                        shps[0],
                        f"Das Shapefile enthält {reader.shapeTypeName}-Objekte; "
                        "Gebiete müssen Flächen (Polygone) sein.",
                    )
                vertices = _VertexBudget(limits)
                for index, shape_record in enumerate(
                    reader.iterShapeRecords(), start=1
                ):
                    vertices.feature(index)
                    vertices.add(len(shape_record.shape.points), index)
                    props = dict(shape_record.record.as_dict())
                    geometry = (
                        None
                        if shape_record.shape.shapeType == shapefile.NULL
                        else shape_record.shape.__geo_interface__
                    )
                    raw.records.append((props, geometry))
        except GeodataError:
            raise
        except UnicodeDecodeError as error:
            raise _fail(
                "dbf_encoding",
                f"{stem}.dbf",
                f"Die Attributtabelle lässt sich nicht als {encoding} lesen.",
            ) from error
        except (
            shapefile.ShapefileException,
            struct.error,
            ValueError,
            IndexError,
            EOFError,
        ) as error:
            raise _fail(
                "bad_shapefile",
                shps[0],
                f"Das Shapefile lässt sich nicht lesen ({error}).",
            ) from error
    for warning in caught:
        raw.notes.append(f"Hinweis beim Lesen des Shapefiles: {warning.message}")
    if ".prj" in files:
        text = files[".prj"].decode("latin-1").strip()
        raw.declared_text = f"{stem}.prj"
        raw.declared_origin = f"Datei {stem}.prj"
        try:
            raw.declared_crs = CRS.from_wkt(text)
        except CRSError as error:
            raise _fail(
                "unknown_crs",
                f"{stem}.prj",
                "Die .prj-Datei beschreibt kein bekanntes Koordinatensystem.",
            ) from error
    return raw


def _dbf_encoding(cpg: bytes | None, dbf: bytes, notes: list[str]) -> str:
    """The .dbf text encoding: from the .cpg file, else UTF-8 if that reads,
    else Windows-1252 (what German desktop GIS wrote for years)."""
    if cpg is not None:
        name = cpg.decode("ascii", "replace").strip().lower()
        name = re.sub(r"^(ansi|oem)\s*", "cp", name) if name[:4] != "utf" else name
        if name.isdigit():
            name = f"cp{name}"
        try:
            return codecs.lookup(name).name
        except LookupError:
            notes.append(f"Unbekannte Zeichenkodierung {name!r} in der .cpg-Datei.")
    try:
        dbf.decode("utf-8")
    except UnicodeDecodeError:
        notes.append(
            "Die Attributtabelle (.dbf) ist nicht UTF-8 und es gibt keine .cpg-Datei; "
            "sie wurde als Windows-1252 gelesen. Prüfen Sie die Umlaute in der "
            "Vorschau."
        )
        return "cp1252"
    return "utf-8"
