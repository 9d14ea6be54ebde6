"""Every district layer the admin side accepts works for respondents and in the
designer's preview: with and without parent areas, 9 to 520 areas, any Unicode."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff, page_answers, submit
from tests.umfrage.layers import CASES, LayerCase, add_layer, use_layer
from tests.umfrage.test_teilnahme_flow import _questionnaire, post_page, start
from umfrage.extensions import db
from umfrage.models import District, Response

DISTRICT_PAGE = 3


def _to_district_page(app: Flask, client: FlaskClient, case: LayerCase) -> str:
    questionnaire = _questionnaire(app)
    url = start(client)
    for number in range(1, DISTRICT_PAGE):
        resp = post_page(
            client,
            f"/s/familienbefragung/seite/{number}",
            page_answers(questionnaire.pages[number - 1], case.code),
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        url = resp.headers["Location"]
    assert url.endswith(f"/seite/{DISTRICT_PAGE}")
    return url


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.key)
def test_district_question_on_every_layer(
    app: Flask, client: FlaskClient, case: LayerCase
) -> None:
    add_demo(app)
    use_layer(app, "familienbefragung", add_layer(app, case.key))
    url = _to_district_page(app, client, case)
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('class="district-shape"') == case.count
    assert len(re.findall(r'<option value="[^"]+" data-terms', text)) == case.count
    assert f">{html_lib.escape(case.name, quote=False)}</option>" in text
    assert "<script>alert" not in text
    groups = re.findall(r'<optgroup label="([^"]*)"', text)
    if case.with_parents:
        assert len(groups) > 2
    else:
        assert "Weitere Gebiete" not in groups  # no parent: one plain list
    # a wrong code is refused with a message, nothing stored
    resp = post_page(client, url, {"sozialraum": "nicht-da"})
    assert resp.status_code == 422
    assert "error-summary" in resp.get_data(as_text=True)
    # a real one is stored with its district
    resp = post_page(client, url, {"sozialraum": case.code})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/seite/{DISTRICT_PAGE + 1}")
    with app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        district = db.session.get(District, response.district_id)
        assert response.answers["sozialraum"] == case.code
        assert district is not None
        assert district.name == case.name
        db.session.remove()
    # back on the page, the choice is shown as chosen
    page = client.get(url).get_data(as_text=True)
    assert re.search(rf'<option value="{re.escape(case.code)}"[^>]* selected', page)


def _designer(app: Flask) -> FlaskClient:
    add_staff(app)
    client = app.test_client()
    login(client, "gestaltung", PASSWORD)
    return client


def _questionnaire_id(app: Flask) -> int:
    from umfrage.models import Survey

    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        number = survey.questionnaire_version.questionnaire_id
        db.session.remove()
        return int(number)


def test_preview_uses_the_layer_of_the_survey_or_the_chosen_one(app: Flask) -> None:
    add_demo(app)
    # alphabetically first, no parents: the preview used to take it (and crash)
    koeln = add_layer(app, "koeln", "Aaa Köln")
    berlin = add_layer(app, "berlin", "Berlin LOR")
    use_layer(app, "familienbefragung", berlin)
    designer = _designer(app)
    qid = _questionnaire_id(app)
    url = f"/gestaltung/fragebogen/{qid}/version/1/vorschau/{DISTRICT_PAGE}"
    page = designer.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('class="district-shape"') == 58
    assert ">Treptow-Köpenick 3</option>" in text
    # the designer chooses another layer
    assert f'<option value="{koeln}"' in text
    page = designer.get(f"{url}?gebiete={koeln}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('class="district-shape"') == 9
    assert ">Nippes</option>" in text
    # answers are checked against the shown layer
    resp = designer.post(
        f"{url}?gebiete={koeln}",
        data={"csrf_token": csrf_token(text), "sozialraum": "5"},
    )
    assert resp.status_code == 200
    assert "wären gültig" in resp.get_data(as_text=True)
    resp = designer.post(
        f"{url}?gebiete={koeln}",
        data={"csrf_token": csrf_token(text), "sozialraum": "0930"},
    )
    assert resp.status_code == 422
    # an unknown or malformed layer falls back to the survey's, no 500
    for value in ("999999", "x", "-1", "1" * 40):
        page = designer.get(f"{url}?gebiete={value}")
        assert page.status_code == 200, value
        assert page.get_data(as_text=True).count('class="district-shape"') == 58


def test_preview_of_every_layer(app: Flask) -> None:
    add_demo(app)
    ids = {case.key: add_layer(app, case.key) for case in CASES}
    designer = _designer(app)
    qid = _questionnaire_id(app)
    url = f"/gestaltung/fragebogen/{qid}/version/1/vorschau/{DISTRICT_PAGE}"
    for case in CASES:
        page = designer.get(f"{url}?gebiete={ids[case.key]}")
        assert page.status_code == 200, case.key
        assert page.get_data(as_text=True).count('class="district-shape"') == (
            case.count
        )


# -- in the browser ------------------------------------------------------------------

BROWSER_CASES = [case for case in CASES if case.key in ("koeln", "berlin", "unicode")]

_POINT_IN_SHAPE = """code => {
  const shape = document.querySelector(`.district-shape[data-code="${code}"]`);
  const box = shape.getBoundingClientRect();
  for (let y = box.top + 1; y < box.bottom; y += 1) {
    for (let x = box.left + 1; x < box.right; x += 1) {
      const hit = document.elementFromPoint(x, y);
      if (hit === shape) return [x, y];
    }
  }
  return null;
}"""


def _stored_district(app: Flask) -> str:
    with app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        answer = str(response.answers["sozialraum"])
        db.session.remove()
        return answer


def _browser_to_district_page(page: Any, base: str, case: LayerCase) -> None:
    from tests.umfrage.test_browser_teilnahme import answer_page, next_button

    page.goto(f"{base}/s/familienbefragung?sprache=de")
    page.get_by_role("button", name="Befragung starten").click()
    page.wait_for_url(re.compile(r"/seite/1$"))
    while not page.url.endswith(f"/seite/{DISTRICT_PAGE}"):
        answer_page(page)
        submit(next_button(page, "de"))


@pytest.mark.browser
@pytest.mark.parametrize("case", BROWSER_CASES, ids=lambda case: case.key)
def test_map_search_and_list_on_real_layers(
    app: Flask, live_server: str, browser_page: Any, case: LayerCase
) -> None:
    add_demo(app)
    use_layer(app, "familienbefragung", add_layer(app, case.key))
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _browser_to_district_page(page, live_server, case)
    assert page.locator("svg.district-map__svg").is_visible()
    point = page.evaluate(_POINT_IN_SHAPE, case.code)
    assert point is not None
    page.mouse.click(point[0], point[1])
    select = page.locator("select.district-select")
    assert select.input_value() == case.code
    assert case.name in page.locator("[data-chosen]").inner_text()
    # the search finds a district by part of its name
    other = next(
        value
        for value in select.locator("option[data-terms]").evaluate_all(
            "options => options.map(o => [o.value, o.textContent])"
        )
        if value[0] != case.code and value[1][:6] not in case.name
    )
    page.locator("input[type=search]").fill(other[1][:6])
    page.locator(".district-search__results button").first.click()
    assert select.input_value() != case.code
    # the list
    select.select_option(case.code)
    assert case.name in page.locator("[data-chosen]").inner_text()
    page.get_by_role("button", name="Weiter", exact=True).click()
    page.wait_for_url(re.compile(rf"/seite/{DISTRICT_PAGE + 1}$"))
    assert _stored_district(app) == case.code
    assert errors == []


@pytest.mark.browser
@pytest.mark.parametrize("case", BROWSER_CASES, ids=lambda case: case.key)
def test_plain_list_without_javascript_on_real_layers(
    app: Flask, live_server: str, browser_page: Any, case: LayerCase
) -> None:
    add_demo(app)
    use_layer(app, "familienbefragung", add_layer(app, case.key))
    context = browser_page.context.browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 800}
    )
    page = context.new_page()
    try:
        _browser_to_district_page(page, live_server, case)
        assert not page.locator("svg.district-map__svg").is_visible()
        page.locator("select.district-select").select_option(case.code)
        page.get_by_role("button", name="Weiter", exact=True).click()
        page.wait_for_url(re.compile(rf"/seite/{DISTRICT_PAGE + 1}$"))
        assert _stored_district(app) == case.code
    finally:
        context.close()
