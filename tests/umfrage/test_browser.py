"""The thin slice in a real browser (headless Debian chromium)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.umfrage.helpers import add_demo, add_staff, sign_in, submit
from umfrage.extensions import db
from umfrage.models import Response, ResponseStatus

pytestmark = pytest.mark.browser


def _answer_visible_page(page: Any) -> None:
    """Answer what the page shows: the first option of each radio group and of each
    checkbox list, Hamm for the district, small numbers."""
    for fieldset in page.locator("fieldset.question, fieldset.matrix-item").all():
        radios = fieldset.locator(":scope > .choices input[type=radio]")
        if radios.count():
            radios.nth(min(3, radios.count() - 1)).check()
            continue
        boxes = fieldset.locator(
            ":scope > .choices input[type=checkbox], :scope > .choice input"
        )
        if boxes.count():
            boxes.first.check()
        selects = fieldset.locator("select")
        if selects.count():
            selects.first.select_option(label="Hamm")
        numbers = fieldset.locator("input[inputmode=numeric]")
        if numbers.count():
            numbers.first.fill("2")


@pytest.mark.both_backends  # the end-to-end flow on the production database too
def test_respondent_answers_and_staff_sees_the_count(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_staff(app)
    slug = add_demo(app)
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server}/s/{slug}")
    assert page.locator("html").get_attribute("lang") == "de"
    submit(page.get_by_role("button", name="Befragung starten"))
    for _ in range(12):
        if "/danke" in page.url:
            break
        if "/uebersicht" in page.url:
            submit(page.get_by_role("button", name="Antworten absenden"))
            continue
        _answer_visible_page(page)
        submit(page.locator(".page-actions button[value=weiter]"))
    assert "/danke" in page.url, page.content()[:3000]
    # every asset came from the app itself: no third-party host was contacted
    assert requested
    assert all(url.startswith(live_server) for url in requested), requested
    assert page.get_by_role("heading", level=1).inner_text().startswith("Vielen Dank")

    with app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        assert response.status == ResponseStatus.COMPLETE
        assert response.answers["sozialraum"] == "0108"

    sign_in(page, live_server, "gestaltung")
    submit(page.get_by_role("link", name="Familienbefragung", exact=False).first)
    row = page.locator(
        "#returns-by-district tr",
        has=page.locator("th", has_text=re.compile(r"^Hamm$")),
    )
    assert row.locator("td.num").first.inner_text() == "1"
    assert page.locator("#total-complete").inner_text() == "1"


def test_arabic_landing_page_is_right_to_left_without_sideways_scrolling(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    slug = add_demo(app)
    browser_page.set_viewport_size({"width": 320, "height": 640})
    browser_page.goto(f"{live_server}/s/{slug}?sprache=ar")
    html = browser_page.locator("html")
    assert html.get_attribute("dir") == "rtl"
    assert html.get_attribute("lang") == "ar"
    overflow = browser_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0, "the page scrolls sideways at 320 px"
