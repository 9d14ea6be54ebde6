"""The thin slice: a respondent answers the demo survey through the real forms;
the response is stored with dates only; staff see it counted per district."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import (
    PASSWORD,
    add_demo,
    add_staff,
    page_answers,
    send_review,
)
from umfrage.extensions import db
from umfrage.models import District, Response, ResponseStatus, Survey, local_today
from umfrage.services import questionnaire_of

DISTRICT = "0108"  # Hamm (Bezirk Hamburg-Mitte)


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    add_staff(app)
    add_demo(app)
    return app


def _survey(app: Flask) -> Survey:
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        questionnaire_of(survey.questionnaire_version)
        db.session.expunge_all()
        return survey


def start_token(html: str) -> str:
    match = re.search(r'name="start" value="([^"]+)"', html)
    assert match is not None, "landing page has no start form"
    return match.group(1)


def _start(client: FlaskClient, slug: str, language: str = "de", **extra: str) -> Any:
    landing = client.get(f"/s/{slug}?sprache={language}")
    assert landing.status_code == 200
    html = landing.get_data(as_text=True)
    return client.post(
        f"/s/{slug}?sprache={language}",
        data={"csrf_token": csrf_token(html), "start": start_token(html), **extra},
    )


def answer_whole_survey(app: Flask, client: FlaskClient, slug: str) -> list[str]:
    """Walk through every page the server sends, answering validly; return URLs."""
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        questionnaire = questionnaire_of(survey.questionnaire_version)
    resp = _start(client, slug)
    visited = []
    while resp.status_code == 302 and "/seite/" in resp.headers["Location"]:
        url = resp.headers["Location"]
        visited.append(url)
        page = client.get(url)
        assert page.status_code == 200, url
        page_no = int(url.rsplit("/", 1)[1])
        data = page_answers(questionnaire.pages[page_no - 1], DISTRICT)
        data["csrf_token"] = csrf_token(page.get_data(as_text=True))
        resp = client.post(url, data=data)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    resp = send_review(client, resp.headers["Location"])
    assert resp.headers["Location"] == f"/s/{slug}/danke"
    return visited


def test_respondent_completes_survey_and_response_is_stored(
    demo_app: Flask, client: FlaskClient
) -> None:
    slug = _survey(demo_app).slug
    visited = answer_whole_survey(demo_app, client, slug)
    assert len(visited) >= 3
    thanks = client.get(f"/s/{slug}/danke")
    assert thanks.status_code == 200
    assert "Vielen Dank" in thanks.get_data(as_text=True)

    with demo_app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        assert response.status == ResponseStatus.COMPLETE
        assert response.language == "de"
        assert response.answers["sozialraum"] == DISTRICT
        assert response.district is not None
        assert response.district.name == "Hamm"
        assert response.started_on == local_today()
        assert response.completed_on == local_today()
        # dates only: the columns hold dates, not datetimes
        assert type(response.started_on) is date
        assert type(response.completed_on) is date


def test_response_table_has_no_ip_user_agent_or_time_columns(demo_app: Flask) -> None:
    with demo_app.app_context():
        columns = {c["name"]: c for c in sa.inspect(db.engine).get_columns("response")}
    forbidden = {"ip", "ip_address", "remote_addr", "user_agent", "created_at"}
    assert not forbidden & set(columns)
    for name in ("started_on", "completed_on"):
        assert isinstance(columns[name]["type"], sa.Date)
        assert not isinstance(columns[name]["type"], sa.DateTime)


def test_reload_after_completion_creates_no_second_response(
    demo_app: Flask, client: FlaskClient
) -> None:
    slug = _survey(demo_app).slug
    visited = answer_whole_survey(demo_app, client, slug)
    # the browser re-sends the last page and revisits the first
    last = client.get(visited[-1])
    assert last.status_code == 302
    assert last.headers["Location"] == f"/s/{slug}/danke"
    with demo_app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Response.id))).scalar() == 1


def test_missing_required_answer_is_explained_and_nothing_saved(
    demo_app: Flask, client: FlaskClient
) -> None:
    slug = _survey(demo_app).slug
    resp = _start(client, slug)
    url = resp.headers["Location"]
    page = client.get(url)
    html = page.get_data(as_text=True)
    resp = client.post(url, data={"csrf_token": csrf_token(html)})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'class="error-summary"' in body
    assert 'aria-invalid="true"' in body
    with demo_app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        assert response.answers == {}
        assert response.status == ResponseStatus.PARTIAL


def test_unknown_district_code_is_rejected(
    demo_app: Flask, client: FlaskClient
) -> None:
    with demo_app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        questionnaire = questionnaire_of(survey.questionnaire_version)
        district_page = next(
            i
            for i, p in enumerate(questionnaire.pages)
            for q in p.questions
            if q.name == "sozialraum"
        )
    slug = survey.slug
    resp = _start(client, slug)
    # answer pages up to the district page
    for index in range(district_page + 1):
        url = f"/s/{slug}/seite/{index + 1}"
        page = client.get(url)
        assert page.status_code == 200
        data = page_answers(questionnaire.pages[index], DISTRICT)
        if index == district_page:
            data["sozialraum"] = "9999"
        data["csrf_token"] = csrf_token(page.get_data(as_text=True))
        resp = client.post(url, data=data)
    assert resp.status_code == 422
    with demo_app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        assert "sozialraum" not in response.answers
        assert response.district_id is None


def test_pages_cannot_be_skipped(demo_app: Flask, client: FlaskClient) -> None:
    slug = _survey(demo_app).slug
    _start(client, slug)
    assert client.get(f"/s/{slug}/seite/3").status_code == 404


def test_staff_sees_response_counts_per_district(
    demo_app: Flask, client: FlaskClient
) -> None:
    survey = _survey(demo_app)
    answer_whole_survey(demo_app, client, survey.slug)
    staff = demo_app.test_client()
    login(staff, "gestaltung", PASSWORD)
    overview = staff.get("/gestaltung/").get_data(as_text=True)
    assert survey.title in overview
    page = staff.get(f"/gestaltung/umfrage/{survey.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with demo_app.app_context():
        district_count = db.session.execute(
            sa.select(sa.func.count(District.id))
        ).scalar()
    assert district_count == 104
    assert html.count('<th scope="row">') >= 104  # one row per district, at least
    row = html.split('<th scope="row">Hamm</th>')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    assert cells[0] == "1"  # complete
    assert cells[1] == "0"  # partial


def test_closed_survey_explains_and_refuses(
    demo_app: Flask, client: FlaskClient
) -> None:
    from umfrage.models import SurveyStatus

    with demo_app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.status = SurveyStatus.CLOSED
        db.session.commit()
        slug = survey.slug
    landing = client.get(f"/s/{slug}")
    assert "Diese Befragung ist beendet" in landing.get_data(as_text=True)
    html = landing.get_data(as_text=True)
    assert 'name="start"' not in html  # no start form on a closed survey
    token = csrf_token(client.get("/anmelden").get_data(as_text=True))
    resp = client.post(f"/s/{slug}", data={"csrf_token": token})
    assert resp.status_code in (302, 400)
    with demo_app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Response.id))).scalar() == 0
