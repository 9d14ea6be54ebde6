"""The Hamburg demo data: parsing the statistics table and joining it by name."""

from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.umfrage.helpers import add_demo
from umfrage.demo import _data_file, parse_german_number, read_hamburg
from umfrage.extensions import db
from umfrage.models import Response, ResponseStatus
from umfrage.services import questionnaire_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [(" 1 675    ", 1675), ("  40    ", 40), ("-  23    ", -23), (" .  ", None)],
)
def test_parse_german_number(text: str, expected: int | None) -> None:
    assert parse_german_number(text) == expected


def test_parse_german_number_refuses_decimals() -> None:
    with pytest.raises(ValueError, match="whole number"):
        parse_german_number(" 1,4 ")


def test_hamburg_has_104_districts_and_city_totals_add_up() -> None:
    districts = read_hamburg()
    assert len(districts) == 104
    assert len({d.code for d in districts}) == 104
    without = sorted(d.name for d in districts if d.single_parent is None)
    assert without == [
        "Altenwerder",
        "Gut Moor",
        "Neuwerk",
        "Steinwerder",
        "Waltershof",
    ]
    with _data_file("Daten_fuer_die_Stadtteilprofile_2014.csv").open(
        encoding="utf-8"
    ) as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    city = rows[-1]
    assert city[0] == "Hamburg"
    header = [c.strip() for c in rows[0]]
    city_with_children = parse_german_number(
        city[header.index("Haushalte mit Kindern")]
    )
    city_single = parse_german_number(city[header.index("Alleinerziehende")])
    single = sum(d.single_parent or 0 for d in districts)
    couples = sum(d.couple_family or 0 for d in districts)
    # Stadtteil figures are rounded estimates; they add up to the city within 0.5 %
    assert single == pytest.approx(city_single, rel=0.005)
    assert single + couples == pytest.approx(city_with_children, rel=0.005)


def test_synthetic_responses_are_valid_and_single_parents_answer_less(
    app: Flask,
) -> None:
    add_demo(app, responses=300)
    with app.app_context():
        responses = db.session.execute(sa.select(Response)).scalars().all()
        assert len(responses) == 300
        complete = [r for r in responses if r.status == ResponseStatus.COMPLETE]
        assert 240 <= len(complete) <= 295
        single = sum(1 for r in complete if r.answers.get("haushaltstyp") == 2)
        # population share of single parents is about 27 %; they answer about half
        # as often, so their share among respondents is clearly lower
        assert 0.08 < single / len(complete) < 0.22
        from fragebogen import routing, validation

        version = complete[0].questionnaire_version
        questionnaire = questionnaire_of(version)
        codes = [d.code for d in complete[0].survey.district_layer.districts]
        for response in complete[:50]:
            answers: dict[str, object] = {}
            index: int | None = 0
            while index is not None:
                answers |= validation.validate_page(
                    questionnaire, index, response.answers, answers, codes
                )
                index = routing.next_page_index(questionnaire, index, answers)
            assert answers == response.answers
