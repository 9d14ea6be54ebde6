"""Finding 9: every route (pages, files, errors, static assets) sends the security
headers, anonymous and logged in; cookies are Secure, HttpOnly and SameSite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login, make_app
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from tests.umfrage.routes import Route, all_routes
from umfrage.extensions import db
from umfrage.models import Role
from umfrage.verwaltung.services import create_user


@pytest.fixture
def secure_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app as in production: cookies only over HTTPS."""
    app = make_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        db.create_all()
    add_staff(app)
    with app.app_context():
        create_user("ersatz", Role.DESIGNER, PASSWORD)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def check_headers(resp_headers: dict[str, str], hsts: bool, where: str) -> None:
    csp = resp_headers.get("Content-Security-Policy", "")
    directives = {
        part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()
    }
    assert directives.get("frame-ancestors") == ["'none'"], where
    script = directives.get("script-src", directives.get("default-src"))
    assert script == ["'self'"], where
    assert "'unsafe-inline'" not in csp, where
    assert "'unsafe-eval'" not in csp, where
    assert directives.get("object-src") == ["'none'"], where
    assert resp_headers.get("X-Frame-Options") == "DENY", where
    assert resp_headers.get("Referrer-Policy") == "no-referrer", where
    assert resp_headers.get("X-Content-Type-Options") == "nosniff", where
    if hsts:
        assert resp_headers.get("Strict-Transport-Security", "").startswith(
            "max-age=31536000"
        ), where
    else:
        assert "Strict-Transport-Security" not in resp_headers, where


def check_cookies(set_cookies: list[str], where: str) -> None:
    for cookie in set_cookies:
        if "=;" in cookie.replace(" ", "") and "max-age=0" in cookie.lower():
            continue  # a deletion (empty value, expired) carries nothing
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"secure", "httponly", "samesite"} <= attributes, (where, cookie)
        assert "samesite=lax" in cookie.lower().replace(" ", ""), (where, cookie)


def request_all(client: FlaskClient, routes: list[Route], hsts: bool) -> int:
    token = csrf_token(client.get("/anmelden").get_data(as_text=True))
    # Logging out last keeps the session for the other routes.
    ordered = sorted(routes, key=lambda r: r.endpoint == "auth.logout")
    checked = 0
    for route in ordered:
        if route.method == "GET":
            resp = client.get(route.url)
        else:
            resp = client.post(route.url, data={"csrf_token": token})
        where = f"{route.method} {route.url} -> {resp.status_code}"
        assert resp.status_code < 500, where
        check_headers(dict(resp.headers), hsts, where)
        check_cookies(resp.headers.getlist("Set-Cookie"), where)
        resp.close()
        checked += 1
    return checked


@pytest.mark.parametrize("username", [None, "admin"])
def test_every_route_sends_the_security_headers(
    secure_app: Flask, username: str | None
) -> None:
    slug = add_demo(secure_app)
    routes = all_routes(secure_app, slug)
    client = secure_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    if username:
        assert login(client, username, PASSWORD).status_code == 302
    assert request_all(client, routes, hsts=True) == len(routes)
    # Error pages too: an unknown address and a wrong method.
    with client.get("/gibt-es-nicht") as resp:
        check_headers(dict(resp.headers), True, "404")
    with client.post("/datenschutz") as resp:
        check_headers(dict(resp.headers), True, "405")


def test_no_hsts_when_cookies_are_plain_http(app: Flask) -> None:
    client = app.test_client()
    for url in ("/", "/anmelden", "/static/umfrage.css", "/gibt-es-nicht"):
        with client.get(url) as resp:
            check_headers(dict(resp.headers), False, url)


def test_staff_pages_cannot_be_framed_or_run_inline_script(
    secure_app: Flask,
) -> None:
    """The login page and each staff area forbid framing (clickjacking)."""
    client = secure_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    login(client, "admin", PASSWORD)
    for url in ("/anmelden", "/verwaltung/", "/gestaltung/", "/berichte/"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert "<script>" not in resp.get_data(as_text=True), url
