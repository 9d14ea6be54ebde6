"""The respondent side in headless Debian chromium: the district map by pointer, the
search and list by keyboard, without JavaScript, 320 px wide screens, axe-core on
every page state in German and Arabic, and no request to any other host."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.umfrage.helpers import add_demo, submit
from umfrage.extensions import db
from umfrage.models import Response, ResponseStatus

pytestmark = pytest.mark.browser

BUTTONS = {
    "de": {
        "start": "Befragung starten",
        "next": "Weiter",
        "send": "Antworten absenden",
    },
    "ar": {"start": "بدء الاستطلاع", "next": "التالي", "send": "إرسال الإجابات"},
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _axe_source() -> str:
    axe = pytest.importorskip("axe_playwright_python")
    return (Path(axe.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def check_axe(page: Any, label: str, found: dict[str, Any]) -> None:
    """Run axe-core (WCAG 2.1 A/AA rules) on the page; collect violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    for violation in result["violations"]:
        found.setdefault(label, []).append(
            {
                "id": violation["id"],
                "help": violation["help"],
                "nodes": [node["target"] for node in violation["nodes"]][:5],
            }
        )


def no_sideways_scrolling(page: Any) -> int:
    return int(
        page.evaluate(
            "document.documentElement.scrollWidth - "
            "document.documentElement.clientWidth"
        )
    )


def next_button(page: Any, language: str) -> Any:
    """The page's primary button: "Weiter", on the last page "Zur Übersicht …",
    on the review page "Antworten absenden"."""
    if "/uebersicht" in page.url:
        return page.get_by_role("button", name=BUTTONS[language]["send"], exact=True)
    return page.locator(".page-actions button[value=weiter]")


def answer_page(page: Any) -> None:
    """Answer what the page shows, as a person would with a pointer."""
    for fieldset in page.locator("fieldset.question, fieldset.matrix-item").all():
        if fieldset.locator("select.district-select").count():
            fieldset.locator("select.district-select").select_option("0108")
            continue
        radios = fieldset.locator(":scope > .choices input[type=radio]")
        if radios.count():
            radios.nth(min(3, radios.count() - 1)).check()
            continue
        boxes = fieldset.locator(
            ":scope > .choices input[type=checkbox], :scope > .choice input"
        )
        if boxes.count():
            boxes.first.check()
        numbers = fieldset.locator("input[inputmode=numeric]")
        if numbers.count():
            numbers.first.fill("2")


def start(page: Any, base: str, language: str) -> None:
    page.goto(f"{base}/s/familienbefragung?sprache={language}")
    page.get_by_role("button", name=BUTTONS[language]["start"]).click()
    page.wait_for_url(re.compile(r"/seite/1$"))


def go_to_page(page: Any, language: str, number: int) -> None:
    while not page.url.endswith(f"/seite/{number}"):
        answer_page(page)
        submit(next_button(page, language))


def _stored(app: Flask) -> Response:
    with app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        db.session.expunge(response)
        return response


def test_choose_the_district_by_clicking_the_map(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_demo(app)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    start(page, live_server, "de")
    go_to_page(page, "de", 3)
    svg = page.locator("svg.district-map__svg")
    assert svg.is_visible()
    # a point inside Hamm that is really on top there: click it like a person
    point = page.evaluate(
        """() => {
          const shape = document.querySelector('.district-shape[data-code="0108"]');
          const box = shape.getBoundingClientRect();
          for (let y = box.top + 1; y < box.bottom; y += 1) {
            for (let x = box.left + 1; x < box.right; x += 1) {
              if (document.elementFromPoint(x, y) === shape) return [x, y];
            }
          }
          return null;
        }"""
    )
    assert point is not None
    page.mouse.click(point[0], point[1])
    assert page.locator("select.district-select").input_value() == "0108"
    assert "Hamm" in page.locator("[data-chosen]").inner_text()
    assert "is-selected" in (
        page.locator('.district-shape[data-code="0108"]').get_attribute("class") or ""
    )
    # change of mind: another district, then zoom in and out
    page.locator("select.district-select").select_option("0101")
    assert "Hamburg-Altstadt" in page.locator("[data-chosen]").inner_text()
    full = svg.get_attribute("viewBox")
    page.get_by_role("button", name="Karte vergrößern").click()
    assert svg.get_attribute("viewBox") != full
    page.get_by_role("button", name="Ganze Karte").click()
    assert svg.get_attribute("viewBox") == full
    page.mouse.click(point[0], point[1])
    assert page.locator("select.district-select").input_value() == "0108"
    next_button(page, "de").click()
    page.wait_for_url(re.compile(r"/seite/4$"))
    while "/danke" not in page.url:
        answer_page(page)
        submit(next_button(page, "de"))
    response = _stored(app)
    assert response.status == ResponseStatus.COMPLETE
    assert response.answers["sozialraum"] == "0108"
    assert all(url.startswith(live_server) for url in requested), requested


def _tab_to(page: Any, predicate: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return
    raise AssertionError(f"never reached {predicate}")


def test_choose_the_district_with_the_keyboard_only(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_demo(app)
    page = browser_page
    page.goto(f"{live_server}/s/familienbefragung?sprache=ar")
    _tab_to(page, "document.activeElement.matches('.start-form button')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/seite/1$"))
    # consent by keyboard
    _tab_to(page, "document.activeElement.type === 'checkbox'")
    page.keyboard.press("Space")
    _tab_to(page, "document.activeElement.value === 'weiter'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/seite/2$"))
    answer_page(page)
    next_button(page, "ar").click()
    page.wait_for_url(re.compile(r"/seite/3$"))
    # the district: search by name, arrow to the hit, Enter
    _tab_to(page, "document.activeElement.type === 'search'")
    page.keyboard.type("hamm")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent").startswith("Hamm ")
    page.keyboard.press("Enter")
    assert page.locator("select.district-select").input_value() == "0108"
    chosen = page.locator("[data-chosen]")
    assert chosen.get_attribute("aria-live") == "polite"
    assert "Hamm" in chosen.inner_text()
    # Enter in the search box never sends the page
    page.locator("input[type=search]").focus()
    page.keyboard.type("x")
    page.keyboard.press("Enter")
    assert page.url.endswith("/seite/3")
    _tab_to(page, "document.activeElement.value === 'weiter'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/seite/4$"))
    assert _stored(app).answers["sozialraum"] == "0108"


def test_the_plain_list_works_without_javascript(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_demo(app)
    context = browser_page.context.browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 800}
    )
    page = context.new_page()
    try:
        start(page, live_server, "de")
        go_to_page(page, "de", 3)
        assert not page.locator("svg.district-map__svg").is_visible()
        assert not page.locator("input[type=search]").is_visible()
        page.locator("select.district-select").select_option("keine_angabe")
        next_button(page, "de").click()
        page.wait_for_url(re.compile(r"/seite/4$"))
        assert _stored(app).answers["sozialraum"] == "keine_angabe"
    finally:
        context.close()


@pytest.mark.parametrize("language", ["de", "ar"])
def test_pages_fit_320_pixels(
    app: Flask, live_server: str, browser_page: Any, language: str
) -> None:
    add_demo(app)
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server}/s/familienbefragung?sprache={language}")
    checked = {"landing": no_sideways_scrolling(page)}
    start(page, live_server, language)
    submit(next_button(page, language))  # nothing answered: the error state
    assert page.locator(".error-summary").is_visible()
    checked["error"] = no_sideways_scrolling(page)
    assert page.evaluate("document.activeElement.id") == "fehler"
    go_to_page(page, language, 3)
    checked["map"] = no_sideways_scrolling(page)
    box = page.locator("svg.district-map__svg").bounding_box()
    assert box is not None
    assert box["width"] <= 320
    go_to_page(page, language, 5)
    assert page.locator("fieldset.matrix-item").count() == 3
    checked["matrix"] = no_sideways_scrolling(page)
    assert checked == {"landing": 0, "error": 0, "map": 0, "matrix": 0}
    # large touch targets: every button and radio row at least 44 px high
    heights = page.evaluate(
        "[...document.querySelectorAll('button, .choice')]"
        ".filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)"
    )
    assert min(heights) >= 44


@pytest.mark.parametrize("language", ["de", "ar"])
def test_axe_finds_no_wcag_violations_on_any_page(
    app: Flask, live_server: str, browser_page: Any, language: str
) -> None:
    add_demo(app)
    _axe_source()
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    found: dict[str, Any] = {}
    base = f"{live_server}/s/familienbefragung"
    page.goto(f"{base}?sprache={language}")
    check_axe(page, "landing", found)
    page.goto(f"{base}/fortsetzen?sprache={language}")
    check_axe(page, "resume", found)
    submit(page.get_by_role("button").last)  # an empty code: the error state
    check_axe(page, "resume error", found)
    start(page, live_server, language)
    submit(next_button(page, language))
    check_axe(page, "page 1 with errors", found)
    number = 1
    while "/danke" not in page.url:
        on_review = "/uebersicht" in page.url
        check_axe(page, "review" if on_review else f"page {number}", found)
        if number == 3:
            page.locator("input[type=search]").fill("ha")
            check_axe(page, "district search results", found)
        if number == 2:
            submit(page.locator("button[value=spaeter]"))
            check_axe(page, "continue later", found)
            submit(page.locator("main a.button"))
        answer_page(page)
        submit(next_button(page, language))
        number = int(page.url.rsplit("/", 1)[1]) if "/seite/" in page.url else number
    check_axe(page, "thanks", found)
    page.goto(f"{live_server}/datenschutz?sprache={language}")
    check_axe(page, "privacy", found)
    page.goto(f"{live_server}/barrierefreiheit?sprache={language}")
    check_axe(page, "accessibility statement", found)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
    assert all(url.startswith(live_server) for url in requested), requested
