"""Invitation codes: code-only and mixed access; the letter's code starts and resumes
until submission (issue 10.2), distinct messages revealed only for a full code
(18.6), an opaque respondent cookie (18.5), rate limits that never lock out a valid
code (18.4), and no link between a code and its submitted response (18.1)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time

from tests.conftest import create_schema, csrf_token, make_app
from tests.umfrage.helpers import add_demo, page_answers, send_review
from tests.umfrage.test_teilnahme import start_token
from umfrage.codes import format_code, generate_code, hash_code
from umfrage.extensions import db
from umfrage.models import (
    AccessMode,
    InvitationCode,
    RespondentSession,
    Response,
    ResponseStatus,
    SpentCode,
    Survey,
)
from umfrage.services import questionnaire_of

SLUG = "familienbefragung"


def add_codes(app: Flask, count: int, mode: AccessMode = AccessMode.CODE) -> list[str]:
    """Codes made as the staff side makes them: generated, stored only hashed."""
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.access_mode = mode
        codes = [generate_code() for _ in range(count)]
        for code in codes:
            db.session.add(
                InvitationCode(
                    survey_id=survey.id,
                    code_hash=hash_code(
                        code, app.config["SECRET_KEY"], f"invitation:{survey.id}"
                    ),
                )
            )
        db.session.commit()
    return codes


@pytest.fixture
def code_app(app: Flask) -> Flask:
    add_demo(app)
    return app


def enter(client: FlaskClient, code: str | None, language: str = "de") -> Any:
    landing = client.get(f"/s/{SLUG}?sprache={language}")
    html = landing.get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "start": start_token(html)}
    if code is not None:
        data["code"] = code
    return client.post(f"/s/{SLUG}?sprache={language}", data=data)


def _spent(app: Flask) -> list[bool]:
    """The ``pending`` flags of the spent-code rows."""
    with app.app_context():
        return list(db.session.execute(sa.select(SpentCode.pending)).scalars())


def answer_from(app: Flask, client: FlaskClient, location: str) -> str:
    """Answer every page from ``location`` on, validly, and send the review page;
    return the final location."""
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        questionnaire = questionnaire_of(survey.questionnaire_version)
    while "/seite/" in location:
        page = client.get(location)
        assert page.status_code == 200, location
        page_no = int(location.split("?")[0].rsplit("/", 1)[1])
        data = page_answers(questionnaire.pages[page_no - 1], "0104")
        data["csrf_token"] = csrf_token(page.get_data(as_text=True))
        resp = client.post(location.split("?")[0], data=data)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
        location = resp.headers["Location"]
    if location.endswith("/uebersicht"):
        resp = send_review(client, location)
        assert resp.status_code == 302
        location = resp.headers["Location"]
    return location


def answer_one_page(app: Flask, client: FlaskClient, location: str) -> str:
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        questionnaire = questionnaire_of(survey.questionnaire_version)
    page = client.get(location)
    page_no = int(location.split("?")[0].rsplit("/", 1)[1])
    data = page_answers(questionnaire.pages[page_no - 1], "0104")
    data["csrf_token"] = csrf_token(page.get_data(as_text=True))
    resp = client.post(location.split("?")[0], data=data)
    assert resp.status_code == 302
    return str(resp.headers["Location"])


def resume_with(client: FlaskClient, code: str) -> Any:
    form = client.get(f"/s/{SLUG}/fortsetzen").get_data(as_text=True)
    return client.post(
        f"/s/{SLUG}/fortsetzen", data={"code": code, "csrf_token": csrf_token(form)}
    )


def _responses(app: Flask) -> int:
    with app.app_context():
        return int(db.session.execute(sa.select(sa.func.count(Response.id))).scalar())


def test_code_survey_asks_for_a_code(code_app: Flask, client: FlaskClient) -> None:
    add_codes(code_app, 1)
    html = client.get(f"/s/{SLUG}").get_data(as_text=True)
    assert 'id="einladungscode"' in html
    resp = enter(client, "")
    assert resp.status_code == 422
    assert "Bitte geben Sie Ihren Einladungscode ein." in resp.get_data(as_text=True)
    assert _responses(code_app) == 0


def test_wrong_code_gets_a_friendly_message(
    code_app: Flask, client: FlaskClient
) -> None:
    add_codes(code_app, 1)
    resp = enter(client, "AAAAA-BBBBB", language="ar")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "لا نعرف رمز الدعوة هذا" in html
    assert 'aria-invalid="true"' in html
    assert 'href="#einladungscode"' in html
    assert _responses(code_app) == 0


def test_double_submit_with_a_code_creates_one_response(
    code_app: Flask, client: FlaskClient
) -> None:
    code = add_codes(code_app, 1)[0]
    landing = client.get(f"/s/{SLUG}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(landing), "start": start_token(landing)}
    first = client.post(f"/s/{SLUG}", data={**data, "code": code})
    with client.session_transaction() as session:
        session.pop("responses")  # as if the first answer never arrived
    second = client.post(f"/s/{SLUG}", data={**data, "code": code})
    assert first.status_code == second.status_code == 302
    assert _responses(code_app) == 1


def test_letter_code_starts_resumes_elsewhere_until_submitted(
    code_app: Flask, client: FlaskClient
) -> None:
    """The code journey: start, continue in a second browser with the same code,
    submit, try again."""
    code = add_codes(code_app, 2)[0]
    typed = format_code(code).lower().replace("-", " ")  # as people type it
    resp = enter(client, typed)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/seite/1")
    assert _responses(code_app) == 1
    assert _spent(code_app) == []  # starting writes nothing about the code
    second_page = answer_one_page(code_app, client, resp.headers["Location"])

    other = code_app.test_client()  # another device or browser, no cookie
    resp = enter(other, code, language="en")
    assert resp.status_code == 302
    assert resp.headers["Location"] == second_page.split("?")[0] + "?weiter=1"
    welcome = other.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Welcome back" in welcome
    assert _responses(code_app) == 1
    # the resume page takes the letter's code as well
    assert resume_with(code_app.test_client(), code).status_code == 302

    assert answer_from(code_app, other, second_page).endswith("/danke")
    assert _spent(code_app) == [True]  # recorded, pending until the next flush
    with code_app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        assert response.status == ResponseStatus.COMPLETE
        assert response.resume_code_hash is None

    again = enter(code_app.test_client(), code)
    html = again.get_data(as_text=True)
    assert again.status_code == 422
    assert "Mit diesem Code wurde der Fragebogen schon abgeschickt" in html
    resumed = resume_with(code_app.test_client(), code)
    assert resumed.status_code == 422
    assert "schon abgeschickt" in resumed.get_data(as_text=True)
    assert _responses(code_app) == 1
    # the first browser is told it is done
    assert client.get(f"/s/{SLUG}/seite/1").headers["Location"].endswith("/danke")


def test_letter_code_resumes_after_25_hours(code_app: Flask) -> None:
    code = add_codes(code_app, 1)[0]
    with freeze_time("2026-12-01 09:00:00") as frozen:
        client = code_app.test_client()
        first = enter(client, code).headers["Location"]
        second = answer_one_page(code_app, client, first)
        frozen.tick(timedelta(hours=25))
        # the cookie (24 hours) has expired: the browser drops it and is back at
        # the start
        cookie = client.get_cookie("session")
        assert cookie is not None
        assert cookie.expires is not None
        assert cookie.expires < datetime.now(UTC)
        client.delete_cookie("session")
        assert client.get(second).headers["Location"] == f"/s/{SLUG}"
        resp = enter(client, code)
        assert resp.status_code == 302
        assert resp.headers["Location"] == second + "?weiter=1"
    assert _responses(code_app) == 1


def test_code_state_is_told_only_for_the_full_code(
    code_app: Flask, client: FlaskClient
) -> None:
    started, submitted = add_codes(code_app, 2)
    enter(client, started)
    done = code_app.test_client()
    answer_from(code_app, done, enter(done, submitted).headers["Location"])
    unknown = "Diesen Einladungscode kennen wir nicht"

    def message(code: str) -> tuple[int, str]:
        resp = enter(code_app.test_client(), code)
        html = resp.get_data(as_text=True)
        found = re.search(r'<p class="field-error"[^>]*>(.*?)</p>', html, re.S)
        return resp.status_code, found.group(1) if found else ""

    random_code = message("ZZZZZ-ZZZZZ")
    assert random_code[0] == 422
    assert unknown in random_code[1]
    for code in (started, submitted):
        for variant in (code[:9], code[:9] + ("0" if code[9] != "0" else "1")):
            assert message(variant) == random_code
    assert "schon abgeschickt" in message(submitted)[1]
    assert enter(code_app.test_client(), started).status_code == 302


def test_cookie_holds_only_an_opaque_handle(
    code_app: Flask, client: FlaskClient
) -> None:
    code = add_codes(code_app, 1)[0]
    location = enter(client, code).headers["Location"]
    client.post(
        location,
        data={
            "csrf_token": csrf_token(client.get(location).get_data(as_text=True)),
            "_aktion": "spaeter",
        },
    )
    cookie = client.get_cookie("session")
    assert cookie is not None
    data = code_app.session_interface.get_signing_serializer(code_app).loads(
        cookie.value
    )
    handle = data["responses"][SLUG]
    assert isinstance(handle, str)
    assert len(handle) >= 20
    with code_app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        stored = db.session.execute(sa.select(RespondentSession)).scalar_one()
    text = json.dumps(data)
    assert code not in text
    assert format_code(code) not in text
    assert str(response.id) not in text
    assert handle not in stored.handle_hash  # the server keeps only its hash
    assert not any(isinstance(v, int) for v in data["responses"].values())


def test_code_is_not_linked_to_the_submitted_response(
    code_app: Flask, client: FlaskClient
) -> None:
    code = add_codes(code_app, 1)[0]
    answer_from(code_app, client, enter(client, code).headers["Location"])
    with code_app.app_context():
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("response")}
        row = db.session.execute(sa.select(Response)).scalar_one()
        stored = json.dumps([row.answers, row.resume_code_hash, row.id], default=str)
        invitation = db.session.execute(sa.select(InvitationCode)).scalar_one()
        spent = db.session.execute(sa.select(SpentCode)).scalar_one()
        spent_columns = {
            c["name"] for c in sa.inspect(db.engine).get_columns("spent_code")
        }
    assert not {c for c in columns if "invitation" in c or "code_id" in c}
    assert code not in stored
    assert invitation.code_hash not in stored
    assert spent.code_hash == invitation.code_hash
    assert spent_columns == {"code_hash", "survey_id", "batch_id", "pending"}


def test_both_mode_works_with_and_without_code(
    code_app: Flask, client: FlaskClient
) -> None:
    codes = add_codes(code_app, 1, mode=AccessMode.BOTH)
    html = client.get(f"/s/{SLUG}").get_data(as_text=True)
    assert "falls Sie einen haben" in html
    assert enter(client, "").status_code == 302
    other = code_app.test_client()
    assert enter(other, "ZZZZZ-ZZZZZ").status_code == 422
    third = code_app.test_client()
    assert enter(third, codes[0]).status_code == 302
    assert _responses(code_app) == 2


def _limited_app(database_url: str, tmp_path: Path) -> Flask:
    app = make_app(
        database_url,
        tmp_path,
        RATELIMIT_ENABLED=True,
        RESPONDENT_CODE_RATE_LIMIT="20 per 10 minutes",
        RESPONDENT_CODE_PART_LIMIT="10 per hour",
    )
    create_schema(app)
    add_demo(app)
    return app


def test_wrong_codes_from_one_address_never_block_a_valid_code(
    database_url: str, tmp_path: Path
) -> None:
    app = _limited_app(database_url, tmp_path)
    try:
        codes = add_codes(app, 3)
        school = app.test_client()  # everybody behind one address
        statuses = [enter(school, generate_code()).status_code for _ in range(25)]
        assert statuses[:20] == [422] * 20
        assert statuses[20:] == [429] * 5
        resp = enter(school, generate_code())
        assert resp.status_code == 429
        assert "Zu viele Versuche" in resp.get_data(as_text=True)
        # a family with a letter behind the same address gets in
        assert enter(school, codes[0]).status_code == 302
        assert enter(app.test_client(), codes[0]).status_code == 302
        assert resume_with(app.test_client(), generate_code()).status_code == 429
        assert resume_with(app.test_client(), codes[0]).status_code == 302
        # someone who saw half of a letter cannot try the other half
        head = codes[1][:5]
        guesses = [head + generate_code()[:5] for _ in range(10)]
        for guess in guesses:
            assert resume_with(app.test_client(), guess).status_code in (422, 429)
        assert enter(app.test_client(), codes[1]).status_code == 429
        assert enter(app.test_client(), codes[2]).status_code == 302
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.browser
def test_resume_link_carries_the_code_in_its_fragment_only(
    code_app: Flask, live_server: str, browser_page: Any
) -> None:
    """The link on "continue later" opens the questionnaire in another browser:
    a local script reads the fragment, which no server ever sees."""
    with code_app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.access_mode = AccessMode.OPEN
        db.session.commit()
    code_app.config["PUBLIC_URL"] = live_server
    client = code_app.test_client()
    location = enter(client, None).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    client.post(location, data={"csrf_token": csrf_token(page), "_aktion": "spaeter"})
    later = client.get(f"/s/{SLUG}/spaeter").get_data(as_text=True)
    link = re.search(r'class="resume-link" dir="ltr">([^<]+)<', later)
    assert link is not None
    assert "#code=" in link.group(1)
    requested: list[str] = []
    browser_page.on("request", lambda request: requested.append(request.url))
    browser_page.goto(link.group(1))
    browser_page.wait_for_url(re.compile(r"/seite/1\?weiter=1$"))
    assert browser_page.get_by_text("Willkommen zurück").is_visible()
    assert not any("code" in url for url in requested if "/static/" not in url)
