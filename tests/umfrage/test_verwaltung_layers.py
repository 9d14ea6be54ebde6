"""Admin: district layers through the real forms on both databases — upload,
preview, confirm; reprojected GIS exports land within 1 m; broken files are refused
with a 4xx and a message naming the place, and change nothing; population and street
tables; deleting a layer a survey uses is refused."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import (
    PASSWORD,
    add_demo,
    add_staff,
    follow_job,
    last_job,
)
from tests.umfrage.test_geodata import (
    KONSTANZ,
    by_code,
    geojson_bytes,
    konstanz,
    long_population_csv,
    max_deviation_m,
    reproject_collection,
    zipped_shapefile,
)
from umfrage.extensions import db
from umfrage.models import (
    AuditLog,
    District,
    DistrictLayer,
    LayerUpload,
    PopulationFigure,
    Street,
    User,
)
from umfrage.verwaltung import services

UPLOAD = "/verwaltung/gebiete/neu"
PREVIEW = "/verwaltung/gebiete/neu/vorschau"


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    add_staff(app)
    assert login(client, "admin", PASSWORD).status_code == 302
    return client


def token(client: FlaskClient, url: str = UPLOAD) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def upload(client: FlaskClient, data: bytes, filename: str, crs: str = "") -> Any:
    """Upload a layer file and follow its job: 302 to the preview when done."""
    resp = client.post(
        UPLOAD,
        data={
            "file": (io.BytesIO(data), filename),
            "crs": crs,
            "csrf_token": token(client),
        },
        content_type="multipart/form-data",
    )
    return follow_job(client, resp)


def confirm(client: FlaskClient, **choices: str) -> Any:
    page = client.get(PREVIEW).get_data(as_text=True)
    match = re.search(r'name="upload_id"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="upload_id"', page
    )
    assert match is not None, page[:2000]
    data = {
        "upload_id": match.group(1),
        "name": "Konstanz – Stadtteile",
        "attribution": "Geometrie: Stadt Konstanz, Kleinräumige Gliederung",
        "id_property": "STT_NR",
        "name_property": "STT_NAME",
        "parent_property": "",
        "csrf_token": csrf_token(page),
        **choices,
    }
    return client.post(PREVIEW, data=data)


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: int(
                db.session.execute(sa.select(sa.func.count(model.id))).scalar_one()
            )
            for model in (
                DistrictLayer,
                District,
                LayerUpload,
                AuditLog,
                PopulationFigure,
                Street,
            )
        }


def stored_geometries(app: Flask, layer_name: str) -> dict[str, dict[str, Any]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(District.code, District.geometry)
            .join(DistrictLayer)
            .where(DistrictLayer.name == layer_name)
        ).all()
        return {code: geometry for code, geometry in rows}


def add_konstanz_layer(app: Flask) -> int:
    """The Konstanz layer made by the services (for tests of what follows)."""
    with app.app_context():
        admin_id = db.session.execute(
            sa.select(User.id).where(User.username == "admin")
        ).scalar_one()
        upload_row = services.stage_layer_upload(
            admin_id, "kn.geojson", KONSTANZ.read_bytes(), None
        )
        layer = services.confirm_layer_upload(
            admin_id,
            upload_row.id,
            services.LayerChoice(
                "Konstanz", "Stadt Konstanz", "STT_NR", "STT_NAME", None
            ),
        )
        return layer.id


# -- upload, preview, confirm ----------------------------------------------------------


def test_admin_uploads_konstanz_previews_and_confirms(
    app: Flask, admin: FlaskClient
) -> None:
    before = counts(app)
    resp = upload(admin, KONSTANZ.read_bytes(), "Kleinraeumige_Gliederung.geojson")
    assert resp.status_code == 302
    assert resp.headers["Location"] == PREVIEW
    assert last_job(app, "layer_upload") == ("done", None)  # read by a job
    assert list((Path(app.instance_path) / "uploads").iterdir()) == []
    assert counts(app)["district"] == before["district"]  # nothing saved yet

    preview = admin.get(PREVIEW).get_data(as_text=True)
    assert '<dd id="feature-count">15</dd>' in preview
    for name in ("STT_NR", "STT_NAME", "OBJECTID", "Industriegebiet"):
        assert name in preview
    assert "<svg" in preview
    assert 'value="Kleinraeumige Gliederung"' in preview  # proposed layer name
    assert re.search(
        r'<option selected value="STT_NR">|value="STT_NR" selected', preview
    )

    assert 'value="Sozialraum"' in preview  # proposed area term
    # the admin names the areas; the plural is proposed (Stadtteil → Stadtteile)
    resp = confirm(admin, area_term="Stadtteil", area_term_plural="")
    assert resp.status_code == 302
    layer_page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "mit 15 Gebieten ist angelegt" in layer_page
    assert "Stadtteil / Stadtteile" in layer_page
    assert "Petershausen_West" in layer_page
    assert "<td>010</td>" in layer_page  # leading zero kept

    after = counts(app)
    assert after["district_layer"] == before["district_layer"] + 1
    assert after["district"] == before["district"] + 15
    assert after["layer_upload"] == 0
    stored = stored_geometries(app, "Konstanz – Stadtteile")
    assert sorted(stored)[:3] == ["010", "020", "030"]
    original = by_code(konstanz()["features"])
    assert (
        max_deviation_m(
            [original[c]["geometry"] for c in sorted(original)],
            [stored[c] for c in sorted(original)],
        )
        < 0.01
    )
    with app.app_context():
        entry = db.session.execute(
            sa.select(AuditLog).order_by(AuditLog.id.desc()).limit(1)
        ).scalar_one()
        assert entry.action == "create_layer"
        assert entry.user.username == "admin"
        assert entry.details["districts"] == 15
        assert entry.details["crs"] == "EPSG:4326"
    # the public data sources page names the new layer's source
    sources = admin.get("/datenquellen").get_data(as_text=True)
    assert "Kleinräumige Gliederung" in sources


@pytest.mark.parametrize(
    ("epsg", "form"),
    [
        (25832, "geojson"),
        (25832, "shapefile"),
        (31468, "geojson-stated"),
        (31468, "shapefile"),
    ],
)
def test_reprojected_exports_uploaded_land_within_one_metre(
    app: Flask, admin: FlaskClient, epsg: int, form: str
) -> None:
    projected = reproject_collection(konstanz(), epsg, declare=form == "geojson")
    if form == "shapefile":
        resp = upload(admin, zipped_shapefile(projected, epsg), "stadtteile.zip")
    else:
        crs = f"EPSG:{epsg}" if form == "geojson-stated" else ""
        resp = upload(admin, geojson_bytes(projected), "stadtteile.geojson", crs)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    preview = admin.get(PREVIEW).get_data(as_text=True)
    assert f"EPSG:{epsg}" in preview
    assert "nach WGS84 umgerechnet" in preview
    assert confirm(admin).status_code == 302
    stored = stored_geometries(app, "Konstanz – Stadtteile")
    original = by_code(konstanz()["features"])
    deviation = max_deviation_m(
        [original[c]["geometry"] for c in sorted(original)],
        [stored[c] for c in sorted(original)],
    )
    assert deviation < 1.0, deviation


def _self_intersecting() -> bytes:
    document = konstanz()
    geometry = document["features"][2]["geometry"]
    ring = (
        geometry["coordinates"][0]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"][0][0]
    )
    ring[10], ring[30] = ring[30], ring[10]
    return geojson_bytes(document)


def _swapped() -> bytes:
    text = json.dumps(konstanz())
    swapped = re.sub(
        r"\[(-?[\d.]+), (-?[\d.]+)\]", lambda m: f"[{m.group(2)}, {m.group(1)}]", text
    )
    return swapped.encode()


def _zip_without_shp() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Stadtteile.dbf", b"")
        archive.writestr("Stadtteile.prj", b"")
    return buffer.getvalue()


BROKEN = {
    "invalid-json": (
        lambda: KONSTANZ.read_bytes()[:4000],
        "kn.geojson",
        "kein gültiges JSON",
    ),
    "self-intersection": (
        _self_intersecting,
        "kn.geojson",
        "Objekt 3 (STT_NR 110, STT_NAME Litzelstetten): Die Umrandung "
        "schneidet sich selbst",
    ),
    "undeclared-utm": (
        lambda: geojson_bytes(reproject_collection(konstanz(), 25832, declare=False)),
        "kn.geojson",
        "UTM-Koordinaten (ETRS89, EPSG:25832 oder EPSG:25833)",
    ),
    "swapped-lat-lon": (_swapped, "kn.geojson", "Länge und Breite sind vertauscht"),
    "zip-without-shp": (
        _zip_without_shp,
        "kn.zip",
        "Die ZIP-Datei enthält kein Shapefile (.shp); gefunden: Stadtteile.dbf, "
        "Stadtteile.prj.",
    ),
    "empty-collection": (
        lambda: b'{"type": "FeatureCollection", "features": []}',
        "kn.geojson",
        "Die Datei enthält keine Gebiete",
    ),
    "points": (
        lambda: (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
            b'"properties": {"id": "1"}, "geometry": {"type": "Point", '
            b'"coordinates": [9.17, 47.66]}}]}'
        ),
        "punkte.geojson",
        "Objekt 1 (id 1): Die Geometrie ist vom Typ Point",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_layer_files_are_refused_without_side_effects(
    app: Flask, admin: FlaskClient, case: str
) -> None:
    make, filename, message = BROKEN[case]
    before = counts(app)
    resp = upload(admin, make(), filename)
    assert resp.status_code == 200  # the failed job's page
    page = resp.get_data(as_text=True)
    assert "Der Auftrag ist fehlgeschlagen: Die Datei wurde nicht übernommen" in page
    assert message in page, page[page.find("error-summary") :][:1500]
    assert 'href="/verwaltung/gebiete/neu"' in page  # another file
    status, error = last_job(app, "layer_upload")
    assert status == "failed"
    assert message.replace("&#39;", "'") in (error or "")
    assert counts(app) == before
    # the stored file is gone with the job's answer
    assert list((Path(app.instance_path) / "uploads").iterdir()) == []
    assert "Es wartet keine hochgeladene Datei" in admin.get(PREVIEW).get_data(
        as_text=True
    )


def test_upload_without_file_is_refused(app: Flask, admin: FlaskClient) -> None:
    resp = admin.post(UPLOAD, data={"crs": "", "csrf_token": token(admin)})
    assert resp.status_code == 400
    assert "Bitte eine Datei auswählen" in resp.get_data(as_text=True)


def test_missing_id_property_is_named_at_confirm_and_nothing_is_stored(
    app: Flask, admin: FlaskClient
) -> None:
    document = konstanz()
    del document["features"][3]["properties"]["STT_NR"]
    assert upload(admin, geojson_bytes(document), "kn.geojson").status_code == 302
    before = counts(app)
    resp = confirm(admin)
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "Die Gebietsgliederung wurde nicht angelegt" in page
    assert (
        "Objekt 4 (STT_NAME Dingelsdorf, OBJECTID 1046):</strong> Die Kennung fehlt"
        in (page)
    )
    assert counts(app) == before  # the upload waits for another choice
    # another unique property works
    assert confirm(admin, id_property="OBJECTID").status_code == 302
    assert counts(app)["district"] == before["district"] + 15


def test_duplicate_ids_are_named(app: Flask, admin: FlaskClient) -> None:
    document = konstanz()
    document["features"][7]["properties"]["STT_NR"] = "090"
    assert upload(admin, geojson_bytes(document), "kn.geojson").status_code == 302
    resp = confirm(admin)
    assert resp.status_code == 400
    assert "Die Kennung &#39;090&#39; gibt es schon bei Objekt 1" in resp.get_data(
        as_text=True
    )
    assert counts(app)["district"] == 0


def test_taken_layer_name_and_stale_preview_are_refused(
    app: Flask, admin: FlaskClient
) -> None:
    add_konstanz_layer(app)
    assert upload(admin, KONSTANZ.read_bytes(), "kn.geojson").status_code == 302
    resp = confirm(admin, name="Konstanz")
    assert resp.status_code == 400
    assert "namens &#39;Konstanz&#39; gibt es schon" in resp.get_data(as_text=True)
    stale = confirm(admin, name="Konstanz neu", upload_id="999")
    assert stale.status_code == 400
    assert "nicht mehr aktuell" in stale.get_data(as_text=True)
    assert counts(app)["district_layer"] == 1


def test_discarding_the_upload(app: Flask, admin: FlaskClient) -> None:
    assert upload(admin, KONSTANZ.read_bytes(), "kn.geojson").status_code == 302
    assert counts(app)["layer_upload"] == 1
    resp = admin.post(
        "/verwaltung/gebiete/neu/verwerfen", data={"csrf_token": token(admin, PREVIEW)}
    )
    assert resp.status_code == 302
    assert counts(app)["layer_upload"] == 0
    assert admin.post(PREVIEW, data={"csrf_token": token(admin)}).status_code == 400


def test_new_upload_replaces_the_pending_one(app: Flask, admin: FlaskClient) -> None:
    assert upload(admin, KONSTANZ.read_bytes(), "eins.geojson").status_code == 302
    assert upload(admin, KONSTANZ.read_bytes(), "zwei.geojson").status_code == 302
    assert counts(app)["layer_upload"] == 1
    assert "zwei.geojson" in admin.get(PREVIEW).get_data(as_text=True)


# -- population and streets ---------------------------------------------------------


def test_population_table_upload(app: Flask, admin: FlaskClient) -> None:
    """The long format with a BOM goes through upload → mapping → confirm."""
    layer_id = add_konstanz_layer(app)
    url = f"/verwaltung/gebiete/{layer_id}"
    data = "\ufeff".encode() + long_population_csv().encode()
    resp = admin.post(
        f"{url}/bevoelkerung",
        data={
            "population-file": (io.BytesIO(data), "einwohner.csv"),
            "csrf_token": token(admin, url),
        },
        content_type="multipart/form-data",
    )
    resp = follow_job(admin, resp)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/bevoelkerung/zuordnung")
    assert last_job(app, "population_upload") == ("done", None)
    mapping = f"{url}/bevoelkerung/zuordnung"
    html = admin.get(mapping).get_data(as_text=True)
    assert re.search(r'<option selected value="long">', html), "long format proposed"
    form = {
        "upload_id": re.search(r'name="upload_id"[^>]*value="(\d+)"', html).group(1),
        "shape": "long",
        "key_column": "0",
        "variable_column": "1",
        "level_column": "2",
        "count_column": "3",
        "csrf_token": csrf_token(html),
        "action": "confirm",
    }
    resp = admin.post(mapping, data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    page = admin.get(url).get_data(as_text=True)
    assert "15 Bevölkerungszahlen für 15 Gebiete übernommen" in page
    assert "einwohner (1 Ausprägungen, zusammen 87.178)" in page
    with app.app_context():
        altstadt = db.session.execute(
            sa.select(PopulationFigure.count)
            .join(District)
            .where(District.code == "010")
        ).scalar_one()
    assert altstadt > 10_000


def _post_streets(admin: FlaskClient, url: str, filename: str, content: bytes) -> Any:
    """Upload a street directory and follow its job: 302 back to the layer when
    done, the failed job's page (200) when refused."""
    resp = admin.post(
        f"{url}/strassen",
        data={
            "streets-file": (io.BytesIO(content), filename),
            "csrf_token": token(admin, url),
        },
        content_type="multipart/form-data",
    )
    return follow_job(admin, resp)


def test_street_directory_upload(app: Flask, admin: FlaskClient) -> None:
    layer_id = add_konstanz_layer(app)
    url = f"/verwaltung/gebiete/{layer_id}"
    text = (
        "Straße;Gebiet\nMarktstätte;010\nSeestraße;020\nSeestraße;030\nSeestraße;030\n"
    )
    resp = _post_streets(admin, url, "strassen.csv", text.encode())
    assert resp.status_code == 302
    assert resp.headers["Location"] == url
    assert last_job(app, "street_upload") == ("done", None)
    assert "3 Einträgen übernommen (1 doppelte" in admin.get(url).get_data(as_text=True)
    with app.app_context():
        assert services.streets_by_district(layer_id) == {
            "010": ["Marktstätte"],
            "020": ["Seestraße"],
            "030": ["Seestraße"],
        }
    before = counts(app)
    resp = _post_streets(admin, url, "s.csv", b"strasse;gebiet\nHafen;777\n")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200  # the failed job's page
    assert "Das Straßenverzeichnis wurde nicht übernommen." in html
    assert "Zeile 2: Das Gebiet &#39;777&#39;" in html
    assert f'href="{url}#strassen"' in html
    status, message = last_job(app, "street_upload")
    assert status == "failed"
    assert "Zeile 2: Das Gebiet '777'" in (message or "")
    assert counts(app) == before
    with app.app_context():
        assert len(services.streets_by_district(layer_id)) == 3
    assert not list((Path(app.instance_path) / "uploads").glob("*.upload"))


# -- deleting ------------------------------------------------------------------------


def test_layer_used_by_a_survey_cannot_be_deleted(
    app: Flask, admin: FlaskClient
) -> None:
    add_demo(app)
    with app.app_context():
        hamburg = db.session.execute(sa.select(DistrictLayer.id)).scalar_one()
    url = f"/verwaltung/gebiete/{hamburg}"
    assert "kann nicht gelöscht werden" in admin.get(url).get_data(as_text=True)
    before = counts(app)
    resp = admin.post(
        f"{url}/loeschen", data={"confirm": "y", "csrf_token": token(admin, url)}
    )
    assert resp.status_code == 400
    assert "verwendet und kann nicht gelöscht werden" in resp.get_data(as_text=True)
    assert counts(app) == before


def test_unused_layer_is_deleted_with_its_tables(
    app: Flask, admin: FlaskClient
) -> None:
    layer_id = add_konstanz_layer(app)
    url = f"/verwaltung/gebiete/{layer_id}"
    with app.app_context():
        admin_id = db.session.execute(
            sa.select(User.id).where(User.username == "admin")
        ).scalar_one()
        services.import_population(
            admin_id, layer_id, "e.csv", long_population_csv().encode()
        )
        services.import_streets(
            admin_id, layer_id, "s.csv", b"street,district\nA,010\n"
        )
    unconfirmed = admin.post(f"{url}/loeschen", data={"csrf_token": token(admin, url)})
    assert unconfirmed.status_code == 400
    assert "Bitte bestätigen Sie das Löschen" in unconfirmed.get_data(as_text=True)
    assert counts(app)["district_layer"] == 1
    resp = admin.post(
        f"{url}/loeschen", data={"confirm": "y", "csrf_token": token(admin, url)}
    )
    assert resp.status_code == 302
    after = counts(app)
    assert (after["district_layer"], after["district"]) == (0, 0)
    assert (after["population_figure"], after["street"]) == (0, 0)
    with app.app_context():
        entry = db.session.execute(
            sa.select(AuditLog).order_by(AuditLog.id.desc()).limit(1)
        ).scalar_one()
    assert (entry.action, entry.target) == ("delete_layer", f"layer:{layer_id}")
    assert admin.get(url).status_code == 404
