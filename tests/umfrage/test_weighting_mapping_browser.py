"""The analyst sets up the demo weighting in a real browser with the dropdown tables
only: the proposed mapping, the cell preview with the collapse proposal on the
map, save with the defaults, a valid weighting to confirm."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.umfrage.helpers import add_demo, add_staff, shot, sign_in
from umfrage.extensions import db
from umfrage.models import WeightingSetup

pytestmark = pytest.mark.browser


# The database does not matter for what the browser sees; test_berichte.py covers
# the set-up on both.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_weighting_with_dropdowns_only(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_staff(app)
    add_demo(app, responses=60)
    page = browser_page
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in(page, live_server, "auswertung")
    page.goto(f"{live_server}/berichte/1/gewichtung")
    question = page.locator("#map-family_type-question")
    assert question.input_value() == "haushaltstyp"
    assert page.locator("#map-family_type-code-1").input_value() == "couple_family"
    assert page.locator("#map-family_type-code-2").input_value() == "single_parent"
    assert page.locator("#map-family_type-code-3").input_value() == "couple_family"
    assert page.locator("#mappings").is_hidden()  # the written form is tucked away
    shot(page, "weighting-1-defaults")
    page.locator("#preview-weighting").click()
    page.wait_for_url("**#vorschau")
    assert page.locator("#merge-table tbody tr").count() > 0
    assert page.locator("svg.groups-map path").count() == 104
    summary = page.locator("#vorschau-zusammenfassung").inner_text()
    assert re.search(r"\d+ Antworten gehen in die Gewichtung ein", summary)
    shot(page, "weighting-2-preview")
    page.locator("#save-weighting").click()
    page.wait_for_url("**#diagnose")
    assert page.locator("#diagnose-ok").is_visible()
    misfit = page.locator("#diagnose-konvergenz").inner_text()
    assert "e-" not in misfit
    assert "< 0,001" in misfit
    assert "0,25–0,50" in page.locator("svg.histogram").inner_html()
    shot(page, "weighting-3-saved")
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/gewichtung*")
    # English numbers in English (the page was first drawn in German)
    assert "< 0.001" in page.locator("#diagnose-konvergenz").inner_text()
    assert "0.25–0.50" in page.locator("svg.histogram").inner_html()
    page.locator("#confirm-weighting").click()
    page.wait_for_url("**/ergebnisse")
    with app.app_context():
        setup = db.session.execute(sa.select(WeightingSetup)).scalar_one()
        assert setup.confirmed
        assert setup.mappings == [
            {
                "question": "haushaltstyp",
                "variable": "family_type",
                "codes": {
                    "1": "couple_family",
                    "2": "single_parent",
                    "3": "couple_family",
                },
            }
        ]
        assert setup.collapse["district"]
