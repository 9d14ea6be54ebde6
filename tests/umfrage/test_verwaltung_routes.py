"""Every POST route of the admin area: anonymous → login, wrong role → 403, no CSRF
token → 400, and nothing changes. (GET routes are checked in ``test_auth.py``.)
The audit log page: filters and pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from umfrage.audit import record
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
        "/verwaltung/gebiete/1/loeschen",
        "/verwaltung/gebiete/1/strassen",
        "/verwaltung/gebiete/neu",
        "/verwaltung/gebiete/neu/verwerfen",
        "/verwaltung/gebiete/neu/vorschau",
        "/verwaltung/konten/1/aktiv",
        "/verwaltung/konten/1/passwort",
        "/verwaltung/konten/1/rolle",
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
    assert "export_responses</td>" not in filtered
    assert '<option value="open_survey" selected>' in filtered

    assert "Keine Einträge" in client.get(
        "/verwaltung/protokoll?aktion=gibt_es_nicht"
    ).get_data(as_text=True)
    beyond = client.get("/verwaltung/protokoll?seite=99&benutzer=abc")
    assert beyond.status_code == 200
    assert "Seite 2 von 2" in beyond.get_data(as_text=True)
