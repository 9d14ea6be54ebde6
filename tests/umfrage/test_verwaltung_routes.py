"""Every POST route of the admin area: anonymous → login, wrong role → 403, no CSRF
token → 400, and nothing changes. (GET routes are checked in ``test_auth.py``.)
The audit log page: filters and pages."""

from __future__ import annotations

import ast
import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient

import umfrage
from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from umfrage.audit import ACTION_NAMES, record
from umfrage.extensions import db
from umfrage.models import AuditLog, DistrictLayer, User


def post_urls(app: Flask) -> list[str]:
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("verwaltung.") and "POST" in (
                rule.methods or ()
            ):
                urls.append(url_for(rule.endpoint, **dict.fromkeys(rule.arguments, 1)))
    return sorted(urls)


@pytest.fixture
def staffed(app: Flask) -> Flask:
    add_staff(app)
    add_demo(app)
    return app


def snapshot(app: Flask) -> tuple[int, int, list[tuple[str, bool]]]:
    with app.app_context():
        audit = db.session.execute(sa.select(sa.func.count(AuditLog.id))).scalar_one()
        layers = db.session.execute(
            sa.select(sa.func.count(DistrictLayer.id))
        ).scalar_one()
        users = [
            (u.role.value, u.active)
            for u in db.session.execute(sa.select(User).order_by(User.id)).scalars()
        ]
    return int(audit), int(layers), users


# A body each POST route would accept from an admin.
FORM = {"role": "designer", "active": "nein", "password": "x" * 12, "confirm": "y"}


def test_admin_post_routes_are_the_expected_ones(staffed: Flask) -> None:
    assert post_urls(staffed) == [
        "/verwaltung/gebiete/1/bevoelkerung",
        "/verwaltung/gebiete/1/bevoelkerung/verwerfen",
        "/verwaltung/gebiete/1/bevoelkerung/zuordnung",
        "/verwaltung/gebiete/1/loeschen",
        "/verwaltung/gebiete/1/strassen",
        "/verwaltung/gebiete/neu",
        "/verwaltung/gebiete/neu/verwerfen",
        "/verwaltung/gebiete/neu/vorschau",
        "/verwaltung/konten/1/aktiv",
        "/verwaltung/konten/1/passwort",
        "/verwaltung/konten/1/rolle",
        "/verwaltung/konten/1/zwei-faktor",
        "/verwaltung/konten/neu",
    ]


def test_anonymous_posts_go_to_login(staffed: Flask, client: FlaskClient) -> None:
    token = csrf_token(client.get("/anmelden").get_data(as_text=True))
    before = snapshot(staffed)
    for url in post_urls(staffed):
        resp = client.post(url, data={**FORM, "csrf_token": token})
        assert resp.status_code == 302, url
        assert resp.headers["Location"].startswith("/anmelden?next="), url
    assert snapshot(staffed) == before


@pytest.mark.parametrize("username", ["gestaltung", "auswertung"])
def test_other_roles_get_403_on_posts(
    staffed: Flask, client: FlaskClient, username: str
) -> None:
    assert login(client, username, PASSWORD).status_code == 302
    token = csrf_token(client.get("/").get_data(as_text=True))
    before = snapshot(staffed)
    for url in post_urls(staffed):
        assert client.post(url, data={**FORM, "csrf_token": token}).status_code == 403
    assert snapshot(staffed) == before


def test_admin_posts_without_csrf_token_are_rejected(
    staffed: Flask, client: FlaskClient
) -> None:
    assert login(client, "admin", PASSWORD).status_code == 302
    before = snapshot(staffed)
    for url in post_urls(staffed):
        resp = client.post(url, data=FORM)
        assert resp.status_code == 400, url
        assert "Das Formular ist abgelaufen" in resp.get_data(as_text=True), url
    assert snapshot(staffed) == before


# -- audit log -----------------------------------------------------------------------


def test_audit_log_filters_and_pages(staffed: Flask, client: FlaskClient) -> None:
    with staffed.app_context():
        ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
        for number in range(60):
            actor = ids["gestaltung"] if number % 3 else ids["auswertung"]
            action = "open_survey" if number % 2 else "export_responses"
            record(actor, action, f"survey:{number}", number=number)
        db.session.commit()
    assert login(client, "admin", PASSWORD).status_code == 302

    page = client.get("/verwaltung/protokoll").get_data(as_text=True)
    assert "63 Einträge, Seite 1 von 2" in page  # 3 accounts created + 60
    assert "survey:59" in page
    assert "survey:9<" not in page
    older = client.get("/verwaltung/protokoll?seite=2").get_data(as_text=True)
    assert "survey:9<" in older
    assert "user:admin" in older
    assert 'rel="prev"' in older

    filtered = client.get(
        f"/verwaltung/protokoll?aktion=open_survey&benutzer={ids['auswertung']}"
    ).get_data(as_text=True)
    # odd numbers divisible by 3: 3, 9, …, 57 → 10 entries
    assert "10 Einträge" in filtered
    assert "number: 57" in filtered
    assert "Antworten exportiert</td>" not in filtered
    assert (
        '<option value="open_survey" selected>Befragung geöffnet</option>' in filtered
    )

    assert "Keine Einträge" in client.get(
        "/verwaltung/protokoll?aktion=gibt_es_nicht"
    ).get_data(as_text=True)
    beyond = client.get("/verwaltung/protokoll?seite=99&benutzer=abc")
    assert beyond.status_code == 200
    assert "Seite 2 von 2" in beyond.get_data(as_text=True)


def _entry_at(actor: int | None, action: str, target: str, at: datetime) -> None:
    entry = record(actor, action, target)
    entry.at = at.astimezone(UTC)  # stored in UTC, as the app does


def test_audit_log_in_words_by_date_and_as_csv(
    staffed: Flask, client: FlaskClient
) -> None:
    """Issue 14: readable action names, a date filter on local calendar days and
    a CSV export of exactly the filtered entries."""
    berlin = ZoneInfo("Europe/Berlin")
    with staffed.app_context():
        admin = db.session.execute(
            sa.select(User.id).where(User.username == "admin")
        ).scalar_one()
        _entry_at(
            admin, "open_survey", "survey:1", datetime(2026, 11, 1, 9, tzinfo=berlin)
        )
        # local calendar days: 23:30 on the 15th and 00:30 on the 16th in Berlin
        # are both on the 15th in UTC
        _entry_at(
            admin,
            "reopen_survey",
            "survey:2",
            datetime(2026, 11, 16, 0, 30, tzinfo=berlin),
        )
        _entry_at(
            admin,
            "close_survey",
            "=cmd|' /C calc'!A0",
            datetime(2026, 11, 15, 23, 30, tzinfo=berlin),
        )
        _entry_at(
            admin,
            "export_responses",
            "survey:1",
            datetime(2026, 11, 30, 8, tzinfo=berlin),
        )
        db.session.commit()
    assert login(client, "admin", PASSWORD).status_code == 302

    page = client.get("/verwaltung/protokoll").get_data(as_text=True)
    assert "Befragung geöffnet</td>" in page
    assert "Antworten exportiert</td>" in page
    assert "Konto angelegt</td>" in page

    day = client.get("/verwaltung/protokoll?von=15.11.2026&bis=2026-11-15")
    assert day.status_code == 200
    html = day.get_data(as_text=True)
    assert "1 Einträge" in html
    assert "Befragung geschlossen</td>" in html
    assert "Befragung wieder geöffnet</td>" not in html

    content = client.get("/verwaltung/protokoll.csv?von=2026-11-02&bis=2026-11-30")
    assert content.status_code == 200
    assert (
        content.headers["Content-Disposition"] == 'attachment; filename="protokoll.csv"'
    )
    text = content.get_data().decode("utf-8")
    assert text.startswith("\ufeffZeitpunkt;Benutzer;Aktion;Aktionscode;Objekt;")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r[2] for r in rows[1:]] == [
        "Antworten exportiert",
        "Befragung geschlossen",
        "Befragung wieder geöffnet",
    ]  # newest entry first (order of recording)
    assert rows[2][0] == "15.11.2026 23:30"
    assert rows[2][4] == "'=cmd|' /C calc'!A0"
    assert rows[3][0] == "16.11.2026 00:30"  # no formula for spreadsheets
    with staffed.app_context():
        last = db.session.execute(
            sa.select(AuditLog).order_by(AuditLog.id.desc()).limit(1)
        ).scalar_one()
        assert last.action == "export_audit_log"
        assert last.details["since"] == "2026-11-02"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("von=31.02.2026", "Von: „31.02.2026“ ist kein Datum"),
        ("bis=morgen", "Bis: „morgen“ ist kein Datum"),
        ("von=2026-11-20&bis=2026-11-01", "Bis: Das Datum liegt vor „Von“."),
    ],
)
def test_bad_audit_dates_are_named(
    staffed: Flask, client: FlaskClient, query: str, message: str
) -> None:
    assert login(client, "admin", PASSWORD).status_code == 302
    before = snapshot(staffed)
    resp = client.get(f"/verwaltung/protokoll?{query}")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    summary = html[html.index('class="error-summary"') :]
    assert message in summary[: summary.index("</div>")]
    # as the summary says, the list shows all days: here the 3 accounts' entries
    assert "3 Einträge" in html
    assert 'id="audit-csv"' not in html
    assert client.get(f"/verwaltung/protokoll.csv?{query}").status_code == 400
    assert snapshot(staffed) == before


def test_every_recorded_action_has_a_readable_name() -> None:
    """Every action code the app records (as a literal in a ``record`` call, or
    passed to one through ``_new_row`` or the survey status table) is named."""
    root = Path(umfrage.__file__).parent
    found: set[str] = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("record", "_new_row") and len(node.args) >= 2:
                argument = node.args[1] if name == "record" else node.args[-1]
                for part in ast.walk(argument):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        found.add(part.value)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Dict)
                and all(
                    isinstance(v, ast.Constant) and str(v.value).endswith("_survey")
                    for v in node.values
                )
                and node.values
            ):
                found.update(str(v.value) for v in node.values)  # type: ignore[attr-defined]
    codes = {code for code in found if re.fullmatch(r"[a-z]+(_[a-z]+)+", code)}
    assert len(codes) >= 30
    assert codes - set(ACTION_NAMES) == set()
