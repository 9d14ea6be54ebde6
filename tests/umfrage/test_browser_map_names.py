"""A map a family can read: names on the map where they fit (more when zoomed in,
never on top of each other), and on a touch screen a small area is confirmed by
name before it is chosen."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.umfrage.helpers import add_demo
from tests.umfrage.layers import add_layer, use_layer
from tests.umfrage.test_browser_teilnahme import check_axe, go_to_page, start

pytestmark = pytest.mark.browser

_SHOWN = """() => Array.from(
  document.querySelectorAll('.district-labels text.is-shown')
).map(t => {
    const b = t.getBBox();
    return [t.textContent, b.x, b.y, b.width, b.height];
  })"""

_POINT = """code => {
  const s = document.querySelector(`.district-shape[data-code="${code}"]`);
  const b = s.getBoundingClientRect();
  for (let y = b.top + 1; y < b.bottom; y++)
    for (let x = b.left + 1; x < b.right; x++)
      if (document.elementFromPoint(x, y) === s) return [x, y, b.width, b.height];
  return null;
}"""


def _overlap(a: list[Any], b: list[Any]) -> bool:
    return (
        a[1] < b[1] + b[3]
        and b[1] < a[1] + a[3]
        and (a[2] < b[2] + b[4] and b[2] < a[2] + a[4])
    )


@pytest.mark.parametrize("layer", ["hamburg", "koeln"])
def test_names_on_the_map_where_they_fit(
    app: Flask, live_server: str, browser_page: Any, layer: str
) -> None:
    add_demo(app)
    use_layer(app, "familienbefragung", add_layer(app, layer))
    page = browser_page
    page.set_viewport_size({"width": 1100, "height": 900})
    start(page, live_server, "de")
    go_to_page(page, "de", 3)
    full = page.evaluate(_SHOWN)
    assert len(full) >= 4, full
    page.get_by_role("button", name="Karte vergrößern").click()
    page.get_by_role("button", name="Karte vergrößern").click()
    zoomed = page.evaluate(_SHOWN)
    if layer == "hamburg":  # 104 areas: zooming in names more of them
        assert {name for name, *_ in zoomed} - {name for name, *_ in full}
    for shown in (full, zoomed):
        for i, a in enumerate(shown):
            for b in shown[i + 1 :]:
                assert not _overlap(a, b), (a, b)


def test_small_area_is_confirmed_by_name_on_a_phone(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_demo(app)
    context = browser_page.context.browser.new_context(
        viewport={"width": 375, "height": 760}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    found: dict[str, Any] = {}
    try:
        start(page, live_server, "de")
        go_to_page(page, "de", 3)
        select = page.locator("select.district-select")
        x, y, width, height = page.evaluate(_POINT, "0103")  # Neustadt: tiny here
        assert min(width, height) < 44
        page.touchscreen.tap(x, y)
        confirm = page.locator("[data-confirm]")
        assert confirm.is_visible()
        assert "Neustadt" in confirm.inner_text()
        assert select.input_value() == ""  # nothing chosen yet
        check_axe(page, "map confirmation", found)
        page.get_by_role("button", name="Ja, dieses Gebiet wählen").click()
        assert select.input_value() == "0103"
        assert "Neustadt" in page.locator("[data-chosen]").inner_text()
        assert not confirm.is_visible()
        # another small area: "Größer anzeigen" zooms there, the choice stays
        svg = page.locator("svg.district-map__svg")
        before = svg.get_attribute("viewBox")
        x, y, *_ = page.evaluate(_POINT, "0101")
        page.touchscreen.tap(x, y)
        assert "Hamburg-Altstadt" in confirm.inner_text()
        page.get_by_role("button", name="Größer anzeigen").click()
        assert svg.get_attribute("viewBox") != before
        assert select.input_value() == "0103"
        check_axe(page, "map zoomed with names", found)
    finally:
        context.close()
    assert found == {}, found


def test_mouse_click_on_a_desktop_chooses_at_once(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_demo(app)
    page = browser_page
    page.set_viewport_size({"width": 1100, "height": 900})
    start(page, live_server, "ar")
    go_to_page(page, "ar", 3)
    x, y, *_ = page.evaluate(_POINT, "0103")
    page.mouse.click(x, y)
    assert page.locator("select.district-select").input_value() == "0103"
    assert not page.locator("[data-confirm]").is_visible()
    found: dict[str, Any] = {}
    check_axe(page, "map with a choice (ar)", found)
    assert found == {}, found
