"""The weighting set-up of a survey: saved, confirmed into force, and the weighted
design every finding, report and export uses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeGuard

import pandas as pd
from flask import current_app
from sqlalchemy import select, update

from .. import audit
from ..extensions import db
from ..models import (
    Survey,
    WeightingSetup,
    utc_now,
)
from ..services import questionnaire_of
from . import analysis, cache, weighting_preview
from .analysis import SetupError, VariableMapping, WeightingSpec
from .services import (
    SurveyData,
    complete_count,
    districts_of,
    known_levels,
    neighbours_of,
    population_table,
    response_frame,
)


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
    survey: Survey,
    values: dict[str, Any],
    actor_id: int | None,
    *,
    defer_collapse: bool = False,
) -> WeightingSetup:
    """Validate and store a set-up (unconfirmed); :class:`SetupError` on bad input,
    nothing changed then. ``defer_collapse``: the too small cells asked to be
    merged (``auto_collapse``) are left to a job (``merge_small_cells``); the
    set-up is stored without merges."""
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
    text = str(values.get("mappings") or "")
    if not text.strip() and values.get("mapping_list") is not None:
        # the dropdown tables, checked by the same rules as the written form
        text = analysis.mappings_text(values["mapping_list"])
    try:
        mappings = analysis.parse_mappings(
            text,
            questionnaire,
            {k: v for k, v in levels.items() if k != "district"},
        )
    except SetupError as error:
        problems.extend(error.problems)
    problems.extend(values.get("mapping_problems") or [])
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
    if values.get("auto_collapse") and method != "none":
        # merge too small cells now, afresh for this mapping and minimum
        setup.collapse = {}
        if not defer_collapse:
            db.session.flush()
            state = weighting_state(survey, setup=setup, draft=True)
            setup.collapse = {
                k: dict(v) for k, v in state.weighted.diagnosis.suggestion.items()
            }
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


def merge_small_cells(survey: Survey, fingerprint: str) -> bool:
    """Merge the too small cells of the set-up as saved (a job's part of
    ``save_weighting_setup(defer_collapse=True)``), unless it has been edited
    since (``fingerprint``); whether it merged."""
    setup = weighting_setup(survey)
    if not _edited(setup) or draft_fingerprint(setup) != fingerprint:
        return False
    saved_at = setup.updated_at
    state = weighting_state(survey, setup=setup, draft=True)
    merged = {k: dict(v) for k, v in state.weighted.diagnosis.suggestion.items()}
    # only if nobody has saved the set-up again meanwhile
    written = db.session.execute(
        update(WeightingSetup)
        .where(
            WeightingSetup.id == setup.id,
            WeightingSetup.updated_at == saved_at,
            WeightingSetup.confirmed.is_(False),
        )
        .values(collapse=merged)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.expire(setup)
    return bool(written.rowcount)


def apply_collapse_suggestion(
    survey: Survey, actor_id: int | None, *, in_request: bool = False
) -> int:
    """Take over the suggested collapse; returns the number of merged districts.
    ``in_request``: see :func:`weighting_state` (may raise
    :class:`AnalysisPending`)."""
    setup = weighting_setup(survey)
    if setup is None:
        raise SetupError([("collapse", "Es gibt noch keine Gewichtung.")])
    state = weighting_state(survey, setup=setup, draft=True, in_request=in_request)
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


def confirm_weighting(
    survey: Survey, actor_id: int | None, *, in_request: bool = False
) -> None:
    """Use the set-up for findings; only when its diagnostics show no error.
    ``in_request``: see :func:`weighting_state` (may raise
    :class:`AnalysisPending`)."""
    setup = weighting_setup(survey)
    if setup is None:
        raise SetupError([("confirm", "Es gibt noch keine Gewichtung.")])
    state = weighting_state(survey, setup=setup, draft=True, in_request=in_request)
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


def preview_cells(
    survey: Survey, values: dict[str, Any], *, in_request: bool = False
) -> list[weighting_preview.VariablePreview]:
    """The weighting cells of an unsaved set-up (district × level: responses,
    population, flags) and the collapse proposal; stores nothing. Raises
    :class:`SetupError` for what the layer cannot give. ``in_request``: the
    responses of a large survey come from the stored weighting in force, or
    :class:`AnalysisPending` is raised."""
    collapse: dict[str, dict[str, str]] = {}
    if values.get("collapse"):
        collapse = analysis.parse_collapse(
            str(values["collapse"]), known_levels(survey)
        )
    min_cell = values.get("min_cell_size")
    spec = WeightingSpec(
        method=str(values.get("method") or "poststratify"),
        mappings=tuple(
            VariableMapping(m["question"], m["variable"], dict(m["codes"]))
            for m in values.get("mapping_list") or ()
        ),
        cross_with_district=bool(values.get("cross_with_district")),
        min_cell_size=min_cell if isinstance(min_cell, int) and min_cell > 0 else 5,
        collapse=collapse,
    )
    if spec.method == "none" or not spec.mappings:
        return []
    data = _frame(
        survey,
        cache.data_key(survey),
        lambda: not in_request or not too_large_for_a_request(survey),
    )
    return weighting_preview.cell_preview(
        data.frame,
        spec,
        population_table(survey),
        [(d.code, d.name, d.parent_name) for d in districts_of(survey)],
        neighbours_of(survey),
        {v.name: v.name for v in data.variables},
    )


# ---------------------------------------------------------------------- state
#: The cache kind of a stored diagnosis of an edited, unconfirmed set-up.
DRAFT = "draft"


@dataclass(frozen=True)
class Stale:
    """A weighting state of earlier data, shown while the current one is being
    computed: when it was computed, and when the next one will be computed if
    not at once (``ANALYSIS_REFRESH_MIN_SECONDS``)."""

    computed_at: datetime
    next_at: datetime | None = None


@dataclass(frozen=True)
class WeightingState:
    data: SurveyData
    setup: WeightingSetup | None
    spec: WeightingSpec
    weighted: analysis.Weighted
    survey: Survey
    #: fingerprint of data and set-up (``cache``); "" when not cached
    key: str = ""
    #: set when the state is of earlier data (``weighting_state(in_request=True)``)
    stale: Stale | None = None


class AnalysisPending(Exception):  # noqa: N818 - not an error: a state
    """The survey is too large to be analysed inside a request and no result
    of its weighting set-up is stored yet: a job has to compute it. ``draft``:
    the diagnosis of the edited, unconfirmed set-up is missing (its job is
    ``analysis_jobs.KIND_DRAFT``), not the weighting in force."""

    def __init__(self, survey_id: int, draft: bool = False) -> None:
        super().__init__(survey_id, draft)
        self.survey_id = survey_id
        self.draft = draft


@dataclass(frozen=True)
class _Stored:
    """What ``analysis_cache_entry`` keeps of the weighting in force: the state
    without its database rows, the set-up it used and when it was computed."""

    state: WeightingState
    data_key: str
    setup_key: str
    computed_at: datetime


def weighting_state(
    survey: Survey,
    *,
    setup: WeightingSetup | None = None,
    data: SurveyData | None = None,
    draft: bool = False,
    in_request: bool = False,
) -> WeightingState:
    """The responses, weighted by the set-up in force (the last confirmed one;
    unweighted if none was ever confirmed). ``draft``: by the set-up as edited,
    for its diagnosis (weighted only if it is the confirmed one).

    Without ``data`` the frame and the weighting come from ``cache``, keyed by
    the data version and the set-up, so they are computed once per change; the
    weighting in force is also stored for every process.

    ``in_request``: for a page. A survey with more complete responses than
    ``ANALYSIS_REQUEST_MAX_RESPONSES`` is then not read and weighted here: the
    last stored state of the same set-up is returned, marked ``stale``, and
    :class:`AnalysisPending` is raised if there is none (a job computes it,
    ``analysis_jobs``). The diagnosis of an edited, unconfirmed set-up
    (``draft``) is then the one its job stored, or pending too."""
    setup = setup if setup is not None else weighting_setup(survey)
    if data is not None:
        return _weigh(survey, data, setup, draft)
    draft = draft and _edited(setup)  # else the same weighting, stored
    data_key = cache.data_key(survey)
    in_force_key = _digest_setup(_setup_key(setup, False))

    @functools.cache
    def may_compute() -> bool:  # asked only when nothing is stored
        return not in_request or not too_large_for_a_request(survey)

    if draft:
        key = cache.state_key(data_key, _setup_key(setup, True))
        state = cache.recall("state", key)
        if state is None and not may_compute():
            state = cache.peek(DRAFT, survey.id, key, [])
            if state is None:
                raise AnalysisPending(survey.id, draft=True)
        if state is None:
            frame = _frame(survey, data_key, may_compute)
            state = cache.memoized(
                "state", key, lambda: _weigh(survey, frame, setup, True)
            )
        return replace(state, survey=survey, setup=setup, key=key)
    key = cache.state_key(data_key, _setup_key(setup, False))
    found = cache.peek("weighting", survey.id, key, [])
    if found is not None:
        return replace(found.state, survey=survey, setup=setup, key=key)
    if not may_compute():
        earlier = cache.newest("weighting", survey.id)
        if earlier is None or earlier[1].setup_key != in_force_key:
            raise AnalysisPending(survey.id)
        stored_key, kept = earlier
        return replace(
            kept.state,
            survey=survey,
            setup=setup,
            key=stored_key,
            stale=Stale(kept.computed_at),
        )
    frame = cache.memoized("frame", data_key, lambda: response_frame(survey))
    state = _weigh(survey, frame, setup, False)
    cache.COMPUTED["state"] += 1
    cache.put(
        "weighting",
        survey.id,
        key,
        [],
        _Stored(
            replace(state, survey=None, setup=None),  # type: ignore[arg-type]
            data_key,
            in_force_key,
            utc_now(),
        ),
    )
    return replace(state, survey=survey, setup=setup, key=key)


def is_current(survey: Survey, *, draft: bool = False) -> bool:
    """Whether the weighting in force of the survey's current data is stored
    (a page can show it without computing); ``draft``: the diagnosis of the
    set-up as edited (the weighting in force if it is not edited)."""
    setup = weighting_setup(survey)
    draft = draft and _edited(setup)
    key = cache.state_key(cache.data_key(survey), _setup_key(setup, draft))
    return cache.is_stored(DRAFT if draft else "weighting", survey.id, key, [])


def store_draft(survey: Survey) -> WeightingState:
    """Weigh the edited set-up (in a job) and store its diagnosis for the pages
    of every process: the state without its responses and weighted design,
    which a diagnosis does not need (a large survey's would be tens of MB)."""
    state = weighting_state(survey, draft=True)
    if not _edited(state.setup):
        return state  # the set-up as edited is the one in force: nothing to store
    slim = replace(
        state,
        survey=None,  # type: ignore[arg-type]
        setup=None,
        key="",
        data=replace(state.data, frame=state.data.frame.iloc[:0]),
        weighted=replace(state.weighted, design=None),
    )
    cache.put(DRAFT, survey.id, state.key, [], slim)
    return state


def draft_fingerprint(setup: WeightingSetup) -> str:
    """The set-up as edited, as a fingerprint: a job that merges its small
    cells checks that nobody has edited it meanwhile."""
    return _digest_setup(_setup_key(setup, True))


def too_large_for_a_request(survey: Survey) -> bool:
    """Whether reading and weighting the survey's responses takes longer than a
    page should (``ANALYSIS_REQUEST_MAX_RESPONSES``)."""
    limit = int(current_app.config["ANALYSIS_REQUEST_MAX_RESPONSES"])
    return complete_count(survey) > limit


def _frame(
    survey: Survey, data_key: str, may_compute: Callable[[], bool]
) -> SurveyData:
    """The responses of the current data: from memory, else those of the stored
    weighting in force if it is of this data, else read (if ``may_compute``)."""
    frame = cache.recall("frame", data_key)
    if frame is not None:
        return frame  # type: ignore[no-any-return]
    latest = cache.newest("weighting", survey.id)
    if latest is not None and latest[1].data_key == data_key:
        cache.remember("frame", data_key, latest[1].state.data)
        return latest[1].state.data  # type: ignore[no-any-return]
    if not may_compute():
        raise AnalysisPending(survey.id)
    return cache.memoized("frame", data_key, lambda: response_frame(survey))


def _edited(setup: WeightingSetup | None) -> TypeGuard[WeightingSetup]:
    """Whether the set-up as edited differs from the one in force (confirming
    copies it, any edit clears ``confirmed``)."""
    return setup is not None and not setup.confirmed


def _digest_setup(setup_key: Any) -> str:
    return cache.state_key("", setup_key)


def _setup_key(setup: WeightingSetup | None, draft: bool) -> Any:
    """What of the set-up the weighting depends on: as edited for a draft, else
    the copy in force (the edited fields only while none was ever copied)."""
    if setup is None:
        return None
    if draft:
        return ["draft", setup_fields(setup), setup.confirmed, setup.in_force]
    if setup.in_force is not None:
        # editing the set-up (which clears ``confirmed``) leaves it in force
        return ["in force", setup.in_force]
    return ["in force", None, setup.confirmed, setup_fields(setup)]


def _weigh(
    survey: Survey, data: SurveyData, setup: WeightingSetup | None, draft: bool
) -> WeightingState:
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
    return WeightingState(data, setup, spec, weighted, survey)


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
