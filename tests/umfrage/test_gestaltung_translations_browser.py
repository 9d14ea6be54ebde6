"""The translators' import in a real browser: flagged translations in the table,
upload of an edited translation table, the report, confirm, and a flag the designer
clears without editing."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from fragebogen.model import Text
from fragebogen.translation import write_xlsx
from tests.umfrage.helpers import shot, sign_in, submit
from tests.umfrage.test_gestaltung_translations import questionnaire_id  # noqa: F401
from umfrage.extensions import db
from umfrage.gestaltung import services
from umfrage.gestaltung.editing import set_at
from umfrage.gestaltung.review import review_flags
from umfrage.models import Questionnaire as QuestionnaireRow
from umfrage.services import questionnaire_of

pytestmark = pytest.mark.browser


def _flag_and_export(app: Flask, row_id: int, path: Path) -> None:
    """Change a German source (flags its translations) and write the translation
    table with one confirmed and one broken translation."""
    with app.app_context():
        row = db.session.get(QuestionnaireRow, row_id)
        label = Text(
            de="Wie viele Kinder unter 18?", en="How many children?", tr="Kaç çocuk?"
        )
        services.change_draft(
            None,
            row,
            row.versions[-1].fingerprint,
            lambda q: set_at(q, "pages[0].questions[0].label", label),
        )
        version = row.versions[-1]
        content = write_xlsx(questionnaire_of(version), review_flags(version))
        db.session.remove()
    book = load_workbook(io.BytesIO(content))
    rows = {row[0].value: row for row in book.active.iter_rows(min_row=2)}
    rows["question.kinder.label"][5].value = "How many children under 18?"
    rows["question.kinder.label"][7].value = "prüfen: tr"  # en reviewed
    rows["question.kind_alter.label"][6].value = "Kaç yaşında?"  # ${kinder} lost
    book.save(path)
    book.close()


# the database matters in test_gestaltung_translations.py (both backends); the
# browser walk runs once
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_flagged_table_upload_report_confirm(
    app: Flask,
    questionnaire_id: int,  # noqa: F811
    live_server: str,
    browser_page: Any,
    tmp_path: Path,
) -> None:
    upload = tmp_path / "kurz.xlsx"
    _flag_and_export(app, questionnaire_id, upload)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "gestaltung")

    table = f"{live_server}/gestaltung/fragebogen/{questionnaire_id}/uebersetzungen"
    page.goto(table)
    assert page.locator(".review-note").count() == 2
    shot(page, "translations-flagged")

    submit(page.get_by_role("link", name="Übersetzte Datei einlesen"))
    page.get_by_label(
        "Datei (Übersetzungstabelle .xlsx, PO oder XLIFF)"
    ).set_input_files(str(upload))
    page.get_by_role("button", name="Datei prüfen").click()
    # a job read the file; its page led on to the report
    page.wait_for_url(re.compile(r".*/uebersetzungen/einlesen/\d+$"))
    problem = page.locator("table", has_text="fehlt: ${kinder}")
    assert "Blatt Übersetzungen, Zeile 5, Spalte G" in problem.inner_text()
    changes = page.locator("table", has_text="How many children under 18?")
    assert "geprüft" in changes.inner_text()
    shot(page, "translations-report")

    submit(page.get_by_role("button", name="1 Änderung übernehmen"))
    assert page.get_by_text("1 Übersetzung aus kurz.xlsx übernommen.").is_visible()
    assert page.locator(".review-note").count() == 1

    # the designer confirms the Turkish translation without changing it
    page.get_by_label("Übersetzung passt noch").check()
    submit(page.get_by_role("button", name="Übersetzungen speichern"))
    assert page.get_by_text("Die Übersetzungen sind gespeichert.").is_visible()
    assert page.locator(".review-note").count() == 0
