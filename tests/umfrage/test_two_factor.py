"""Optional second factor for staff logins (issue 18): TOTP codes from an
authenticator app, each accepted once, wrong codes audited and limited per
account, compulsory for configured roles, reset by an admin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time

from tests.conftest import create_schema, csrf_token, login, make_app
from tests.umfrage.helpers import PASSWORD, add_staff
from umfrage.extensions import db, limiter
from umfrage.models import AuditLog, User

START = datetime(2026, 12, 1, 9, 0, 5, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture
def staffed(app: Flask) -> Flask:
    add_staff(app)
    return app


def _post(client: FlaskClient, page: str, data: dict[str, str]) -> object:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(page, data={**data, "csrf_token": token})


def _enable(client: FlaskClient) -> str:
    """Turn the second factor on through the page; returns the secret."""
    html = client.get("/zwei-faktor").get_data(as_text=True)
    assert '<svg role="img" aria-label="QR-Code"' in html
    match = re.search(r'id="zwei-faktor-schluessel">([A-Z2-7]+)<', html)
    assert match is not None
    secret = match.group(1)
    token = csrf_token(html)
    resp = client.post(
        "/zwei-faktor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert resp.status_code == 302
    return secret


def _actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(sa.select(AuditLog.action).order_by(AuditLog.id))
            .scalars()
            .all()
        )


def _secret_of(app: Flask, username: str) -> str | None:
    with app.app_context():
        return db.session.execute(
            sa.select(User.totp_secret).where(User.username == username)
        ).scalar_one()


def _code_login(client: FlaskClient, code: str) -> int:
    resp = _post(client, "/anmelden/code", {"code": code})
    return resp.status_code  # type: ignore[attr-defined]


def test_login_asks_for_the_code_once_it_is_on(staffed: Flask) -> None:
    app = staffed
    with freeze_time(START) as clock:
        owner = app.test_client()
        assert login(owner, "auswertung", PASSWORD).status_code == 302
        # a wrong code does not turn it on
        resp = _post(owner, "/zwei-faktor", {"code": "000000"})
        assert resp.status_code == 400  # type: ignore[attr-defined]
        assert _secret_of(app, "auswertung") is None
        secret = _enable(owner)
        assert _secret_of(app, "auswertung") == secret
        assert "enable_second_factor" in _actions(app)
        assert owner.get("/berichte/").status_code == 200

        clock.tick(STEP)
        client = app.test_client()
        resp = login(client, "auswertung", PASSWORD)
        assert resp.status_code == 302
        assert resp.headers["Location"].endswith("/anmelden/code")
        # the password alone opens nothing
        assert client.get("/berichte/").status_code == 302
        assert _code_login(client, "123456") == 401
        assert client.get("/berichte/").status_code == 302
        assert _actions(app)[-1] == "failed_second_factor"
        code = pyotp.TOTP(secret).now()
        assert _code_login(client, code) == 302
        assert client.get("/berichte/").status_code == 200

        # the same code does not open a second login (each code counts once)
        again = app.test_client()
        assert login(again, "auswertung", PASSWORD).status_code == 302
        assert _code_login(again, code) == 401
        clock.tick(STEP)
        assert _code_login(again, pyotp.TOTP(secret).now()) == 302


def test_a_half_login_expires(staffed: Flask) -> None:
    app = staffed
    with freeze_time(START) as clock:
        owner = app.test_client()
        assert login(owner, "auswertung", PASSWORD).status_code == 302
        secret = _enable(owner)
        clock.tick(STEP)
        client = app.test_client()
        assert login(client, "auswertung", PASSWORD).status_code == 302
        clock.tick(timedelta(minutes=6))
        resp = client.get("/anmelden/code")
        assert resp.status_code == 302
        assert resp.headers["Location"] == "/anmelden"
        token = csrf_token(client.get("/anmelden").get_data(as_text=True))
        resp = client.post(
            "/anmelden/code",
            data={"code": pyotp.TOTP(secret).now(), "csrf_token": token},
        )
        assert resp.status_code == 302
        assert client.get("/berichte/").status_code == 302


def test_switching_it_off_needs_password_and_code(staffed: Flask) -> None:
    app = staffed
    with freeze_time(START) as clock:
        client = app.test_client()
        assert login(client, "gestaltung", PASSWORD).status_code == 302
        secret = _enable(client)
        clock.tick(STEP)
        code = pyotp.TOTP(secret).now()
        resp = _post(client, "/zwei-faktor", {"password": "falsch", "code": code})
        assert resp.status_code == 400  # type: ignore[attr-defined]
        assert _secret_of(app, "gestaltung") == secret
        resp = _post(client, "/zwei-faktor", {"password": PASSWORD, "code": code})
        assert resp.status_code == 302  # type: ignore[attr-defined]
        assert _secret_of(app, "gestaltung") is None
        assert "disable_second_factor" in _actions(app)
        assert (
            login(app.test_client(), "gestaltung", PASSWORD)
            .headers["Location"]
            .endswith("/start")
        )


def test_required_roles_must_set_it_up_first(staffed: Flask) -> None:
    app = staffed
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = "admin"
    with freeze_time(START) as clock:
        client = app.test_client()
        assert login(client, "admin", PASSWORD).status_code == 302
        for page in ("/start", "/verwaltung/", "/berichte/", "/gestaltung/"):
            resp = client.get(page)
            assert resp.status_code == 302, page
            assert resp.headers["Location"] == "/zwei-faktor", page
        html = client.get("/zwei-faktor").get_data(as_text=True)
        assert "vorgeschrieben" in html
        secret = _enable(client)
        assert client.get("/verwaltung/").status_code == 200
        clock.tick(STEP)
        # it cannot be switched off by the account itself
        code = pyotp.TOTP(secret).now()
        resp = _post(client, "/zwei-faktor", {"password": PASSWORD, "code": code})
        assert resp.status_code == 403  # type: ignore[attr-defined]
        assert _secret_of(app, "admin") == secret
        # other roles are not affected
        other = app.test_client()
        assert login(other, "auswertung", PASSWORD).status_code == 302
        assert other.get("/berichte/").status_code == 200


def test_an_admin_resets_a_lost_second_factor(staffed: Flask) -> None:
    app = staffed
    with freeze_time(START) as clock:
        owner = app.test_client()
        assert login(owner, "auswertung", PASSWORD).status_code == 302
        _enable(owner)
        assert owner.get("/berichte/").status_code == 200
        clock.tick(STEP)
        admin = app.test_client()
        assert login(admin, "admin", PASSWORD).status_code == 302
        with app.app_context():
            target = db.session.execute(
                sa.select(User.id).where(User.username == "auswertung")
            ).scalar_one()
        page = f"/verwaltung/konten/{target}"
        html = admin.get(page).get_data(as_text=True)
        assert "<h2>Zweiten Faktor zurücksetzen</h2>" in html
        assert re.search(r"id=\"user-second-factor\">eingeschaltet<", html)
        token = csrf_token(html)
        resp = admin.post(f"{page}/zwei-faktor", data={"csrf_token": token})
        assert resp.status_code == 302
        assert _secret_of(app, "auswertung") is None
        assert "reset_second_factor" in _actions(app)
        # the account's sessions ended; the password alone logs in again
        assert owner.get("/berichte/").status_code == 302
        fresh = app.test_client()
        assert (
            login(fresh, "auswertung", PASSWORD).headers["Location"].endswith("/start")
        )


@pytest.fixture
def limited(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(
        database_url,
        tmp_path,
        RATELIMIT_ENABLED=True,
        TWO_FACTOR_RATE_LIMIT="3 per 5 minutes",
        LOGIN_RATE_LIMIT="100 per minute",
    )
    create_schema(app)
    with app.app_context():
        limiter.reset()
    add_staff(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_wrong_codes_are_limited_per_account(limited: Flask) -> None:
    # real time here: the limiter's memory storage does not follow freezegun
    app = limited
    owner = app.test_client()
    assert login(owner, "auswertung", PASSWORD).status_code == 302
    secret = _enable(owner)
    guesser = app.test_client()
    assert login(guesser, "auswertung", PASSWORD).status_code == 302
    statuses = [_code_login(guesser, f"{n:06d}") for n in range(3)]
    assert statuses == [401, 401, 401]
    # from a fresh session too: the limit counts per account
    other = app.test_client()
    assert login(other, "auswertung", PASSWORD).status_code == 302
    assert _code_login(other, pyotp.TOTP(secret).now()) == 429
    assert other.get("/berichte/").status_code == 302
    # another account is not affected
    second = app.test_client()
    assert login(second, "gestaltung", PASSWORD).status_code == 302
    assert second.get("/gestaltung/").status_code == 200
