"""Finding 3: a session ends for real. A cookie copied before logout, a password
change or reset, a deactivation or a role change no longer opens any staff page;
staff change their own password; after an admin's reset the new password must be
changed before anything else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_staff
from umfrage.extensions import db
from umfrage.models import AuditLog, User

NEW_PASSWORD = "ganz-neu-und-lang-2"


@pytest.fixture
def staffed(app: Flask) -> Flask:
    add_staff(app)
    return app


def logged_in(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second client carrying the same session cookie (a stolen copy)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def user_id(app: Flask, username: str) -> int:
    with app.app_context():
        return int(
            db.session.execute(
                sa.select(User.id).where(User.username == username)
            ).scalar_one()
        )


def post_form(client: FlaskClient, page: str, url: str, data: dict[str, str]) -> int:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}).status_code


def change_own_password(client: FlaskClient, current: str, new: str) -> int:
    data = {"current_password": current, "password": new, "password_repeat": new}
    return post_form(client, "/passwort", "/passwort", data)


def test_a_cookie_copied_before_logout_is_dead_after_logout(staffed: Flask) -> None:
    admin = logged_in(staffed, "admin")
    assert admin.get("/verwaltung/").status_code == 200
    thief = copy_of(staffed, admin)
    assert thief.get("/verwaltung/").status_code == 200
    assert post_form(admin, "/verwaltung/", "/abmelden", {}) == 302
    replay = thief.get("/verwaltung/")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/anmelden")


def test_an_admin_reset_ends_every_session_and_forces_a_change(staffed: Flask) -> None:
    analyst = logged_in(staffed, "auswertung")
    assert analyst.get("/berichte/").status_code == 200
    admin = logged_in(staffed, "admin")
    target = user_id(staffed, "auswertung")
    page = f"/verwaltung/konten/{target}"
    status = post_form(
        admin,
        page,
        f"{page}/passwort",
        {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    assert status == 302
    assert analyst.get("/berichte/").status_code == 302

    fresh = logged_in(staffed, "auswertung", NEW_PASSWORD)
    forced = fresh.get("/berichte/")
    assert forced.status_code == 302
    assert forced.headers["Location"].startswith("/passwort")
    own = "eigenes-passwort-3"
    assert change_own_password(fresh, NEW_PASSWORD, own) == 302
    assert fresh.get("/berichte/").status_code == 200
    assert login(staffed.test_client(), "auswertung", own).status_code == 302


def test_own_password_change_ends_the_other_sessions(staffed: Flask) -> None:
    here = logged_in(staffed, "gestaltung")
    elsewhere = logged_in(staffed, "gestaltung")
    assert change_own_password(here, "falsch-falsch", NEW_PASSWORD) == 400
    assert elsewhere.get("/gestaltung/").status_code == 200
    assert change_own_password(here, PASSWORD, NEW_PASSWORD) == 302
    assert here.get("/gestaltung/").status_code == 200
    assert elsewhere.get("/gestaltung/").status_code == 302
    with staffed.app_context():
        actions = db.session.execute(sa.select(AuditLog.action)).scalars().all()
    assert "change_own_password" in actions


def test_a_role_change_ends_the_sessions_of_that_account(staffed: Flask) -> None:
    designer = logged_in(staffed, "gestaltung")
    assert designer.get("/gestaltung/").status_code == 200
    admin = logged_in(staffed, "admin")
    page = f"/verwaltung/konten/{user_id(staffed, 'gestaltung')}"
    assert post_form(admin, page, f"{page}/rolle", {"role": "analyst"}) == 302
    # Still allowed by the new role, but the old session is gone.
    assert designer.get("/berichte/").status_code == 302


def test_deactivation_ends_a_copied_session_too(staffed: Flask) -> None:
    designer = logged_in(staffed, "gestaltung")
    thief = copy_of(staffed, designer)
    admin = logged_in(staffed, "admin")
    page = f"/verwaltung/konten/{user_id(staffed, 'gestaltung')}"
    assert post_form(admin, page, f"{page}/aktiv", {"active": "nein"}) == 302
    assert post_form(admin, page, f"{page}/aktiv", {"active": "ja"}) == 302
    assert thief.get("/gestaltung/").status_code == 302
    assert designer.get("/gestaltung/").status_code == 302
