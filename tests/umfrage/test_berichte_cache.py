"""Cached analysis (issue 13): findings follow new responses, a new weighting
set-up and new publication rules; a repeated request computes nothing; results
stored by one process serve another; the columnar response frame equals the
per-cell one; a questionnaire version is parsed once."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff, complete_response
from umfrage.berichte import cache, outputs, rules, services, weighting
from umfrage.extensions import db
from umfrage.models import (
    AnalysisCacheEntry,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    Survey,
)
from umfrage.services import questionnaire_of

MAPPING = "haushaltstyp -> family_type: 1,3 = couple_family; 2 = single_parent"


def _first_table(survey: Survey) -> Any:
    definition = outputs.indicators(survey)[0]
    return outputs.findings(weighting.weighting_state(survey), [definition])[0]


def test_findings_follow_responses_setup_and_rules(app: Flask) -> None:
    add_demo(app, responses=120)
    with app.app_context():
        cache.clear_memory()
        survey = db.session.get(Survey, 1)
        assert survey is not None
        before = cache.COMPUTED.copy()
        first = _first_table(survey)
        assert cache.COMPUTED["findings"] == before["findings"] + 1
        assert cache.COMPUTED["frame"] == before["frame"] + 1
        # again: nothing computed, the same table
        assert _first_table(survey) is first
        # another process (empty memory) reads the stored table (NaN != NaN,
        # so compared as text)
        cache.clear_memory()
        assert repr(_first_table(survey)) == repr(first)
        assert cache.COMPUTED["findings"] == before["findings"] + 1
        stored = db.session.execute(
            select(func.count()).select_from(AnalysisCacheEntry)
        ).scalar_one()
        assert stored >= 1

        # a new complete response
        complete_response(
            survey, {"einwilligung": True, "zufriedenheit_kultur": 5}, None
        )
        with_new = _first_table(survey)
        assert cache.COMPUTED["findings"] == before["findings"] + 2
        assert repr(with_new) != repr(first)

        # a new weighting set-up in force
        weighting.save_weighting_setup(
            survey,
            {
                "method": "poststratify",
                "source": "layer",
                "mappings": MAPPING,
                "cross_with_district": True,
                "min_cell_size": 1,
            },
            None,
        )
        # saved, not yet in force: the same figures
        assert repr(_first_table(survey)) == repr(with_new)
        if weighting.weighting_state(survey, draft=True).weighted.diagnosis.suggestion:
            weighting.apply_collapse_suggestion(survey, None)
        weighting.confirm_weighting(survey, None)
        weighted = _first_table(survey)
        assert weighted.city.estimate != with_new.city.estimate
        # the weights stored for exports are those of the design
        state = weighting.weighting_state(survey)
        weights = outputs._weights(state)
        assert not math.isnan(float(weights[~pd.isna(weights)].sum()))

        # new publication rules
        computed = cache.COMPUTED["findings"]
        strict = rules.check_rules({**rules.rules_of(survey).values(), "min_n": 50})
        rules.save_rules(survey, strict, None)
        suppressed = _first_table(survey)
        assert cache.COMPUTED["findings"] == computed + 1
        assert sum(r.suppressed for r in suppressed.districts) > sum(
            r.suppressed for r in weighted.districts
        )
        # only the latest weighting state's entries are kept
        states = db.session.execute(
            select(func.count(func.distinct(AnalysisCacheEntry.state_key)))
        ).scalar_one()
        assert states == 1


def test_repeated_findings_page_computes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    add_staff(app)
    add_demo(app, responses=60)
    assert login(client, "auswertung", PASSWORD).status_code == 302
    with app.app_context():
        cache.clear_memory()
    assert client.get("/berichte/1/ergebnisse").status_code == 200
    computed = cache.COMPUTED.copy()
    assert client.get("/berichte/1/ergebnisse").status_code == 200
    assert computed == cache.COMPUTED


def _cell_by_cell(survey: Survey) -> pd.DataFrame:
    """The frame as it was built before issue 13: one ``_value`` per cell."""
    data = services.response_frame(survey)
    rows = db.session.execute(
        select(Response.answers)
        .where(
            Response.survey_id == survey.id,
            Response.status == ResponseStatus.COMPLETE,
        )
        .order_by(Response.id)
    ).scalars()
    answers = [a or {} for a in rows]
    columns = {
        name: data.frame[name].tolist()
        for name in ("case_id", "district", "district_name", "language")
    }
    for variable in data.variables:
        columns[variable.name] = [services._value(a, variable) for a in answers]
    frame = pd.DataFrame(columns)
    for variable in data.variables:
        if variable.kind == "numeric":
            frame[variable.name] = pd.to_numeric(
                frame[variable.name], errors="coerce"
            ).astype("float64")
        else:
            frame[variable.name] = frame[variable.name].astype(object)
    frame["district"] = frame["district"].astype(object)
    return frame


def test_columnar_frame_equals_cell_by_cell(app: Flask) -> None:
    add_demo(app, responses=40)
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        # odd but storable values take the slow path
        complete_response(
            survey,
            {
                "einwilligung": True,
                "kinder_anzahl": "2,5",
                "haushaltstyp": "2",
                "angebote": ["3", 5, None],
                "fehlende_angebote": ["2", "x", 4.0, True],
                "zufriedenheit_kultur": 4.0,
                "wuensche": 17,
            },
            "0201",
        )
        complete_response(survey, {"kinder_anzahl": "viele", "angebote": 3}, None)
        frame = services.response_frame(survey).frame
        expected = _cell_by_cell(survey)
        pd.testing.assert_frame_equal(frame, expected, check_exact=True)
        for name in frame.columns:
            if frame[name].dtype == object:
                assert (
                    frame[name].map(repr).tolist() == expected[name].map(repr).tolist()
                ), name


def test_questionnaire_parsed_once_per_version(app: Flask) -> None:
    add_demo(app)
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, 1)
        assert version is not None
        parsed = questionnaire_of(version)
        db.session.expire_all()
        assert questionnaire_of(db.session.get(QuestionnaireVersion, 1)) is parsed
        newer = QuestionnaireVersion(
            questionnaire_id=version.questionnaire_id,
            number=2,
            definition=version.definition,
            fingerprint=version.fingerprint,
        )
        db.session.add(newer)
        db.session.commit()
        other = questionnaire_of(newer)
        assert other is not parsed
        assert other == parsed
