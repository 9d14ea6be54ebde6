"""axe-core finds no WCAG 2.1 A/AA violation on the respondent pages in Ukrainian
and Arabic (right to left), in a real browser with the Accept-Language of a
Ukrainian phone."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask

from tests.umfrage.helpers import submit
from tests.umfrage.test_browser_teilnahme import _axe_source, check_axe
from tests.umfrage.test_translations import SLUG, add_seven_language_survey

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_axe_finds_no_violations_in_ukrainian_and_arabic(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_seven_language_survey(app)
    _axe_source()
    # a Ukrainian phone: Accept-Language uk-UA
    context = browser_page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="uk-UA"
    )
    context.set_default_timeout(90_000)
    try:
        found = _run_pages(context.new_page(), live_server)
    finally:
        context.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def _run_pages(page: Any, live_server: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    base = f"{live_server}/s/{SLUG}"
    for language in ("uk", "ar"):
        page.context.clear_cookies()
        page.goto(base if language == "uk" else f"{base}?sprache={language}")
        assert page.locator("html").get_attribute("lang") == language
        check_axe(page, f"{language} landing", found)
        page.locator("form.start-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/seite/1$"))
        page.locator("#feld-kinder").fill("2000")
        submit(page.locator(".page-actions button[value=weiter]"))
        check_axe(page, f"{language} page 1 with an error", found)
        page.locator("#feld-kinder").fill("2")
        page.locator(".page-actions button[value=weiter]").click()
        page.wait_for_url(re.compile(r"/seite/2$"))
        check_axe(page, f"{language} district map", found)
        page.locator("select.district-select").select_option("5")
        page.locator(".page-actions button[value=weiter]").click()
        page.wait_for_url(re.compile(r"/uebersicht$"))
        check_axe(page, f"{language} review", found)
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/danke$"))
        check_axe(page, f"{language} thanks", found)
        page.goto(f"{live_server}/barrierefreiheit?sprache={language}")
        check_axe(page, f"{language} accessibility statement", found)
    return found
