"""Finding 9: every route (pages, files, errors, static assets) sends the security
headers, anonymous and logged in; cookies are Secure, HttpOnly and SameSite.

The checks below run on every route for every role inside the route × role sweep
(``test_route_matrix.py``), so the routes are requested once for both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import create_schema, login, make_app
from tests.umfrage.helpers import PASSWORD, add_staff
from umfrage.extensions import db
from umfrage.models import Role
from umfrage.verwaltung.services import create_user


@pytest.fixture
def secure_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app as in production: cookies only over HTTPS."""
    app = make_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    create_schema(app)
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
