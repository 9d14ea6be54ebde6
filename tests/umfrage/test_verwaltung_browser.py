"""An admin uploads a district layer through the real form in headless chromium;
the staff header fits one row and its account menu signs out."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.umfrage.helpers import add_staff, sign_in, submit
from tests.umfrage.test_geodata import KONSTANZ
from umfrage.extensions import db
from umfrage.models import District

pytestmark = pytest.mark.browser


def test_admin_uploads_geojson_picks_properties_and_sees_the_districts(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_staff(app)
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    sign_in(page, live_server, "admin")
    submit(page.get_by_role("link", name="Gebietsgliederungen").first)
    submit(page.get_by_role("link", name="Gebietsgliederung hochladen"))

    page.get_by_label("Datei: GeoJSON oder ZIP").set_input_files(str(KONSTANZ))
    submit(page.get_by_role("button", name="Hochladen und prüfen"))

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Vorschau der Gebietsgliederung"
    )
    assert page.locator("#feature-count").inner_text() == "15"
    assert page.locator("#properties tbody tr").count() == 6
    assert page.locator(".district-outline path").count() == 15
    page.get_by_label("Name der Gebietsgliederung").fill("Konstanz – Stadtteile")
    page.get_by_label("Quelle und Lizenz").fill(
        "Geometrie: Stadt Konstanz, Kleinräumige Gliederung"
    )
    page.get_by_label("Eigenschaft mit der Gebietskennung").select_option("STT_NR")
    page.get_by_label("Eigenschaft mit dem Gebietsnamen").select_option("STT_NAME")
    submit(page.get_by_role("button", name="Übernehmen"))

    assert page.get_by_role("heading", level=1).inner_text() == "Konstanz – Stadtteile"
    assert "mit 15 Gebieten ist angelegt" in page.locator(".notice").inner_text()
    rows = page.locator("#districts tbody tr")
    assert rows.count() == 15
    first = rows.first.locator("td").first.inner_text()
    assert first == "010"
    assert rows.first.locator("th").inner_text() == "Altstadt"
    assert page.get_by_role("rowheader", name="Petershausen_West").count() == 1
    assert all(url.startswith(live_server) for url in requested), requested

    with app.app_context():
        codes = db.session.execute(sa.select(District.code)).scalars().all()
    assert sorted(codes)[0] == "010"
    assert len(codes) == 15


def test_staff_header_fits_one_row_and_the_account_menu_signs_out(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_staff(app)
    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 700})
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/verwaltung/")
    # the admin sees every area's link, the brand and the language switch in one
    # row of the header (one row is 3.5rem = 56 px; a wrapped header is 110+ px)
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    assert header["height"] <= 60, header
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    for name in ("Arbeitsbereich", "Gestaltung", "Berichte", "Verwaltung"):
        assert nav.get_by_role("link", name=name).is_visible()
    # the account's actions are behind its name until asked for
    assert not nav.get_by_role("link", name="Passwort ändern").is_visible()
    nav.get_by_text("Konto: admin").click()
    assert nav.get_by_role("link", name="Zweiter Faktor").is_visible()
    submit(nav.get_by_role("button", name="Abmelden"))
    page.goto(f"{live_server}/verwaltung/")
    assert page.get_by_label("Benutzername").is_visible()  # signed out: asked again
