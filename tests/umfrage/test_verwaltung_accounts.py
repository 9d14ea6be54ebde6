"""Admin: staff accounts and roles through the real forms, on both databases; the
last active admin is protected; session cookie flags."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_staff
from umfrage import create_app
from umfrage.extensions import db
from umfrage.models import AuditLog, Role, User

NEW_PASSWORD = "ganz-neues-passwort-7"


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    add_staff(app)
    assert login(client, "admin", PASSWORD).status_code == 302
    return client


def token(client: FlaskClient, url: str = "/verwaltung/konten") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def user(app: Flask, username: str) -> User:
    with app.app_context():
        found = db.session.execute(
            sa.select(User).where(User.username == username)
        ).scalar_one()
        db.session.expunge(found)
        return found


def audit(app: Flask) -> list[tuple[str | None, str, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(AuditLog).order_by(AuditLog.id)).scalars()
        # failed logins (audited since issue 18) are not admin actions
        return [
            (r.user.username if r.user else None, r.action, r.target)
            for r in rows
            if r.action != "failed_login"
        ]


def test_admin_lists_and_creates_an_account_that_can_log_in(
    app: Flask, admin: FlaskClient
) -> None:
    page = admin.get("/verwaltung/konten").get_data(as_text=True)
    assert "gestaltung" in page
    assert "auswertung" in page
    resp = admin.post(
        "/verwaltung/konten/neu",
        data={
            "username": "m.yilmaz",
            "role": "analyst",
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
            "csrf_token": token(admin, "/verwaltung/konten/neu"),
        },
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/verwaltung/konten"
    assert "Das Konto m.yilmaz ist angelegt" in admin.get(
        "/verwaltung/konten"
    ).get_data(as_text=True)
    assert user(app, "m.yilmaz").role == Role.ANALYST
    assert ("admin", "create_user", "user:m.yilmaz") in audit(app)

    other = app.test_client()
    assert login(other, "m.yilmaz", NEW_PASSWORD).status_code == 302
    assert other.get("/berichte/").status_code == 200
    assert other.get("/verwaltung/").status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "otto", "password": "kurz", "password_repeat": "kurz"}, "10"),
        (
            {"username": "gestaltung", "password": NEW_PASSWORD},
            "Den Benutzernamen &#39;gestaltung&#39; gibt es schon",
        ),
        (
            {"username": "otto", "password": NEW_PASSWORD, "password_repeat": "x" * 12},
            "Die Passwörter stimmen nicht überein",
        ),
        ({"username": "otto mit leerzeichen", "password": NEW_PASSWORD}, "enthalten"),
    ],
)
def test_create_account_refuses_bad_input(
    app: Flask, admin: FlaskClient, data: dict[str, str], message: str
) -> None:
    form = {"role": "designer", "password_repeat": data["password"], **data}
    form["csrf_token"] = token(admin, "/verwaltung/konten/neu")
    resp = admin.post("/verwaltung/konten/neu", data=form)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(User.id))).scalar() == 3
    assert audit(app) == [(None, "create_user", f"user:{n}") for n in _staff()]


def _staff() -> list[str]:
    return ["admin", "gestaltung", "auswertung"]


def test_change_role(app: Flask, admin: FlaskClient) -> None:
    target = user(app, "gestaltung")
    url = f"/verwaltung/konten/{target.id}"
    resp = admin.post(
        f"{url}/rolle", data={"role": "analyst", "csrf_token": token(admin, url)}
    )
    assert resp.status_code == 302
    assert user(app, "gestaltung").role == Role.ANALYST
    assert audit(app)[-1] == ("admin", "change_role", "user:gestaltung")
    bad = admin.post(
        f"{url}/rolle", data={"role": "kaiser", "csrf_token": token(admin, url)}
    )
    assert bad.status_code == 400
    assert user(app, "gestaltung").role == Role.ANALYST


def test_last_active_admin_cannot_demote_or_deactivate_themself(
    app: Flask, admin: FlaskClient
) -> None:
    me = user(app, "admin")
    url = f"/verwaltung/konten/{me.id}"
    demote = admin.post(
        f"{url}/rolle", data={"role": "designer", "csrf_token": token(admin, url)}
    )
    assert demote.status_code == 400
    assert "letzte aktive Verwaltungskonto" in demote.get_data(as_text=True)
    deactivate = admin.post(
        f"{url}/aktiv", data={"active": "nein", "csrf_token": token(admin, url)}
    )
    assert deactivate.status_code == 400
    assert "letzte aktive Verwaltungskonto" in deactivate.get_data(as_text=True)
    assert user(app, "admin").role == Role.ADMIN
    assert user(app, "admin").active
    assert audit(app)[-1][1] == "create_user"  # nothing was recorded

    # an inactive admin does not count: still the last active one
    with app.app_context():
        from umfrage.verwaltung.services import create_user

        create_user("ruhend", Role.ADMIN, NEW_PASSWORD).active = False
        db.session.commit()
    again = admin.post(
        f"{url}/aktiv", data={"active": "nein", "csrf_token": token(admin, url)}
    )
    assert again.status_code == 400

    # with a second active admin, the first may step down
    second = user(app, "ruhend")
    second_url = f"/verwaltung/konten/{second.id}"
    assert (
        admin.post(
            f"{second_url}/aktiv",
            data={"active": "ja", "csrf_token": token(admin, second_url)},
        ).status_code
        == 302
    )
    resp = admin.post(
        f"{url}/rolle", data={"role": "designer", "csrf_token": token(admin, url)}
    )
    assert resp.status_code == 302
    assert user(app, "admin").role == Role.DESIGNER
    # A role change ends the account's sessions (issue 18); after a new login
    # the former admin is a designer.
    assert admin.get("/verwaltung/").status_code == 302
    assert login(admin, "admin", PASSWORD).status_code == 302
    assert admin.get("/verwaltung/").status_code == 403


def test_deactivated_account_loses_its_session_and_cannot_log_in(
    app: Flask, admin: FlaskClient
) -> None:
    designer = app.test_client()
    assert login(designer, "gestaltung", PASSWORD).status_code == 302
    assert designer.get("/gestaltung/").status_code == 200
    target = user(app, "gestaltung")
    url = f"/verwaltung/konten/{target.id}"
    resp = admin.post(
        f"{url}/aktiv", data={"active": "nein", "csrf_token": token(admin, url)}
    )
    assert resp.status_code == 302
    assert "ist deaktiviert" in admin.get(url).get_data(as_text=True)
    assert designer.get("/gestaltung/").status_code == 302
    assert login(app.test_client(), "gestaltung", PASSWORD).status_code == 401
    assert audit(app)[-1] == ("admin", "deactivate_user", "user:gestaltung")

    admin.post(f"{url}/aktiv", data={"active": "ja", "csrf_token": token(admin, url)})
    assert login(app.test_client(), "gestaltung", PASSWORD).status_code == 302
    assert audit(app)[-1] == ("admin", "reactivate_user", "user:gestaltung")


def test_reset_password(app: Flask, admin: FlaskClient) -> None:
    target = user(app, "auswertung")
    url = f"/verwaltung/konten/{target.id}"
    short = admin.post(
        f"{url}/passwort",
        data={
            "password": "zu-kurz",
            "password_repeat": "zu-kurz",
            "csrf_token": token(admin, url),
        },
    )
    assert short.status_code == 400
    assert login(app.test_client(), "auswertung", PASSWORD).status_code == 302
    resp = admin.post(
        f"{url}/passwort",
        data={
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
            "csrf_token": token(admin, url),
        },
    )
    assert resp.status_code == 302
    assert login(app.test_client(), "auswertung", PASSWORD).status_code == 401
    assert login(app.test_client(), "auswertung", NEW_PASSWORD).status_code == 302
    assert audit(app)[-1] == ("admin", "reset_password", "user:auswertung")


def test_unknown_account_is_404(admin: FlaskClient) -> None:
    assert admin.get("/verwaltung/konten/999").status_code == 404
    resp = admin.post(
        "/verwaltung/konten/999/aktiv",
        data={"active": "nein", "csrf_token": token(admin)},
    )
    assert resp.status_code == 404


# -- session cookies ------------------------------------------------------------------


def _app(tmp_path: Path, **config: object) -> Flask:
    app = create_app(
        {
            "SECRET_KEY": "cookie-test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite'}",
            **config,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    return app


def test_session_cookie_is_secure_httponly_lax_in_production(tmp_path: Path) -> None:
    app = _app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    cookies = app.test_client().get("/anmelden").headers.getlist("Set-Cookie")
    cookie = next(c for c in cookies if c.startswith("session="))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_plain_http_for_tests_debug_and_the_demo_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _app(tmp_path, TESTING=True).config["SESSION_COOKIE_SECURE"] is False
    assert _app(tmp_path, DEBUG=True).config["SESSION_COOKIE_SECURE"] is False
    for command in ("demo", "serve"):
        with click.Context(click.Command(command), info_name=command):
            assert _app(tmp_path).config["SESSION_COOKIE_SECURE"] is False
    with click.Context(click.Command("init"), info_name="init"):
        assert _app(tmp_path).config["SESSION_COOKIE_SECURE"] is True


def test_session_cookie_setting_from_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UMFRAGE_SESSION_COOKIE_SECURE", "false")
    assert _app(tmp_path).config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("UMFRAGE_SESSION_COOKIE_SECURE", "true")
    with click.Context(click.Command("demo"), info_name="demo"):
        assert _app(tmp_path).config["SESSION_COOKIE_SECURE"] is True
