"""Privacy by construction on the respondent side: nothing about the respondent's
address or browser in the log, one strictly necessary cookie, no other host."""

from __future__ import annotations

import http.cookiejar
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token
from tests.umfrage.helpers import add_demo, page_answers
from tests.umfrage.test_teilnahme import start_token
from umfrage.extensions import db
from umfrage.models import Survey
from umfrage.services import questionnaire_of

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) PrivacyProbe/4.2 Unverwechselbar"
DISTRICT = "0108"


def _questionnaire(app: Flask) -> Any:
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        return questionnaire_of(survey.questionnaire_version)


def flow_pages(app: Flask, client: FlaskClient) -> list[tuple[str, Any]]:
    """Every respondent page state as (url, response): landing, resume form, each
    page, an error state, "continue later", thanks, privacy and accessibility."""
    questionnaire = _questionnaire(app)
    seen: list[tuple[str, Any]] = []
    later_seen = False

    def get(url: str) -> Any:
        resp = client.get(url)
        seen.append((url, resp))
        return resp

    landing = get("/s/familienbefragung?sprache=ar").get_data(as_text=True)
    get("/s/familienbefragung/fortsetzen")
    resp = client.post(
        "/s/familienbefragung?sprache=ar",
        data={"csrf_token": csrf_token(landing), "start": start_token(landing)},
    )
    seen.append(("start", resp))
    url = resp.headers["Location"]
    error = client.post(url, data={"csrf_token": csrf_token(landing)})
    seen.append((url + " (Fehler)", error))
    while "/seite/" in url:
        html = get(url).get_data(as_text=True)
        number = int(url.rsplit("/", 1)[1])
        data = page_answers(questionnaire.pages[number - 1], DISTRICT)
        action = "spaeter" if number == 2 and not later_seen else "weiter"
        resp = client.post(
            url, data={**data, "_aktion": action, "csrf_token": csrf_token(html)}
        )
        seen.append((url + " (POST)", resp))
        if action == "spaeter":
            get(resp.headers["Location"])
            later_seen = True
            continue
        url = resp.headers["Location"]
    html = get(url).get_data(as_text=True)  # the review page
    resp = client.post(url, data={"csrf_token": csrf_token(html)})
    seen.append((url + " (POST)", resp))
    get(resp.headers["Location"])  # thanks
    get("/datenschutz?sprache=ar")
    get("/barrierefreiheit?sprache=ar")
    return seen


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    add_demo(app)
    return app


def test_only_one_strictly_necessary_cookie(
    demo_app: Flask, client: FlaskClient
) -> None:
    cookies = [
        header
        for _url, resp in flow_pages(demo_app, client)
        for header in resp.headers.getlist("Set-Cookie")
    ]
    assert cookies
    for header in cookies:
        assert header.startswith("session="), header
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Path=/" in header
        assert "Expires=" in header  # 24 hours, so a long break loses nothing


def test_no_page_references_another_host(demo_app: Flask, client: FlaskClient) -> None:
    class References(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.assets: list[str] = []
            self.links: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, Any]]) -> None:
            values = dict(attrs)
            for name in ("src", "srcset", "action", "poster", "data"):
                if values.get(name):
                    self.assets.append(values[name])
            if tag == "link" and values.get("href"):
                self.assets.append(values["href"])
            if tag == "a" and values.get("href"):
                self.links.append(values["href"])

    def foreign(url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        return bool(parts.netloc) and parts.hostname not in ("localhost",)

    checked = 0
    for url, resp in flow_pages(demo_app, client):
        if resp.status_code in (301, 302, 303):
            continue
        html = resp.get_data(as_text=True)
        parser = References()
        parser.feed(html)
        assert not [a for a in parser.assets if foreign(a)], url
        assert "@import" not in html, url
        assert "url(" not in html, url
        external = [link for link in parser.links if foreign(link)]
        if url.startswith("/barrierefreiheit"):
            # the statement must name the enforcement body: a plain link, no asset
            assert external == [demo_app.config["ACCESSIBILITY_ENFORCEMENT_URL"]]
        elif "/spaeter" in url:
            assert all(link.startswith("http://localhost/s/") for link in external)
        else:
            assert external == [], url
        assert "Content-Security-Policy" in resp.headers
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        checked += 1
    assert checked >= 10
    static = Path(__file__).parents[2] / "umfrage" / "static"
    for asset in ("umfrage.css", "teilnahme/teilnahme.css", "teilnahme/teilnahme.js"):
        text = (static / asset).read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), asset
        assert not re.search(r"(fetch|XMLHttpRequest|import)\s*\(\s*['\"]https?:", text)


def test_respondent_pages_are_not_cached(demo_app: Flask, client: FlaskClient) -> None:
    for url, resp in flow_pages(demo_app, client):
        if url.startswith("/s/"):
            assert resp.headers["Cache-Control"] == "no-store", url


def test_log_holds_no_address_or_user_agent(
    demo_app: Flask,
    live_server: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A respondent answers the whole survey over real HTTP; nothing the app or the
    server logs (at any level) contains the address or the user agent."""
    caplog.set_level(logging.DEBUG)
    questionnaire = _questionnaire(demo_app)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]

    def request(
        path: str, data: dict[str, Any] | None = None, status: int = 200
    ) -> tuple[str, str]:
        """One request; an HTTP error status is returned, not raised, and its
        connection closed here (an HTTPError left to the garbage collector closes
        its socket at a random later moment, failing whichever test runs then)."""
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        try:
            resp = opener.open(live_server + path, data=body, timeout=60)
        except urllib.error.HTTPError as error:
            resp = error
        with resp:
            code, url, text = resp.status, resp.geturl(), resp.read().decode()
        assert code == status, (path, code)
        return url, text

    url, html = request("/s/familienbefragung")
    url, html = request(
        "/s/familienbefragung",
        {"csrf_token": csrf_token(html), "start": start_token(html)},
    )
    # one invalid page on the way
    request(
        urllib.parse.urlsplit(url).path, {"csrf_token": csrf_token(html)}, status=422
    )
    while "/seite/" in url:
        path = urllib.parse.urlsplit(url).path
        number = int(path.rsplit("/", 1)[1])
        data = page_answers(questionnaire.pages[number - 1], DISTRICT)
        url, html = request(path, {**data, "csrf_token": csrf_token(html)})
    assert url.endswith("/uebersicht")
    path = urllib.parse.urlsplit(url).path
    url, html = request(path, {"csrf_token": csrf_token(html)})
    assert url.endswith("/danke")
    request("/s/gibt-es-nicht", status=404)

    out, err = capfd.readouterr()
    logged = "\n".join(
        [record.getMessage() for record in caplog.records]
        + [str(record.args) for record in caplog.records]
        + [out, err]
    )
    assert "127.0.0.1" not in logged
    assert "PrivacyProbe" not in logged
    assert "Unverwechselbar" not in logged
