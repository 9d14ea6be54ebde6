"""The weighting form's dropdown mapping (defaults from labels, posted tables) and
the cell preview with the collapse proposal, as plain data; then the form itself."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from fragebogen.demo import load_demo
from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from umfrage.berichte import mapping
from umfrage.berichte.analysis import VariableMapping, WeightingSpec
from umfrage.berichte.weighting_preview import cell_preview
from umfrage.extensions import db
from umfrage.models import WeightingSetup

QUESTIONNAIRE = load_demo("familienbefragung")
TOTALS = {
    "district": {"a": 1.0},
    "family_type": {"single_parent": 400.0, "couple_family": 1600.0},
    "age group": {"x": 1.0},  # not a variable name: not offered
}


def test_defaults_are_proposed_from_labels() -> None:
    (choice,) = mapping.choices_for(QUESTIONNAIRE, TOTALS, None)
    assert choice.variable == "family_type"
    assert choice.question == "haushaltstyp"
    assert [(r.code, r.level, r.guessed) for r in choice.rows] == [
        ("1", "couple_family", False),  # „Paarfamilie“
        ("2", "single_parent", False),  # „Alleinerziehend“
        ("3", "couple_family", True),  # „Andere Familienform“: the largest level
    ]
    assert mapping.similarity("Alleinerziehend", "Alleinerziehende") > mapping.MATCH
    assert mapping.similarity("Andere Familienform", "Paarfamilien") < mapping.MATCH
    # a variable no question resembles is proposed as not used
    (age,) = mapping.choices_for(QUESTIONNAIRE, {"age_group": {"below_6": 5.0}}, None)
    assert age.question == ""


def test_stored_set_up_is_shown_as_stored() -> None:
    stored = [
        {
            "question": "haushaltstyp",
            "variable": "family_type",
            "codes": {"2": "single_parent"},
        }
    ]
    (choice,) = mapping.choices_for(QUESTIONNAIRE, TOTALS, stored)
    assert [r.level for r in choice.rows] == ["", "single_parent", ""]


def test_posted_tables_and_their_problems() -> None:
    form = {
        "map-family_type-question": "haushaltstyp",
        "map-family_type-shown": "haushaltstyp",
        "map-family_type-code-1": "couple_family",
        "map-family_type-code-2": "single_parent",
        "map-family_type-code-3": "",
    }
    _, mappings, problems = mapping.choices_from_form(form, QUESTIONNAIRE, TOTALS)
    assert problems == []
    assert mappings == [
        {
            "question": "haushaltstyp",
            "variable": "family_type",
            "codes": {"1": "couple_family", "2": "single_parent"},
        }
    ]
    bad = {**form, "map-family_type-code-1": "alleinerziehend"}
    _, _, problems = mapping.choices_from_form(bad, QUESTIONNAIRE, TOTALS)
    assert problems == [
        (
            "map-family_type-code-1",
            "Familienform, 1 = Paarfamilie: die Stufe „alleinerziehend“ gibt es nicht.",
        )
    ]
    # a newly chosen question gets the proposal, not the old question's codes
    switched = {**form, "map-family_type-shown": ""}
    choices, _, _ = mapping.choices_from_form(switched, QUESTIONNAIRE, TOTALS)
    assert choices[0].rows[2].guessed


def test_preview_counts_cells_and_explains_the_merge() -> None:
    districts = [
        ("01", "Nord", "Bezirk A"),
        ("02", "Mitte", "Bezirk A"),
        ("03", "Süd", "Bezirk B"),
    ]
    answers = (
        [("01", 1)] * 6
        + [("01", 2)] * 5
        + [("02", 1)] * 3
        + [("02", 2)]
        + [("03", 1)] * 7
    )
    answers += [("03", 2)] * 5 + [(None, 1)]
    frame = pd.DataFrame(answers, columns=["district", "haushaltstyp"])
    population = pd.DataFrame(
        [
            (code, "family_type", level, count)
            for code in ("01", "02", "03")
            for level, count in (("couple_family", 100), ("single_parent", 30))
        ],
        columns=["district", "variable", "level", "count"],
    )
    spec = WeightingSpec(
        method="poststratify",
        mappings=(
            VariableMapping(
                "haushaltstyp",
                "family_type",
                {"1": "couple_family", "2": "single_parent"},
            ),
        ),
        min_cell_size=5,
    )
    neighbours = {"01": ["02"], "02": ["01", "03"], "03": ["02"]}
    labels = {"haushaltstyp": "haushaltstyp"}
    (preview,) = cell_preview(frame, spec, population, districts, neighbours, labels)
    assert preview.n_used == 27
    assert preview.excluded == (("ohne Angabe des Sozialraums", 1),)
    cells = {
        r.code: [(c.n, c.population, c.status) for c in r.cells] for r in preview.rows
    }
    assert cells["02"] == [(3, 100.0, "tiny"), (1, 30.0, "tiny")]
    assert cells["01"] == [(6, 100.0, "ok"), (5, 30.0, "ok")]
    assert preview.flagged == 2
    (merge,) = preview.merges
    # Mitte goes with its neighbour in the same Bezirk, not with Süd
    assert merge.codes == ("01", "02")
    assert merge.same_parent == "Bezirk A"
    assert merge.reasons == (
        ("02", "Mitte", (("Paarfamilien", 3), ("Alleinerziehende", 1))),
    )
    assert [(c.n, c.population) for c in merge.cells] == [(9, 200.0), (6, 60.0)]


# -- through the form (one backend: the set-up's storage is tested on both in
# test_berichte.py) ------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_form_refuses_unknown_levels_and_keeps_stored_set_ups(
    app: Flask, client: FlaskClient
) -> None:
    add_staff(app)
    add_demo(app)
    assert login(client, "auswertung", PASSWORD).status_code == 302
    page = "/berichte/1/gewichtung"
    html = client.get(page).get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(html),
        "method": "poststratify",
        "source": "layer",
        "cross_with_district": "y",
        "min_cell_size": "5",
        "map-family_type-question": "haushaltstyp",
        "map-family_type-shown": "haushaltstyp",
        "map-family_type-code-1": "alleinerziehend",
        "map-family_type-code-2": "single_parent",
        "map-family_type-code-3": "",
        "action": "save",
    }
    resp = client.post(page, data=form)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    message = "die Stufe „alleinerziehend“ gibt es nicht."
    assert html.count(message) == 2  # at the top and beside the dropdown
    assert html.index('id="fehler"') < html.index('id="zuordnung"')
    with app.app_context():
        assert db.session.execute(sa.select(WeightingSetup)).first() is None
        # a set-up saved before the tables (written form, stored as structure)
        db.session.add(
            WeightingSetup(
                survey_id=1,
                method="poststratify",
                mappings=[
                    {
                        "question": "haushaltstyp",
                        "variable": "family_type",
                        "codes": {"1": "couple_family", "2": "single_parent"},
                    }
                ],
            )
        )
        db.session.commit()
    html = client.get(page).get_data(as_text=True)
    selected = re.findall(
        r'name="map-family_type-code-(\d)".*?<option value="([a-z_]*)" selected',
        html,
        re.S,
    )
    assert selected == [("1", "couple_family"), ("2", "single_parent"), ("3", "")]
