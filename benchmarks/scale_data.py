"""Synthetic city-scale survey data for the speed benchmarks.

The demo city (Hamburg's 104 districts, the family questionnaire) with N
responses: a pool of answers drawn and validated as the demo does, then copied
onto random districts and inserted in bulk (one INSERT per chunk), so that
100,000 responses load in seconds instead of validating each one.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

POOL = 2000


def weighting_setup_values() -> dict[str, Any]:
    """Post-stratification district × family type from the layer (as the demo)."""
    return {
        "method": "poststratify",
        "source": "layer",
        "mappings": [
            {
                "question": "haushaltstyp",
                "variable": "family_type",
                "codes": {
                    "1": "couple_family",
                    "3": "couple_family",
                    "2": "single_parent",
                },
            }
        ],
        "cross_with_district": True,
        "min_cell_size": 5,
        "collapse": {},
    }


def load_scale_survey(responses: int, seed: int = 2026) -> Any:
    """The demo survey with ``responses`` complete synthetic responses, weighted
    (collapse suggestion taken over, confirmed); returns the survey."""
    from umfrage import demo
    from umfrage.berichte import weighting
    from umfrage.extensions import db
    from umfrage.models import (
        District,
        Response,
        ResponseStatus,
        Survey,
        WeightingSetup,
        local_today,
        new_response_id,
    )
    from umfrage.services import questionnaire_of

    demo.load_demo(responses=0, seed=seed)
    survey = db.session.execute(select(Survey)).scalar_one()
    rng = random.Random(seed)
    questionnaire = questionnaire_of(survey.questionnaire_version)
    districts = list(
        db.session.execute(
            select(District).where(District.layer_id == survey.district_layer_id)
        ).scalars()
    )
    codes = [d.code for d in districts]
    cells: list[tuple[Any, str]] = []
    weights: list[float] = []
    for district in districts:
        propensity = 0.5 + rng.random()
        for figure in district.population:
            cells.append((district, figure.level))
            factor = 0.5 if figure.level == "single_parent" else 1.0
            weights.append(figure.count * propensity * factor)
    pool = []
    for _ in range(min(POOL, responses)):
        district, level = rng.choices(cells, weights=weights)[0]
        pool.append(
            (
                district,
                demo._synthetic_answers(
                    questionnaire, rng, district.code, level, rng.gauss(0, 0.6), codes
                ),
            )
        )
    today = local_today()
    rows = []
    chosen = rng.choices(cells, weights=weights, k=responses)
    for (district, _level), index in zip(
        chosen, (rng.randrange(len(pool)) for _ in range(responses)), strict=True
    ):
        answers = dict(pool[index][1])
        if "sozialraum" in answers:
            answers["sozialraum"] = district.code
        rows.append(
            {
                "id": new_response_id(),
                "survey_id": survey.id,
                "questionnaire_version_id": survey.questionnaire_version_id,
                "language": "de",
                "status": ResponseStatus.COMPLETE,
                "answers": answers,
                "district_id": district.id if "sozialraum" in answers else None,
                "last_page": len(questionnaire.pages),
                "started_on": today - timedelta(days=rng.randrange(30)),
                "completed_on": today,
            }
        )
        if len(rows) == 5000:
            db.session.execute(insert(Response), rows)
            rows = []
    if rows:
        db.session.execute(insert(Response), rows)
    db.session.add(WeightingSetup(survey_id=survey.id, **weighting_setup_values()))
    db.session.commit()
    weighting.apply_collapse_suggestion(survey, None)
    weighting.confirm_weighting(survey, None)
    return survey


def add_one_response(survey: Any) -> None:
    """One more complete response (a copy of the first one's answers), stored
    the way the respondent side stores it, so the survey's data version rises."""
    from umfrage.extensions import db
    from umfrage.models import Response, new_response_id

    first = db.session.execute(
        select(Response).where(Response.survey_id == survey.id).limit(1)
    ).scalar_one()
    db.session.add(
        Response(
            id=new_response_id(),
            survey_id=survey.id,
            questionnaire_version_id=first.questionnaire_version_id,
            language=first.language,
            status=first.status,
            answers=dict(first.answers),
            district_id=first.district_id,
            last_page=first.last_page,
            started_on=first.started_on,
            completed_on=first.completed_on,
        )
    )
    db.session.commit()
