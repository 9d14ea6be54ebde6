"""Generic error pages under /s/<survey> speak the survey's language."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token
from tests.umfrage.helpers import add_demo
from tests.umfrage.test_teilnahme_flow import start


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    add_demo(app)
    return app


def test_not_found_in_the_respondents_language(
    demo_app: Flask, client: FlaskClient
) -> None:
    start(client, "ar")
    for url in (
        "/s/familienbefragung/seite/99",  # a page that does not exist
        "/s/familienbefragung/gibt-es-nicht",  # no such route
    ):
        resp = client.get(url)
        assert resp.status_code == 404, url
        html = resp.get_data(as_text=True)
        assert '<html lang="ar" dir="rtl">' in html, url
        assert "الصفحة غير موجودة" in html
        assert 'href="/s/familienbefragung?sprache=ar"' in html


def test_bad_request_and_wrong_method_in_the_chosen_language(
    demo_app: Flask, client: FlaskClient
) -> None:
    landing = client.get("/s/familienbefragung?sprache=tr").get_data(as_text=True)
    resp = client.post(
        "/s/familienbefragung?sprache=tr",
        data={"csrf_token": csrf_token(landing), "start": "kaputt"},
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert '<html lang="tr" dir="ltr">' in html
    assert "Geçersiz istek" in html
    resp = client.put("/s/familienbefragung/danke?sprache=en")
    assert resp.status_code == 405
    assert "This action is not possible here." in resp.get_data(as_text=True)


def test_without_a_survey_the_generic_page_stays(
    demo_app: Flask, client: FlaskClient
) -> None:
    resp = client.get("/s/gibt-es-nicht/seite/1")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert "Seite nicht gefunden" in html
    assert '<html lang="de"' in html
    assert client.get("/gibt-es-nicht").status_code == 404
