"""The review page before sending, and the language switch that keeps what was
typed on the current page."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token
from tests.umfrage.helpers import add_demo, page_answers
from tests.umfrage.test_teilnahme_flow import (
    DISTRICT,
    _questionnaire,
    _response,
    post_page,
    start,
)
from umfrage.models import ResponseStatus

REVIEW = "/s/familienbefragung/uebersicht"


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    add_demo(app)
    return app


def _answer_all(app: Flask, client: FlaskClient) -> str:
    questionnaire = _questionnaire(app)
    url = start(client)
    while "/seite/" in url:
        number = int(url.rsplit("/", 1)[1])
        page = client.get(url).get_data(as_text=True)
        last = number == len(questionnaire.pages)
        if last:  # the last page leads to the review, it does not send
            assert ">Zur Übersicht Ihrer Antworten</button>" in page
            assert ">Weiter</button>" not in page
        resp = post_page(
            client, url, page_answers(questionnaire.pages[number - 1], DISTRICT)
        )
        assert resp.status_code == 302
        url = resp.headers["Location"]
    return url


def test_review_lists_answers_and_sends_only_on_the_button(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = _answer_all(demo_app, client)
    assert url == REVIEW
    assert _response(demo_app).status == ResponseStatus.PARTIAL
    page = client.get(REVIEW)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ihre Antworten im Überblick" in html
    assert "Schritt 7 von 7" in html
    assert "<dd>Hamm</dd>" in html  # the district by name, not by code
    assert "<dd>Zugestimmt</dd>" in html
    # escaped free text
    assert "Mehr Kurse &lt;/para&gt; &lt;b&gt;abends&lt;/b&gt;" in html
    changes = re.findall(r'href="(/s/familienbefragung/seite/\d+)"[^>]*>ändern', html)
    assert len(changes) == 6
    assert ">Antworten absenden</button>" in html
    # "ändern" leads back to a page; the answers there are kept
    district_page = client.get("/s/familienbefragung/seite/3")
    assert district_page.status_code == 200
    assert re.search(r'value="0108"[^>]* selected', district_page.get_data(True))
    # send
    resp = client.post(REVIEW, data={"csrf_token": csrf_token(html)})
    assert resp.headers["Location"].endswith("/danke")
    response = _response(demo_app)
    assert response.status == ResponseStatus.COMPLETE
    assert response.resume_code_hash is None
    # afterwards the review page is gone
    assert client.get(REVIEW).headers["Location"].endswith("/danke")


def test_review_is_not_reachable_before_every_page_is_done(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client)
    resp = client.get(REVIEW)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/seite/1")
    # a forged send from the first page sends nothing
    html = client.get(url).get_data(as_text=True)
    resp = client.post(REVIEW, data={"csrf_token": csrf_token(html)})
    assert resp.status_code == 302
    assert "/seite/" in resp.headers["Location"]
    assert _response(demo_app).status == ResponseStatus.PARTIAL


def test_review_in_arabic(demo_app: Flask, client: FlaskClient) -> None:
    questionnaire = _questionnaire(demo_app)
    url = start(client, "ar")
    while "/seite/" in url:
        number = int(url.rsplit("/", 1)[1])
        resp = post_page(
            client, url, page_answers(questionnaire.pages[number - 1], DISTRICT)
        )
        url = resp.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "نظرة عامة على إجاباتكم" in html
    assert ">إرسال الإجابات</button>" in html


def test_language_switch_keeps_what_was_typed(
    demo_app: Flask, client: FlaskClient
) -> None:
    url = start(client)
    page = client.get(url).get_data(as_text=True)
    # the switch buttons belong to the page's own form
    assert 'form="seitenformular"' in page
    assert 'name="_sprache" value="en"' in page
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "einwilligung": "y",
            "_sprache": "en",
        },
    )
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert re.search(r'name="einwilligung"[^>]* checked', html)
    assert "error-summary" not in html
    response = _response(demo_app)
    assert response.language == "en"
    assert response.answers == {}  # nothing stored by switching
    # an unknown language changes nothing and breaks nothing
    resp = client.post(url, data={"csrf_token": csrf_token(html), "_sprache": "xx"})
    assert resp.status_code == 200
    assert _response(demo_app).language == "en"


def test_review_page_language_switch_and_return_after_a_change(
    demo_app: Flask, client: FlaskClient
) -> None:
    _answer_all(demo_app, client)
    html = client.get(REVIEW).get_data(as_text=True)
    assert 'name="ziel" value="uebersicht"' in html
    resp = client.post(
        "/s/familienbefragung/sprache",
        data={"csrf_token": csrf_token(html), "language": "tr", "ziel": "uebersicht"},
    )
    assert resp.headers["Location"].endswith("/uebersicht")
    html = client.get(REVIEW).get_data(as_text=True)
    assert '<html lang="tr"' in html
    assert "Cevaplarınıza genel bakış" in html
