"""Analyst reads and writes: responses as a DataFrame, the weighting set-up, and the
reports and exports built from them (numbers by ``auswertung``)."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import shapely
from flask import abort, current_app
from shapely.geometry import shape
from sqlalchemy import func, select

from auswertung import export, pdf
from auswertung.disclosure import DisclosureRules
from auswertung.export import IndicatorTable, Variable
from fragebogen.model import Questionnaire, QuestionType

from .. import audit
from ..extensions import db
from ..models import (
    AccessMode,
    District,
    PopulationFigure,
    Response,
    ResponseStatus,
    Survey,
    WeightingSetup,
    local_today,
    utc_now,
)
from ..services import questionnaire_of
from ..spent_codes import issued_codes
from . import analysis, publication
from .analysis import SetupError, VariableMapping, WeightingSpec

EXPORT_FORMATS = ("csv", "csv-excel", "xlsx", "sav", "dta", "codebook")
FINDINGS_FORMATS = ("csv", "csv-excel", "xlsx")
MEDIA_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "csv-excel": ("text/csv; charset=utf-8", "csv"),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "sav": ("application/x-spss-sav", "sav"),
    "dta": ("application/x-stata-dta", "dta"),
    "codebook": ("text/csv; charset=utf-8", "csv"),
}


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
    columns: dict[str, list[Any]] = {
        "case_id": list(range(1, len(rows) + 1)),
        "district": [code for _, _, code in rows],
        "district_name": [names.get(code) if code else None for _, _, code in rows],
        "language": [language for _, language, _ in rows],
    }
    for variable in variables:
        columns[variable.name] = [
            _value(answers or {}, variable) for answers, _, _ in rows
        ]
    frame = pd.DataFrame(columns)
    for variable in variables:
        if variable.kind == "numeric":
            frame[variable.name] = pd.to_numeric(
                frame[variable.name], errors="coerce"
            ).astype("float64")
        else:
            frame[variable.name] = frame[variable.name].astype(object)
    frame["district"] = frame["district"].astype(object)
    counts = frame["district"].value_counts().to_dict()
    districts = [
        pdf.District(d.code, d.name, d.parent_name, int(counts.get(d.code, 0)))
        for d in layer_districts
    ]
    return SurveyData(questionnaire, frame, variables, districts, local_today())


def _value(answers: dict[str, Any], variable: Variable) -> Any:
    value = answers.get(variable.source)
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


_NEIGHBOURS: dict[tuple[int, int, int], dict[str, list[str]]] = {}
_NEIGHBOUR_LOCK = threading.Lock()


def neighbours_of(survey: Survey) -> dict[str, list[str]]:
    """Districts whose outlines touch (within about 20 m), per district code."""
    districts = districts_of(survey)
    if not districts:
        return {}
    key = (survey.district_layer_id or 0, len(districts), max(d.id for d in districts))
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


# ---------------------------------------------------------------------- set-up
def weighting_setup(survey: Survey) -> WeightingSetup | None:
    return db.session.execute(
        select(WeightingSetup).where(WeightingSetup.survey_id == survey.id)
    ).scalar_one_or_none()


#: The fields of a set-up that confirming copies to ``in_force``.
SETUP_FIELDS = (
    "method",
    "source",
    "mappings",
    "cross_with_district",
    "lower_bound",
    "upper_bound",
    "min_cell_size",
    "collapse",
    "margins",
    "margins_filename",
)


def setup_fields(setup: WeightingSetup) -> dict[str, Any]:
    """The set-up's fields as plain data (what ``in_force`` keeps)."""
    return {name: getattr(setup, name) for name in SETUP_FIELDS}


def spec_of(
    setup: WeightingSetup | None, fields: dict[str, Any] | None = None
) -> WeightingSpec:
    """The set-up (or the copy ``fields`` of one) as a :class:`WeightingSpec`."""
    if setup is None and fields is None:
        return WeightingSpec()
    values = fields if fields is not None else setup_fields(setup)  # type: ignore[arg-type]
    lower, upper = values.get("lower_bound"), values.get("upper_bound")
    bounds = None
    if lower is not None and upper is not None:
        bounds = (float(lower), float(upper))
    return WeightingSpec(
        method=str(values.get("method") or "none"),
        source=str(values.get("source") or "layer"),
        mappings=tuple(
            VariableMapping(
                str(m["question"]),
                str(m["variable"]),
                {str(k): str(v) for k, v in m.get("codes", {}).items()},
            )
            for m in values.get("mappings") or []
        ),
        cross_with_district=bool(values.get("cross_with_district")),
        bounds=bounds,
        min_cell_size=int(values.get("min_cell_size") or 5),
        collapse={k: dict(v) for k, v in (values.get("collapse") or {}).items()},
        margins=tuple(values.get("margins") or ()),
    )


def save_weighting_setup(
    survey: Survey, values: dict[str, Any], actor_id: int | None
) -> WeightingSetup:
    """Validate and store a set-up (unconfirmed); :class:`SetupError` on bad input,
    nothing changed then."""
    questionnaire = questionnaire_of(survey.questionnaire_version)
    setup = weighting_setup(survey)
    problems: list[tuple[str, str]] = []
    method = values.get("method") or "none"
    source = values.get("source") or "layer"
    if method not in analysis.METHODS:
        problems.append(("method", "Unbekanntes Verfahren."))
    if source not in analysis.SOURCES:
        problems.append(("source", "Unbekannte Quelle der Bevölkerungszahlen."))
    levels = known_levels(survey)
    if setup is not None and setup.margins:
        for row in setup.margins:
            for variable, level in zip(
                str(row["variable"]).split(":"),
                str(row["level"]).split(":"),
                strict=False,
            ):
                levels.setdefault(variable, set()).add(level)
    mappings: list[dict[str, Any]] = []
    try:
        mappings = analysis.parse_mappings(
            values.get("mappings") or "",
            questionnaire,
            {k: v for k, v in levels.items() if k != "district"},
        )
    except SetupError as error:
        problems.extend(error.problems)
    for item in mappings:
        levels.setdefault(item["variable"], set()).update(item["codes"].values())
    collapse: dict[str, dict[str, str]] = {}
    try:
        collapse = analysis.parse_collapse(values.get("collapse") or "", levels)
    except SetupError as error:
        problems.extend(error.problems)
    lower = upper = None
    try:
        lower = analysis.parse_bound(values.get("lower_bound"), "lower_bound")
        upper = analysis.parse_bound(values.get("upper_bound"), "upper_bound")
    except SetupError as error:
        problems.extend(error.problems)
    if (lower is None) != (upper is None):
        problems.append(
            ("upper_bound", "Bitte beide Grenzen angeben oder beide leer lassen.")
        )
    elif lower is not None and upper is not None and not (0 <= lower < 1 < upper):
        problems.append(
            (
                "upper_bound",
                "Es muss 0 ≤ untere Grenze < 1 < obere Grenze gelten "
                "(z. B. 0,3 und 3).",
            )
        )
    min_cell = values.get("min_cell_size")
    if not isinstance(min_cell, int) or not 1 <= min_cell <= 1000:
        problems.append(("min_cell_size", "Bitte eine ganze Zahl von 1 bis 1000."))
    if problems:
        raise SetupError(problems)
    if setup is None:
        setup = WeightingSetup(survey_id=survey.id)
        db.session.add(setup)
    setup.method = method
    setup.source = source
    setup.mappings = mappings
    setup.cross_with_district = bool(values.get("cross_with_district"))
    setup.lower_bound = lower
    setup.upper_bound = upper
    setup.min_cell_size = int(min_cell) if isinstance(min_cell, int) else 5
    setup.collapse = collapse
    setup.confirmed = False
    setup.updated_at = utc_now()
    setup.updated_by_id = actor_id
    audit.record(actor_id, "save_weighting", f"survey:{survey.id}", method=method)
    db.session.commit()
    return setup


def store_margins(
    survey: Survey, filename: str, content: bytes, actor_id: int | None
) -> WeightingSetup:
    """Check an uploaded margins CSV and keep it (all or nothing)."""
    setup = weighting_setup(survey)
    rows = analysis.parse_margins_csv(content, known_levels(survey, setup))
    if setup is None:
        setup = WeightingSetup(survey_id=survey.id, method="rake", mappings=[])
        db.session.add(setup)
    setup.margins = rows
    setup.margins_filename = filename[:255]
    setup.source = "upload"
    setup.confirmed = False
    setup.updated_at = utc_now()
    setup.updated_by_id = actor_id
    audit.record(actor_id, "upload_margins", f"survey:{survey.id}", rows=len(rows))
    db.session.commit()
    return setup


def apply_collapse_suggestion(survey: Survey, actor_id: int | None) -> int:
    """Take over the suggested collapse; returns the number of merged districts."""
    setup = weighting_setup(survey)
    if setup is None:
        raise SetupError([("collapse", "Es gibt noch keine Gewichtung.")])
    state = weighting_state(survey, setup=setup, draft=True)
    suggestion = state.weighted.diagnosis.suggestion
    if not suggestion:
        raise SetupError([("collapse", "Es gibt keinen Vorschlag zum Zusammenlegen.")])
    setup.collapse = {k: dict(v) for k, v in suggestion.items()}
    setup.confirmed = False
    setup.updated_at = utc_now()
    setup.updated_by_id = actor_id
    audit.record(actor_id, "collapse_weighting_cells", f"survey:{survey.id}")
    db.session.commit()
    return len(suggestion.get("district", {}))


def confirm_weighting(survey: Survey, actor_id: int | None) -> None:
    """Use the set-up for findings; only when its diagnostics show no error."""
    setup = weighting_setup(survey)
    if setup is None:
        raise SetupError([("confirm", "Es gibt noch keine Gewichtung.")])
    state = weighting_state(survey, setup=setup, draft=True)
    if not state.weighted.diagnosis.ok:
        raise SetupError(
            [
                (
                    "confirm",
                    "Die Gewichtung lässt sich so nicht berechnen: "
                    + (state.weighted.diagnosis.error or ""),
                )
            ]
        )
    setup.confirmed = True
    setup.updated_at = utc_now()
    setup.updated_by_id = actor_id
    setup.in_force = setup_fields(setup)
    setup.in_force_number = int(setup.in_force_number or 0) + 1
    setup.in_force_at = setup.updated_at
    audit.record(
        actor_id,
        "confirm_weighting",
        f"survey:{survey.id}",
        number=setup.in_force_number,
    )
    db.session.commit()


# ---------------------------------------------------------------------- state
@dataclass(frozen=True)
class WeightingState:
    data: SurveyData
    setup: WeightingSetup | None
    spec: WeightingSpec
    weighted: analysis.Weighted


def weighting_state(
    survey: Survey,
    *,
    setup: WeightingSetup | None = None,
    data: SurveyData | None = None,
    draft: bool = False,
) -> WeightingState:
    """The responses, weighted by the set-up in force (the last confirmed one;
    unweighted if none was ever confirmed). ``draft``: by the set-up as edited,
    for its diagnosis (weighted only if it is the confirmed one)."""
    data = data or response_frame(survey)
    setup = setup if setup is not None else weighting_setup(survey)
    in_force = None if setup is None or draft else setup.in_force
    spec = spec_of(setup, in_force)
    use = bool(setup is not None and (setup.confirmed or in_force is not None))
    districts = districts_of(survey)
    weighted = analysis.weight_design(
        data.frame,
        spec,
        population=population_table(survey) if spec.method != "none" else _empty(),
        district_codes=[d.code for d in data.districts],
        district_names={d.code: d.name for d in data.districts},
        neighbours=neighbours_of(survey) if spec.method != "none" else {},
        parents={d.code: d.parent_name for d in districts},
        labels={v.name: v.name for v in data.variables},
        use=use,
    )
    return WeightingState(data, setup, spec, weighted)


def weighting_label(state: WeightingState) -> str:
    """Which set-up an output used: number, date, method and margins; or that it
    is unweighted."""
    setup = state.setup
    if not state.weighted.weighted or setup is None:
        return "ungewichtet: " + analysis.method_sentence(state.spec, state.weighted)
    date_text = (
        setup.in_force_at.strftime("%d.%m.%Y") if setup.in_force_at else "unbekannt"
    )
    number = setup.in_force_number or 1
    return (
        f"Gewichtung Nr. {number}, bestätigt am {date_text}: "
        + analysis.method_sentence(state.spec, state.weighted)
    )


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["district", "variable", "level", "count"])


def min_n() -> int:
    return int(current_app.config.get("MIN_CELL_SIZE", 5))


def indicators(survey: Survey) -> list[analysis.IndicatorDef]:
    return analysis.indicators_of(questionnaire_of(survey.questionnaire_version))


def cv_limit() -> float:
    """Values with a larger coefficient of variation are shown in parentheses."""
    return float(current_app.config.get("PRECISION_CV_LIMIT", 0.15))


def disclosure_rules() -> DisclosureRules:
    """The disclosure rules (defaults in the config)."""
    config = current_app.config
    return DisclosureRules(
        min_n=min_n(),
        dominance_n=int(config.get("DISCLOSURE_DOMINANCE_N", 10)),
        dominance_k=int(config.get("DISCLOSURE_DOMINANCE_K", 0)),
        protection=float(config.get("DISCLOSURE_PROTECTION", 0.25)),
    )


def findings(
    state: WeightingState, definitions: Sequence[analysis.IndicatorDef]
) -> list[IndicatorTable]:
    """The indicator tables as published: estimates, comparisons, precision,
    register values, and primary and secondary suppression. Secondary
    suppression links the indicators of one question, so every indicator of
    that question is computed even when only some are asked for."""
    districts = [(d.code, d.name) for d in state.data.districts]
    rules = disclosure_rules()
    wanted = {d.key for d in definitions}
    questions = {d.question_name for d in definitions}
    everything = analysis.indicators_of(state.data.questionnaire)
    linked = [d for d in everything if d.question_name in questions]
    linked = linked or list(definitions)
    tables = [
        analysis.indicator_table(
            state.weighted.design,
            definition,
            districts,
            min_n=rules.min_n,
            cv_limit=cv_limit(),
            fixed=analysis.fixed_by_weighting(definition, state.spec, state.weighted),
            rules=rules,
        )
        for definition in linked
    ]
    protected = publication.protect(tables, linked, rules)
    by_key = {t.key: t for t in protected}
    return [by_key[d.key] for d in definitions if d.key in wanted and d.key in by_key]


def map_data(survey: Survey) -> tuple[Any, pdf.MapData | None]:
    """The layer's drawn map (for SVG) and the same outlines for PDFs."""
    if survey.district_layer_id is None:
        return None, None
    from ..teilnahme.district_map import map_for

    drawn = map_for(survey.district_layer_id)
    if drawn is None:
        return None, None
    shapes = tuple(pdf.MapShape(d.code, _rings(d.path)) for d in drawn.districts)
    return drawn, pdf.MapData(
        float(drawn.width), float(drawn.height), shapes, tuple(drawn.insets)
    )


def _rings(path: str) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Absolute rings from the map's SVG path data (``M x y l dx dy … z``)."""
    rings = []
    for part in path.split("M")[1:]:
        body = part.rstrip("z").replace("l", " ")
        numbers = [float(v) for v in body.split()]
        if len(numbers) < 6:
            continue
        x, y = numbers[0], numbers[1]
        points = [(x, y)]
        for i in range(2, len(numbers) - 1, 2):
            x += numbers[i]
            y += numbers[i + 1]
            points.append((x, y))
        rings.append(tuple(points))
    return tuple(rings)


def report_info(survey: Survey, state: WeightingState) -> pdf.ReportInfo:
    period = ""
    if survey.field_start and survey.field_end:
        period = (
            f"{survey.field_start.strftime('%d.%m.%Y')}–"
            f"{survey.field_end.strftime('%d.%m.%Y')}"
        )
    elif survey.field_start:
        period = f"ab {survey.field_start.strftime('%d.%m.%Y')}"
    complete = len(state.data.frame)
    rate = None
    if survey.access_mode == AccessMode.CODE:
        codes = issued_codes(survey.id)
        if codes:
            rate = complete / int(codes)
    weighted = state.weighted
    analysed = weighted.diagnosis.n_weighted if weighted.weighted else complete
    notes = []
    if weighted.weighted:
        for text, count in weighted.diagnosis.excluded:
            notes.append(
                f"{count} Antworten {text} konnten nicht gewichtet werden und fehlen "
                "in den Ergebnissen."
            )
    return pdf.ReportInfo(
        survey_title=survey.title,
        organisation=survey.operator_name or current_app.config["OPERATOR_NAME"],
        extraction_date=state.data.extraction_date,
        field_period=period,
        n_responses=complete,
        n_analysed=analysed,
        response_rate=rate,
        weighting=weighting_label(state),
        ci_method=(
            "Mittelwerte: t-Intervall, Anteile: Logit-Intervall; Standardfehler "
            "durch Taylor-Linearisierung unter Berücksichtigung der Gewichtung "
            "(wie das R-Paket survey)"
        ),
        min_n=min_n(),
        alpha=analysis.ALPHA,
        notes=tuple(notes),
        attribution=survey.district_layer.attribution if survey.district_layer else "",
        cv_limit=cv_limit(),
    )


# ---------------------------------------------------------------------- outputs
def _with_models(
    survey: Survey, state: WeightingState, tables: list[IndicatorTable]
) -> tuple[pdf.ReportInfo, list[Any]]:
    """The report info (with the method note) and the enabled small-area models."""
    from . import small_area

    models = small_area.enabled_models(survey, state, tables, indicators(survey))
    info = report_info(survey, state)
    note = small_area.report_note(models)
    if note:
        info = replace(info, notes=(*info.notes, note))
    return info, models


def city_report_pdf(survey: Survey) -> bytes:
    state = weighting_state(survey)
    tables = findings(state, indicators(survey))
    _drawn, outline = map_data(survey)
    info, models = _with_models(survey, state, tables)
    return pdf.city_report(info, tables, state.data.districts, outline, models)


def district_profiles_pdf(survey: Survey, code: str | None = None) -> bytes:
    """One district's profile (``code``) or all of them in one file."""
    state = weighting_state(survey)
    tables = findings(state, indicators(survey))
    _drawn, outline = map_data(survey)
    info, models = _with_models(survey, state, tables)
    if code is None:
        return pdf.district_profiles(
            info, tables, state.data.districts, outline, models
        )
    for district in state.data.districts:
        if district.code == code:
            return pdf.district_profile(info, tables, district, outline, models)
    raise LookupError(code)


def export_file(survey: Survey, kind: str, actor_id: int | None) -> bytes:
    """Responses (with weights) or the codebook in one of :data:`EXPORT_FORMATS`."""
    if kind not in EXPORT_FORMATS:
        raise LookupError(kind)
    state = weighting_state(survey)
    data = state.data
    columns = [*export.STANDARD_VARIABLES, *data.variables]
    if kind == "codebook":
        content = export.to_codebook_csv(columns)
    else:
        frame = data.frame.copy()
        frame["weight"] = _weights(state)
        # the file says which set-up its weights come from, or that it has none
        frame["weighting"] = weighting_label(state)
        label = f"{survey.title}, Datenstand {data.extraction_date:%d.%m.%Y}"
        if kind == "csv":
            content = export.to_csv(frame, columns)
        elif kind == "csv-excel":
            content = export.to_csv(frame, columns, excel=True)
        elif kind == "xlsx":
            content = export.to_xlsx(frame, columns, title=label)
        elif kind == "sav":
            content = export.to_sav(frame, columns, file_label=label)
        else:
            content = export.to_dta(frame, columns, file_label=label)
    audit.record(
        actor_id,
        "export_responses",
        f"survey:{survey.id}",
        format=kind,
        rows=len(data.frame),
    )
    db.session.commit()
    return content


def _weights(state: WeightingState) -> np.ndarray:
    """Each response's weight: the calibrated weight where the set-up is in use
    (empty for responses left out of the weighting), else 1."""
    frame = state.data.frame
    weighted = state.weighted
    if not weighted.weighted or weighted.design is None:
        return np.ones(len(frame))
    weights = pd.Series(np.nan, index=frame.index, dtype="float64")
    design = weighted.design
    weights.loc[design.data.index] = np.asarray(design.weights)
    return weights.to_numpy()


def findings_file(survey: Survey, kind: str) -> bytes:
    if kind not in FINDINGS_FORMATS:
        raise LookupError(kind)
    state = weighting_state(survey)
    tables = findings(state, indicators(survey))
    label = weighting_label(state)
    if kind == "xlsx":
        return export.findings_xlsx(
            tables, title=survey.title, min_n=min_n(), weighting=label
        )
    return export.findings_csv(
        tables, excel=kind == "csv-excel", min_n=min_n(), weighting=label
    )
