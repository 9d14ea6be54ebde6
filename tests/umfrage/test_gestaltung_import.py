"""The designer's two-step XLSForm import on SQLite and PostgreSQL: read -> report
of notices (sheet, row, column) -> confirm; hostile and altered uploads refused."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from fragebogen.model import QuestionType
from fragebogen.yaml_format import from_data
from tests.conftest import csrf_token, login
from tests.fragebogen.test_isolated import slow_workbook
from tests.fragebogen.test_xlsform import workbook
from tests.umfrage.helpers import PASSWORD, add_staff, finish_import, last_job
from umfrage.extensions import db
from umfrage.models import Questionnaire as QuestionnaireRow

UPLOAD = "/gestaltung/fragebogen/importieren"
CONFIRM = "/gestaltung/fragebogen/importieren/bestaetigen"

#: A KoboToolbox-like form with rows Umfrage cannot take over.
FORM = workbook(
    [
        ["type", "name", "label::Deutsch (de)", "label::Klingonisch", "relevant"],
        ["start", "start"],
        ["begin_group", "familie", "Ihre Familie", "tuq"],
        ["integer", "kinder", "Wie viele Kinder haben Sie?", "puq"],
        ["geopoint", "ort", "Wo wohnen Sie?", "nuqDaq"],
        ["select_one jn", "kita", "Besucht ein Kind die Kita?", "DaH", "${kinder} > 0"],
        ["end_group"],
    ],
    [
        ["list_name", "name", "label::Deutsch (de)", "label::Klingonisch"],
        ["jn", "ja", "Ja", "HIja'"],
        ["jn", "nein", "Nein", "ghobe'"],
    ],
)


@pytest.fixture
def staffed(app: Flask) -> Flask:
    add_staff(app)
    return app


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def _upload(client: FlaskClient, filename: str, content: bytes) -> Any:
    token = csrf_token(client.get(UPLOAD).get_data(as_text=True))
    # encoded in memory: the test client would spool a large body to a temporary
    # file that it never closes
    boundary, body = encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(content), filename)}
    )
    resp = client.post(
        UPLOAD,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    return finish_import(client, resp)


def _form_data(html: str) -> dict[str, str]:
    data = {"csrf_token": csrf_token(html)}
    for name in ("payload", "job_id"):
        match = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html)
        if match is None:
            match = re.search(rf'type="hidden" name="{name}" value="([^"]+)"', html)
        assert match is not None, name
        data[name] = match.group(1)
    return data


def _count(app: Flask) -> int:
    with app.app_context():
        return int(
            db.session.execute(
                sa.select(sa.func.count()).select_from(QuestionnaireRow)
            ).scalar_one()
        )


def test_report_then_confirm_creates_the_draft(staffed: Flask) -> None:
    designer = _client(staffed, "gestaltung")
    resp = _upload(designer, "kobo.xlsx", FORM)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert _count(staffed) == 0
    assert "Blatt survey, Zeile 2, Spalte type" in html
    assert "Blatt survey, Zeile 5, Spalte type" in html
    assert "übersprungen" in html
    assert "Sprachkürzel für „Klingonisch“" in html
    assert last_job(staffed, "questionnaire_import") == ("done", None)
    data = _form_data(html)
    # check again with the code of the unknown language: nothing stored yet
    resp = designer.post(CONFIRM, data={**data, "language_0": "tlh", "check": "1"})
    resp = finish_import(designer, resp)
    assert resp.status_code == 200
    assert "de, tlh" in resp.get_data(as_text=True)
    assert _count(staffed) == 0
    resp = designer.post(CONFIRM, data={**data, "language_0": "tlh", "confirm": "1"})
    resp = finish_import(designer, resp)
    assert resp.status_code == 302
    assert re.fullmatch(r"/gestaltung/fragebogen/\d+", resp.headers["Location"])
    assert _count(staffed) == 1
    with staffed.app_context():
        row = db.session.execute(sa.select(QuestionnaireRow)).scalar_one()
        questionnaire = from_data(row.versions[0].definition)
    assert questionnaire.languages == ("de", "tlh")
    assert [q.name for q in questionnaire.questions()] == ["kinder", "kita"]
    assert questionnaire.question("kita").relevant == "${kinder} > 0"
    assert questionnaire.question("kinder").type is QuestionType.NUMBER


def test_report_speaks_the_interface_language(staffed: Flask) -> None:
    designer = _client(staffed, "gestaltung")
    with designer.session_transaction() as session:
        session["ui_language"] = "en"
    html = _upload(designer, "kobo.xlsx", FORM).get_data(as_text=True)
    assert "Sheet survey, Row 2, Column type" in html
    assert "Question type not supported" in html
    assert "skipped" in html


def test_bad_invalid_and_hostile_uploads_change_nothing(staffed: Flask) -> None:
    designer = _client(staffed, "gestaltung")
    html = _upload(designer, "kobo.xlsx", FORM).get_data(as_text=True)
    data = _form_data(html)
    altered = designer.post(
        CONFIRM, data={**data, "payload": data["payload"][:-3] + "xyz", "confirm": "1"}
    )
    assert altered.status_code == 400
    wrong = designer.post(
        CONFIRM, data={**data, "language_0": "Klingonisch", "confirm": "1"}
    )
    assert wrong.status_code == 422
    assert "Ein Sprachkürzel" in wrong.get_data(as_text=True)
    no_token = designer.post(CONFIRM, data={"payload": data["payload"], "confirm": "1"})
    assert no_token.status_code == 400
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * 5_000_000)
    bomb = _upload(designer, "bombe.xlsx", buffer.getvalue())
    assert bomb.status_code == 200  # the failed job's page
    assert "Der Auftrag ist fehlgeschlagen" in bomb.get_data(as_text=True)
    assert "komprimiert" in bomb.get_data(as_text=True)
    status, error = last_job(staffed, "questionnaire_import")
    assert status == "failed"
    assert "komprimiert" in (error or "")
    assert _count(staffed) == 0


def test_confirm_needs_login_and_the_designer_role(staffed: Flask) -> None:
    anonymous = staffed.test_client()
    token = csrf_token(anonymous.get("/anmelden").get_data(as_text=True))
    resp = anonymous.post(CONFIRM, data={"csrf_token": token})
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/anmelden?next=")
    analyst = _client(staffed, "auswertung")
    token = csrf_token(analyst.get("/berichte/").get_data(as_text=True))
    assert analyst.post(CONFIRM, data={"csrf_token": token}).status_code == 403


def test_limesurvey_export_in_two_steps(staffed: Flask) -> None:
    from tests.fragebogen.test_limesurvey import FAMILY

    designer = _client(staffed, "gestaltung")
    resp = _upload(designer, "familie.lss", FAMILY)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Frage Rang, Feld type" in html
    assert "Frage Formel, Feld relevance" in html
    assert _count(staffed) == 0
    resp = designer.post(CONFIRM, data={**_form_data(html), "confirm": "1"})
    resp = finish_import(designer, resp)
    assert resp.status_code == 302
    with staffed.app_context():
        row = db.session.execute(sa.select(QuestionnaireRow)).scalar_one()
        questionnaire = from_data(row.versions[0].definition)
    assert questionnaire.languages == ("de", "en")
    assert "rang" not in {q.name.lower() for q in questionnaire.questions()}


@pytest.mark.sqlite_only
def test_upload_over_the_time_budget_is_refused_and_changes_nothing(
    staffed: Flask,
) -> None:
    staffed.config["IMPORT_MAX_SECONDS"] = 1
    designer = _client(staffed, "gestaltung")
    resp = _upload(designer, "gross.xlsx", slow_workbook())
    assert resp.status_code == 200
    assert last_job(staffed, "questionnaire_import")[0] == "failed"
    html = resp.get_data(as_text=True)
    assert "nicht in 1 Sekunden lesen" in html
    assert "Traceback" not in html
    assert _count(staffed) == 0
    # the budget is the config's: the same file within its default is read
    staffed.config["IMPORT_MAX_SECONDS"] = 60
    small = _upload(designer, "klein.xlsx", slow_workbook(rows=20, columns=2))
    assert small.status_code == 200
    assert "Zeile" in small.get_data(as_text=True)  # the report of its notices
