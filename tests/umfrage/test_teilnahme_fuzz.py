"""Fuzzed form posts to every respondent page: never a 500, and nothing stored that
the definition does not allow."""

from __future__ import annotations

import urllib.parse
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fragebogen import routing, validation
from fragebogen.errors import AnswerError
from tests.conftest import csrf_token
from tests.umfrage.helpers import add_demo
from tests.umfrage.test_teilnahme import start_token
from umfrage.extensions import db
from umfrage.models import District, Response, ResponseStatus, Survey
from umfrage.services import questionnaire_of

SLUG = "familienbefragung"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_text = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=900, max_size=1200),
    st.sampled_from(
        [
            "",
            " ",
            "1",
            "0",
            "-1",
            "99",
            "1e9",
            "3,5",
            "NaN",
            "y",
            "on",
            "true",
            "0108",
            "keine_angabe",
            "2020-02-30",
            "31.12.2019",
            "\x00",
            "<script>alert(1)</script>",
            '=HYPERLINK("x")',
            "١٢",
            "٣",
        ]
    ),
    st.integers(-(10**20), 10**20).map(str),
)


def _fields(app: Flask) -> list[str]:
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        questionnaire = questionnaire_of(survey.questionnaire_version)
    names = [
        name
        for question in questionnaire.questions()
        for name in validation.answer_fields(question)
    ]
    return [*names, "_aktion", "csrf_token", "start", "code", "language", "seite"]


def _started(app: Flask, client: FlaskClient) -> str:
    landing = client.get(f"/s/{SLUG}").get_data(as_text=True)
    client.post(
        f"/s/{SLUG}",
        data={"csrf_token": csrf_token(landing), "start": start_token(landing)},
    )
    _reopen(app)
    return csrf_token(landing)


def _reopen(app: Flask) -> None:
    """Every page reachable, the response partial again (fuzzing goes on)."""
    with app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        survey = db.session.get(Survey, response.survey_id)
        assert survey is not None
        pages = len(questionnaire_of(survey.questionnaire_version).pages)
        response.last_page = pages - 1
        response.status = ResponseStatus.PARTIAL
        db.session.commit()


def _check_stored(app: Flask) -> None:
    """What is stored passes the definition's validation page by page, and only
    answers to relevant questions are kept."""
    with app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        survey = db.session.get(Survey, response.survey_id)
        assert survey is not None
        questionnaire = questionnaire_of(survey.questionnaire_version)
        codes = set(
            db.session.execute(
                sa.select(District.code).where(
                    District.layer_id == survey.district_layer_id
                )
            ).scalars()
        )
        answers = response.answers
        assert routing.relevant_answers(questionnaire, answers) == answers
        for index, page in enumerate(questionnaire.pages):
            fields = [
                name
                for question in page.questions
                for name in validation.answer_fields(question)
            ]
            stored = {name: answers[name] for name in fields if name in answers}
            if not stored:
                continue
            previous = {k: v for k, v in answers.items() if k not in fields}
            problems: set[str] = set()
            cleaned: dict[str, Any] = stored
            try:
                cleaned = validation.validate_page(
                    questionnaire, index, stored, previous, codes
                )
            except AnswerError as error:
                problems = {p.code for p in error.problems}
            assert problems <= {"required"}, (index, stored, problems)
            assert cleaned == stored
        if response.district_id is not None:
            district = db.session.get(District, response.district_id)
            assert district is not None
            assert district.code in codes


def test_fuzzed_page_posts(app: Flask) -> None:
    add_demo(app)
    client = app.test_client()
    token = _started(app, client)
    names = _fields(app)

    @FUZZ
    @given(
        page_no=st.integers(min_value=0, max_value=8),
        data=st.dictionaries(
            st.one_of(
                st.sampled_from(names),
                st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
            ),
            st.one_of(_text, st.lists(_text, max_size=4)),
            max_size=8,
        ),
        action=st.sampled_from(["weiter", "zurueck", "spaeter", "x", ""]),
    )
    def post(page_no: int, data: dict[str, Any], action: str) -> None:
        form = {**data, "csrf_token": token, "_aktion": action}
        resp = client.post(f"/s/{SLUG}/seite/{page_no}", data=form)
        assert resp.status_code < 500, resp.get_data(as_text=True)[:2000]
        _check_stored(app)
        _reopen(app)

    post()


def test_fuzzed_raw_bodies_and_other_endpoints(app: Flask) -> None:
    add_demo(app)
    client = app.test_client()
    token = _started(app, client)

    @FUZZ
    @given(
        path=st.sampled_from(
            [
                f"/s/{SLUG}",
                f"/s/{SLUG}?sprache=ar",
                f"/s/{SLUG}/fortsetzen",
                f"/s/{SLUG}/sprache",
                f"/s/{SLUG}/seite/2",
                f"/s/{SLUG}/seite/3",
                f"/s/{SLUG}/seite/5",
                f"/s/{SLUG}/seite/99",
                "/s/gibt-es-nicht/seite/1",
                "/s/gibt-es-nicht",
                "/sprache",
            ]
        ),
        body=st.binary(max_size=300),
        fields=st.dictionaries(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=10),
            _text,
            max_size=5,
        ),
    )
    def post(path: str, body: bytes, fields: dict[str, str]) -> None:
        encoded = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        for payload in (encoded + b"&" + body, body):
            resp = client.post(
                path,
                data=payload,
                content_type="application/x-www-form-urlencoded",
            )
            assert resp.status_code < 500, (path, payload[:200])
        _check_stored(app)
        _reopen(app)

    post()
