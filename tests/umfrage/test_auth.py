"""Login, logout and role checks on every staff route, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import create_schema, csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff

STAFF_AREAS = {
    "gestaltung": {"gestaltung", "admin"},
    "berichte": {"auswertung", "admin"},
    "verwaltung": {"admin"},
}


def staff_urls(app: Flask, survey_id: int) -> list[tuple[str, str]]:
    """(blueprint, url) for every GET route of the staff blueprints."""
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.split(".")[0]
            if blueprint not in STAFF_AREAS or "GET" not in (rule.methods or ()):
                continue
            values = {a: "en" if a == "language" else survey_id for a in rule.arguments}
            urls.append((blueprint, url_for(rule.endpoint, **values)))
    assert {b for b, _ in urls} == set(STAFF_AREAS)
    return urls


#: pages of things the demo has none of, and what the right role gets there: no
#: letterhead image (404), no pending population upload (back to the layer page),
#: no import job with a report, no read translators' file (404)
WITHOUT_DATA = {
    "/anschreiben/briefkopf.bild": 404,
    "/bevoelkerung/zuordnung": 302,
    "/fragebogen/importieren/1": 404,
    "/uebersetzungen/einlesen/1": 404,
}


@pytest.fixture
def staffed(app: Flask) -> Flask:
    add_staff(app)
    add_demo(app)
    return app


# The route × role matrix (test_route_matrix.py) requests every route as every role
# on both databases; these two sweeps add the exact status per staff page, which
# does not depend on the database.
@pytest.mark.sqlite_only
def test_anonymous_requests_to_staff_pages_redirect_to_login(
    staffed: Flask, client: FlaskClient
) -> None:
    for _blueprint, url in staff_urls(staffed, 1):
        resp = client.get(url)
        assert resp.status_code == 302, url
        assert resp.headers["Location"].startswith("/anmelden?next="), url


@pytest.mark.sqlite_only
@pytest.mark.parametrize("username", ["admin", "gestaltung", "auswertung"])
def test_each_role_reaches_its_areas_only(
    staffed: Flask, client: FlaskClient, username: str
) -> None:
    assert login(client, username, PASSWORD).status_code == 302
    for blueprint, url in staff_urls(staffed, 1):
        resp = client.get(url)
        allowed = next((s for end, s in WITHOUT_DATA.items() if url.endswith(end)), 200)
        expected = allowed if username in STAFF_AREAS[blueprint] else 403
        assert resp.status_code == expected, (username, url)


def test_wrong_password_is_refused(staffed: Flask, client: FlaskClient) -> None:
    resp = login(client, "gestaltung", "falsches-passwort")
    assert resp.status_code == 401
    assert "Benutzername oder Passwort ist falsch" in resp.get_data(as_text=True)
    assert client.get("/gestaltung/").status_code == 302


def test_unknown_user_is_refused_like_a_wrong_password(
    staffed: Flask, client: FlaskClient
) -> None:
    resp = login(client, "niemand", PASSWORD)
    assert resp.status_code == 401
    assert "Benutzername oder Passwort ist falsch" in resp.get_data(as_text=True)


def test_login_without_csrf_token_is_rejected(
    staffed: Flask, client: FlaskClient
) -> None:
    resp = client.post("/anmelden", data={"username": "admin", "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/verwaltung/").status_code == 302


def test_login_follows_only_local_next(staffed: Flask, client: FlaskClient) -> None:
    page = client.get("/anmelden")
    resp = client.post(
        "/anmelden?next=https://evil.example/x",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/start"


def test_logout_ends_the_session(staffed: Flask, client: FlaskClient) -> None:
    login(client, "admin", PASSWORD)
    page = client.get("/verwaltung/")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    assert client.post("/abmelden", data={"csrf_token": token}).status_code == 302
    assert client.get("/verwaltung/").status_code == 302


def test_login_is_rate_limited(database_url: str, tmp_path: Path) -> None:
    from tests.conftest import make_app
    from umfrage.extensions import db, limiter

    app = make_app(
        database_url, tmp_path, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute"
    )
    create_schema(app)
    add_staff(app)
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    codes = [login(client, "admin", "falsch").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_password_hashes_use_the_configured_argon2_cost(app: Flask) -> None:
    """Production keeps argon2-cffi's defaults (3 passes, 64 MiB); the tests'
    cheaper cost comes from their config and is read per app."""
    from umfrage import create_app
    from umfrage.auth import hash_password

    production = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with production.app_context():
        assert hash_password("geheim-genug").startswith("$argon2id$v=19$m=65536,t=3,")
    with app.app_context():
        cheap = hash_password("geheim-genug")
        assert cheap.startswith("$argon2id$v=19$m=1024,t=1,")
    # a hash of either cost verifies under the other configuration
    with production.app_context():
        from argon2 import PasswordHasher

        assert PasswordHasher().verify(cheap, "geheim-genug")
