"""Invitation codes: code-only and mixed access, used codes, wrong codes, rate limit,
and no link between a code and the response it unlocked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, make_app
from tests.umfrage.helpers import add_demo
from tests.umfrage.test_teilnahme import start_token
from umfrage.codes import format_code, generate_code, hash_code
from umfrage.extensions import db
from umfrage.models import AccessMode, InvitationCode, Response, Survey

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


def _used(app: Flask) -> list[bool]:
    with app.app_context():
        return list(
            db.session.execute(
                sa.select(InvitationCode.used).order_by(InvitationCode.id)
            ).scalars()
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


def test_valid_code_starts_once_and_is_used_up(
    code_app: Flask, client: FlaskClient
) -> None:
    code = add_codes(code_app, 2)[0]
    typed = format_code(code).lower().replace("-", " ")  # as people type it
    resp = enter(client, typed)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/seite/1")
    assert _used(code_app) == [True, False]
    assert _responses(code_app) == 1

    other = code_app.test_client()
    resp = enter(other, code, language="en")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "already been started with this invitation code" in html
    assert _responses(code_app) == 1


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


def test_code_from_a_link_fills_the_field(code_app: Flask, client: FlaskClient) -> None:
    code = format_code(add_codes(code_app, 1)[0])
    html = client.get(f"/s/{SLUG}?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in html
    assert _used(code_app) == [False]  # looking is not using


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


def test_code_is_not_linked_to_the_response(
    code_app: Flask, client: FlaskClient
) -> None:
    code = add_codes(code_app, 1)[0]
    enter(client, code)
    with code_app.app_context():
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("response")}
        row = db.session.execute(sa.select(Response)).scalar_one()
        stored = " ".join(str(v) for v in (*row.answers.values(), row.resume_code_hash))
        invitation = db.session.execute(sa.select(InvitationCode)).scalar_one()
    assert not {c for c in columns if "invitation" in c or "code_id" in c}
    assert code not in stored
    assert invitation.code_hash not in stored


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
    assert _used(code_app) == [True]
    assert _responses(code_app) == 2


def test_wrong_codes_are_rate_limited(database_url: str, tmp_path: Path) -> None:
    app = make_app(
        database_url,
        tmp_path,
        RATELIMIT_ENABLED=True,
        RESPONDENT_CODE_RATE_LIMIT="3 per minute",
    )
    with app.app_context():
        db.create_all()
    try:
        add_demo(app)
        codes = add_codes(app, 2)
        client = app.test_client()
        # correct codes do not count against the limit
        assert enter(client, codes[0]).status_code == 302
        other = app.test_client()
        for _ in range(3):
            assert enter(other, "AAAAA-AAAAA").status_code == 422
        resp = enter(other, codes[1])
        assert resp.status_code == 429
        assert "Zu viele Versuche" in resp.get_data(as_text=True)
        assert _used(app) == [True, False]
        # guessing resume codes counts too
        form = other.get(f"/s/{SLUG}/fortsetzen").get_data(as_text=True)
        resp = other.post(
            f"/s/{SLUG}/fortsetzen",
            data={"code": "AAAAA-AAAAA", "csrf_token": csrf_token(form)},
        )
        assert resp.status_code == 429
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
