"""The analyst enables a small-area model in a real browser (headless chromium):
diagnostics first, then labelled model values in the findings and the PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader

from tests.umfrage.helpers import add_demo, add_staff, sign_in, submit

pytestmark = pytest.mark.browser

KEY = "mean:zufriedenheit_kultur"


def test_analyst_enables_a_model_and_sees_it_labelled(
    app: Flask, live_server: str, browser_page: Any, tmp_path: Path
) -> None:
    add_staff(app)
    add_demo(app, responses=500)  # enough districts with published values
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "auswertung")
    page.goto(f"{live_server}/berichte/1/ergebnisse?indikator={KEY}")
    assert page.locator("#model-table").count() == 0
    submit(page.get_by_role("link", name="Modellschätzung einrichten"))
    page.get_by_label("Anteil single_parent an family_type").check()
    page.get_by_label("REML (MSE nach Prasad–Rao)").check()
    submit(page.get_by_role("button", name="Modell berechnen"))
    # diagnostics before use: coefficients, variance, R², residuals, gain
    assert (
        page.locator("#modell-status")
        .inner_text()
        .startswith("Das Modell wird noch nicht verwendet")
    )
    coefficients = page.locator("#modell-koeffizienten tbody tr")
    assert coefficients.count() == 2
    assert "Achsenabschnitt" in coefficients.first.inner_text()
    assert page.locator("#modell-varianz").inner_text().strip() != ""
    assert page.locator("#modell-r2").is_visible()
    assert "Residuen außerhalb ±2" in page.locator("#modell-residuen").inner_text()
    modelled = page.locator("#modell-gewinn tbody tr").count()
    assert modelled > 90
    page.screenshot(path=str(tmp_path / "diagnose.png"), full_page=False)
    submit(page.get_by_role("button", name="Modell verwenden"))
    # findings: the model values in their own, labelled section
    assert "/ergebnisse" in page.url
    section = page.locator("#modellschaetzung")
    assert "Modellschätzung (Fay–Herriot)" in section.locator("h2").inner_text()
    assert "Fay–Herriot-Modell (REML" in page.locator("#modell-methode").inner_text()
    assert page.locator("#model-table tbody tr").count() == modelled
    assert "synthetisch" in page.locator("#model-table").inner_text()
    page.evaluate("document.getElementById('modell-titel').scrollIntoView()")
    page.screenshot(path=str(tmp_path / "ergebnisse.png"), full_page=False)
    submit(page.get_by_role("link", name="Überblick und Downloads"))
    with page.expect_download(timeout=180_000) as info:
        page.locator("#download-city-report").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    reader = PdfReader(str(target))
    text = " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())
    assert "Modellschätzungen (Fay–Herriot)" in text
    assert "Fay–Herriot-Modell (REML, MSE nach Prasad–Rao)" in text
    assert "Modellschätzung" in text
