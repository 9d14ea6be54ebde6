"""Login hardening: rate limits per username and per client (behind a configured
number of proxies), failed logins audited, deactivated accounts not detectable by
timing, and no 500 or open redirect from a crafted ``next``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import create_schema, csrf_token, login, make_app
from tests.umfrage.helpers import PASSWORD, add_staff
from umfrage.extensions import db, limiter
from umfrage.models import AuditLog, User


def limited_app(database_url: str, tmp_path: Path, **config: object) -> Flask:
    app = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, **config)
    create_schema(app)
    with app.app_context():
        limiter.reset()
    add_staff(app)
    return app


@pytest.fixture
def per_user(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = limited_app(
        database_url,
        tmp_path,
        LOGIN_RATE_LIMIT="100 per minute",
        LOGIN_USERNAME_RATE_LIMIT="3 per minute",
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def client_from(app: Flask, address: str, forwarded: str | None = None) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if forwarded:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    return client


def test_failed_logins_are_limited_per_username_across_addresses(
    per_user: Flask,
) -> None:
    codes = [
        login(client_from(per_user, f"10.0.0.{n}"), "admin", "falsch").status_code
        for n in range(1, 5)
    ]
    assert codes == [401, 401, 401, 429]
    # Even the right password waits now; other accounts are not affected.
    assert login(client_from(per_user, "10.0.0.9"), "admin", PASSWORD).status_code == (
        429
    )
    assert login(
        client_from(per_user, "10.0.0.1"), "gestaltung", PASSWORD
    ).status_code == (302)


def test_successful_logins_do_not_count_against_the_username(per_user: Flask) -> None:
    for _ in range(5):
        assert login(per_user.test_client(), "admin", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "expected"), [(0, [401, 401, 429]), (1, [401] * 3)]
)
def test_client_limit_believes_only_the_configured_proxies(
    database_url: str, tmp_path: Path, proxies: int, expected: list[int]
) -> None:
    """Three families behind one proxy: with TRUSTED_PROXIES=1 each is its own
    client; with 0 the forwarded header is ignored (it could be faked)."""
    app = limited_app(
        database_url,
        tmp_path,
        LOGIN_RATE_LIMIT="2 per minute",
        LOGIN_USERNAME_RATE_LIMIT="100 per minute",
        TRUSTED_PROXIES=proxies,
    )
    codes = [
        login(
            client_from(app, "192.0.2.1", f"198.51.100.{n}"), "admin", "x"
        ).status_code
        for n in range(1, 4)
    ]
    assert codes == expected
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_failed_logins_are_audited_without_unknown_names(app: Flask) -> None:
    add_staff(app)
    assert login(app.test_client(), "auswertung", "falsch").status_code == 401
    assert login(app.test_client(), "geheim123!", "falsch").status_code == 401
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditLog.action, AuditLog.target, User.username)
            .outerjoin(User, AuditLog.user_id == User.id)
            .where(AuditLog.action == "failed_login")
            .order_by(AuditLog.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("failed_login", "user:auswertung", "auswertung"),
        ("failed_login", "user:?", None),
    ]


def _login_seconds(client: FlaskClient, username: str, token: str) -> float:
    """CPU seconds of a failed login (the test client runs in this process; CPU
    time does not depend on what else the machine does)."""
    data = {"username": username, "password": "falsch-falsch", "csrf_token": token}
    start = time.process_time()
    resp = client.post("/anmelden", data=data)
    elapsed = time.process_time() - start
    assert resp.status_code == 401
    return elapsed


def test_deactivated_and_unknown_accounts_take_as_long_as_active_ones(
    database_url: str, tmp_path: Path
) -> None:
    # the production cost of a hash (the other tests use a cheap one, which would
    # hide a missing hash among the request's own work)
    app = make_app(
        database_url,
        tmp_path,
        PASSWORD_HASH_TIME_COST=3,
        PASSWORD_HASH_MEMORY_KIB=65536,
    )
    create_schema(app)
    add_staff(app)
    with app.app_context():
        user = db.session.execute(
            sa.select(User).where(User.username == "gestaltung")
        ).scalar_one()
        user.active = False
        db.session.commit()
    client = app.test_client()
    token = csrf_token(client.get("/anmelden").get_data(as_text=True))
    timings: dict[str, list[float]] = {"admin": [], "gestaltung": [], "niemand": []}
    for _ in range(5):
        for name, values in timings.items():
            values.append(_login_seconds(client, name, token))
    fastest = {name: min(values) for name, values in timings.items()}
    # Each failed login hashes once (argon2, about a tenth of a second of CPU);
    # without it a deactivated or unknown name costs a few milliseconds.
    assert fastest["admin"] > 0.03, fastest
    assert fastest["gestaltung"] > 0.5 * fastest["admin"], fastest
    assert fastest["niemand"] > 0.5 * fastest["admin"], fastest
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


BAD_TARGETS = [
    "/verwaltung/\r\nSet-Cookie: x=1",
    "/x%0d%0a\n",
    "//example.org/",
    "/\\example.org/",
    "https://example.org/",
]


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_crafted_next_after_login_goes_home(app: Flask, target: str) -> None:
    add_staff(app)
    client = app.test_client()
    page = client.get("/anmelden", query_string={"next": target})
    assert page.status_code == 200
    resp = client.post(
        "/anmelden",
        query_string={"next": target},
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/start"


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_crafted_next_of_the_language_switch_goes_home(
    client: FlaskClient, target: str
) -> None:
    token = csrf_token(client.get("/anmelden").get_data(as_text=True))
    resp = client.post(
        "/sprache", data={"language": "en", "next": target, "csrf_token": token}
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
