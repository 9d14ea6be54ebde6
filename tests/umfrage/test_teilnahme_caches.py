"""What respondent pages keep between requests (issue 13): the published
questionnaire is parsed once per version and process, and no cache ever serves
one database's survey or districts to an app on another database (tests, and
any process serving several apps, run several in one process)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import umfrage.services
from tests.conftest import make_app
from tests.umfrage.helpers import add_demo, page_answers
from tests.umfrage.test_teilnahme_flow import DISTRICT, post_page, start
from umfrage.extensions import db
from umfrage.models import District, QuestionnaireVersion, Survey

DISTRICT_PAGE = 3


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the questionnaire parses (the real parser still does the work)."""
    calls: list[int] = []
    parse: Callable[..., Any] = umfrage.services.from_data

    def counting(data: Any) -> Any:
        calls.append(1)
        return parse(data)

    monkeypatch.setattr(umfrage.services, "from_data", counting)
    return calls


def test_a_published_version_is_parsed_once(
    app: Flask, client: FlaskClient, parses: list[int]
) -> None:
    add_demo(app)
    url = start(client)
    umfrage.services._QUESTIONNAIRES.clear()
    parses.clear()
    first = client.get(url)
    assert first.status_code == 200
    assert len(parses) == 1  # read and parsed for the first page
    for _ in range(3):
        again = client.get(url)
        assert again.status_code == 200
        assert again.get_data(as_text=True).count('class="question') == (
            first.get_data(as_text=True).count('class="question')
        )
    landing = client.get("/s/familienbefragung")
    assert landing.status_code == 200
    assert len(parses) == 1  # never again for the same version
    # the definition itself is not even read from the database any more
    with app.test_request_context():
        from umfrage.teilnahme import services

        survey = services.find_survey("familienbefragung")
        assert survey is not None
        services.languages_of(survey)
        state = sa.inspect(survey.questionnaire_version)
        assert "definition" not in state.dict
        db.session.remove()


def _other_app(tmp_path: Path) -> Flask:
    other = make_app(f"sqlite:///{tmp_path / 'other.sqlite'}", tmp_path / "other")
    with other.app_context():
        db.create_all()
    return other


def _make_different(app: Flask) -> None:
    """The same survey, version and district ids as the first database, the same
    version fingerprint and district ids, but other texts: only the database
    tells them apart (written past the ORM, which keeps published versions as
    they are)."""
    with app.app_context():
        version = db.session.execute(sa.select(QuestionnaireVersion)).scalar_one()
        definition = dict(version.definition)
        definition["title"] = {key: "Andere Umfrage" for key in definition["title"]}
        db.session.execute(
            sa.update(QuestionnaireVersion)
            .where(QuestionnaireVersion.id == version.id)
            .values(definition=definition)
        )
        db.session.execute(
            sa.update(District).where(District.code == DISTRICT).values(name="Anderswo")
        )
        db.session.commit()
        db.session.remove()


def _district_page(app: Flask, client: FlaskClient) -> str:
    """The respondent's way to the district page; its HTML."""
    from umfrage.services import questionnaire_of

    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        questionnaire = questionnaire_of(survey.questionnaire_version)
        db.session.remove()
    url = start(client)
    for number in range(1, DISTRICT_PAGE):
        resp = post_page(
            client, url, page_answers(questionnaire.pages[number - 1], DISTRICT)
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        url = resp.headers["Location"]
    page = client.get(url)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found is not None
    return html_lib.unescape(found.group(1))


def _district_name(html: str) -> str:
    found = re.search(rf'<option value="{DISTRICT}"[^>]*>([^<]*)</option>', html)
    assert found is not None
    return html_lib.unescape(found.group(1))


def _map_name(html: str) -> str:
    found = re.search(rf'data-code="{DISTRICT}" d="[^"]*"><title>([^<]*)<', html)
    assert found is not None
    return html_lib.unescape(found.group(1))


def test_no_cache_serves_another_databases_survey(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    add_demo(app)
    other = _other_app(tmp_path)
    add_demo(other)
    _make_different(other)
    first = _district_page(app, client)  # fills the caches from the first database
    assert "Andere Umfrage" not in _title(first)
    assert _district_name(first) == "Hamm"
    assert _map_name(first) == "Hamm"

    seen = _district_page(other, other.test_client())
    assert "Andere Umfrage" in _title(seen)
    assert _district_name(seen) == "Anderswo"
    assert _map_name(seen) == "Anderswo"  # the map too

    back = _district_page(app, app.test_client())
    assert "Andere Umfrage" not in _title(back)
    assert _district_name(back) == "Hamm"
    assert _map_name(back) == "Hamm"
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_new_street_directory_reaches_the_district_search(
    app: Flask, client: FlaskClient
) -> None:
    """The layer's cached list is read again when its streets change, not only
    when its districts do."""
    from umfrage.models import Street

    add_demo(app)
    before = _district_page(app, client)
    assert "Sievekingsallee" not in before
    with app.app_context():
        hamm = db.session.execute(
            sa.select(District).where(District.code == DISTRICT)
        ).scalar_one()
        db.session.add(
            Street(layer_id=hamm.layer_id, name="Sievekingsallee", district_id=hamm.id)
        )
        db.session.commit()
        db.session.remove()
    after = client.get(f"/s/familienbefragung/seite/{DISTRICT_PAGE}")
    option = re.search(
        rf'<option value="{DISTRICT}" data-terms="([^"]*)"',
        after.get_data(as_text=True),
    )
    assert option is not None
    assert "Sievekingsallee" in option.group(1).split("|")
