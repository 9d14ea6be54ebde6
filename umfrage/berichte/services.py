"""Analyst reads: surveys, responses as a DataFrame, population figures and
neighbouring districts. The weighting lives in ``weighting``, the published
findings, reports and exports in ``outputs``."""

from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import shapely
from flask import abort
from shapely.geometry import shape
from sqlalchemy import func, select

from auswertung import export, pdf
from auswertung.export import Variable
from fragebogen.model import Questionnaire, QuestionType

from ..extensions import db
from ..models import (
    District,
    PopulationFigure,
    Response,
    ResponseStatus,
    Survey,
    WeightingSetup,
    local_today,
)
from ..services import questionnaire_of


# ---------------------------------------------------------------------- surveys
@dataclass(frozen=True)
class SurveyOverview:
    survey: Survey
    complete: int
    setup: WeightingSetup | None


def survey_overviews() -> list[SurveyOverview]:
    counts = dict(
        db.session.execute(
            select(Response.survey_id, func.count(Response.id))
            .where(Response.status == ResponseStatus.COMPLETE)
            .group_by(Response.survey_id)
        ).all()
    )
    setups = {
        s.survey_id: s for s in db.session.execute(select(WeightingSetup)).scalars()
    }
    surveys = db.session.execute(select(Survey).order_by(Survey.id)).scalars()
    return [
        SurveyOverview(s, int(counts.get(s.id, 0)), setups.get(s.id)) for s in surveys
    ]


def complete_count(survey: Survey) -> int:
    """The survey's complete responses (one count query)."""
    return int(
        db.session.execute(
            select(func.count(Response.id)).where(
                Response.survey_id == survey.id,
                Response.status == ResponseStatus.COMPLETE,
            )
        ).scalar_one()
    )


def survey_or_404(survey_id: int) -> Survey:
    return db.get_or_404(Survey, survey_id)


def find_survey(reference: str) -> Survey | None:
    """A survey by id or slug (command line)."""
    if reference.isdigit():
        found = db.session.get(Survey, int(reference))
        if found is not None:
            return found
    return db.session.execute(
        select(Survey).where(Survey.slug == reference)
    ).scalar_one_or_none()


def districts_of(survey: Survey) -> list[District]:
    if survey.district_layer_id is None:
        return []
    return list(
        db.session.execute(
            select(District)
            .where(District.layer_id == survey.district_layer_id)
            .order_by(District.code)
        ).scalars()
    )


def district_or_404(survey: Survey, district_id: int) -> District:
    district = db.get_or_404(District, district_id)
    if district.layer_id != survey.district_layer_id:
        abort(404)
    return district


# ---------------------------------------------------------------------- responses
@dataclass(frozen=True)
class SurveyData:
    """The complete responses of a survey as one DataFrame.

    One row per complete response; columns ``case_id``, ``district`` (code, None
    without), ``district_name``, ``language`` and one per answer variable as
    :func:`auswertung.export.variables_of` lays them out (multiple choice as 0/1
    per option, NaN when the question was not answered).
    """

    questionnaire: Questionnaire
    frame: pd.DataFrame
    variables: list[Variable]
    districts: list[pdf.District]
    extraction_date: date


def response_frame(survey: Survey) -> SurveyData:
    questionnaire = questionnaire_of(survey.questionnaire_version)
    variables = export.variables_of(questionnaire)
    layer_districts = districts_of(survey)
    names = {d.code: d.name for d in layer_districts}
    rows = db.session.execute(
        select(Response.answers, Response.language, District.code)
        .outerjoin(District, Response.district_id == District.id)
        .where(
            Response.survey_id == survey.id,
            Response.status == ResponseStatus.COMPLETE,
        )
        # Response ids are random (models.new_response_id): this order is a random
        # permutation, unrelated to arrival and to invitation codes, and the same
        # in every export.
        .order_by(Response.id)
    ).all()
    # Columnar: each answer field is pulled out of the decoded answers once and
    # every variable of it converted in one pass (same values as ``_value``).
    all_answers = [answers or {} for answers, _, _ in rows]
    codes = [code for _, _, code in rows]
    columns: dict[str, list[Any]] = {
        "case_id": list(range(1, len(rows) + 1)),
        "district": codes,
        "district_name": [names.get(code) if code else None for code in codes],
        "language": [language for _, language, _ in rows],
    }
    sources: dict[str, list[Any]] = {}
    chosen: dict[str, list[set[int] | None]] = {}
    typed: dict[str, Any] = {}
    for variable in variables:
        values = sources.get(variable.source)
        if values is None:
            values = [answers.get(variable.source) for answers in all_answers]
            sources[variable.source] = values
        code = variable.option_code
        if code is not None:
            # one 0/1 column per option: the chosen codes of each answer are
            # worked out once per question, not once per option
            sets = chosen.get(variable.source)
            if sets is None:
                sets = chosen[variable.source] = [_chosen_codes(v) for v in values]
            nan = math.nan
            column = [nan if s is None else 1.0 if code in s else 0.0 for s in sets]
        else:
            column = _column(values, variable)
        if variable.kind == "numeric":
            # every value is a float or NaN already (``_convert``)
            typed[variable.name] = np.array(column, dtype="float64")
        else:
            # inferred first, as a frame column would be (strings with gaps
            # become NaN, all-empty stays None), then as objects
            typed[variable.name] = pd.Series(column).astype(object)
    frame = pd.DataFrame(columns)
    frame = pd.concat([frame, pd.DataFrame(typed, index=frame.index)], axis=1)
    frame["district"] = frame["district"].astype(object)
    counts = frame["district"].value_counts().to_dict()
    districts = [
        pdf.District(d.code, d.name, d.parent_name, int(counts.get(d.code, 0)))
        for d in layer_districts
    ]
    return SurveyData(questionnaire, frame, variables, districts, local_today())


def _column(values: list[Any], variable: Variable) -> list[Any]:
    """``_value`` of every answer of a variable that is not an option's 0/1
    column, with fast paths for the usual types (floats, ints, strings); anything
    else goes through ``_convert`` unchanged."""
    nan = math.nan
    if variable.kind == "numeric":
        return [
            nan
            if value is None
            else value
            if type(value) is float
            else float(value)
            if type(value) is int
            else _convert(value, variable)
            for value in values
        ]
    return [
        value if value is None or type(value) is str else str(value) for value in values
    ]


def _value(answers: dict[str, Any], variable: Variable) -> Any:
    """One cell of the frame: the answer to ``variable`` converted."""
    return _convert(answers.get(variable.source), variable)


def _convert(value: Any, variable: Variable) -> Any:
    if variable.option_code is not None:
        if value is None:
            return math.nan
        chosen = value if isinstance(value, list) else [value]
        return 1.0 if any(_same_code(c, variable.option_code) for c in chosen) else 0.0
    if value is None:
        return math.nan if variable.kind == "numeric" else None
    if variable.kind == "numeric":
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, int | float):
            return float(value)
        try:
            return float(str(value).replace(",", "."))
        except ValueError:
            return math.nan
    return str(value)


def _chosen_codes(value: Any) -> set[int] | None:
    """The option codes an answer chose (None: not answered), as ``_convert``
    compares them: each element that ``int()`` takes."""
    if value is None:
        return None
    elements = value if isinstance(value, list) else [value]
    try:
        return set(map(int, elements))  # the usual case: every element is a code
    except (TypeError, ValueError):
        pass
    codes = set()
    for element in elements:
        with contextlib.suppress(TypeError, ValueError):
            codes.add(int(element))
    return codes


def _same_code(value: Any, code: int) -> bool:
    try:
        return int(value) == code
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class DistrictRow:
    id: int
    code: str
    name: str
    responses: int


def district_rows(survey: Survey, data: SurveyData) -> list[DistrictRow]:
    counts = {d.code: d.responses for d in data.districts}
    return [
        DistrictRow(d.id, d.code, d.name, counts.get(d.code, 0))
        for d in districts_of(survey)
    ]


def choice_questions(questionnaire: Questionnaire) -> list[tuple[str, str, str]]:
    """(name, text, "1 = …; 2 = …") of the single-choice questions, for mapping."""
    language = questionnaire.default_language
    return [
        (
            q.name,
            q.label.get_text(language, language),
            "; ".join(
                f"{o.code} = {o.label.get_text(language, language)}" for o in q.options
            ),
        )
        for q in questionnaire.questions()
        if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.LIKERT)
    ]


# ---------------------------------------------------------------------- population
def population_table(survey: Survey) -> pd.DataFrame:
    """The layer's population figures: ``district, variable, level, count``."""
    if survey.district_layer_id is None:
        return pd.DataFrame(columns=["district", "variable", "level", "count"])
    rows = db.session.execute(
        select(
            District.code,
            PopulationFigure.variable,
            PopulationFigure.level,
            PopulationFigure.count,
        )
        .join(District, PopulationFigure.district_id == District.id)
        .where(District.layer_id == survey.district_layer_id)
        .order_by(District.code, PopulationFigure.variable, PopulationFigure.level)
    ).all()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["district", "variable", "level", "count"]
    )


def known_levels(
    survey: Survey, setup: WeightingSetup | None = None
) -> dict[str, set[str]]:
    """Variables and levels margins may name: districts, the layer's population
    variables and the targets of the set-up's code mappings."""
    levels: dict[str, set[str]] = {"district": {d.code for d in districts_of(survey)}}
    population = population_table(survey)
    for variable, level in zip(
        population["variable"], population["level"], strict=True
    ):
        levels.setdefault(str(variable), set()).add(str(level))
    for item in (setup.mappings if setup else None) or []:
        levels.setdefault(item["variable"], set()).update(
            str(v) for v in item.get("codes", {}).values()
        )
    return levels


def population_levels(survey: Survey) -> list[tuple[str, str]]:
    """(variable, "level, level") of the layer's population table."""
    population = population_table(survey)
    levels: dict[str, set[str]] = {}
    for variable, level in zip(
        population["variable"], population["level"], strict=True
    ):
        levels.setdefault(str(variable), set()).add(str(level))
    return [(v, ", ".join(sorted(ls))) for v, ls in sorted(levels.items())]


# keyed by database and layer version: a process may serve several databases
_NEIGHBOURS: dict[tuple[str, int, int, int], dict[str, list[str]]] = {}
_NEIGHBOUR_LOCK = threading.Lock()


def neighbours_of(survey: Survey) -> dict[str, list[str]]:
    """Districts whose outlines touch (within about 20 m), per district code."""
    districts = districts_of(survey)
    if not districts:
        return {}
    key = (
        str(db.engine.url),
        survey.district_layer_id or 0,
        len(districts),
        max(d.id for d in districts),
    )
    with _NEIGHBOUR_LOCK:
        cached = _NEIGHBOURS.get(key)
    if cached is not None:
        return cached
    codes: list[str] = []
    geometries = []
    for district in districts:
        try:
            geometry = shape(district.geometry) if district.geometry else None
        except (ValueError, TypeError, KeyError, AttributeError):
            geometry = None
        if geometry is None or geometry.is_empty:
            continue
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        codes.append(district.code)
        geometries.append(geometry.buffer(0.0002))
    result: dict[str, list[str]] = {code: [] for code in codes}
    if geometries:
        tree = shapely.STRtree(geometries)
        left, right = tree.query(geometries, predicate="intersects")
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            if i != j:
                result[codes[i]].append(codes[j])
    with _NEIGHBOUR_LOCK:
        if len(_NEIGHBOURS) > 16:
            _NEIGHBOURS.clear()
        _NEIGHBOURS[key] = result
    return result


def population_totals(survey: Survey) -> dict[str, dict[str, float]]:
    """``{variable: {level: city total}}`` of the layer's population table."""
    totals: dict[str, dict[str, float]] = {}
    population = population_table(survey)
    for variable, level, count in zip(
        population["variable"], population["level"], population["count"], strict=True
    ):
        levels = totals.setdefault(str(variable), {})
        levels[str(level)] = levels.get(str(level), 0.0) + float(count)
    return totals
