"""District geodata without an app: reading GeoJSON and zipped Shapefiles in the
systems municipal GIS export (WGS84, UTM 32N/33N, Gauß-Krüger zone 4), reprojecting
to WGS84 within 1 m, and refusing broken files with a message naming the place.

The reprojected files are made here from the real Konstanz Stadtteile with pyproj and
pyshp, as a municipal GIS would export them. The helpers are shared with
``test_verwaltung_layers.py``.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapefile
import shapely
from pyproj import CRS, Transformer
from pyproj.enums import WktVersion
from shapely.geometry import mapping, shape

from umfrage.verwaltung import geodata
from umfrage.verwaltung.geodata import GeodataError

DATA = Path(__file__).parent / "data"
KONSTANZ = DATA / "konstanz-stadtteile.geojson"
KONSTANZ_POPULATION = DATA / "konstanz-einwohner-nach-stadtteilen.csv"
HAMBURG = (
    Path(__file__).parents[2]
    / "umfrage"
    / "demo_data"
    / "hamburg"
    / "hamburg-district-regions.geojson"
)
METRIC = "EPSG:25832"


# -- helpers (also used by the HTTP tests) -----------------------------------------


def konstanz() -> dict[str, Any]:
    return json.loads(KONSTANZ.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def reproject_collection(
    document: dict[str, Any], epsg: int, declare: bool = True
) -> dict[str, Any]:
    """The FeatureCollection with coordinates in ``epsg``; with ``declare`` a
    ``crs`` member names the system, as QGIS and ArcGIS write it."""
    transformer = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    result: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if declare:
        result["crs"] = {
            "type": "name",
            "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"},
        }
    for feature in document["features"]:
        geometry = shapely.transform(shape(feature["geometry"]), project)
        result["features"].append(
            {
                "type": "Feature",
                "properties": dict(feature["properties"]),
                "geometry": json.loads(json.dumps(mapping(geometry))),
            }
        )
    return result


def geojson_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode("utf-8")


def zipped_shapefile(
    document: dict[str, Any],
    epsg: int | None,
    *,
    fields: Sequence[str] = ("STT_NR", "STT_NAME"),
    encoding: str = "utf-8",
    cpg: bool = True,
    stem: str = "Stadtteile",
    extra: dict[str, bytes] | None = None,
    leave_out: Sequence[str] = (),
) -> bytes:
    """A zipped Shapefile (.shp, .shx, .dbf, .prj in ESRI WKT, .cpg) of the
    collection, whose coordinates must already be in ``epsg``."""
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(
        shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON, encoding=encoding
    )
    for name in fields:
        writer.field(name, "C", size=60)
    for feature in document["features"]:
        writer.shape(feature["geometry"])
        writer.record(*[feature["properties"].get(name) or "" for name in fields])
    writer.close()
    parts = {".shp": shp.getvalue(), ".shx": shx.getvalue(), ".dbf": dbf.getvalue()}
    if epsg is not None:
        parts[".prj"] = CRS.from_epsg(epsg).to_wkt(WktVersion.WKT1_ESRI).encode()
    if cpg:
        parts[".cpg"] = encoding.upper().encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for ext, content in parts.items():
            if ext not in leave_out:
                archive.writestr(f"{stem}{ext}", content)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def max_deviation_m(
    originals: Sequence[dict[str, Any]], imported: Sequence[dict[str, Any]]
) -> float:
    """Largest Hausdorff distance in metres (EPSG:25832) between paired polygons."""
    transformer = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)

    def metric(geometry: dict[str, Any]) -> Any:
        return shapely.transform(
            shape(geometry),
            lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1])),
        )

    assert len(originals) == len(imported)
    return max(
        metric(a).hausdorff_distance(metric(b))
        for a, b in zip(originals, imported, strict=True)
    )


def by_code(features: Sequence[Any], key: str = "STT_NR") -> dict[str, Any]:
    return {
        str(f["properties"][key] if isinstance(f, dict) else f.properties[key]): f
        for f in features
    }


def long_population_csv(year: str = "2025", separator: str = ";") -> str:
    """The real Konstanz inhabitants per Stadtteil (wide, one column per
    Stadtteil) as the long table the app takes: district id, variable, level, count."""
    names = {
        f["properties"]["STT_NAME"].lower().replace("_", ""): f["properties"]["STT_NR"]
        for f in konstanz()["features"]
    }
    lines = KONSTANZ_POPULATION.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = next(line.split(",") for line in lines[1:] if line.startswith(year))
    out = [separator.join(["district_id", "variable", "level", "count"])]
    for column, value in zip(header[1:], row[1:], strict=True):
        out.append(separator.join([names[column], "einwohner", "insgesamt", value]))
    return "\n".join(out) + "\n"


def error_of(call: Any, *args: Any, **kwargs: Any) -> GeodataError:
    with pytest.raises(GeodataError) as info:
        call(*args, **kwargs)
    return info.value


def text_of(error: GeodataError) -> str:
    return " | ".join(str(p) for p in error.problems)


# -- reading the real files ----------------------------------------------------------


def test_konstanz_geojson_reads_with_ids_as_strings() -> None:
    layer = geodata.read_layer_file(KONSTANZ.read_bytes(), KONSTANZ.name)
    assert layer.source_format == "GeoJSON"
    assert layer.crs == "EPSG:4326"
    assert len(layer.features) == 15
    summaries = {s.name: s for s in layer.property_summaries()}
    assert summaries["STT_NR"].unique
    assert summaries["STT_NAME"].unique
    assert summaries["AREA"].present == 0  # null in the export
    guess = geodata.guess_properties(layer.property_summaries())
    assert (guess.id_property, guess.name_property) == ("STT_NR", "STT_NAME")
    districts = geodata.build_districts(layer.features, "STT_NR", "STT_NAME")
    assert sorted(d.code for d in districts)[:3] == ["010", "020", "030"]
    # nothing moved: WGS84 in, WGS84 out (rounded to about 1 cm)
    assert (
        max_deviation_m(
            [f["geometry"] for f in konstanz()["features"]],
            [f.geometry for f in layer.features],
        )
        < 0.01
    )


def test_hamburg_guesses_the_bezirk_as_parent() -> None:
    layer = geodata.read_layer_file(HAMBURG.read_bytes(), HAMBURG.name)
    assert len(layer.features) == 104
    assert layer.crs_origin.startswith("GeoJSON-Standard")
    guess = geodata.guess_properties(layer.property_summaries())
    assert guess == geodata.PropertyGuess("id", "name", "district_name")
    districts = geodata.build_districts(layer.features, "id", "name", "district_name")
    altstadt = next(d for d in districts if d.code == "0101")
    assert (altstadt.name, altstadt.parent_name) == (
        "Hamburg-Altstadt",
        "Hamburg-Mitte",
    )


def test_rings_follow_rfc_7946_orientation() -> None:
    layer = geodata.read_layer_file(
        zipped_shapefile(konstanz(), 4326), "stadtteile.zip"
    )
    for feature in layer.features:
        for polygon in getattr(
            shape(feature.geometry), "geoms", [shape(feature.geometry)]
        ):
            assert polygon.exterior.is_ccw
            assert all(not ring.is_ccw for ring in polygon.interiors)


# -- reprojection within 1 m ----------------------------------------------------------


@pytest.mark.parametrize("epsg", [25832, 25833, 31468])
@pytest.mark.parametrize("form", ["geojson-declared", "geojson-stated", "shapefile"])
def test_reprojected_exports_land_within_one_metre(epsg: int, form: str) -> None:
    original = konstanz()
    projected = reproject_collection(original, epsg, declare=form == "geojson-declared")
    if form == "shapefile":
        data, name, stated = zipped_shapefile(projected, epsg), "kn.zip", None
    else:
        data, name = geojson_bytes(projected), "kn.geojson"
        stated = f"EPSG:{epsg}" if form == "geojson-stated" else None
    layer = geodata.read_layer_file(data, name, stated)
    assert layer.crs == f"EPSG:{epsg}"
    imported = by_code(layer.features)
    originals = by_code(original["features"])
    assert imported.keys() == originals.keys()
    deviation = max_deviation_m(
        [originals[c]["geometry"] for c in sorted(originals)],
        [imported[c].geometry for c in sorted(originals)],
    )
    assert deviation < 1.0, deviation
    if epsg == 31468:
        assert any("BeTA2007" in note for note in layer.notes)


def test_shapefile_without_prj_needs_the_stated_crs() -> None:
    data = zipped_shapefile(reproject_collection(konstanz(), 25832), None)
    error = error_of(geodata.read_layer_file, data, "kn.zip")
    assert error.code == "crs_unknown"
    assert ".prj" in text_of(error)
    layer = geodata.read_layer_file(data, "kn.zip", "EPSG:25832")
    assert layer.crs_origin == "Ihre Angabe beim Hochladen"
    assert len(layer.features) == 15


def test_stated_crs_that_contradicts_the_prj_is_refused() -> None:
    data = zipped_shapefile(reproject_collection(konstanz(), 25832), 25832)
    error = error_of(geodata.read_layer_file, data, "kn.zip", "EPSG:31468")
    assert error.code == "crs_conflict"
    assert "Gauß-Krüger" in text_of(error)
    assert "UTM Zone 32N" in text_of(error)


def test_windows_1252_dbf_without_cpg_is_read_with_a_note() -> None:
    document = konstanz()
    document["features"][0]["properties"]["STT_NAME"] = "Fürstenberg-Süd"
    data = zipped_shapefile(document, 4326, encoding="cp1252", cpg=False)
    layer = geodata.read_layer_file(data, "kn.zip")
    assert layer.features[0].properties["STT_NAME"] == "Fürstenberg-Süd"
    assert any("Windows-1252" in note for note in layer.notes)


def test_shapefile_in_a_folder_inside_the_zip_with_mac_debris() -> None:
    data = zipped_shapefile(
        konstanz(),
        4326,
        stem="export/Stadtteile",
        extra={"__MACOSX/export/._Stadtteile.shp": b"junk", "liesmich.txt": b"x"},
    )
    assert len(geodata.read_layer_file(data, "kn.zip").features) == 15


# -- broken files --------------------------------------------------------------------


def test_invalid_json_names_line_and_column() -> None:
    data = KONSTANZ.read_bytes()[:5000]
    error = error_of(geodata.read_layer_file, data, "kn.geojson")
    assert error.code == "invalid_json"
    assert error.problems[0].place.startswith("Zeile 1, Spalte")


def test_other_json_and_empty_collection_are_refused() -> None:
    assert error_of(geodata.read_layer_file, b"[1, 2]", "x.json").code == (
        "not_feature_collection"
    )
    empty = geojson_bytes({"type": "FeatureCollection", "features": []})
    error = error_of(geodata.read_layer_file, empty, "x.geojson")
    assert error.code == "no_features"
    assert error_of(geodata.read_layer_file, b"", "x.geojson").code == "empty_file"


def test_self_intersecting_polygon_is_refused_not_repaired() -> None:
    document = konstanz()
    feature = document["features"][2]  # Litzelstetten, STT_NR 110
    geometry = feature["geometry"]
    ring = (
        geometry["coordinates"][0]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"][0][0]
    )
    ring[10], ring[30] = ring[30], ring[10]
    error = error_of(geodata.read_layer_file, geojson_bytes(document), "kn.geojson")
    assert error.code == "invalid_geometry"
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert problem.place.startswith("Objekt 3 (STT_NR 110")
    assert "schneidet sich selbst" in problem.message


def test_features_without_polygons_are_named() -> None:
    document = konstanz()
    document["features"][0]["geometry"] = None
    document["features"][4]["geometry"] = {"type": "Point", "coordinates": [9.1, 47.6]}
    error = error_of(geodata.read_layer_file, geojson_bytes(document), "kn.geojson")
    assert [p.place.split(" (")[0] for p in error.problems] == ["Objekt 1", "Objekt 5"]
    assert "keine Geometrie" in error.problems[0].message
    assert "Point" in error.problems[1].message


def test_swapped_latitude_and_longitude_are_refused() -> None:
    document = konstanz()
    for feature in document["features"]:
        geometry = shape(feature["geometry"])
        swapped = shapely.transform(geometry, lambda c: c[:, ::-1].copy())
        feature["geometry"] = json.loads(json.dumps(mapping(swapped)))
    error = error_of(geodata.read_layer_file, geojson_bytes(document), "kn.geojson")
    assert error.code == "swapped_axes"
    assert "vertauscht" in text_of(error)


def test_utm_numbers_in_a_file_without_crs_are_refused_with_a_guess() -> None:
    document = reproject_collection(konstanz(), 25832, declare=False)
    error = error_of(geodata.read_layer_file, geojson_bytes(document), "kn.geojson")
    assert error.code == "not_degrees"
    assert "UTM" in text_of(error)
    assert error.problems[0].place.startswith("Objekt 1 (STT_NR 090")


def test_gauss_krueger_numbers_stated_as_utm_are_refused() -> None:
    document = reproject_collection(konstanz(), 31468, declare=False)
    error = error_of(
        geodata.read_layer_file, geojson_bytes(document), "kn.geojson", "EPSG:25832"
    )
    assert error.code == "implausible_coordinates"
    assert "15 von 15" in text_of(error)
    assert "Gauß-Krüger Zone 4 (EPSG:31468)" in text_of(error)


def test_degrees_stated_as_metres_are_refused() -> None:
    error = error_of(
        geodata.read_layer_file, KONSTANZ.read_bytes(), "kn.geojson", "EPSG:25832"
    )
    # the file declares EPSG:4326 itself
    assert error.code == "crs_conflict"
    document = konstanz()
    del document["crs"]
    error = error_of(
        geodata.read_layer_file, geojson_bytes(document), "kn.geojson", "EPSG:25832"
    )
    assert error.code == "degrees_not_metres"


def test_duplicated_district_overlaps() -> None:
    document = konstanz()
    twin = copy.deepcopy(document["features"][12])  # Altstadt
    twin["properties"]["STT_NR"] = "999"
    document["features"].append(twin)
    error = error_of(geodata.read_layer_file, geojson_bytes(document), "kn.geojson")
    assert error.code == "overlap"
    assert "Objekt 13 (STT_NR 010" in text_of(error)
    assert "Objekt 16 (STT_NR 999" in text_of(error)
    assert "100 %" in text_of(error)


def test_zip_without_shp_and_other_broken_zips() -> None:
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("stadtteile.geojson", KONSTANZ.read_bytes())
    error = error_of(geodata.read_layer_file, plain.getvalue(), "kn.zip")
    assert error.code == "no_shp"
    assert "stadtteile.geojson" in text_of(error)

    no_dbf = zipped_shapefile(konstanz(), 4326, leave_out=[".dbf"])
    assert error_of(geodata.read_layer_file, no_dbf, "kn.zip").code == "no_dbf"

    two = zipped_shapefile(konstanz(), 4326, extra={"zwei.shp": b"", "zwei.dbf": b""})
    assert error_of(geodata.read_layer_file, two, "kn.zip").code == "several_shp"

    truncated = zipped_shapefile(konstanz(), 4326)[:3000]
    assert error_of(geodata.read_layer_file, truncated, "kn.zip").code == "bad_zip"

    broken_shp = io.BytesIO()
    with zipfile.ZipFile(broken_shp, "w") as archive:
        archive.writestr("a.shp", b"\x00" * 50)
        archive.writestr("a.dbf", b"\x00" * 50)
    assert error_of(geodata.read_layer_file, broken_shp.getvalue(), "a.zip").code == (
        "bad_shapefile"
    )


def test_loose_shp_file_is_refused_with_a_hint_to_zip_it() -> None:
    error = error_of(geodata.read_layer_file, b"\x00\x00\x27\x0a", "stadtteile.shp")
    assert error.code == "shapefile_not_zipped"
    assert "ZIP" in text_of(error)


# -- choosing id and name --------------------------------------------------------------


def test_missing_and_duplicate_ids_are_named() -> None:
    document = konstanz()
    del document["features"][3]["properties"]["STT_NR"]
    document["features"][7]["properties"]["STT_NR"] = "090"  # as Objekt 1
    layer = geodata.read_layer_file(geojson_bytes(document), "kn.geojson")
    error = error_of(geodata.build_districts, layer.features, "STT_NR", "STT_NAME")
    assert error.code == "bad_properties"
    messages = text_of(error)
    assert "Objekt 4 (" in messages
    assert "Kennung fehlt" in messages
    assert "Objekt 8 (" in messages
    assert "'090' gibt es schon bei Objekt 1" in messages


def test_numeric_ids_become_text() -> None:
    layer = geodata.read_layer_file(KONSTANZ.read_bytes(), "kn.geojson")
    districts = geodata.build_districts(layer.features, "STT", "STT_NAME")
    assert sorted(d.code for d in districts)[:2] == ["10", "100"]


def test_outline_draws_one_path_per_district() -> None:
    layer = geodata.read_layer_file(KONSTANZ.read_bytes(), "kn.geojson")
    drawn = geodata.outline(
        [f.geometry for f in layer.features], list("ABCDEFGHIJKLMNO")
    )
    assert len(drawn.paths) == 15
    assert drawn.paths[0][0] == "A"
    assert drawn.paths[0][1].startswith("M")


# -- population and street tables ------------------------------------------------------


CODES = [f["properties"]["STT_NR"] for f in konstanz()["features"]]


@pytest.mark.parametrize(
    ("separator", "bom"), [(";", True), (",", False), (";", False), (",", True)]
)
def test_population_csv_in_utf8_with_or_without_bom(separator: str, bom: bool) -> None:
    text = long_population_csv(separator=separator)
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    rows = geodata.parse_population_csv(data, CODES)
    assert len(rows) == 15
    assert sum(r.count for r in rows) == 87_178  # the README's 2025 total
    altstadt = next(r for r in rows if r.code == "010")
    assert (altstadt.variable, altstadt.level) == ("einwohner", "insgesamt")


def test_population_csv_problems_name_the_line() -> None:
    text = (
        "Gebiet;Merkmal;Ausprägung;Anzahl\n"
        "010;family_type;single_parent;412\n"
        "10;family_type;single_parent;3\n"
        "020;family_type;single_parent;1.234\n"
        "020;family_type;couple_family;-5\n"
        "010;family_type;single_parent;7\n"
        "030;family_type;single_parent\n"
    )
    error = error_of(geodata.parse_population_csv, text.encode(), CODES)
    problems = [str(p) for p in error.problems]
    assert problems[0].startswith("Zeile 7: 3 statt 4 Felder")
    error = error_of(
        geodata.parse_population_csv, text.rsplit("030", 1)[0].encode(), CODES
    )
    assert [p.place for p in error.problems] == [
        "Zeile 3",
        "Zeile 4",
        "Zeile 5",
        "Zeile 6",
    ]
    text_ = text_of(error)
    assert "'10' gibt es in dieser Gebietsgliederung nicht" in text_
    assert "'1.234' ist keine ganze Zahl" in text_
    assert "steht schon in Zeile 2" in text_


def test_population_csv_encoding_and_header_problems() -> None:
    latin = "Gebiet;Merkmal;Ausprägung;Anzahl\n010;a;b;1\n".encode("cp1252")
    error = error_of(geodata.parse_population_csv, latin, CODES)
    assert error.code == "not_utf8"
    assert error.problems[0].place == "Zeile 1"
    error = error_of(geodata.parse_population_csv, b"gebiet;anzahl\n010;3\n", CODES)
    assert error.code == "missing_column"
    assert "Merkmal" in text_of(error)
    error = error_of(
        geodata.parse_population_csv, b"gebiet;merkmal;level;anzahl\n", CODES
    )
    assert error.code == "no_rows"


def test_street_csv_merges_identical_lines_and_names_unknown_districts() -> None:
    text = (
        "Straße,Gebiet\n"
        "Marktstätte,010\n"
        "Seestraße,020\n"
        "Seestraße,030\n"
        "Marktstätte,010\n"
    )
    table = geodata.parse_street_csv(text.encode(), CODES)
    assert table.rows == (
        ("Marktstätte", "010"),
        ("Seestraße", "020"),
        ("Seestraße", "030"),
    )
    assert table.duplicates == 1
    error = error_of(
        geodata.parse_street_csv, (text + ",010\nHafenstraße,999\n").encode(), CODES
    )
    assert [str(p) for p in error.problems] == [
        "Zeile 6: Der Straßenname fehlt.",
        "Zeile 7: Das Gebiet '999' gibt es in dieser Gebietsgliederung nicht.",
    ]


def _one(geometry: Any) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"id": "7"}, "geometry": geometry}
            ],
        },
        allow_nan=True,
    ).encode()


SQUARE = [[9.17, 47.66], [9.18, 47.66], [9.18, 47.67], [9.17, 47.66]]


@pytest.mark.parametrize(
    ("coordinates", "message"),
    [
        ([], "leer"),
        ([[["a", "b"], ["c", "d"], ["e", "f"], ["a", "b"]]], "kein Zahlenpaar"),
        ([[[9.1, 47.6], [9.2, 47.6], [9.1, 47.6]]], "mindestens 4"),
        ([9.1, 47.6], "falsch verschachtelt"),
        ([[[9.1, 47.6], [9.2, 47.6], [9.2, float("nan")], [9.1, 47.6]]], "endliche"),
        ([[[10**400, 47.6], [9.2, 47.6], [9.2, 47.7], [10**400, 47.6]]], "endliche"),
        ([[[9.1, 47.6], [9.2], [9.2, 47.7], [9.1, 47.6]]], "kein Zahlenpaar"),
        ([[[9.1, 47.6], [9.2, 47.6], [9.2, 47.7], [9.1, None]]], "keine endliche"),
        (
            [[[9.1, 47.6], [9.2, 47.6], [9.3, 47.6], [9.1, 47.6]]],
            "keinen Flächeninhalt",
        ),
    ],
)
def test_malformed_coordinates_are_named_not_crashed_on(
    coordinates: Any, message: str
) -> None:
    error = error_of(
        geodata.read_layer_file,
        _one({"type": "Polygon", "coordinates": coordinates}),
        "x.geojson",
    )
    assert error.code == "invalid_geometry"
    assert error.problems[0].place == "Objekt 1 (id 7)"
    assert message in error.problems[0].message


def test_degrees_far_from_germany_are_implausible() -> None:
    far = [[x + 90, y] for x, y in SQUARE]
    error = error_of(
        geodata.read_layer_file,
        _one({"type": "Polygon", "coordinates": [far]}),
        "x.geojson",
    )
    assert error.code == "implausible_coordinates"
    assert "außerhalb des erwarteten Gebiets" in text_of(error)
    # another municipality's area can be configured
    layer = geodata.read_layer_file(
        _one({"type": "Polygon", "coordinates": [far]}),
        "x.geojson",
        bounds=(90.0, 40.0, 110.0, 50.0),
    )
    assert len(layer.features) == 1


def test_unreadable_crs_member_is_fine_when_the_admin_states_the_system() -> None:
    document = json.loads(_one({"type": "Polygon", "coordinates": [SQUARE]}))
    document["crs"] = {"type": "link", "properties": {"href": "x.prj"}}
    data = json.dumps(document).encode()
    assert error_of(geodata.read_layer_file, data, "x.geojson").code == (
        "unreadable_crs"
    )
    layer = geodata.read_layer_file(data, "x.geojson", "EPSG:4326")
    assert any("nicht lesbar" in note for note in layer.notes)


def test_three_dimensional_shapefile_is_flattened() -> None:
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGONZ)
    writer.field("ID", "C", size=5)
    writer.polyz([[[x, y, 400.0] for x, y in reversed(SQUARE)]])
    writer.record("001")
    writer.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for ext, part in ((".shp", shp), (".shx", shx), (".dbf", dbf)):
            archive.writestr(f"z{ext}", part.getvalue())
        archive.writestr("z.prj", CRS.from_epsg(4326).to_wkt(WktVersion.WKT1_ESRI))
    layer = geodata.read_layer_file(buffer.getvalue(), "z.zip")
    ring = layer.features[0].geometry["coordinates"][0]
    assert all(len(point) == 2 for point in ring)
    assert layer.features[0].properties == {"ID": "001"}
