"""The XLSForm import in a real browser: upload a form with rows Umfrage cannot take
over, read the report, confirm, preview the draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.umfrage.helpers import add_staff, shot, sign_in, submit
from tests.umfrage.test_gestaltung_import import FORM

pytestmark = pytest.mark.browser


def test_upload_report_confirm_preview(
    app: Flask, live_server: str, browser_page: Any, tmp_path: Path
) -> None:
    add_staff(app)
    upload = tmp_path / "kobo.xlsx"
    upload.write_bytes(FORM)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "gestaltung")

    page.goto(f"{live_server}/gestaltung/fragebogen/importieren")
    page.get_by_label("Datei (YAML oder XLSForm)").set_input_files(str(upload))
    submit(page.get_by_role("button", name="Importieren"))

    # the report names sheet, row and column of what is not taken over
    assert page.get_by_role("heading", name="Import prüfen").is_visible()
    notices = page.locator("table.import-notices tbody tr")
    texts = [notices.nth(i).inner_text() for i in range(notices.count())]
    start = next(t for t in texts if "Blatt survey, Zeile 2, Spalte type" in t)
    assert "Fragetyp nicht unterstützt" in start
    assert "übersprungen" in start
    assert any("Zeile 5, Spalte type" in t and "'ort'" in t for t in texts)
    assert any("Unbekannte Sprache" in t for t in texts)
    shot(page, "import-report")

    # the unknown language gets its code, then the report is checked again
    page.get_by_label("Sprachkürzel für „Klingonisch“").fill("tlh")
    submit(page.get_by_role("button", name="Erneut prüfen"))
    assert page.get_by_text("in den Sprachen de, tlh").is_visible()
    assert not any(
        "Unbekannte Sprache" in notices.nth(i).inner_text()
        for i in range(notices.count())
    )
    submit(page.get_by_role("button", name="Übernehmen"))
    assert page.get_by_text("Der Fragebogen wurde importiert").is_visible()
    shot(page, "import-confirmed")

    # the draft's preview shows the imported questions
    submit(page.get_by_role("link", name="Vorschau").first)
    assert page.get_by_label("Wie viele Kinder haben Sie?").is_visible()
    assert page.get_by_text("Wo wohnen Sie?").count() == 0
    shot(page, "import-preview")
