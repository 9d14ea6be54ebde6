"""An admin's district-layer upload as a job in a real browser, with a real queue
consumer: the job's page shows its progress bar while the file waits, advances by
itself to the preview once a worker has read it, and a broken file ends on the
failed job's page naming what is wrong and where."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.umfrage.helpers import add_staff, shot, sign_in
from tests.umfrage.test_geodata import KONSTANZ
from tests.umfrage.test_verwaltung_layers import add_konstanz_layer
from umfrage.auftraege import queue
from umfrage.extensions import db
from umfrage.models import Job, LayerUpload

pytestmark = pytest.mark.browser


@pytest.fixture
def held_queue(app: Flask, tmp_path: Path) -> Any:
    """A SQLite queue whose consumer (threads of this process, as in ``umfrage
    serve``) the test starts when it wants the queued jobs to run."""
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    started: list[Any] = []
    yield lambda: started.append(queue.start_embedded_consumer(app))
    for consumer in started:
        consumer.stop(graceful=True)
    queue.get_huey(app).storage.close()


def test_layer_upload_shows_progress_then_the_preview(
    app: Flask, held_queue: Any, live_server: str, browser_page: Any, tmp_path: Path
) -> None:
    add_staff(app)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/verwaltung/gebiete/neu")
    page.get_by_label("Datei: GeoJSON oder ZIP").set_input_files(str(KONSTANZ))
    page.get_by_role("button", name="Hochladen und prüfen").click()

    # the request only stored the file: the job waits, its page shows the bar
    page.wait_for_url(f"{live_server}/auftraege/*")
    assert page.locator("progress#job-progress").is_visible()
    assert (
        "Wartet auf einen freien Arbeitsprozess"
        in page.locator("#job-status-text").inner_text()
    )
    with app.app_context():
        job = db.session.execute(sa.select(Job)).scalar_one()
        assert (job.kind, job.status.value) == ("layer_upload", "queued")
        assert db.session.execute(sa.select(LayerUpload)).first() is None
    shot(page, "layer-job-waiting")

    # a worker reads the file; the page advances by itself to the preview
    held_queue()
    page.wait_for_url(f"{live_server}/verwaltung/gebiete/neu/vorschau")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Vorschau der Gebietsgliederung"
    )
    assert page.locator("#feature-count").inner_text() == "15"
    assert page.locator(".district-outline path").count() == 15
    shot(page, "layer-job-preview")

    # a broken file: the failed job's page says what and where; nothing staged
    broken = tmp_path / "punkte.geojson"
    broken.write_bytes(
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
        b'"properties": {"id": "1"}, "geometry": {"type": "Point", '
        b'"coordinates": [9.17, 47.66]}}]}'
    )
    page.goto(f"{live_server}/verwaltung/gebiete/neu")
    page.get_by_label("Datei: GeoJSON oder ZIP").set_input_files(str(broken))
    page.get_by_role("button", name="Hochladen und prüfen").click()
    error = page.locator("#fehler")
    error.wait_for()
    text = error.inner_text()
    assert "Die Datei wurde nicht übernommen." in text
    assert "Objekt 1 (id 1): Die Geometrie ist vom Typ Point" in text
    assert page.locator("#retry").count() == 0
    assert page.get_by_role("link", name="Andere Datei hochladen").is_visible()
    shot(page, "layer-job-failed")
    with app.app_context():
        uploads = db.session.execute(sa.select(LayerUpload.filename)).scalars().all()
    assert uploads == [KONSTANZ.name]  # the first file still waits


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_street_directory_job_back_to_the_layer_or_names_the_row(
    app: Flask, live_server: str, browser_page: Any, tmp_path: Path
) -> None:
    add_staff(app)
    layer_id = add_konstanz_layer(app)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "admin")
    layer = f"{live_server}/verwaltung/gebiete/{layer_id}"
    streets = page.locator("#strassen")

    broken = tmp_path / "strassen.csv"
    broken.write_text("strasse;gebiet\nMarktstätte;010\nHafen;777\n")
    page.goto(layer)
    streets.locator("input[type=file]").set_input_files(str(broken))
    streets.get_by_role("button", name="Straßenverzeichnis hochladen").click()
    error = page.locator("#fehler")
    error.wait_for()
    text = error.inner_text()
    assert "Das Straßenverzeichnis wurde nicht übernommen." in text
    assert "Zeile 3: Das Gebiet '777'" in text
    shot(page, "street-job-failed")
    page.get_by_role("link", name="Andere Datei hochladen").click()
    page.wait_for_url(f"{layer}#strassen")

    good = tmp_path / "gut.csv"
    good.write_text("strasse;gebiet\nMarktstätte;010\nHafen;020\n")
    streets.locator("input[type=file]").set_input_files(str(good))
    streets.get_by_role("button", name="Straßenverzeichnis hochladen").click()
    # back on the layer page (the form's "#fehler" stays in the address)
    page.wait_for_url(re.compile(rf"{re.escape(layer)}(#.*)?$"))
    assert page.get_by_text(
        "Straßenverzeichnis mit 2 Einträgen übernommen"
    ).is_visible()
