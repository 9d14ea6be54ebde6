"""The district map: Hamburg's 104 Stadtteile as a small SVG drawn by the app."""

from __future__ import annotations

import gzip
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import csrf_token
from tests.umfrage.helpers import add_demo, page_answers
from tests.umfrage.test_teilnahme import start_token
from tests.umfrage.test_teilnahme_flow import _questionnaire, post_page
from umfrage.demo import read_hamburg
from umfrage.extensions import db
from umfrage.models import District
from umfrage.teilnahme.district_map import draw_map, map_for

# Page weight budget for the district page with all 104 Stadtteile (HTML only; CSS
# and JS are separate, cached files). 60 KB until the map printed the names that
# fit (issue 10: about 5.6 KB of <text> labels); the page is about 16 KB gzipped.
PAGE_BUDGET = 64_000


def _hamburg() -> list[tuple[str, str, str | None, dict]]:
    return [(d.code, d.name, d.parent_name, d.geometry) for d in read_hamburg()]


def test_hamburg_map_has_every_district_and_an_inset_for_neuwerk() -> None:
    drawn = draw_map(_hamburg())
    assert drawn is not None
    assert len(drawn.districts) == 104
    assert drawn.width == 1000
    assert 500 < drawn.height < 1200
    assert len(drawn.insets) == 1  # Neuwerk, 100 km out in the North Sea
    neuwerk = next(d for d in drawn.districts if d.name == "Neuwerk")
    x, y, w, h = drawn.insets[0]
    first = re.match(r"M(-?\d+) (-?\d+)", neuwerk.path)
    assert first is not None
    assert x <= int(first.group(1)) <= x + w
    assert y <= int(first.group(2)) <= y + h
    for district in drawn.districts:
        assert re.fullmatch(r"(M-?\d+ -?\d+l(-?\d+ -?\d+ ?)+z)+", district.path)


def test_districts_without_usable_geometry_are_left_out() -> None:
    hamburg = _hamburg()[:10]
    broken = [
        ("x1", "Ohne", None, None),
        ("x2", "Kaputt", None, {"type": "Polygon", "coordinates": "nonsense"}),
        ("x3", "Punkt", None, {"type": "Point", "coordinates": [10.0, 53.5]}),
    ]
    drawn = draw_map(hamburg + broken)
    assert drawn is not None
    assert {d.code for d in drawn.districts} == {code for code, *_ in hamburg}
    assert draw_map(broken) is None


def test_district_page_weight(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    add_demo(app)
    client = app.test_client()
    landing = client.get("/s/familienbefragung").get_data(as_text=True)
    client.post(
        "/s/familienbefragung",
        data={"csrf_token": csrf_token(landing), "start": start_token(landing)},
    )
    page_no = 3  # the district page of the demo survey
    questionnaire = _questionnaire(app)
    for number in (1, 2):
        post_page(
            client,
            f"/s/familienbefragung/seite/{number}",
            page_answers(questionnaire.pages[number - 1], "0108"),
        )
    page = client.get(f"/s/familienbefragung/seite/{page_no}")
    html = page.get_data()
    text = html.decode()
    assert text.count('class="district-shape"') == 104
    assert text.count("<option value=") >= 105
    size, packed = len(html), len(gzip.compress(html))
    with capsys.disabled():
        print(f"\ndistrict page (104 Hamburg districts): {size} bytes, {packed} gzip")
    assert size < PAGE_BUDGET


def test_map_cache_follows_the_layer(app: Flask) -> None:
    add_demo(app)
    with app.app_context():
        layer_id = db.session.execute(sa.select(District.layer_id)).scalars().first()
        first = map_for(layer_id)
        assert first is not None
        assert map_for(layer_id) is first  # cached
        district = db.session.execute(
            sa.select(District).where(District.name == "Neuwerk")
        ).scalar_one()
        db.session.delete(district)
        db.session.commit()
        again = map_for(layer_id)
        assert again is not None
        assert len(again.districts) == 103


def test_district_search_includes_the_layers_street_directory(app: Flask) -> None:
    from umfrage.models import Street

    add_demo(app)
    with app.app_context():
        hamm = db.session.execute(
            sa.select(District).where(District.code == "0108")
        ).scalar_one()
        db.session.add(
            Street(layer_id=hamm.layer_id, name="Sievekingsallee", district_id=hamm.id)
        )
        db.session.commit()
    client = app.test_client()
    landing = client.get("/s/familienbefragung").get_data(as_text=True)
    client.post(
        "/s/familienbefragung",
        data={"csrf_token": csrf_token(landing), "start": start_token(landing)},
    )
    questionnaire = _questionnaire(app)
    for number in (1, 2):
        post_page(
            client,
            f"/s/familienbefragung/seite/{number}",
            page_answers(questionnaire.pages[number - 1], "0108"),
        )
    text = client.get("/s/familienbefragung/seite/3").get_data(as_text=True)
    option = re.search(r'<option value="0108" data-terms="([^"]*)"', text)
    assert option is not None
    assert "Sievekingsallee" in option.group(1).split("|")
    other = re.search(r'<option value="0101" data-terms="([^"]*)"', text)
    assert other is not None
    assert "Sievekingsallee" not in other.group(1)
