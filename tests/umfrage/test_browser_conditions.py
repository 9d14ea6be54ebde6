"""Conditions live in the browser (relevance, exclusive options), the language
switch keeps what was typed, and a keyboard-only run through the whole
questionnaire including the review page."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.umfrage.helpers import add_demo, submit
from tests.umfrage.test_browser_teilnahme import (
    _tab_to,
    answer_page,
    go_to_page,
    next_button,
    start,
)
from umfrage.extensions import db
from umfrage.models import Response, ResponseStatus
from umfrage.teilnahme.chrome import format_day
from umfrage.teilnahme.shown_answers import format_number

pytestmark = pytest.mark.browser


def _stored(app: Flask) -> Response:
    with app.app_context():
        response = db.session.execute(sa.select(Response)).scalar_one()
        db.session.expunge(response)
        return response


def _next_by_keyboard(page: Any, target: str) -> None:
    """Tab to "Weiter", press Enter, wait for ``target`` (``/seite/3``)."""
    _tab_to(page, "document.activeElement.value === 'weiter'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(target) + "$"))


def _slot(page: Any, name: str) -> Any:
    return page.locator(f'.question-slot[data-question="{name}"]')


def test_relevance_and_exclusive_options_apply_while_answering(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_demo(app)
    page = browser_page
    start(page, live_server, "de")
    go_to_page(page, "de", 2)
    oldest = _slot(page, "alter_aeltestes_kind")
    assert not oldest.is_visible()  # nothing typed yet: ${kinder_anzahl} > 1 fails
    children = page.locator("#feld-kinder_anzahl")
    children.fill("1")
    assert not oldest.is_visible()  # a one-child family is not asked
    children.fill("3")
    assert oldest.is_visible()
    children.fill("1")
    answer_page(page)
    page.locator("#feld-kinder_anzahl").fill("1")
    assert not oldest.is_visible()
    next_button(page, "de").click()
    page.wait_for_url(re.compile(r"/seite/3$"))
    assert "alter_aeltestes_kind" not in _stored(app).answers
    answer_page(page)
    next_button(page, "de").click()
    page.wait_for_url(re.compile(r"/seite/4$"))
    satisfaction = _slot(page, "zufriedenheit_angebote")
    assert not satisfaction.is_visible()  # no offer ticked yet
    boxes = page.locator('input[name="angebote"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert satisfaction.is_visible()
    none = page.locator('input[name="angebote"][data-exclusive]')
    none.check()  # "Keines davon" unticks the others …
    assert boxes.nth(0).is_checked() is False
    assert boxes.nth(1).is_checked() is False
    assert not satisfaction.is_visible()
    boxes.nth(2).check()  # … and another option unticks "Keines davon"
    assert none.is_checked() is False
    assert satisfaction.is_visible()
    none.check()
    next_button(page, "de").click()
    page.wait_for_url(re.compile(r"/seite/5$"))
    stored = _stored(app).answers
    assert stored["angebote"] == [6]
    assert "zufriedenheit_angebote" not in stored


def test_language_switch_keeps_typed_answers_and_enter_means_next(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_demo(app)
    page = browser_page
    start(page, live_server, "de")
    go_to_page(page, "de", 2)
    page.locator("#feld-kinder_anzahl").fill("2")
    page.locator("#feld-alter_juengstes_kind").fill("4")
    submit(page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#feld-kinder_anzahl").input_value() == "2"
    assert page.locator("#feld-alter_juengstes_kind").input_value() == "4"
    assert page.locator(".error-summary").count() == 0
    # Enter in a field sends the page ("Next"), it does not switch the language
    answer_page(page)
    page.locator("#feld-alter_aeltestes_kind").fill("9")
    page.locator("#feld-alter_aeltestes_kind").press("Enter")
    page.wait_for_url(re.compile(r"/seite/3$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert _stored(app).answers["kinder_anzahl"] == 2


def test_keyboard_only_through_the_whole_questionnaire(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_demo(app)
    page = browser_page
    page.goto(f"{live_server}/s/familienbefragung")
    _tab_to(page, "document.activeElement.matches('.start-form button')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/seite/1$"))
    _tab_to(page, "document.activeElement.type === 'checkbox'")
    page.keyboard.press("Space")
    _next_by_keyboard(page, "/seite/2")
    # numbers typed, radios and checkboxes by arrow keys and Space
    _tab_to(page, "document.activeElement.id === 'feld-kinder_anzahl'")
    page.keyboard.type("1")
    _tab_to(page, "document.activeElement.id === 'feld-alter_juengstes_kind'")
    page.keyboard.type("5")
    _tab_to(page, "document.activeElement.type === 'radio'")
    page.keyboard.press("Space")
    _tab_to(page, "document.activeElement.type === 'checkbox'")
    page.keyboard.press("Space")
    _next_by_keyboard(page, "/seite/3")
    # the district by the searchable list
    _tab_to(page, "document.activeElement.type === 'search'")
    page.keyboard.type("hamm")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    _next_by_keyboard(page, "/seite/4")
    # "Keines davon" by keyboard: the satisfaction question disappears
    _tab_to(page, "document.activeElement.hasAttribute('data-exclusive')")
    page.keyboard.press("Space")
    _next_by_keyboard(page, "/seite/5")
    for _ in range(6):  # matrix rows and the next question: one radio group each
        _tab_to(page, "document.activeElement.type === 'radio'")
        page.keyboard.press("Space")
    _next_by_keyboard(page, "/seite/6")
    _tab_to(page, "document.activeElement.type === 'checkbox'")
    page.keyboard.press("Space")
    _tab_to(page, "document.activeElement.value === 'weiter'")
    assert "bersicht" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/uebersicht$"))
    # the review page: "ändern" links and the send button, by keyboard
    _tab_to(page, "document.activeElement.textContent.startsWith('ändern')")
    _tab_to(
        page,
        "document.activeElement.textContent.trim() === 'Antworten absenden'",
        limit=80,
    )
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/danke$"))
    response = _stored(app)
    assert response.status == ResponseStatus.COMPLETE
    assert response.answers["sozialraum"] == "0108"
    assert response.answers["angebote"] == [6]
    assert "alter_aeltestes_kind" not in response.answers


@pytest.mark.parametrize("language", ["de", "ar"])
def test_axe_on_the_new_states(
    app: Flask, live_server: str, browser_page: Any, language: str
) -> None:
    from tests.umfrage.test_browser_teilnahme import check_axe

    add_demo(app)
    page = browser_page
    found: dict[str, Any] = {}
    start(page, live_server, language)
    go_to_page(page, language, 2)
    page.locator("#feld-kinder_anzahl").fill("1")
    assert not _slot(page, "alter_aeltestes_kind").is_visible()
    check_axe(page, "question hidden live", found)
    page.locator("#feld-kinder_anzahl").fill("")
    go_to_page(page, language, 4)
    page.locator('input[name="angebote"][data-exclusive]').check()
    check_axe(page, "exclusive option ticked", found)
    page.goto(f"{live_server}/s/familienbefragung/gibt-es-nicht")
    assert page.locator("html").get_attribute("lang") == language
    check_axe(page, "not found", found)
    assert found == {}, found


def _shown_children(page: Any) -> str:
    return str(
        page.locator(
            '#frage-alter_aeltestes_kind [data-answer="kinder_anzahl"]'
        ).text_content()
    )


@pytest.mark.parametrize("language", ["de", "ar"])
def test_texts_show_answers_as_they_are_typed(
    app: Flask, live_server: str, browser_page: Any, language: str
) -> None:
    add_demo(app)
    page = browser_page
    start(page, live_server, language)
    go_to_page(page, language, 2)
    children = page.locator("#feld-kinder_anzahl")
    children.fill("3")
    assert _shown_children(page) == "3"
    children.fill("1234")  # too many, but shown as the server would write it
    expected = format_number(1234, language)
    assert _shown_children(page) == expected
    children.fill("")
    assert _shown_children(page) == ""
    for number in (1234.5, -0.25, 1e6, 2.0005, 2.0015, 9.9995, 1e-7, 1e21, -0.0001, 0):
        shown = page.evaluate(f"UmfrageConditions.formatNumber({number})")
        assert shown == format_number(number, language), number
    for day in ("2026-11-26", "2027-01-01"):
        shown = page.evaluate(f"UmfrageConditions.formatDay('{day}')")
        assert shown == format_day(date.fromisoformat(day), language), day
    children.fill("12")
    answer_page(page)
    page.locator("#feld-kinder_anzahl").fill("12")
    page.locator("#feld-alter_juengstes_kind").fill("2")
    page.locator("#feld-alter_aeltestes_kind").fill("9")
    typed = _shown_children(page)
    next_button(page, language).click()
    page.wait_for_url(re.compile(r"/seite/3$"))
    page.go_back()
    page.reload()
    assert _shown_children(page) == typed == "12"
