"""The analyst in a real browser (headless Debian chromium): log in, look at the
findings, download the city report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader

from tests.umfrage.helpers import add_demo, add_staff, sign_in, submit

pytestmark = pytest.mark.browser


def test_analyst_downloads_the_city_report(
    app: Flask, live_server: str, browser_page: Any, tmp_path: Path
) -> None:
    add_staff(app)
    add_demo(app, responses=80)
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, "auswertung")
    page.goto(f"{live_server}/berichte/")
    submit(page.get_by_role("link", name="Familienbefragung"))
    submit(page.get_by_role("link", name="Ergebnisse"))
    page.get_by_label("Indikator").select_option("top2:zufriedenheit_kultur")
    submit(page.get_by_role("button", name="Anzeigen"))
    assert page.locator("#findings-table tbody tr").count() == 105
    assert page.locator("svg.choropleth path").count() == 104
    submit(page.get_by_role("link", name="Überblick und Downloads"))
    with page.expect_download(timeout=120_000) as info:
        page.locator("#download-city-report").click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.name == "familienbefragung-bericht.pdf"
    reader = PdfReader(str(target))
    assert len(reader.pages) > 10
    assert "Familienbefragung" in (reader.pages[0].extract_text() or "")
    assert all(url.startswith(live_server) for url in requested), requested
