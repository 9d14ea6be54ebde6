"""Population tables as cities publish them: the Berlin LOR file (wide, one column
per age group) through upload → mapping → report → confirm; German-number CSV in
Windows-1252 and an XLSX made here; bad files refused naming row and column."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_staff, follow_job, last_job
from tests.umfrage.layers import add_layer
from umfrage.extensions import db
from umfrage.models import AuditLog, District, PopulationFigure, PopulationUpload
from umfrage.verwaltung import population
from umfrage.verwaltung.geodata import GeodataError

DATA = Path(__file__).parent / "data"
BERLIN = DATA / "berlin-lor-einwohner-prognoseraeume-2024.csv"
AGE_COLUMNS = 8


# -- reading and guessing (no app) ------------------------------------------------


def test_german_numbers_and_windows_1252() -> None:
    text = "Gebiet;Einwohner;Anteil in %\r\nNord;1.234;12,5\r\nSüd;987,6;3\r\n"
    table = population.read_table_file(text.encode("cp1252"), "e.csv")
    assert table.source_format == "CSV (Semikolon)"
    assert table.german_numbers
    assert table.rows[1][1][0] == "Süd"
    assert any("Windows-1252" in note for note in table.notes)
    assert population.parse_number("1.234,5", True) == 1234.5
    assert population.parse_number("1.234", True) == 1234
    assert population.parse_number("1,234.5", False) == 1234.5
    assert population.parse_number("12.5", True) == 12.5
    assert population.parse_number("x", True) is None
    guess = population.guess_mapping(table, ["Nord", "Süd"])
    assert guess.key_column == 0
    # the percentage column is not proposed
    assert [u.used for u in guess.columns] == [False, True, False]
    report = population.check_mapping(table, guess, ["Nord", "Süd", "Mitte"])
    assert {f.code: f.count for f in report.figures} == {"Nord": 1234, "Süd": 988}
    assert report.rounded == 1
    assert report.without == ("Mitte",)


def test_xlsx_is_read_in_read_only_mode() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Sozialraum", "Alleinerziehende", "Paarfamilien"])
    sheet.append(["0101", 412, 1890.0])
    sheet.append(["0102", 7, -3])
    buffer = io.BytesIO()
    book.save(buffer)
    table = population.read_table_file(buffer.getvalue(), "familien.xlsx")
    assert table.source_format == "Excel (XLSX)"
    assert table.rows == ((2, ("0101", "412", "1890")), (3, ("0102", "7", "-3")))
    guess = population.guess_mapping(table, ["0101", "0102"])
    report = population.check_mapping(table, guess, ["0101", "0102"])
    assert [str(p) for p in report.problems] == [
        "Zeile 3, Spalte C „Paarfamilien“: -3 ist negativ."
    ]
    with pytest.raises(GeodataError, match="keine lesbare Excel-Datei"):
        population.read_table_file(b"PK\x03\x04broken", "kaputt.xlsx")


# -- through the admin pages ------------------------------------------------------


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    add_staff(app)
    assert login(client, "admin", PASSWORD).status_code == 302
    return client


def _upload(client: FlaskClient, layer_id: int, data: bytes, name: str) -> Any:
    url = f"/verwaltung/gebiete/{layer_id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    resp = client.post(
        f"{url}/bevoelkerung",
        data={"population-file": (io.BytesIO(data), name), "csrf_token": token},
        content_type="multipart/form-data",
    )
    return follow_job(client, resp)  # read by a job: 302 to the mapping when done


def _form_fields(html: str) -> dict[str, str]:
    """The mapping form as the browser would post it unchanged."""
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(
        r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S
    ):
        chosen = re.search(r'<option selected value="([^"]*)"', body)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def _figures(app: Flask) -> int:
    with app.app_context():
        return int(
            db.session.execute(
                sa.select(sa.func.count(PopulationFigure.id))
            ).scalar_one()
        )


def test_berlin_wide_file_is_mapped_checked_and_imported(
    app: Flask, admin: FlaskClient
) -> None:
    layer_id = add_layer(app, "berlin")
    resp = _upload(admin, layer_id, BERLIN.read_bytes(), BERLIN.name)
    assert resp.status_code == 302
    mapping = f"/verwaltung/gebiete/{layer_id}/bevoelkerung/zuordnung"
    assert resp.headers["Location"] == mapping
    assert last_job(app, "population_upload") == ("done", None)
    html = admin.get(mapping).get_data(as_text=True)
    assert "inhabitants_age_below_6" in html
    assert 'id="sample"' in html
    fields = _form_fields(html)
    assert fields["key_column"] == "0"
    assert fields["shape"] == "wide"
    proposed = {
        fields[f"col_{i}_level"]
        for i in range(30)
        if fields.get(f"col_{i}_variable") == "inhabitants_age"
    }
    assert proposed == {
        "below_6",
        "6_15",
        "15_18",
        "18_27",
        "27_45",
        "45_55",
        "55_65",
        "above_65",
    }
    assert not fields["col_1_level"]  # the total is not an age group
    # rename the variable as the weighting should know it, then check
    for i in range(30):
        if fields.get(f"col_{i}_variable") == "inhabitants_age":
            fields[f"col_{i}_variable"] = "age_group"
    resp = admin.post(mapping, data={**fields, "action": "check"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "58 von 58 Gebieten der Gliederung" in html
    assert 'id="confirm-population"' in html
    assert _figures(app) == 0
    resp = admin.post(mapping, data={**fields, "action": "confirm"})
    assert resp.status_code == 302
    assert _figures(app) == 58 * AGE_COLUMNS
    with app.app_context():
        below_6 = db.session.execute(
            sa.select(PopulationFigure.count)
            .join(District)
            .where(District.code == "0110", PopulationFigure.level == "below_6")
        ).scalar_one()
        assert below_6 == 6341  # first data row of the file
        assert db.session.execute(sa.select(PopulationUpload)).first() is None
        entry = db.session.execute(
            sa.select(AuditLog).where(AuditLog.action == "import_population")
        ).scalar_one()
        assert entry.details["rows"] == 58 * AGE_COLUMNS


def test_bad_values_and_files_are_refused_naming_row_and_column(
    app: Flask, admin: FlaskClient
) -> None:
    layer_id = add_layer(app, "berlin")
    text = (
        "Gebiet;Alleinerziehende;Paarfamilien\n"
        "0110;1.234;2.000,0\n0120;-3;abc\n9999;1;1\n"
    )
    resp = _upload(admin, layer_id, text.encode("cp1252"), "familien.csv")
    assert resp.status_code == 302
    mapping = f"/verwaltung/gebiete/{layer_id}/bevoelkerung/zuordnung"
    fields = _form_fields(admin.get(mapping).get_data(as_text=True))
    for action in ("check", "confirm"):
        resp = admin.post(mapping, data={**fields, "action": action})
        assert resp.status_code == 400
        html = resp.get_data(as_text=True)
        head = html[: html.index('id="sample"')]  # named at the top of the page
        assert "Zeile 3, Spalte B „Alleinerziehende“:</strong> -3 ist negativ." in head
        assert (
            "Zeile 3, Spalte C „Paarfamilien“:</strong> &#39;abc&#39; ist keine Zahl."
            in head
        )
        assert (
            f'action="/verwaltung/gebiete/{layer_id}/bevoelkerung/zuordnung#fehler"'
            in html
        )
        assert "Zeile 4: „9999“" in html  # unknown area, with its row
    # a mapping without levels is named next to the field and at the top
    fields["col_1_variable"] = "Familien Typ"
    resp = admin.post(mapping, data={**fields, "action": "check"})
    assert resp.status_code == 400
    assert 'id="col_1_level-fehler"' in resp.get_data(as_text=True)
    # a file that cannot be read: the job fails naming the row, nothing stored
    resp = _upload(admin, layer_id, b"Gebiet;Anzahl\n0110;1;2\n", "kaputt.csv")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Die Bevölkerungstabelle wurde nicht übernommen." in html
    assert "Zeile 2: 3 statt 2 Felder" in html
    assert f'href="/verwaltung/gebiete/{layer_id}#bevoelkerung"' in html
    assert last_job(app, "population_upload")[0] == "failed"
    assert _figures(app) == 0
