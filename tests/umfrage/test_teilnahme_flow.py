"""The respondent flow through the real forms: languages, skip logic, back and
forward, save and resume, double submits, a 20-hour break, unavailable surveys."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from tests.conftest import csrf_token
from tests.umfrage.helpers import add_demo, page_answers, send_review
from tests.umfrage.test_teilnahme import start_token
from umfrage.extensions import db
from umfrage.models import Response, ResponseStatus, Survey, SurveyStatus, local_today
from umfrage.services import questionnaire_of

DISTRICT = "0108"  # Hamm


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    add_demo(app)
    return app


def _questionnaire(app: Flask) -> Any:
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        return questionnaire_of(survey.questionnaire_version)


def _response(app: Flask) -> Response:
    with app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        db.session.expunge(response)
        return response


def _count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.execute(sa.select(sa.func.count(Response.id))).scalar())


def start(client: FlaskClient, language: str = "de") -> str:
    landing = client.get(f"/s/familienbefragung?sprache={language}")
    html = landing.get_data(as_text=True)
    resp = client.post(
        f"/s/familienbefragung?sprache={language}",
        data={"csrf_token": csrf_token(html), "start": start_token(html)},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return str(resp.headers["Location"])


def post_page(
    client: FlaskClient, url: str, data: dict[str, Any], action: str = "weiter"
) -> Any:
    page = client.get(url)
    assert page.status_code == 200, url
    return client.post(
        url,
        data={
            **data,
            "_aktion": action,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )


def walk(app: Flask, client: FlaskClient, language: str) -> list[str]:
    """Answer every page validly in ``language``; return the HTML of each page."""
    questionnaire = _questionnaire(app)
    url = start(client, language)
    pages = []
    while "/seite/" in url:
        page = client.get(url)
        html = page.get_data(as_text=True)
        pages.append(html)
        number = int(url.rsplit("/", 1)[1])
        data = page_answers(questionnaire.pages[number - 1], DISTRICT)
        resp = client.post(url, data={**data, "csrf_token": csrf_token(html)})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
        url = resp.headers["Location"]
    pages.append(client.get(url).get_data(as_text=True))
    url = send_review(client, url).headers["Location"]
    assert url.endswith("/danke")
    pages.append(client.get(url).get_data(as_text=True))
    return pages


def test_english_respondent_sees_english_pages(
    demo_app: Flask, client: FlaskClient
) -> None:
    pages = walk(demo_app, client, "en")
    for html in pages:
        assert '<html lang="en" dir="ltr">' in html
    assert ">Next</button>" in pages[0]
    assert "Step 1 of 7" in pages[0]
    assert "Thank you for taking part!" in pages[-1]
    response = _response(demo_app)
    assert response.language == "en"
    assert response.status == ResponseStatus.COMPLETE


def test_arabic_respondent_sees_arabic_buttons_and_right_to_left_pages(
    demo_app: Flask, client: FlaskClient
) -> None:
    landing = client.get("/s/familienbefragung?sprache=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in landing
    assert "بدء الاستطلاع" in landing  # "Befragung starten"
    assert "إجاباتكم مجهولة الهوية" in landing  # the privacy box
    pages = walk(demo_app, client, "ar")
    for html in pages:
        assert '<html lang="ar" dir="rtl">' in html
    first = pages[0]
    assert ">التالي</button>" in first  # "Weiter"
    assert "الحفظ والمتابعة لاحقًا" in first  # "Speichern und später fortsetzen"
    assert "الخطوة 1 من 7" in first  # progress
    assert "إمكانية الوصول" in first  # footer: accessibility statement
    assert 'href="/barrierefreiheit?sprache=ar"' in first
    assert "شكرًا لمشاركتكم!" in pages[-1]


def test_arabic_error_messages(demo_app: Flask, client: FlaskClient) -> None:
    url = start(client, "ar")
    resp = post_page(client, url, {})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "يرجى التحقق من إجاباتكم" in html  # error summary heading
    assert "يرجى الموافقة للمتابعة." in html  # consent required


def test_skip_logic_and_irrelevant_answers_are_dropped(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client)
    resp = post_page(client, url, {"einwilligung": "y"})
    household = resp.headers["Location"]
    data = {
        "kinder_anzahl": "2",
        "alter_juengstes_kind": "3",
        "alter_aeltestes_kind": "9",
        "haushaltstyp": "1",
    }
    resp = post_page(client, household, data)
    assert resp.status_code == 302
    assert _response(demo_app).answers["alter_aeltestes_kind"] == 9
    # one child only: the question about the oldest child no longer applies
    resp = post_page(client, household, {**data, "kinder_anzahl": "1"})
    assert resp.status_code == 302
    answers = _response(demo_app).answers
    assert answers["kinder_anzahl"] == 1
    assert "alter_aeltestes_kind" not in answers


def test_constraint_is_enforced_with_the_definitions_message(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client, "en")
    household = post_page(client, url, {"einwilligung": "y"}).headers["Location"]
    resp = post_page(
        client,
        household,
        {
            "kinder_anzahl": "2",
            "alter_juengstes_kind": "9",
            "alter_aeltestes_kind": "3",
            "haushaltstyp": "1",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "The oldest child cannot be younger than the youngest." in html
    assert 'href="#feld-alter_aeltestes_kind"' in html  # summary links to the field
    assert 'aria-invalid="true"' in html
    assert "kinder_anzahl" not in _response(demo_app).answers


def test_back_saves_valid_answers_and_forward_shows_them_again(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client)
    household = post_page(client, url, {"einwilligung": "y"}).headers["Location"]
    data = {"kinder_anzahl": "3", "alter_juengstes_kind": "4", "haushaltstyp": "2"}
    resp = post_page(client, household, data, action="zurueck")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/seite/1")
    answers = _response(demo_app).answers
    assert answers["kinder_anzahl"] == 3
    assert answers["haushaltstyp"] == 2
    html = client.get(household).get_data(as_text=True)
    assert 'value="3"' in html
    assert re.search(r'value="2" checked', html)


def test_back_with_invalid_answers_keeps_stored_answers_and_explains(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client)
    household = post_page(client, url, {"einwilligung": "y"}).headers["Location"]
    valid = {"kinder_anzahl": "3", "alter_juengstes_kind": "4", "haushaltstyp": "2"}
    post_page(client, household, valid)
    resp = post_page(
        client, household, {**valid, "kinder_anzahl": "viele"}, action="zurueck"
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Zurück, ohne diese Seite zu speichern" in html
    assert _response(demo_app).answers["kinder_anzahl"] == 3
    # an untouched page goes back without complaint
    resp = post_page(client, "/s/familienbefragung/seite/3", {}, action="zurueck")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/seite/2")


def test_double_submit_of_the_start_form_creates_one_response(
    demo_app: Flask, client: FlaskClient
) -> None:
    landing = client.get("/s/familienbefragung").get_data(as_text=True)
    data = {"csrf_token": csrf_token(landing), "start": start_token(landing)}
    first = client.post("/s/familienbefragung", data=data)
    # a second tab, or the same form without the session cookie's update
    other = demo_app.test_client()
    other.get("/s/familienbefragung")
    with client.session_transaction() as session:
        copied = dict(session)
    with other.session_transaction() as session:
        session.clear()
        session["csrf_token"] = copied["csrf_token"]
    second = other.post("/s/familienbefragung", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(demo_app) == 1


def test_tampered_start_token_is_a_bad_request(
    demo_app: Flask, client: FlaskClient
) -> None:
    landing = client.get("/s/familienbefragung").get_data(as_text=True)
    resp = client.post(
        "/s/familienbefragung",
        data={"csrf_token": csrf_token(landing), "start": "ABCDE12345"},
    )
    assert resp.status_code == 400
    assert _count(demo_app) == 0


def test_double_submit_of_the_last_page_creates_one_response(
    demo_app: Flask, client: FlaskClient
) -> None:
    questionnaire = _questionnaire(demo_app)
    walk(demo_app, client, "de")
    last = f"/s/familienbefragung/seite/{len(questionnaire.pages)}"
    token = csrf_token(client.get("/s/familienbefragung").get_data(as_text=True))
    data = page_answers(questionnaire.pages[-1], DISTRICT)
    resp = client.post(last, data={**data, "csrf_token": token})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/danke")
    assert _count(demo_app) == 1
    # the review page sent twice: still one response
    resp = client.post("/s/familienbefragung/uebersicht", data={"csrf_token": token})
    assert resp.headers["Location"].endswith("/danke")
    assert _count(demo_app) == 1


def test_skipping_pages_cannot_complete_a_response(
    demo_app: Flask, client: FlaskClient
) -> None:
    questionnaire = _questionnaire(demo_app)
    start(client)
    with demo_app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        response.last_page = len(questionnaire.pages) - 1  # e.g. an old bug
        db.session.commit()
    last = f"/s/familienbefragung/seite/{len(questionnaire.pages)}"
    resp = post_page(client, last, page_answers(questionnaire.pages[-1], DISTRICT))
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/s/familienbefragung/seite/1?fehlt=1"
    assert _response(demo_app).status == ResponseStatus.PARTIAL
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "fehlen noch Antworten" in html


def test_save_and_resume_on_another_device(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client, "tr")
    household = post_page(client, url, {"einwilligung": "y"}).headers["Location"]
    resp = post_page(
        client,
        household,
        {"kinder_anzahl": "2", "alter_juengstes_kind": "1", "haushaltstyp": "1"},
        action="spaeter",
    )
    assert resp.headers["Location"] == "/s/familienbefragung/spaeter"
    later = client.get("/s/familienbefragung/spaeter").get_data(as_text=True)
    assert "Cevaplarınız kaydedildi" in later  # Turkish
    code = re.search(r'class="resume-code" dir="ltr"><strong>([0-9A-Z-]+)<', later)
    assert code is not None
    # the same code is shown again on reload
    assert code.group(1) in client.get("/s/familienbefragung/spaeter").get_data(
        as_text=True
    )

    # the link carries the code in its fragment, which never reaches a server
    assert f"/s/familienbefragung/fortsetzen#code={code.group(1)}" in later
    assert "?code=" not in later
    phone = demo_app.test_client()
    form = phone.get("/s/familienbefragung/fortsetzen")
    typed = code.group(1).lower().replace("-", " ")
    resp = phone.post(
        "/s/familienbefragung/fortsetzen",
        data={"code": typed, "csrf_token": csrf_token(form.get_data(as_text=True))},
    )
    assert resp.status_code == 302
    # back on the page where the respondent stopped, with the answers given
    assert resp.headers["Location"] == "/s/familienbefragung/seite/2?weiter=1"
    back = phone.get("/s/familienbefragung/seite/2").get_data(as_text=True)
    assert 'value="2"' in back
    assert '<html lang="tr"' in back


def test_wrong_resume_code_is_explained(demo_app: Flask, client: FlaskClient) -> None:
    form = client.get("/s/familienbefragung/fortsetzen").get_data(as_text=True)
    resp = client.post(
        "/s/familienbefragung/fortsetzen",
        data={"code": "ABCDE-12345", "csrf_token": csrf_token(form)},
    )
    assert resp.status_code == 422
    assert "keinen angefangenen Fragebogen gefunden" in resp.get_data(as_text=True)


def test_resume_code_stops_working_when_the_response_is_complete(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client)
    post_page(client, url, {"einwilligung": "y"}, action="spaeter")
    later = client.get("/s/familienbefragung/spaeter").get_data(as_text=True)
    code = re.search(r"<strong>([0-9A-Z]{5}-[0-9A-Z]{5})</strong>", later)
    assert code is not None
    questionnaire = _questionnaire(demo_app)
    for number in range(1, len(questionnaire.pages) + 1):
        resp = post_page(
            client,
            f"/s/familienbefragung/seite/{number}",
            page_answers(questionnaire.pages[number - 1], DISTRICT),
        )
    resp = send_review(client, resp.headers["Location"])
    assert resp.headers["Location"].endswith("/danke")
    assert _response(demo_app).resume_code_hash is None
    other = demo_app.test_client()
    form = other.get("/s/familienbefragung/fortsetzen").get_data(as_text=True)
    resp = other.post(
        "/s/familienbefragung/fortsetzen",
        data={"code": code.group(1), "csrf_token": csrf_token(form)},
    )
    assert resp.status_code == 422


def _signed_at(monkeypatch: pytest.MonkeyPatch, seconds_ago: float) -> None:
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(
        TimestampSigner,
        "get_timestamp",
        lambda self: int(real(self) - seconds_ago),
    )


def test_session_survives_a_twenty_hour_break(
    demo_app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the respondent started and opened the first page 20 hours ago …
    with monkeypatch.context() as patch:
        _signed_at(patch, timedelta(hours=20).total_seconds())
        url = start(client)
        page = client.get(url).get_data(as_text=True)
    # … and sends it now: nothing is lost
    resp = client.post(url, data={"einwilligung": "y", "csrf_token": csrf_token(page)})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/seite/2")
    assert _response(demo_app).answers == {"einwilligung": True}


def test_session_ends_after_a_day_but_the_resume_code_still_works(
    demo_app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        _signed_at(patch, timedelta(hours=25).total_seconds())
        url = start(client)
        resp = post_page(client, url, {"einwilligung": "y"}, action="spaeter")
        later = client.get(resp.headers["Location"]).get_data(as_text=True)
        page = client.get(url).get_data(as_text=True)
    code = re.search(r"<strong>([0-9A-Z]{5}-[0-9A-Z]{5})</strong>", later)
    assert code is not None
    resp = client.post(url, data={"csrf_token": csrf_token(page)})
    assert resp.status_code == 400
    assert "Ihre Sitzung ist abgelaufen" in resp.get_data(as_text=True)
    form = client.get("/s/familienbefragung/fortsetzen").get_data(as_text=True)
    resp = client.post(
        "/s/familienbefragung/fortsetzen",
        data={"code": code.group(1), "csrf_token": csrf_token(form)},
    )
    assert resp.headers["Location"].endswith("/seite/1?weiter=1")
    assert _response(demo_app).answers == {"einwilligung": True}


def test_session_cookie_lasts_at_least_twenty_hours(
    demo_app: Flask, client: FlaskClient
) -> None:
    resp = client.get("/s/familienbefragung")
    cookie = resp.headers["Set-Cookie"]
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert expires is not None
    from email.utils import parsedate_to_datetime

    left = parsedate_to_datetime(expires.group(1)).timestamp() - time.time()
    assert left >= 20 * 3600


def test_language_can_be_changed_on_a_page(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client)
    page = client.get(url).get_data(as_text=True)
    resp = client.post(
        "/s/familienbefragung/sprache",
        data={"language": "ar", "seite": "1", "csrf_token": csrf_token(page)},
    )
    assert resp.headers["Location"].endswith("/seite/1")
    assert '<html lang="ar" dir="rtl">' in client.get(url).get_data(as_text=True)
    assert _response(demo_app).language == "ar"


def test_closed_and_not_yet_open_surveys(demo_app: Flask, client: FlaskClient) -> None:
    with demo_app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.field_start = local_today() + timedelta(days=3)
        db.session.commit()
    html = client.get("/s/familienbefragung").get_data(as_text=True)
    assert "Diese Befragung hat noch nicht begonnen" in html
    assert 'name="start"' not in html
    html = client.get("/s/familienbefragung?sprache=en").get_data(as_text=True)
    assert "This survey has not started yet" in html

    with demo_app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.field_start = None
        survey.field_end = local_today() - timedelta(days=1)
        db.session.commit()
    html = client.get("/s/familienbefragung?sprache=tr").get_data(as_text=True)
    assert "Bu anket sona erdi" in html


def test_survey_closing_during_a_response_keeps_its_answers(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client)
    household = post_page(client, url, {"einwilligung": "y"}).headers["Location"]
    page = client.get(household).get_data(as_text=True)
    with demo_app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.status = SurveyStatus.CLOSED
        db.session.commit()
    resp = client.post(
        household,
        data={"kinder_anzahl": "1", "csrf_token": csrf_token(page)},
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/s/familienbefragung"
    assert _response(demo_app).answers == {"einwilligung": True}
    assert "Diese Befragung ist beendet" in client.get("/s/familienbefragung").get_data(
        as_text=True
    )


def test_draft_survey_is_not_found(demo_app: Flask, client: FlaskClient) -> None:
    with demo_app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.status = SurveyStatus.DRAFT
        db.session.commit()
    assert client.get("/s/familienbefragung").status_code == 404
    assert client.get("/s/gibt-es-nicht").status_code == 404
