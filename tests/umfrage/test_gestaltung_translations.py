"""The translators' workflow through the designer's pages on SQLite and PostgreSQL:
export -> edit -> upload -> report -> confirm; review flags follow source edits."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_staff
from umfrage.extensions import db
from umfrage.gestaltung import services
from umfrage.gestaltung.editing import set_at
from umfrage.models import AuditLog, TranslationReview
from umfrage.models import Questionnaire as QuestionnaireRow
from umfrage.services import questionnaire_of

YAML = """
name: kurz
title: {de: Kurze Umfrage, en: Short survey, tr: Kısa anket}
languages: [de, en, tr]
pages:
  - name: start
    title: {de: Start, en: Start, tr: Başlangıç}
    questions:
      - name: kinder
        type: number
        label: {de: "Wie viele Kinder?", en: "How many children?", tr: "Kaç çocuk?"}
      - name: kind_alter
        type: number
        label: {de: "Wie alt ist ${kinder}?", en: "How old is ${kinder}?", tr: "Yaş?"}
"""


def _client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client, "gestaltung", PASSWORD).status_code == 302
    return client


def _upload(client: FlaskClient, url: str, filename: str, content: bytes) -> Any:
    token = csrf_token(client.get(url).get_data(as_text=True))
    boundary, body = encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(content), filename)}
    )
    return client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _confirm(client: FlaskClient, url: str, html: str) -> Any:
    data = {"csrf_token": csrf_token(html)}
    for name in ("base", "payload"):
        match = re.search(
            rf'id="{name}" name="{name}" type="hidden" value="([^"]+)"', html
        )
        assert match is not None, name
        data[name] = match.group(1)
    return client.post(url + "/bestaetigen", data=data)


def _definition(app: Flask, row_id: int) -> Any:
    with app.app_context():
        row = db.session.get(QuestionnaireRow, row_id)
        return questionnaire_of(row.versions[-1])


def _flags(app: Flask) -> set[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(select(TranslationReview)).scalars()
        return {(r.key, r.language) for r in rows}


@pytest.fixture
def questionnaire_id(app: Flask) -> int:
    add_staff(app)
    with app.app_context():
        row = services.import_questionnaire(None, "kurz.yaml", YAML.encode())
        return int(row.id)


def test_xlsx_round_trip_changes_exactly_the_edited_texts(
    app: Flask, questionnaire_id: int
) -> None:
    client = _client(app)
    before = _definition(app, questionnaire_id)
    base = f"/gestaltung/fragebogen/{questionnaire_id}"
    resp = client.get(f"{base}/version/1/uebersetzungen.xlsx")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.data))
    sheet = book["Übersetzungen"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert sheet.freeze_panes == "F2"
    assert sheet.auto_filter.ref
    rows["question.kinder.label"][6].value = "Kaç çocuğunuz var?"  # tr
    rows["question.kind_alter.label"][6].value = "${kinder} kaç yaşında?"
    buffer = io.BytesIO()
    book.save(buffer)
    book.close()

    url = f"{base}/uebersetzungen/einlesen"
    resp = _upload(client, url, "kurz.xlsx", buffer.getvalue())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert "2 Änderungen übernehmen" in html
    resp = _confirm(client, url, html)
    assert resp.status_code == 302

    after = _definition(app, questionnaire_id)
    page = after.pages[0]
    assert page.questions[0].label["tr"] == "Kaç çocuğunuz var?"
    assert page.questions[1].label["tr"] == "${kinder} kaç yaşında?"
    expected = set_at(before, "pages[0].questions[0].label", page.questions[0].label)
    expected = set_at(expected, "pages[0].questions[1].label", page.questions[1].label)
    assert after == expected
    with app.app_context():
        actions = db.session.execute(select(AuditLog.action)).scalars().all()
    assert "import_translations" in actions
    assert "export_translations" in actions


def test_changed_source_flags_translations_until_a_po_import_confirms(
    app: Flask, questionnaire_id: int
) -> None:
    client = _client(app)
    base = f"/gestaltung/fragebogen/{questionnaire_id}"
    with app.app_context():
        row = db.session.get(QuestionnaireRow, questionnaire_id)
        version = row.versions[-1]
        current = questionnaire_of(version)
        label = current.pages[0].questions[0].label.to_dict()
        label["de"] = "Wie viele Kinder unter 18?"
        services.change_draft(
            None,
            row,
            version.fingerprint,
            lambda q: set_at(q, "pages[0].questions[0].label", type(q.title)(label)),
        )
    assert _flags(app) == {
        ("question.kinder.label", "en"),
        ("question.kinder.label", "tr"),
    }
    page = client.get(f"{base}/uebersetzungen").get_data(as_text=True)
    assert page.count('class="review-note"') == 2

    resp = client.get(f"{base}/version/1/uebersetzung-tr.po")
    catalog = read_po(io.BytesIO(resp.data))
    message = catalog.get("Wie viele Kinder unter 18?", context="question.kinder.label")
    assert message is not None
    assert message.fuzzy
    message.string = "18 yaşından küçük kaç çocuk?"
    message.flags.discard("fuzzy")
    buffer = io.BytesIO()
    write_po(buffer, catalog)

    url = f"{base}/uebersetzungen/einlesen"
    resp = _upload(client, url, "kurz-tr.po", buffer.getvalue())
    html = resp.get_data(as_text=True)
    assert "1 Änderung übernehmen" in html
    assert "geprüft" in html
    assert _confirm(client, url, html).status_code == 302
    assert _flags(app) == {("question.kinder.label", "en")}

    resp = client.get(f"{base}/version/1/uebersetzung-en.xlf")
    assert b'state="needs-review-translation"' in resp.data


def test_bad_files_are_refused_and_change_nothing(
    app: Flask, questionnaire_id: int
) -> None:
    client = _client(app)
    before = _definition(app, questionnaire_id)
    url = f"/gestaltung/fragebogen/{questionnaire_id}/uebersetzungen/einlesen"
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<xliff version="1.2"><file target-language="en"><body>'
        b'<trans-unit id="title"><source>&b;</source></trans-unit>'
        b"</body></file></xliff>"
    )
    resp = _upload(client, url, "boese.xlf", laughs)
    assert resp.status_code == 422
    assert "DTD" in resp.get_data(as_text=True)
    resp = _upload(client, url, "notizen.txt", b"hallo")
    assert resp.status_code == 422
    assert _definition(app, questionnaire_id) == before
