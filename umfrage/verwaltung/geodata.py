"""District geodata: read, reproject and check layer files and their tables.

Plain data in, plain data out: bytes from an upload go in, frozen dataclasses and
GeoJSON dictionaries (WGS84, lon/lat, RFC 7946 ring orientation) come out. No Flask,
no database; ``services.py`` stores the results.

Accepted layer files are a GeoJSON FeatureCollection or a zipped Shapefile
(``.shp`` + ``.dbf``, optionally ``.shx``, ``.prj``, ``.cpg``). The coordinate
reference system comes from the admin's statement, else from the file (``.prj``,
the GeoJSON ``crs`` member), else, for GeoJSON only, WGS84 as RFC 7946 prescribes.
Reprojection uses pyproj with ``always_xy=True`` (x = easting/longitude).

A file is refused as a whole with every problem named (up to ``MAX_PROBLEMS``):
unreadable files, features without polygon geometry, invalid polygons (they are
never repaired silently), coordinates that do not fit the CRS (swapped lat/lon,
metres in a WGS84 file, a wrong zone), large overlaps between districts, missing
or duplicate ids.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import shapefile
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from shapely.errors import GEOSException, ShapelyError
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

WGS84 = "EPSG:4326"
# The systems German municipal GIS exports come in; a file may declare another
# system that pyproj understands (e.g. Gauß-Krüger zone 3), which is used as declared.
SUPPORTED_CRS: dict[str, str] = {
    "EPSG:4326": "WGS84, Längen-/Breitengrad (EPSG:4326)",
    "EPSG:25832": "ETRS89 / UTM Zone 32N (EPSG:25832)",
    "EPSG:25833": "ETRS89 / UTM Zone 33N (EPSG:25833)",
    "EPSG:31468": "DHDN / Gauß-Krüger Zone 4 (EPSG:31468)",
}
# Where districts may lie after reprojection (lon/lat): Germany with a margin.
GERMANY_BOUNDS: tuple[float, float, float, float] = (5.0, 46.5, 16.0, 55.5)
# Overlap between two districts that is refused: this share of the smaller district
# or this many square metres, whichever is reached first. Real boundary files have
# slivers of a few square metres where neighbours meet.
MAX_OVERLAP_SHARE = 0.01
MAX_OVERLAP_M2 = 10_000.0
MAX_PROBLEMS = 20
MAX_FEATURES = 5000
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
MAX_GEOJSON_BYTES = 24 * 1024 * 1024
MAX_VERTICES = 1_000_000
MAX_FEATURE_VERTICES = 250_000
MAX_JSON_DEPTH = 12
COORDINATE_DECIMALS = 7  # about 1 cm
MAX_CODE_LENGTH = 40
MAX_NAME_LENGTH = 200
MAX_LABEL_LENGTH = 100
MAX_COUNT = 2**31 - 1
_METRIC_CRS = "EPSG:3035"  # ETRS89 / LAEA Europe: equal-area, for areas in m²


# -- errors -----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload: where (``Objekt 3 (STT_NR 010)``,
    ``Zeile 7``, ``Datei``) and what, in German."""

    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class GeodataError(Exception):
    """An upload is refused; ``problems`` name each thing wrong and where."""

    def __init__(self, code: str, problems: Sequence[Problem]) -> None:
        self.code = code
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def _fail(code: str, place: str, message: str) -> GeodataError:
    return GeodataError(code, [Problem(place, message)])


class _Problems:
    """Collects problems; raises them together (the first ``MAX_PROBLEMS``)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.items: list[Problem] = []
        self.more = 0

    def add(self, place: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(place, message))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if not self.items:
            return
        problems = list(self.items)
        if self.more:
            problems.append(
                Problem("Datei", f"… und {self.more} weitere Probleme dieser Art.")
            )
        raise GeodataError(self.code, problems)


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


# -- tables: population and streets ---------------------------------------------------


DISTRICT_COLUMNS = (
    "district_id",
    "district",
    "district_code",
    "code",
    "id",
    "gebiet",
    "gebiet_id",
    "gebietsnummer",
    "gebietskennung",
    "kennung",
    "sozialraum",
    "nr",
)
POPULATION_COLUMNS = {
    "district": DISTRICT_COLUMNS,
    "variable": ("variable", "merkmal", "gruppe", "group"),
    "level": ("level", "auspraegung", "kategorie", "category", "wert", "value"),
    "count": ("count", "anzahl", "n", "personen", "einwohner", "haushalte"),
}
_STREET_COLUMNS = {
    "street": ("street", "strasse", "strassenname", "name", "street_name"),
    "district": DISTRICT_COLUMNS,
}


@dataclass(frozen=True)
class PopulationRow:
    code: str
    variable: str
    level: str
    count: int


@dataclass(frozen=True)
class StreetTable:
    rows: tuple[tuple[str, str], ...]  # (street name, district code)
    duplicates: int  # identical lines merged


def parse_population_csv(
    data: bytes, known_codes: Iterable[str]
) -> list[PopulationRow]:
    """Population counts per district × group variable × level.

    Columns (by header name, any order): district id, variable, level, count.
    Refuses unknown district ids, counts that are not whole numbers ≥ 0 and
    duplicate (district, variable, level) lines, naming each line.
    """
    known = set(known_codes)
    lines, columns = _read_table(data, POPULATION_COLUMNS)
    problems = _Problems("bad_population")
    seen: dict[tuple[str, str, str], int] = {}
    result = []
    for number, row in lines:
        place = f"Zeile {number}"
        code = row[columns["district"]].strip()
        variable = " ".join(row[columns["variable"]].split())
        level = " ".join(row[columns["level"]].split())
        text = row[columns["count"]].strip()
        ok = True
        if code not in known:
            problems.add(
                place,
                f"Das Gebiet {code!r} gibt es in dieser Gebietsgliederung nicht."
                if code
                else "Die Gebietskennung fehlt.",
            )
            ok = False
        for label, value in (("Merkmal", variable), ("Ausprägung", level)):
            if not value:
                problems.add(place, f"{label} fehlt.")
                ok = False
            elif len(value) > MAX_LABEL_LENGTH:
                problems.add(
                    place, f"{label} ist länger als {MAX_LABEL_LENGTH} Zeichen."
                )
                ok = False
        if not re.fullmatch(r"\d+", text) or int(text) > MAX_COUNT:
            problems.add(
                place,
                f"Die Anzahl {text!r} ist keine ganze Zahl ≥ 0 "
                "(ohne Tausenderpunkte und Nachkommastellen)."
                if text
                else "Die Anzahl fehlt.",
            )
            ok = False
        key = (code, variable, level)
        if ok and key in seen:
            problems.add(
                place,
                f"Gebiet {code}, {variable} = {level} steht schon in Zeile "
                f"{seen[key]}.",
            )
            ok = False
        if ok:
            seen[key] = number
            result.append(PopulationRow(code, variable, level, int(text)))
    problems.raise_if_any()
    return result


def parse_street_csv(data: bytes, known_codes: Iterable[str]) -> StreetTable:
    """A street directory: street name and district id per line (a street in
    several districts has several lines). Identical lines are merged."""
    known = set(known_codes)
    lines, columns = _read_table(data, _STREET_COLUMNS)
    problems = _Problems("bad_streets")
    rows: dict[tuple[str, str], int] = {}
    duplicates = 0
    for number, row in lines:
        place = f"Zeile {number}"
        street = " ".join(row[columns["street"]].split())
        code = row[columns["district"]].strip()
        ok = True
        if not street:
            problems.add(place, "Der Straßenname fehlt.")
            ok = False
        elif len(street) > MAX_NAME_LENGTH:
            problems.add(
                place, f"Der Straßenname ist länger als {MAX_NAME_LENGTH} Zeichen."
            )
            ok = False
        if code not in known:
            problems.add(
                place,
                f"Das Gebiet {code!r} gibt es in dieser Gebietsgliederung nicht."
                if code
                else "Die Gebietskennung fehlt.",
            )
            ok = False
        if ok:
            if (street, code) in rows:
                duplicates += 1
            else:
                rows[(street, code)] = number
    problems.raise_if_any()
    return StreetTable(tuple(rows), duplicates)


def _read_table(
    data: bytes, wanted: Mapping[str, Sequence[str]]
) -> tuple[list[tuple[int, list[str]]], dict[str, int]]:
    """Data lines (line number, fields) and the index of each wanted column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _fail(
            "not_utf8",
            f"Zeile {line}",
            "Die Datei ist nicht UTF-8-kodiert. Speichern Sie sie als „CSV UTF-8“.",
        ) from error
    if not text.strip():
        raise _fail("empty_file", "Datei", "Die Datei ist leer.")
    first = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    if first.count(delimiter) == 0:
        raise _fail(
            "no_separator",
            "Zeile 1",
            "Die Kopfzeile hat kein Trennzeichen (Komma oder Semikolon).",
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        keys = [_column_key(name) for name in header]
        columns: dict[str, int] = {}
        for column, aliases in wanted.items():
            matches = [i for i, key in enumerate(keys) if key in aliases]
            if not matches:
                raise _fail(
                    "missing_column",
                    "Zeile 1",
                    f"Die Spalte für {_COLUMN_LABELS[column]} fehlt; mögliche "
                    f"Überschriften: {', '.join(aliases[:4])}. Gefunden: "
                    f"{', '.join(header)}.",
                )
            columns[column] = matches[0]
        lines = []
        width = len(header)
        problems = _Problems("bad_table")
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                problems.add(
                    f"Zeile {number}",
                    f"{len(row)} statt {width} Felder (Trennzeichen {delimiter!r}).",
                )
                continue
            lines.append((number, row))
        problems.raise_if_any()
    except csv.Error as error:
        raise _fail(
            "bad_csv",
            f"Zeile {reader.line_num}",
            f"Die CSV-Datei ist fehlerhaft ({error}).",
        ) from error
    if not lines:
        raise _fail("no_rows", "Datei", "Die Datei enthält nur die Kopfzeile.")
    return lines, columns


_COLUMN_LABELS = {
    "district": "die Gebietskennung",
    "variable": "das Merkmal",
    "level": "die Ausprägung",
    "count": "die Anzahl",
    "street": "den Straßennamen",
}


def _column_key(name: str) -> str:
    text = unicodedata.normalize("NFC", name).strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")
