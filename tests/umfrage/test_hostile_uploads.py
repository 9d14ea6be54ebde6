"""Findings 7 and 8: hostile district layers and questionnaire YAML are refused
with a clear message in bounded time and memory (each ≤ 5 s and ≤ 200 MB peak,
measured with tracemalloc), and error pages list only the first problems."""

from __future__ import annotations

import io
import re
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
import shapefile
from flask import Flask
from flask.testing import FlaskClient

from fragebogen.errors import DefinitionError
from fragebogen.yaml_format import load_yaml
from tests.conftest import csrf_token, login
from tests.umfrage.helpers import (
    PASSWORD,
    add_staff,
    finish_import,
    follow_job,
    last_job,
)
from umfrage.verwaltung import geodata
from umfrage.verwaltung.geodata import GeodataError

#: CPU seconds of the calling thread: what the parse costs, whatever else the
#: machine runs at the time.
MAX_SECONDS = 5.0
MAX_PEAK_BYTES = 200 * 1024 * 1024
MB = 1024 * 1024


def measured(
    call: Callable[[], Any], error: type[Exception]
) -> tuple[Exception, float, int]:
    """Run ``call``, which must raise ``error``; return it, its CPU seconds and its
    peak bytes."""
    tracemalloc.start()
    start = time.thread_time()
    try:
        call()
    except error as caught:
        elapsed = time.thread_time() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return caught, elapsed, peak
    tracemalloc.stop()
    pytest.fail("the hostile file was accepted")


def small_dbf_and_shx() -> dict[str, bytes]:
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON)
    writer.field("STT_NR", "C", size=10)
    writer.shape(
        {"type": "Polygon", "coordinates": [[(9, 53), (9.1, 53), (9, 53.1), (9, 53)]]}
    )
    writer.record("1")
    writer.close()
    return {".shp": shp.getvalue(), ".shx": shx.getvalue(), ".dbf": dbf.getvalue()}


def shp_header(length_bytes: int) -> bytes:
    header = struct.pack(">6iI", 9994, 0, 0, 0, 0, 0, length_bytes // 2)
    return header + struct.pack("<2i4d4d", 1000, 5, 9, 53, 10, 54, 0, 0, 0, 0)


def polygon_record(number: int, points: int) -> bytes:
    content = struct.pack("<i4d2i", 5, 9, 53, 10, 54, 1, points) + struct.pack("<i", 0)
    content += struct.pack("<2d", 9.5, 53.5) * points
    return struct.pack(">2i", number, len(content) // 2) + content


def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for ext, content in parts.items():
            archive.writestr(f"Stadtteile{ext}", content)
    return buffer.getvalue()


def with_shp(shp_body: bytes) -> bytes:
    parts = small_dbf_and_shx()
    parts[".shp"] = shp_header(100 + len(shp_body)) + shp_body
    return zipped(parts)


def lying_zip() -> bytes:
    """100 MB of zeros whose ZIP directory claims 1 KB."""
    parts = small_dbf_and_shx()
    parts[".shp"] = shp_header(100 * MB) + bytes(100 * MB - 100)
    data = bytearray(zipped(parts))
    directory = data.rfind(b"PK\x01\x02", 0, data.find(b"PK\x05\x06"))
    while directory != -1:
        name_length = struct.unpack("<H", data[directory + 28 : directory + 30])[0]
        name = bytes(data[directory + 46 : directory + 46 + name_length])
        if name.endswith(b".shp"):
            data[directory + 24 : directory + 28] = struct.pack("<I", 1024)
            local = struct.unpack("<I", data[directory + 42 : directory + 46])[0]
            data[local + 22 : local + 26] = struct.pack("<I", 1024)
        directory = data.rfind(b"PK\x01\x02", 0, directory)
    return bytes(data)


def geojson_points(count: int) -> bytes:
    ring = b"[9.5,53.5]," * count + b"[9.5,53.5]"
    return (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        b'"geometry":{"type":"Polygon","coordinates":[[' + ring + b"]]}}]}"
    )


LAYER_SAMPLES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "zip_declared_100mb": (
        lambda: zipped({**small_dbf_and_shx(), ".shp": bytes(100 * MB)}),
        "zip_too_large",
        "ZIP-Datei",
    ),
    "zip_lying_sizes": (lying_zip, "bad_zip", "ZIP-Datei"),
    "shp_three_million_vertices": (
        lambda: with_shp(polygon_record(1, 3_000_000)),
        "too_many_vertices",
        "Objekt 1",
    ),
    "shp_many_small_rings": (
        lambda: with_shp(b"".join(polygon_record(n, 200_000) for n in range(1, 7))),
        "too_many_vertices",
        "Datei",
    ),
    "shp_ten_thousand_features": (
        lambda: with_shp(
            b"".join(
                struct.pack(">2i", n, 2) + struct.pack("<i", 0)
                for n in range(1, 10_001)
            )
        ),
        "too_many_features",
        "Datei",
    ),
    "geojson_30mb": (lambda: b" " * (30 * MB), "geojson_too_large", "Datei"),
    "geojson_two_million_vertices": (
        lambda: geojson_points(2_000_000),
        "too_many_vertices",
        "Datei",
    ),
    "geojson_deep_nesting": (
        lambda: b'{"type":"FeatureCollection","features":' + b"{" * 0 + b"[" * 500_000,
        "json_too_deep",
        "Datei",
    ),
}


@pytest.mark.parametrize("name", sorted(LAYER_SAMPLES))
def test_hostile_layer_files_are_refused_in_bounded_time_and_memory(name: str) -> None:
    make, code, place = LAYER_SAMPLES[name]
    data = make()
    error, seconds, peak = measured(
        lambda: geodata.read_layer_file(data, "angriff.zip"), GeodataError
    )
    assert isinstance(error, GeodataError)
    assert error.code == code, str(error)
    assert error.problems[0].place == place
    assert error.problems[0].message
    assert seconds <= MAX_SECONDS, (name, seconds)
    assert peak <= MAX_PEAK_BYTES, (name, peak // MB)


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


YAML_SAMPLES: dict[str, tuple[Callable[[], str], str]] = {
    "billion_laughs": (alias_bomb, "too_many_aliases"),
    "deep_nesting": (lambda: "x: " + "[" * 50_000, "too_deep"),
    "deep_mappings": (
        lambda: "".join(f"{'  ' * n}k{n}:\n" for n in range(500)),
        "too_deep",
    ),
    "three_megabytes": (lambda: "# " + "x" * (3 * MB), "too_large"),
    "many_nodes": (lambda: "- a\n" * 450_000, "too_many_nodes"),
}


@pytest.mark.parametrize("name", sorted(YAML_SAMPLES))
def test_hostile_yaml_is_refused_in_bounded_time_and_memory(name: str) -> None:
    make, code = YAML_SAMPLES[name]
    text = make()
    error, seconds, peak = measured(lambda: load_yaml(text), DefinitionError)
    assert isinstance(error, DefinitionError)
    assert [p.code for p in error.problems] == [code]
    assert error.problems[0].message
    assert seconds <= MAX_SECONDS, (name, seconds)
    assert peak <= MAX_PEAK_BYTES, (name, peak // MB)


def test_limits_come_from_the_config(app: Flask) -> None:
    """The admin upload and designer import use the configured limits and show a
    clear message with a 4xx."""
    add_staff(app)
    app.config.update(LAYER_MAX_VERTICES=1000, YAML_MAX_ALIASES=2)
    admin = app.test_client()
    assert login(admin, "admin", PASSWORD).status_code == 302
    page = admin.get("/verwaltung/gebiete/neu").get_data(as_text=True)
    resp = admin.post(
        "/verwaltung/gebiete/neu",
        data={
            "csrf_token": csrf_token(page),
            "file": (io.BytesIO(geojson_points(5000)), "gross.geojson"),
        },
        content_type="multipart/form-data",
    )
    resp = follow_job(admin, resp)  # checked by a job, which fails
    assert resp.status_code == 200
    assert "mehr als 1000 Eckpunkte" in resp.get_data(as_text=True)
    assert last_job(app, "layer_upload")[0] == "failed"

    designer = app.test_client()
    assert login(designer, "gestaltung", PASSWORD).status_code == 302
    url = "/gestaltung/fragebogen/importieren"
    text = alias_bomb(2).encode()
    resp = finish_import(designer, upload_yaml(designer, url, text))
    assert resp.status_code == 200
    assert "mehr als 2 YAML-Verweise" in resp.get_data(as_text=True)
    assert last_job(app, "questionnaire_import")[0] == "failed"


def upload_yaml(client: FlaskClient, url: str, content: bytes) -> Any:
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(content), "f.yaml")},
        content_type="multipart/form-data",
    )


def test_import_error_page_lists_only_the_first_problems(app: Flask) -> None:
    add_staff(app)
    designer = app.test_client()
    assert login(designer, "gestaltung", PASSWORD).status_code == 302
    pages = "".join(
        f"  - title: Seite {n}\n    questions:\n      - name: Falsch{n}\n"
        f"        type: gibtsnicht\n        label: x\n"
        for n in range(60)
    )
    text = f"name: viele\ntitle: Viele Fehler\npages:\n{pages}".encode()
    resp = upload_yaml(designer, "/gestaltung/fragebogen/importieren", text)
    resp = finish_import(designer, resp)  # the failed job's page
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    listed = body[body.index('<ul class="problem-list">') :]
    listed = listed[: listed.index("</ul>")]
    # 20 problems with their place, then the note that more were found
    assert listed.count("<li>") == 21
    assert len(re.findall(r"<li>(?:languages|pages\[\d+\][.\w\[\]]*): ", listed)) == 20
    assert "<li>Gezeigt sind die ersten 20 von 121 Fehlern.</li>" in listed
    assert len(body) < 30_000
