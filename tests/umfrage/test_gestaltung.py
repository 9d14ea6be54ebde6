"""The designer area through the real forms, on SQLite and PostgreSQL: questionnaire
editing, versions, import/export, preview, surveys, invitation codes, retention,
monitoring; every POST route checked for login, role and CSRF."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from fragebogen.demo import load_demo as load_demo_questionnaire
from fragebogen.xlsform import to_xlsform
from fragebogen.yaml_format import dump_yaml, from_data
from tests.conftest import csrf_token, login
from tests.umfrage.helpers import (
    PASSWORD,
    add_demo,
    add_staff,
    codes_file,
    finish_import,
    follow_job,
    last_job,
)
from umfrage.codes import hash_code, normalise_code
from umfrage.extensions import db
from umfrage.gestaltung import services
from umfrage.models import (
    AccessMode,
    AuditLog,
    InvitationBatch,
    InvitationCode,
    Job,
    JobStatus,
    QuestionnaireVersion,
    Response,
    Survey,
    SurveyStatus,
    VersionStatus,
    local_today,
    utc_now,
)
from umfrage.models import Questionnaire as QuestionnaireRow

DEMO_YAML = Path(__file__).parents[2] / "fragebogen" / "demo" / "familienbefragung.yaml"


@pytest.fixture
def staffed(app: Flask) -> Flask:
    add_staff(app)
    add_demo(app, responses=40)
    return app


@pytest.fixture
def designer(staffed: Flask) -> FlaskClient:
    client = staffed.test_client()
    assert login(client, "gestaltung", PASSWORD).status_code == 302
    return client


def _token(client: FlaskClient, url: str = "/gestaltung/") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def _base(client: FlaskClient, questionnaire_id: int) -> str:
    html = client.get(f"/gestaltung/fragebogen/{questionnaire_id}").get_data(
        as_text=True
    )
    match = re.search(r'name="base" value="([0-9a-f]{64})"', html)
    assert match is not None
    return match.group(1)


def _post(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data={"csrf_token": _token(client), **(data or {})})


def _count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(
            db.session.execute(
                sa.select(sa.func.count()).select_from(model)
            ).scalar_one()
        )


def _audit(app: Flask, action: str) -> list[AuditLog]:
    with app.app_context():
        entries = (
            db.session.execute(sa.select(AuditLog).where(AuditLog.action == action))
            .scalars()
            .all()
        )
        db.session.expunge_all()
        return list(entries)


def _new_questionnaire(client: FlaskClient, languages: str = "de") -> int:
    resp = _post(
        client,
        "/gestaltung/fragebogen/neu",
        {"title": "Elternbefragung", "name": "eltern", "languages": languages},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def _latest(app: Flask, questionnaire_id: int) -> QuestionnaireVersion:
    with app.app_context():
        row = db.session.get(QuestionnaireRow, questionnaire_id)
        assert row is not None
        version = row.versions[-1]
        db.session.expunge_all()
        return version


def _question_form(client: FlaskClient, url: str) -> dict[str, Any]:
    """The question editor's current values, as the browser would send them."""
    html = client.get(url).get_data(as_text=True)
    data: dict[str, Any] = {}
    for match in re.finditer(r"<input ([^>]*)>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
        name = attrs.get("name")
        if not name or attrs.get("type") == "submit":
            continue
        if attrs.get("type") == "checkbox":
            if " checked" in match.group(1):
                data[name] = "y"
            continue
        data[name] = attrs.get("value", "")
    for match in re.finditer(
        r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html
    ):
        data[match.group(1)] = match.group(2).strip()
    for match in re.finditer(
        r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S
    ):
        chosen = [
            re.search(r'value="([^"]*)"', option)
            for option in re.findall(r"<option[^>]*>", match.group(2))
            if " selected" in option
        ]
        data[match.group(1)] = chosen[0].group(1) if chosen and chosen[0] else ""
    return data


def _build_small_questionnaire(client: FlaskClient) -> int:
    """Two pages: a yes/no question and a district question, via the forms."""
    qid = _new_questionnaire(client)
    base = _base(client, qid)
    resp = _post(
        client,
        f"/gestaltung/fragebogen/{qid}/seiten",
        {"base": base, "name": "eins", "title": "Eins"},
    )
    assert resp.status_code == 302
    base = _base(client, qid)
    resp = _post(
        client,
        f"/gestaltung/fragebogen/{qid}/seite/1/fragen",
        {"base": base, "kind": "single_choice", "name": "kinder", "label": "Kinder?"},
    )
    assert resp.status_code == 302
    url = f"/gestaltung/fragebogen/{qid}/seite/1/frage/1"
    for _ in range(2):
        data = _question_form(client, url)
        assert client.post(url, data=data | {"aktion": "add_option"}).status_code == 302
    data = _question_form(client, url)
    data.update(
        {
            "option_0_value": "ja",
            "option_0_label__de": "Ja",
            "option_1_value": "nein",
            "option_1_label__de": "Nein",
        }
    )
    assert client.post(url, data=data | {"aktion": "save"}).status_code == 302
    base = _base(client, qid)
    _post(
        client,
        f"/gestaltung/fragebogen/{qid}/seiten",
        {"base": base, "name": "zwei", "title": "Zwei"},
    )
    base = _base(client, qid)
    _post(
        client,
        f"/gestaltung/fragebogen/{qid}/seite/2/fragen",
        {"base": base, "kind": "district", "name": "gebiet", "label": "Wo?"},
    )
    return qid


# ------------------------------------------------------------------ access control


def _post_routes(survey_id: int, batch_id: int) -> list[str]:
    q = "/gestaltung/fragebogen/1"
    s = f"/gestaltung/umfrage/{survey_id}"
    return [
        "/gestaltung/fragebogen/neu",
        "/gestaltung/fragebogen/importieren",
        "/gestaltung/fragebogen/importieren/bestaetigen",
        f"{q}/einstellungen",
        f"{q}/seiten",
        f"{q}/seite/1",
        f"{q}/seite/1/verschieben",
        f"{q}/seite/1/loeschen",
        f"{q}/seite/1/fragen",
        f"{q}/seite/1/frage/1",
        f"{q}/seite/1/frage/1/verschieben",
        f"{q}/seite/1/frage/1/loeschen",
        f"{q}/uebersetzungen",
        f"{q}/uebersetzungen/einlesen",
        f"{q}/uebersetzungen/einlesen/1/bestaetigen",
        f"{q}/ausdruck-pruefen",
        f"{q}/veroeffentlichen",
        f"{q}/entwurf-loeschen",
        f"{q}/ersetzen",
        f"{q}/version/1/vorschau/1",
        "/gestaltung/umfrage/neu",
        f"{s}/einstellungen",
        f"{s}/status",
        f"{s}/codes",
        f"{s}/codes/{batch_id}/liste",
        f"{s}/codes/{batch_id}/briefe",
        f"{s}/codes/{batch_id}/zurueckziehen",
        f"{s}/anschreiben",
        f"{s}/anschreiben/briefkopf",
    ]


def _with_batch(app: Flask) -> tuple[int, int]:
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.access_mode = AccessMode.BOTH
        db.session.commit()
        batch = services.generate_codes(
            None, survey, 2, None, False, key="test", limit=100, hours=1
        )
        return survey.id, batch.id


def test_every_designer_post_route_checks_login_role_and_csrf(
    staffed: Flask,
) -> None:
    survey_id, batch_id = _with_batch(staffed)
    routes = _post_routes(survey_id, batch_id)
    rules = [
        r.rule
        for r in staffed.url_map.iter_rules()
        if r.endpoint.startswith("gestaltung.") and "POST" in (r.methods or ())
    ]
    # the download route serves two files ("liste", "briefe")
    assert len(rules) + 1 == len(routes), "a POST route is missing from this test"

    anonymous = staffed.test_client()
    token = _token(anonymous, "/anmelden")
    for url in routes:
        resp = anonymous.post(url, data={"csrf_token": token})
        assert resp.status_code == 302, url
        assert resp.headers["Location"].startswith("/anmelden?next="), url

    analyst = staffed.test_client()
    login(analyst, "auswertung", PASSWORD)
    token = _token(analyst, "/berichte/")
    for url in routes:
        assert analyst.post(url, data={"csrf_token": token}).status_code == 403, url

    before = (_count(staffed, AuditLog), _count(staffed, QuestionnaireVersion))
    for username in ("gestaltung", "admin"):
        client = staffed.test_client()
        login(client, username, PASSWORD)
        for url in routes:
            resp = client.post(url, data={"base": "x", "status": "schliessen"})
            assert resp.status_code == 400, (username, url)
    assert (_count(staffed, AuditLog), _count(staffed, QuestionnaireVersion)) == before
    with staffed.app_context():
        assert db.session.get(Survey, survey_id).status == SurveyStatus.OPEN


# ---------------------------------------------------------------- designing


def test_build_publish_and_edit_starts_a_new_version(
    staffed: Flask, designer: FlaskClient
) -> None:
    qid = _build_small_questionnaire(designer)
    version = _latest(staffed, qid)
    questionnaire = from_data(version.definition)
    assert [p.name for p in questionnaire.pages] == ["eins", "zwei"]
    kinder = questionnaire.pages[0].questions[0]
    assert [(o.code, o.value) for o in kinder.options] == [(1, "ja"), (2, "nein")]

    # an empty page cannot be published: the problem is listed with its place
    base = _base(designer, qid)
    _post(
        designer,
        f"/gestaltung/fragebogen/{qid}/seiten",
        {"base": base, "name": "leer", "title": "Leer"},
    )
    base = _base(designer, qid)
    resp = _post(
        designer, f"/gestaltung/fragebogen/{qid}/veroeffentlichen", {"base": base}
    )
    assert resp.status_code == 422
    assert "Seite 3 (leer)" in resp.get_data(as_text=True)
    assert _latest(staffed, qid).status == VersionStatus.DRAFT
    resp = _post(
        designer, f"/gestaltung/fragebogen/{qid}/seite/3/loeschen", {"base": base}
    )
    assert resp.status_code == 302

    base = _base(designer, qid)
    resp = _post(
        designer, f"/gestaltung/fragebogen/{qid}/veroeffentlichen", {"base": base}
    )
    assert resp.status_code == 302
    published = _latest(staffed, qid)
    assert published.status == VersionStatus.PUBLISHED
    assert published.number == 1
    assert [e.details["version"] for e in _audit(staffed, "publish_version")] == [1]

    # a survey on version 1 keeps it while the questionnaire is edited
    with staffed.app_context():
        layer_id = db.session.execute(sa.text("select id from district_layer")).scalar()
    resp = _post(
        designer,
        "/gestaltung/umfrage/neu",
        {
            "title": "Eltern",
            "slug": "eltern",
            "version_id": published.id,
            "layer_id": layer_id,
            "access_mode": "open",
            "deletion_date": (local_today() + timedelta(days=100)).isoformat(),
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]

    base = _base(designer, qid)
    resp = _post(
        designer,
        f"/gestaltung/fragebogen/{qid}/seite/1/frage/1/verschieben",
        {"base": base, "richtung": "runter"},
    )
    assert resp.status_code == 302
    draft = _latest(staffed, qid)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    moved = from_data(draft.definition)
    assert moved.pages[1].questions[0].name == "kinder"  # past the end: next page
    with staffed.app_context():
        first = db.session.get(QuestionnaireVersion, published.id)
        assert first.definition == published.definition
        assert first.fingerprint == published.fingerprint
        survey = db.session.execute(
            sa.select(Survey).where(Survey.slug == "eltern")
        ).scalar_one()
        assert survey.questionnaire_version_id == published.id
    assert _audit(staffed, "create_version")


def test_a_stale_form_changes_nothing(staffed: Flask, designer: FlaskClient) -> None:
    qid = _build_small_questionnaire(designer)
    base = _base(designer, qid)
    assert (
        _post(
            designer,
            f"/gestaltung/fragebogen/{qid}/seite/2/verschieben",
            {"base": base, "richtung": "hoch"},
        ).status_code
        == 302
    )
    before = _latest(staffed, qid).definition
    # the same button pressed again from the old page
    resp = _post(
        designer, f"/gestaltung/fragebogen/{qid}/seite/2/loeschen", {"base": base}
    )
    assert resp.status_code == 409
    assert "inzwischen geändert" in resp.get_data(as_text=True)
    assert _latest(staffed, qid).definition == before


def test_expressions_are_checked_with_message_and_position(
    staffed: Flask, designer: FlaskClient
) -> None:
    qid = _build_small_questionnaire(designer)
    url = f"/gestaltung/fragebogen/{qid}/seite/2/frage/1"
    data = _question_form(designer, url)
    resp = designer.post(
        url, data=data | {"relevant": "${kinder} = 'ja' and", "aktion": "save"}
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "Stelle" in body
    assert "expression-marker" in body
    stored = from_data(_latest(staffed, qid).definition)
    assert stored.pages[1].questions[0].relevant is None

    check = f"/gestaltung/fragebogen/{qid}/ausdruck-pruefen"
    place = "pages[1].questions[0].relevant"
    bad = _post(
        designer, check, {"place": place, "expression": "${kinder} = "}
    ).get_json()
    assert bad["ok"] is False
    assert isinstance(bad["problems"][0]["position"], int)
    unknown = _post(
        designer, check, {"place": place, "expression": "${nirgends} = 1"}
    ).get_json()
    assert unknown["ok"] is False
    assert "nirgends" in unknown["problems"][0]["message"]
    assert unknown["problems"][0]["position"] == 0
    good = _post(
        designer, check, {"place": place, "expression": "selected(${kinder}, 'ja')"}
    ).get_json()
    assert good == {"ok": True, "problems": []}
    assert (
        _post(designer, check, {"place": "name", "expression": "1"}).status_code == 400
    )

    # a saved reference to an unknown question is listed among the problems
    data = _question_form(designer, url)
    resp = designer.post(
        url, data=data | {"relevant": "${nirgends} = 1", "aktion": "save"}
    )
    assert resp.status_code == 302
    page = designer.get(f"/gestaltung/fragebogen/{qid}").get_data(as_text=True)
    assert "nirgends" in page
    assert "Filter" in page


def test_options_and_items_reorder_and_delete_without_javascript(
    staffed: Flask, designer: FlaskClient
) -> None:
    qid = _build_small_questionnaire(designer)
    base = _base(designer, qid)
    _post(
        designer,
        f"/gestaltung/fragebogen/{qid}/seite/1/fragen",
        {
            "base": base,
            "kind": "likert_matrix",
            "name": "zufr",
            "label": "Wie zufrieden?",
        },
    )
    url = f"/gestaltung/fragebogen/{qid}/seite/1/frage/2"
    data = _question_form(designer, url)
    assert designer.post(url, data=data | {"aktion": "add_item"}).status_code == 302
    data = _question_form(designer, url)
    data.update({"item_0_label__de": "Kita", "item_1_label__de": "Spielplatz"})
    assert designer.post(url, data=data | {"aktion": "item_down:0"}).status_code == 302
    data = _question_form(designer, url)
    assert (
        designer.post(url, data=data | {"aktion": "option_delete:4"}).status_code == 302
    )
    data = _question_form(designer, url)
    assert designer.post(url, data=data | {"aktion": "option_up:1"}).status_code == 302
    question = from_data(_latest(staffed, qid).definition).pages[0].questions[1]
    assert [i.label["de"] for i in question.items] == ["Spielplatz", "Kita"]
    assert [o.code for o in question.options] == [2, 1, 3, 4]
    # an option code that is not a number is refused, nothing stored
    data = _question_form(designer, url)
    resp = designer.post(url, data=data | {"option_0_code": "zwei", "aktion": "save"})
    assert resp.status_code == 422
    assert "ganze Zahl" in resp.get_data(as_text=True)


def test_translations_side_by_side_and_language_change(
    staffed: Flask, designer: FlaskClient
) -> None:
    qid = _build_small_questionnaire(designer)
    url = f"/gestaltung/fragebogen/{qid}/einstellungen"
    html = designer.get(url).get_data(as_text=True)
    resp = designer.post(
        url,
        data={
            "csrf_token": csrf_token(html),
            "base": _base(designer, qid),
            "name": "eltern",
            "language_list": "de, ar",
            "title__de": "Elternbefragung",
        },
    )
    assert resp.status_code == 302
    page = designer.get(f"/gestaltung/fragebogen/{qid}/uebersetzungen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<textarea[^>]*dir="rtl"[^>]*lang="ar"', html)
    assert html.count('class="missing"') >= 5
    fields = dict(re.findall(r'name="(t\d+__(?:de|ar))"[^>]*>([^<]*)<', html))
    data = {name: value or "نص" for name, value in fields.items()}
    data.update({"csrf_token": csrf_token(html), "base": _base(designer, qid)})
    data = {k: ("نص" if k.endswith("__ar") else v) for k, v in data.items()}
    data["t1__de"] = data["t1__ar"] = ""  # no description
    resp = designer.post(f"/gestaltung/fragebogen/{qid}/uebersetzungen", data=data)
    assert resp.status_code == 302
    questionnaire = from_data(_latest(staffed, qid).definition)
    assert questionnaire.languages == ("de", "ar")
    assert questionnaire.pages[0].questions[0].options[0].label == {
        "de": "Ja",
        "ar": "نص",
    }
    assert questionnaire.description is None
    # the preview speaks Arabic, right to left
    preview = designer.get(
        f"/gestaltung/fragebogen/{qid}/version/1/vorschau/1?sprache=ar"
    )
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html, html[html.find("<main") :][:1500]


def test_preview_checks_answers_but_stores_nothing(
    staffed: Flask, designer: FlaskClient
) -> None:
    responses = _count(staffed, Response)
    url = "/gestaltung/fragebogen/1/version/1/vorschau/2"
    page = designer.get(url + "?sprache=en")
    assert page.status_code == 200
    assert "Vorschau" in page.get_data(as_text=True)
    resp = designer.post(
        url, data={"csrf_token": _token(designer, url), "f_kinder_anzahl": "99"}
    )
    assert resp.status_code == 422
    assert "error-summary" in resp.get_data(as_text=True)
    assert _count(staffed, Response) == responses
    assert (
        designer.get("/gestaltung/fragebogen/1/version/1/vorschau/99").status_code
        == 404
    )
    assert (
        designer.get("/gestaltung/fragebogen/1/version/7/vorschau/1").status_code == 404
    )


# ------------------------------------------------------------- import and export


def _upload(
    client: FlaskClient, url: str, filename: str, content: bytes, **extra: str
) -> Any:
    return client.post(
        url,
        data={
            "csrf_token": _token(client),
            "file": (io.BytesIO(content), filename),
            **extra,
        },
        content_type="multipart/form-data",
    )


def _import(designer: FlaskClient, filename: str, content: bytes) -> Any:
    """Import through the job: the failed job's page, the report or the draft."""
    url = "/gestaltung/fragebogen/importieren"
    return finish_import(designer, _upload(designer, url, filename, content))


def test_yaml_import_is_all_or_nothing_with_places(
    staffed: Flask, designer: FlaskClient
) -> None:
    url = "/gestaltung/fragebogen/importieren"
    before = _count(staffed, QuestionnaireRow)
    broken = _import(designer, "f.yaml", b"name: x\ntitle: [unclosed\n")
    assert broken.status_code == 200  # the failed job's page
    assert "Der Auftrag ist fehlgeschlagen" in broken.get_data(as_text=True)
    assert "Zeile" in broken.get_data(as_text=True)

    text = DEMO_YAML.read_text(encoding="utf-8")
    text = text.replace(
        "relevant: ${kinder_anzahl} > 1", "relevant: ${kinder_anzahl} >", 1
    )
    text = text.replace("name: haushaltstyp", "name: Haushaltstyp", 1)
    resp = _import(designer, "familie.yaml", text.encode())
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Die Datei wurde nicht übernommen: 2 Fehler." in body
    assert "pages[1].questions[2].relevant" in body
    assert "pages[1].questions[3].name" in body
    assert _count(staffed, QuestionnaireRow) == before

    wrong = _import(designer, "familie.txt", b"name: x")
    assert wrong.status_code == 200
    assert "YAML-Datei" in wrong.get_data(as_text=True)
    empty = designer.post(url, data={"csrf_token": _token(designer)})
    assert empty.status_code == 422
    assert _count(staffed, QuestionnaireRow) == before

    ok = _import(designer, "familie.yaml", DEMO_YAML.read_bytes())
    assert ok.status_code == 302
    assert re.fullmatch(r"/gestaltung/fragebogen/\d+", ok.headers["Location"])
    assert _count(staffed, QuestionnaireRow) == before + 1
    assert _audit(staffed, "import_questionnaire")


def test_xlsform_import_export_round_trip_and_errors(
    staffed: Flask, designer: FlaskClient
) -> None:
    before = _count(staffed, QuestionnaireRow)
    resp = _import(designer, "form.xlsx", b"PK\x03\x04 not really a workbook")
    assert resp.status_code == 200
    assert "keine lesbare Excel-Datei" in resp.get_data(as_text=True)

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    sheet.append(["geopoint", "ort", "Wo?"])
    sheet.append(["begin_repeat", "kind", "Kind"])
    sheet.append(["end_repeat", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    resp = _import(designer, "form.xlsx", buffer.getvalue())
    body = resp.get_data(as_text=True)
    # a report of what cannot be taken over; nothing stored before confirming
    assert resp.status_code == 200
    assert "Blatt survey, Zeile 2, Spalte type" in body
    assert _count(staffed, QuestionnaireRow) == before

    export = designer.get("/gestaltung/fragebogen/1/version/1/export.xlsx")
    assert export.status_code == 200
    assert export.headers["Content-Disposition"].endswith('.xlsx"')
    resp = _import(designer, "familie.xlsx", export.data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    new_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    demo = load_demo_questionnaire("familienbefragung")
    assert from_data(_latest(staffed, new_id).definition) == demo

    yaml_export = designer.get("/gestaltung/fragebogen/1/version/1/export.yaml")
    assert yaml_export.status_code == 200
    assert yaml_export.data.decode() == dump_yaml(demo)
    formats = sorted(
        e.details["format"] for e in _audit(staffed, "export_questionnaire")
    )
    assert formats == ["xlsform", "yaml"]


def _replace(designer: FlaskClient, filename: str, content: bytes, base: str) -> Any:
    """Replace draft 1 from a file and follow its job: 302 to the editor when
    done, the failed job's page (200) when refused."""
    url = "/gestaltung/fragebogen/1/ersetzen"
    return follow_job(designer, _upload(designer, url, filename, content, base=base))


def test_replacing_a_published_questionnaire_from_a_file_makes_a_new_version(
    staffed: Flask, designer: FlaskClient
) -> None:
    base = _base(designer, 1)
    demo = load_demo_questionnaire("familienbefragung")
    resp = _replace(designer, "neu.xlsx", to_xlsform(demo), base)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/gestaltung/fragebogen/1"
    assert last_job(staffed, "questionnaire_import") == ("done", None)
    # the same content: no new version needed
    assert _latest(staffed, 1).number == 1
    page = designer.get("/gestaltung/fragebogen/1").get_data(as_text=True)
    assert "Der Entwurf wurde durch die Datei ersetzt." in page
    changed = DEMO_YAML.read_text(encoding="utf-8").replace(
        "de: Familienbefragung\n", "de: Familienbefragung 2027\n", 1
    )
    resp = _replace(designer, "neu.yaml", changed.encode(), base)
    assert resp.status_code == 302
    latest = _latest(staffed, 1)
    assert (latest.number, latest.status) == (2, VersionStatus.DRAFT)
    assert latest.definition["title"]["de"] == "Familienbefragung 2027"
    page = designer.get("/gestaltung/fragebogen/1").get_data(as_text=True)
    assert "in der neuen Version 2 (Entwurf)" in page
    assert not list((Path(staffed.instance_path) / "uploads").glob("*.upload"))


def test_a_refused_replacement_fails_its_job_and_changes_nothing(
    staffed: Flask, designer: FlaskClient
) -> None:
    base = _base(designer, 1)
    before = _latest(staffed, 1).definition
    broken = DEMO_YAML.read_text(encoding="utf-8").replace(
        "relevant: ${kinder_anzahl} > 1", "relevant: ${kinder_anzahl} >", 1
    )
    resp = _replace(designer, "neu.yaml", broken.encode(), base)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200  # the failed job's page
    assert "Die Datei wurde nicht übernommen: 1 Fehler." in html
    assert "pages[1].questions[2].relevant" in html
    assert 'href="/gestaltung/fragebogen/1#datei-titel"' in html
    assert last_job(staffed, "questionnaire_import")[0] == "failed"
    # a file read for a draft that changed meanwhile
    resp = _replace(designer, "neu.yaml", DEMO_YAML.read_bytes(), "veraltet")
    assert resp.status_code == 200
    assert "inzwischen geändert" in resp.get_data(as_text=True)
    assert _latest(staffed, 1).number == 1
    assert _latest(staffed, 1).definition == before
    assert not list((Path(staffed.instance_path) / "uploads").glob("*.upload"))
    # no file chosen: the request answers, no job
    empty = designer.post(
        "/gestaltung/fragebogen/1/ersetzen",
        data={"csrf_token": _token(designer), "base": base},
    )
    assert empty.status_code == 422


# -------------------------------------------------------------------- surveys


def _survey_data(**overrides: Any) -> dict[str, Any]:
    today = local_today()
    data = {
        "title": "Zweite Runde",
        "slug": "zweite-runde",
        "version_id": 1,
        "layer_id": 1,
        "field_start": today.isoformat(),
        "field_end": (today + timedelta(days=10)).isoformat(),
        "access_mode": "code",
        "languages": ["de", "en"],
        "deletion_date": (today + timedelta(days=100)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field_end", "deletion_days", "status"),
    [
        ("", "", 422),  # no end, no deletion date
        ("", 2099, 422),  # no end, deletion "never"
        ("", 25 * 31, 422),  # no end, beyond 24 months from today
        ("", 300, 302),
        ("x", "", 302),  # an end: 24 months after it by default
    ],
)
def test_retention_requires_a_deletion_date_within_the_promise(
    staffed: Flask,
    designer: FlaskClient,
    field_end: str,
    deletion_days: Any,
    status: int,
) -> None:
    today = local_today()
    end = (today + timedelta(days=10)).isoformat() if field_end else ""
    if deletion_days == 2099:
        deletion = "2099-12-31"
    elif deletion_days:
        deletion = (today + timedelta(days=deletion_days)).isoformat()
    else:
        deletion = ""
    data = _survey_data(field_end=end, deletion_date=deletion)
    before = _count(staffed, Survey)
    resp = _post(designer, "/gestaltung/umfrage/neu", data)
    assert resp.status_code == status
    if status == 422:
        assert "Löschdatum" in resp.get_data(as_text=True)
    assert _count(staffed, Survey) == before + (status == 302)


def test_survey_create_open_close_reopen_with_audit(
    staffed: Flask, designer: FlaskClient
) -> None:
    bad = _post(
        designer, "/gestaltung/umfrage/neu", _survey_data(slug="Familienbefragung")
    )
    assert bad.status_code == 422
    taken = _post(
        designer, "/gestaltung/umfrage/neu", _survey_data(slug="familienbefragung")
    )
    assert taken.status_code == 422
    assert "schon vergeben" in taken.get_data(as_text=True)
    early = _post(
        designer,
        "/gestaltung/umfrage/neu",
        _survey_data(deletion_date=local_today().isoformat()),
    )
    assert early.status_code == 422
    no_layer = _post(designer, "/gestaltung/umfrage/neu", _survey_data(layer_id=0))
    assert no_layer.status_code == 422
    assert "Gebietsgliederung" in no_layer.get_data(as_text=True)

    too_late = _post(
        designer,
        "/gestaltung/umfrage/neu",
        _survey_data(deletion_date=(local_today() + timedelta(days=800)).isoformat()),
    )
    assert too_late.status_code == 422
    assert "Datenschutzhinweis" in too_late.get_data(as_text=True)
    default = _post(
        designer,
        "/gestaltung/umfrage/neu",
        _survey_data(slug="ohne-datum", deletion_date=""),
    )
    assert default.status_code == 302
    with staffed.app_context():
        survey = db.session.execute(
            sa.select(Survey).where(Survey.slug == "ohne-datum")
        ).scalar_one()
        end = local_today() + timedelta(days=10)
        assert survey.deletion_date == services.add_months(end, 24)

    resp = _post(designer, "/gestaltung/umfrage/neu", _survey_data())
    assert resp.status_code == 302
    survey_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    url = f"/gestaltung/umfrage/{survey_id}"
    assert designer.get(url).status_code == 200
    for status, expected in (
        ("oeffnen", SurveyStatus.OPEN),
        ("schliessen", SurveyStatus.CLOSED),
        ("oeffnen", SurveyStatus.OPEN),
    ):
        assert _post(designer, f"{url}/status", {"status": status}).status_code == 302
        with staffed.app_context():
            assert db.session.get(Survey, survey_id).status == expected
    actions = [e.action for e in _audit(staffed, "open_survey")]
    actions += [e.action for e in _audit(staffed, "close_survey")]
    actions += [e.action for e in _audit(staffed, "reopen_survey")]
    assert sorted(actions) == ["close_survey", "open_survey", "reopen_survey"]

    # once in the field, the address stays; the title may change
    resp = _post(designer, f"{url}/einstellungen", _survey_data(slug="anders"))
    assert resp.status_code == 422
    resp = _post(designer, f"{url}/einstellungen", _survey_data(title="Neuer Titel"))
    assert resp.status_code == 302
    with staffed.app_context():
        survey = db.session.get(Survey, survey_id)
        assert (survey.slug, survey.title) == ("zweite-runde", "Neuer Titel")
        assert survey.languages == ["de", "en"]
        assert survey.deletion_date == local_today() + timedelta(days=100)


# ----------------------------------------------------------- invitation codes


def _codes_page(client: FlaskClient, survey_id: int) -> str:
    return client.get(f"/gestaltung/umfrage/{survey_id}/codes").get_data(as_text=True)


def test_codes_are_stored_as_hashes_until_receipt_is_confirmed(
    staffed: Flask, designer: FlaskClient
) -> None:
    with staffed.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey_id = survey.id
    url = f"/gestaltung/umfrage/{survey_id}/codes"
    refused = _post(designer, url, {"count": "5"})
    assert refused.status_code == 422  # open access: codes make no sense
    _post(
        designer,
        f"/gestaltung/umfrage/{survey_id}/einstellungen",
        _survey_data(
            title="Familienbefragung",
            slug="familienbefragung",
            access_mode="both",
            field_start="",
            field_end="",
            # without an end, a deletion date is required (issue 18)
            deletion_date=(local_today() + timedelta(days=100)).isoformat(),
            languages=[],
        ),
    )
    too_many = _post(designer, url, {"count": "100000"})
    assert too_many.status_code == 422
    resp = _post(designer, url, {"count": "5"})
    assert resp.status_code == 302
    with staffed.app_context():
        batch = db.session.execute(sa.select(InvitationBatch)).scalar_one()
        batch_id = batch.id
        hashes = set(db.session.execute(sa.select(InvitationCode.code_hash)).scalars())
    assert len(hashes) == 5

    csv_resp = codes_file(designer, url, batch_id, "liste")
    assert csv_resp.status_code == 200
    assert csv_resp.headers["Cache-Control"] == "no-store"
    rows = list(
        csv.DictReader(io.StringIO(csv_resp.data.decode("utf-8-sig")), delimiter=";")
    )
    codes = [normalise_code(row["code"]) for row in rows]
    assert {hash_code(c, "test", f"invitation:{survey_id}") for c in codes} == hashes
    # nothing in the database shows a code
    with staffed.app_context():
        dump = repr(
            [
                tuple(r)
                for r in db.session.execute(
                    sa.text("select * from invitation_code")
                ).all()
            ]
            + [
                tuple(r)
                for r in db.session.execute(
                    sa.text("select * from invitation_batch")
                ).all()
            ]
            + [tuple(r) for r in db.session.execute(sa.text("select * from job"))]
        )
    assert not any(code in dump for code in codes)

    # until receipt is confirmed, the files can be downloaded again
    assert codes_file(designer, url, batch_id, "liste").data == csv_resp.data
    pdf = codes_file(designer, url, batch_id, "briefe")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages
    )
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 5
    assert rows[0]["code"] in text
    assert "/s/familienbefragung" in text
    with staffed.app_context():
        files = list((Path(staffed.instance_path) / "jobs").iterdir())
        assert len(files) == 2
        job_id = db.session.execute(
            sa.select(Job.id).where(Job.kind == "invitation_letters")
        ).scalar_one()
    confirmed = _post(designer, f"/auftraege/{job_id}/empfang")
    assert confirmed.status_code == 302
    with staffed.app_context():
        assert db.session.get(InvitationBatch, batch_id).seed is None
        assert not any(f.exists() for f in files)
        statuses = set(db.session.execute(sa.select(Job.status)).scalars())
        assert statuses == {JobStatus.EXPIRED}
    assert codes_file(designer, url, batch_id, "briefe").status_code == 410
    assert "Codes gelöscht" in _codes_page(designer, survey_id)
    formats = sorted(e.details["format"] for e in _audit(staffed, "download_codes"))
    assert formats == ["csv", "csv", "pdf"]
    assert _audit(staffed, "erase_codes")[0].details["batch"] == batch_id
    assert _audit(staffed, "generate_codes")[0].details["count"] == 5

    # withdrawing makes the unused codes invalid
    assert _post(designer, f"{url}/{batch_id}/zurueckziehen").status_code == 302
    assert _count(staffed, InvitationCode) == 0
    assert _audit(staffed, "withdraw_codes")


def test_codes_per_district_and_the_download_window(
    staffed: Flask, designer: FlaskClient
) -> None:
    with staffed.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.access_mode = AccessMode.CODE
        db.session.commit()
        survey_id = survey.id
    url = f"/gestaltung/umfrage/{survey_id}/codes"
    assert _post(designer, url, {"count": "2", "district": "each"}).status_code == 302
    with staffed.app_context():
        per_district = db.session.execute(
            sa.select(InvitationCode.district_id, sa.func.count()).group_by(
                InvitationCode.district_id
            )
        ).all()
        assert len(per_district) == 104
        assert {n for _, n in per_district} == {2}
        hamm = db.session.execute(
            sa.text("select id from district where name = 'Hamm'")
        ).scalar()
    assert (
        _post(designer, url, {"count": "3", "district": str(hamm)}).status_code == 302
    )
    with staffed.app_context():
        batch = db.session.execute(
            sa.select(InvitationBatch).where(InvitationBatch.district_id == hamm)
        ).scalar_one()
        batch.expires_at = utc_now() - timedelta(minutes=1)
        db.session.commit()
        batch_id = batch.id
    resp = codes_file(designer, url, batch_id, "liste")
    assert resp.status_code == 410
    with staffed.app_context():
        assert db.session.get(InvitationBatch, batch_id).seed is None
    pdf = codes_file(designer, url, batch_id - 1, "briefe")
    assert pdf.status_code == 200
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 208


def test_letters_escape_markup_and_csv_defuses_formulas(staffed: Flask) -> None:
    from umfrage.gestaltung import letters

    with staffed.test_request_context():
        settings = letters.LetterSettings(
            "Umfrage </para> <b>& Co", "http://x/s/a", "Amt <i>", "a@b", "1. Mai", None
        )
        pdf = letters.letters_pdf(
            [letters.InvitationLetter("ABCDE12345", "1", "=Hamm")], settings
        )
        content = letters.codes_csv(
            [letters.InvitationLetter("ABCDE12345", "1", "=Hamm")], "http://x"
        )
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Umfrage </para> <b>& Co" in text
    assert "ABCDE-12345" in text
    assert ";'=Hamm;" in content.decode("utf-8-sig")


# ------------------------------------------------------- retention and monitoring


def test_purge_deletes_responses_past_the_deletion_date(staffed: Flask) -> None:
    from umfrage.cli import purge_command

    runner = staffed.test_cli_runner()
    result = runner.invoke(purge_command)
    assert result.exit_code == 0, result.output
    assert "Keine Befragung" in result.output
    assert _count(staffed, Response) == 40
    with staffed.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.deletion_date = local_today()
        db.session.commit()
    result = runner.invoke(purge_command)
    assert result.exit_code == 0, result.output
    assert "40 Antworten gelöscht" in result.output
    assert _count(staffed, Response) == 0
    entry = _audit(staffed, "delete_responses")[0]
    assert entry.details["count"] == 40
    assert entry.user_id is None
    with staffed.app_context():
        assert (
            db.session.execute(sa.select(Survey)).scalar_one().status
            == SurveyStatus.CLOSED
        )


def test_monitoring_shows_days_completes_partials_and_drop_off(
    staffed: Flask, designer: FlaskClient
) -> None:
    with staffed.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey_id = survey.id
        partial = db.session.execute(
            sa.select(sa.func.count()).where(Response.status == "partial")
        ).scalar_one()
        days = services.responses_per_day(survey)
        drop = services.drop_off_by_page(survey)
    assert sum(d.started for d in days) == 40
    assert sum(row.partial for row in drop) == partial
    page = designer.get(f"/gestaltung/umfrage/{survey_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="responses-per-day"' in html
    assert 'id="drop-off"' in html
    assert f'id="total-partial">{partial}<' in html


def test_deleting_a_draft_and_never_a_published_version(
    staffed: Flask, designer: FlaskClient
) -> None:
    qid = _new_questionnaire(designer)
    resp = _post(
        designer,
        f"/gestaltung/fragebogen/{qid}/entwurf-loeschen",
        {"base": _base(designer, qid)},
    )
    assert resp.status_code == 302
    with staffed.app_context():
        assert db.session.get(QuestionnaireRow, qid) is None
    resp = _post(
        designer,
        "/gestaltung/fragebogen/1/entwurf-loeschen",
        {"base": _base(designer, 1)},
    )
    assert resp.status_code == 422
    assert _latest(staffed, 1).status == VersionStatus.PUBLISHED


def test_draft_edits_are_audited(app: Flask) -> None:
    """Issue 14: every change of a questionnaire draft is in the audit log; a
    change that changes nothing is not."""
    from umfrage.gestaltung import editing

    add_staff(app)
    with app.app_context():
        row = services.create_questionnaire(None, "neu", "Neu", ["de"])
        row_id = row.id
        version = services.latest_version(row)
        services.change_draft(
            None,
            row,
            version.fingerprint,
            lambda q: editing.add_page(q, "seite_a", "Seite A"),
        )
        version = services.latest_version(row)
        services.change_draft(None, row, version.fingerprint, lambda q: q)
        actions = list(
            db.session.execute(
                sa.select(AuditLog.action, AuditLog.target).order_by(AuditLog.id)
            ).all()
        )
    edits = [a for a in actions if a[0] == "edit_draft"]
    assert edits == [("edit_draft", f"questionnaire:{row_id}")]
