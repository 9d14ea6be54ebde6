"""The translators' workflow through the designer's pages on SQLite and PostgreSQL:
export -> edit -> upload -> report -> confirm; review flags follow source edits."""

from __future__ import annotations

import io
import re
from pathlib import Path
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
from tests.umfrage.helpers import PASSWORD, add_staff, follow_job, last_job
from umfrage.auftraege.runner import result_file
from umfrage.extensions import db
from umfrage.gestaltung import services
from umfrage.gestaltung.editing import set_at
from umfrage.models import AuditLog, Job, TranslationReview
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
    """Upload a translators' file and follow its job: the report (200), or the
    failed job's page (200)."""
    token = csrf_token(client.get(url).get_data(as_text=True))
    boundary, body = encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(content), filename)}
    )
    resp = client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    page = follow_job(client, resp)
    if page.status_code == 302:
        assert re.fullmatch(rf"{url}/\d+", page.headers["Location"])
        return client.get(page.headers["Location"])
    return page


def _no_uploads(app: Flask) -> bool:
    return not list((Path(app.instance_path) / "uploads").glob("*.upload"))


def _confirm(client: FlaskClient, html: str) -> Any:
    """Press the report's confirm button (its form posts to the job's confirm URL)."""
    action = re.search(r'<form method="post" action="([^"]+/bestaetigen)"', html)
    base = re.search(r'id="base" name="base" type="hidden" value="([^"]+)"', html)
    assert action is not None
    assert base is not None
    data = {"csrf_token": csrf_token(html), "base": base.group(1)}
    return client.post(action.group(1), data=data)


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
    assert last_job(app, "translation_import") == ("done", None)
    assert _no_uploads(app)
    assert _definition(app, questionnaire_id) == before  # read, not yet taken over
    assert "2 Änderungen übernehmen" in html
    # the confirm form names the job and the state of the draft it was made for
    tampered = re.sub(r'(name="base" type="hidden" value=")[^"]+', r"\1x", html)
    assert _confirm(client, tampered).status_code == 400
    assert _definition(app, questionnaire_id) == before
    resp = _confirm(client, html)  # from the stored comparison: the file is gone
    assert resp.status_code == 302
    again = _confirm(client, html)  # the draft changed since the report
    assert again.status_code == 409
    assert "geändert" in again.text

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
    assert _confirm(client, html).status_code == 302
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
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200  # the failed job's page
    assert "Der Auftrag ist fehlgeschlagen" in html
    assert "DTD" in html
    assert f'href="{url}"' in html
    status, message = last_job(app, "translation_import")
    assert status == "failed"
    assert "DTD" in (message or "")
    resp = _upload(client, url, "notizen.txt", b"hallo")
    assert resp.status_code == 200
    assert last_job(app, "translation_import")[0] == "failed"
    assert _definition(app, questionnaire_id) == before
    assert _no_uploads(app)
    empty = client.post(url, data={"csrf_token": csrf_token(client.get(url).text)})
    assert empty.status_code == 400


def test_the_report_belongs_to_its_job_and_questionnaire(
    app: Flask, questionnaire_id: int
) -> None:
    client = _client(app)
    url = f"/gestaltung/fragebogen/{questionnaire_id}/uebersetzungen/einlesen"
    export = client.get(
        f"/gestaltung/fragebogen/{questionnaire_id}/version/1/uebersetzungen.xlsx"
    )
    assert "ändert nichts" in _upload(client, url, "kurz.xlsx", export.data).text
    with app.app_context():
        job_id = db.session.execute(select(Job.id)).scalar_one()
        other = services.import_questionnaire(None, "zwei.yaml", YAML.encode()).id
    page = client.get(f"{url}/{job_id}")
    assert page.status_code == 200
    other_url = f"/gestaltung/fragebogen/{other}/uebersetzungen/einlesen/{job_id}"
    assert client.get(other_url).status_code == 404
    assert client.get(f"{url}/{job_id + 1}").status_code == 404
    token = {"csrf_token": csrf_token(page.text), "base": "x"}
    assert client.post(f"{other_url}/bestaetigen", data=token).status_code == 404
    assert client.post(f"{url}/{job_id + 1}/bestaetigen", data=token).status_code == 404


def test_a_report_whose_result_is_gone_is_not_confirmed(
    app: Flask, questionnaire_id: int
) -> None:
    client = _client(app)
    base = f"/gestaltung/fragebogen/{questionnaire_id}"
    before = _definition(app, questionnaire_id)
    catalog = read_po(
        io.BytesIO(client.get(f"{base}/version/1/uebersetzung-tr.po").data)
    )
    message = catalog.get("Wie viele Kinder?", context="question.kinder.label")
    assert message is not None
    message.string = "Kaç çocuğunuz var?"
    buffer = io.BytesIO()
    write_po(buffer, catalog)
    html = _upload(
        client, f"{base}/uebersetzungen/einlesen", "tr.po", buffer.getvalue()
    ).text
    assert "1 Änderung übernehmen" in html
    with app.app_context():
        job = db.session.execute(select(Job)).scalar_one()
        path = result_file(job)
    assert path is not None
    path.unlink()  # as when the result's time is up
    resp = _confirm(client, html)
    assert resp.status_code == 404
    assert "nicht mehr gespeichert" in resp.text
    assert _definition(app, questionnaire_id) == before
