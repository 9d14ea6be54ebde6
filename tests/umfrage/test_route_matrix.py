"""The route × role matrix: every route of ``app.url_map`` requested with GET and
POST (CSRF token included) as anonymous visitor, respondent, designer, analyst and
admin, compared with the explicit table below. A new route without an entry fails.

Expected per entry: ``public`` — nobody is sent to the login or refused; ``staff``
— any logged-in account; ``designer``/``analyst``/``admin`` — that role (admins may
do everything). Everyone else: anonymous visitors and respondents are sent to the
login, staff of another role get 403, and nobody ever gets a 500.

The same sweep checks finding 9 of the security issue on every answer: the app
runs as in production (cookies only over HTTPS), and every route sends the security
headers and only Secure, HttpOnly, SameSite cookies, for every role.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import create_schema, csrf_token, login, make_app
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from tests.umfrage.routes import Route, all_routes
from tests.umfrage.test_security_headers import check_cookies, check_headers
from tests.umfrage.test_teilnahme import start_token
from umfrage.extensions import db
from umfrage.models import Role
from umfrage.verwaltung.services import create_user

ACCESS: dict[str, str] = {
    "static": "public",
    "main.index": "public",
    "main.data_sources": "public",
    "main.accessibility": "public",
    "main.privacy": "public",
    "main.set_language": "public",
    "auth.login": "public",
    "auth.logout": "staff",
    "auth.staff_home": "staff",
    "auth.change_password": "staff",
    "auth.login_code": "public",
    "auth.two_factor": "staff",
    "teilnahme.landing": "public",
    "teilnahme.thanks": "public",
    "teilnahme.resume": "public",
    "teilnahme.show_page": "public",
    "teilnahme.later": "public",
    "teilnahme.change_language": "public",
    "teilnahme.review": "public",
    "gestaltung.index": "designer",
    "gestaltung.new_questionnaire": "designer",
    "gestaltung.import_questionnaire": "designer",
    "gestaltung.confirm_import": "designer",
    "gestaltung.import_report": "designer",
    "gestaltung.edit_questionnaire": "designer",
    "gestaltung.check_expression": "designer",
    "gestaltung.edit_settings": "designer",
    "gestaltung.delete_draft": "designer",
    "gestaltung.replace_draft": "designer",
    "gestaltung.edit_page": "designer",
    "gestaltung.add_page": "designer",
    "gestaltung.move_page": "designer",
    "gestaltung.delete_page": "designer",
    "gestaltung.edit_question": "designer",
    "gestaltung.add_question": "designer",
    "gestaltung.move_question": "designer",
    "gestaltung.delete_question": "designer",
    "gestaltung.edit_translations": "designer",
    "gestaltung.publish": "designer",
    "gestaltung.export_xlsform": "designer",
    "gestaltung.export_yaml": "designer",
    "gestaltung.export_translations_xlsx": "designer",
    "gestaltung.export_translations_po": "designer",
    "gestaltung.export_translations_xliff": "designer",
    "gestaltung.import_translations": "designer",
    "gestaltung.confirm_translations": "designer",
    "gestaltung.translation_report": "designer",
    "gestaltung.preview_page": "designer",
    "gestaltung.new_survey": "designer",
    "gestaltung.edit_survey": "designer",
    "gestaltung.set_survey_status": "designer",
    "gestaltung.monitor_survey": "designer",
    "gestaltung.invitation_codes": "designer",
    "gestaltung.download_codes": "designer",
    "gestaltung.withdraw_codes": "designer",
    "gestaltung.edit_letter": "designer",
    "gestaltung.upload_letterhead": "designer",
    "gestaltung.letterhead_image": "designer",
    "gestaltung.sample_letter": "designer",
    "berichte.index": "analyst",
    "berichte.show_survey": "analyst",
    "berichte.show_findings": "analyst",
    "berichte.export_findings": "analyst",
    "berichte.export_responses": "analyst",
    "berichte.queue_output": "analyst",
    "berichte.analysis_status": "analyst",
    "berichte.retry_analysis": "analyst",
    "berichte.city_report": "analyst",
    "berichte.district_profile": "analyst",
    "berichte.district_profiles": "analyst",
    "berichte.edit_weighting": "analyst",
    "berichte.confirm_weighting": "analyst",
    "berichte.upload_margins": "analyst",
    "berichte.apply_collapse": "analyst",
    "berichte.edit_small_area": "analyst",
    "berichte.edit_rules": "analyst",
    "berichte.choose_key_indicators": "analyst",
    "berichte.enable_small_area": "analyst",
    "berichte.disable_small_area": "analyst",
    "verwaltung.index": "admin",
    "verwaltung.list_users": "admin",
    "verwaltung.create_user": "admin",
    "verwaltung.edit_user": "admin",
    "verwaltung.change_role": "admin",
    "verwaltung.set_active": "admin",
    "verwaltung.reset_password": "admin",
    "verwaltung.reset_second_factor": "admin",
    "verwaltung.list_layers": "admin",
    "verwaltung.upload_layer": "admin",
    "verwaltung.preview_layer": "admin",
    "verwaltung.discard_upload": "admin",
    "verwaltung.show_layer": "admin",
    "verwaltung.upload_population": "admin",
    "verwaltung.map_population": "admin",
    "verwaltung.discard_population": "admin",
    "verwaltung.upload_streets": "admin",
    "verwaltung.delete_layer": "admin",
    "verwaltung.audit_log": "admin",
    "verwaltung.export_audit_log": "admin",
    "auftraege.list_jobs": "staff",
    "auftraege.show_job": "staff",
    "auftraege.job_status": "staff",
    "auftraege.download_result": "staff",
    "auftraege.retry_job": "staff",
    "auftraege.confirm_receipt": "staff",
}

ROLES = ("anonymous", "respondent", "designer", "analyst", "admin")
USERNAMES = {"designer": "gestaltung", "analyst": "auswertung", "admin": "admin"}


def allowed(access: str, role: str) -> bool:
    if access == "public":
        return True
    if role in ("anonymous", "respondent"):
        return False
    return access == "staff" or role == "admin" or access == role


def outcome(status: int, location: str) -> str:
    if status >= 500:
        return "error"
    if status == 302 and location.startswith("/anmelden?next="):
        return "login"
    if status == 403:
        return "forbidden"
    return "allowed"


def expected(access: str, role: str) -> str:
    if allowed(access, role):
        return "allowed"
    return "login" if role in ("anonymous", "respondent") else "forbidden"


@pytest.fixture
def matrix_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app as in production (cookies only over HTTPS), with staff and a spare
    account nobody logs in with."""
    app = make_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    create_schema(app)
    add_staff(app)
    with app.app_context():
        create_user("ersatz", Role.DESIGNER, PASSWORD)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def client_as(app: Flask, role: str, slug: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    if role in USERNAMES:
        assert login(client, USERNAMES[role], PASSWORD).status_code == 302
    token = csrf_token(client.get("/anmelden").get_data(as_text=True))
    if role == "respondent":
        html = client.get(f"/s/{slug}").get_data(as_text=True)
        data = {"csrf_token": csrf_token(html), "start": start_token(html)}
        started = client.post(f"/s/{slug}", data=data)
        assert started.status_code == 302
        assert "/seite/" in started.headers["Location"]
    return client, token


def test_every_route_has_an_entry(matrix_app: Flask) -> None:
    slug = add_demo(matrix_app)
    endpoints = {route.endpoint for route in all_routes(matrix_app, slug)}
    assert endpoints - set(ACCESS) == set(), "routes without an entry in ACCESS"
    assert set(ACCESS) - endpoints == set(), "entries without a route"


@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(matrix_app: Flask, role: str) -> None:
    slug = add_demo(matrix_app)
    routes = all_routes(matrix_app, slug)
    # Logging out last keeps the session for the other routes.
    routes.sort(key=lambda r: r.endpoint == "auth.logout")
    client, token = client_as(matrix_app, role, slug)
    wrong: list[str] = []
    for route in routes:
        access = ACCESS.get(route.endpoint)
        assert access is not None, f"no ACCESS entry for {route.endpoint}"
        resp = request(client, route, token)
        got = outcome(resp.status_code, resp.headers.get("Location", ""))
        where = f"{role}: {route.method} {route.url} -> {resp.status_code}"
        check_headers(dict(resp.headers), True, where)
        check_cookies(resp.headers.getlist("Set-Cookie"), where)
        resp.close()
        want = expected(access, role)
        if got != want:
            wrong.append(f"{route.method} {route.url}: {got} ({resp.status_code})")
    assert wrong == [], f"{role}: {len(wrong)} of {len(routes)} routes differ"
    # error pages too: an unknown address and a wrong method
    with client.get("/gibt-es-nicht") as resp:
        check_headers(dict(resp.headers), True, f"{role}: 404")
    with client.post("/datenschutz") as resp:
        check_headers(dict(resp.headers), True, f"{role}: 405")


def request(client: FlaskClient, route: Route, token: str) -> object:
    if route.method == "GET":
        return client.get(route.url)
    return client.post(route.url, data={"csrf_token": token})
