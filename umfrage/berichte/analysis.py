"""The analyst's computations, delegated to ``auswertung``: the weighting, its
diagnostics and the values it fixes. The set-up as typed is read in
:mod:`.setup_input`, the weighting cells and the merging of small ones are in
:mod:`.cells`, the indicators and their per-district tables are in
:mod:`.indicators`.

No database and no HTTP here: ``services.py`` reads the rows and hands over plain
data (a response DataFrame, population tables, district neighbours); every number
comes from ``auswertung`` (weighting, estimation, comparison with the city).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from auswertung import (
    AnalysisError,
    Design,
    poststratify,
    rake,
    read_margins,
    weight_diagnostics,
)
from auswertung.weighting import CalibrationReport, WeightDiagnostics, level_key

# The weighting cells (.cells) have a module of their own; Cell and
# suggest_collapse stay importable from here.
from .cells import Cell as Cell
from .cells import count_cells, map_distinct
from .cells import suggest_collapse as suggest_collapse

# The indicators (.indicators) and the set-up input (.setup_input) have modules
# of their own; their names stay importable from here.
from .indicators import ALPHA as ALPHA
from .indicators import IndicatorDef as IndicatorDef
from .indicators import indicator_table as indicator_table
from .indicators import indicators_of as indicators_of
from .setup_input import BASE_WEIGHT as BASE_WEIGHT
from .setup_input import DISTRICT as DISTRICT
from .setup_input import DOMAIN as DOMAIN
from .setup_input import LEVEL_LABELS as LEVEL_LABELS
from .setup_input import MARGIN_COLUMNS as MARGIN_COLUMNS
from .setup_input import METHODS as METHODS
from .setup_input import SOURCES as SOURCES
from .setup_input import VARIABLE_LABELS as VARIABLE_LABELS
from .setup_input import SetupError as SetupError
from .setup_input import VariableMapping as VariableMapping
from .setup_input import WeightingSpec as WeightingSpec
from .setup_input import collapse_text as collapse_text
from .setup_input import layer_margins as layer_margins
from .setup_input import mappings_text as mappings_text
from .setup_input import parse_bound as parse_bound
from .setup_input import parse_collapse as parse_collapse
from .setup_input import parse_mappings as parse_mappings
from .setup_input import parse_margins_csv as parse_margins_csv


# ---------------------------------------------------------------------- weighting
@dataclass(frozen=True)
class Diagnosis:
    """Everything the analyst sees before using a weighting set-up."""

    method: str
    ok: bool
    error: str | None = None
    error_place: str | None = None
    n_input: int = 0
    n_weighted: int = 0
    excluded: tuple[tuple[str, int], ...] = ()
    report: CalibrationReport | None = None
    diagnostics: WeightDiagnostics | None = None
    cells: tuple[Cell, ...] = ()
    histogram: tuple[tuple[float, float, int], ...] = ()
    suggestion: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    suggestion_groups: tuple[tuple[str, ...], ...] = ()
    current_groups: tuple[tuple[str, ...], ...] = ()
    unresolved: tuple[str, ...] = ()
    margin_names: tuple[str, ...] = ()

    @property
    def problem_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.status != "ok"]


@dataclass(frozen=True)
class Weighted:
    """The design to estimate with and how it came about."""

    design: Design | None
    diagnosis: Diagnosis
    weighted: bool
    margins: pd.DataFrame | None = None


def _weighting_frame(
    frame: pd.DataFrame, spec: WeightingSpec, labels: Mapping[str, str]
) -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    keep = np.array(frame[DISTRICT].notna().to_numpy(), dtype=bool)
    excluded = [("ohne Angabe des Sozialraums", int((~keep).sum()))]
    columns: dict[str, pd.Series] = {}
    for mapping in spec.mappings:
        source = frame.get(mapping.question)
        if source is None:
            values = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        else:
            values = map_distinct(
                source,
                lambda v, codes=mapping.codes: codes.get(level_key(v) or "", None),
            )
        ok = np.array(values.notna().to_numpy(), dtype=bool)
        missing = keep & ~ok
        name = labels.get(mapping.question, mapping.question)
        excluded.append((f"ohne zuordenbare Angabe zu „{name}“", int(missing.sum())))
        keep &= ok
        columns[mapping.variable] = values
    result = frame.loc[keep].copy()
    for name, values in columns.items():
        result[name] = values.loc[keep].astype(object)
    result[DISTRICT] = result[DISTRICT].astype(object)
    return result, [(text, count) for text, count in excluded if count]


def _differs(
    suggestion: Mapping[str, Mapping[str, str]],
    current: Mapping[str, Mapping[str, str]],
) -> bool:
    def normal(value: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
        return {k: dict(v) for k, v in value.items() if v}

    return normal(suggestion) != normal(current)


def _groups(mapping: Mapping[str, str]) -> list[tuple[str, ...]]:
    groups: dict[str, set[str]] = {}
    for old, new in mapping.items():
        groups.setdefault(new, {new}).add(old)
    return [tuple(sorted(members)) for _, members in sorted(groups.items())]


def _histogram(weights: np.ndarray) -> tuple[tuple[float, float, int], ...]:
    relative = weights / float(np.mean(weights))
    edges = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, math.inf]
    counts, _ = np.histogram(relative, bins=edges)
    return tuple(
        (edges[i], edges[i + 1], int(c)) for i, c in enumerate(counts.tolist())
    )


def weight_design(
    frame: pd.DataFrame,
    spec: WeightingSpec,
    *,
    population: pd.DataFrame,
    district_codes: Sequence[str],
    district_names: Mapping[str, str],
    neighbours: Mapping[str, Sequence[str]],
    parents: Mapping[str, str | None],
    labels: Mapping[str, str],
    use: bool,
) -> Weighted:
    """Weight the responses as ``spec`` says and describe the result.

    ``use`` false (set-up not confirmed) gives the unweighted design for
    estimation, with the diagnosis of the set-up all the same.
    """
    n_input = len(frame)
    unweighted = _design(frame, None, district_codes)
    if spec.method == "none":
        return Weighted(
            unweighted,
            Diagnosis(method="none", ok=True, n_input=n_input, n_weighted=n_input),
            False,
        )
    try:
        if spec.source == "upload":
            margins = pd.DataFrame(list(spec.margins), columns=list(MARGIN_COLUMNS))
            if margins.empty:
                raise SetupError(
                    [("file", "Es sind noch keine Randverteilungen hochgeladen.")]
                )
        else:
            margins = layer_margins(population, spec)
    except SetupError as error:
        return Weighted(
            unweighted,
            Diagnosis(
                method=spec.method,
                ok=False,
                error=str(error),
                error_place=error.problems[0][0] if error.problems else None,
                n_input=n_input,
            ),
            False,
        )
    data, excluded = _weighting_frame(frame, spec, labels)
    margin_names = tuple(dict.fromkeys(margins["variable"]))
    for name in margin_names:
        for variable in name.split(":"):
            if variable not in data.columns:
                return Weighted(
                    unweighted,
                    Diagnosis(
                        method=spec.method,
                        ok=False,
                        error=(
                            f"Die Randverteilung „{name}“ braucht eine Zuordnung "
                            f"einer Frage zur Bevölkerungsvariablen „{variable}“."
                        ),
                        error_place="mappings",
                        n_input=n_input,
                        excluded=tuple(excluded),
                        margin_names=margin_names,
                    ),
                    False,
                )
    cells = count_cells(
        data, margins, spec.collapse, spec.min_cell_size, district_names
    )
    suggestion, groups, unresolved = suggest_collapse(
        data, margins, spec.collapse, spec.min_cell_size, neighbours, parents
    )
    common: dict[str, Any] = {
        "method": spec.method,
        "n_input": n_input,
        "n_weighted": len(data),
        "excluded": tuple(excluded),
        "cells": tuple(cells),
        "suggestion": suggestion if _differs(suggestion, spec.collapse) else {},
        "suggestion_groups": tuple(groups)
        if _differs(suggestion, spec.collapse)
        else (),
        "current_groups": tuple(_groups(spec.collapse.get(DISTRICT, {}))),
        "unresolved": tuple(unresolved),
        "margin_names": margin_names,
    }
    if len(data) < 2:
        return Weighted(
            unweighted,
            Diagnosis(
                ok=False, error="Zu wenige Antworten für eine Gewichtung.", **common
            ),
            False,
        )
    margin_list = read_margins(margins)
    total = float(margin_list[0].total)
    data[BASE_WEIGHT] = total / len(data)
    try:
        design = _design(data, BASE_WEIGHT, district_codes)
        collapse = {k: dict(v) for k, v in spec.collapse.items() if v} or None
        if spec.method == "poststratify" and spec.bounds is None:
            weighted = poststratify(design, margin_list, collapse=collapse)
        else:
            weighted = rake(design, margin_list, collapse=collapse, bounds=spec.bounds)
    except AnalysisError as error:
        return Weighted(
            unweighted,
            Diagnosis(ok=False, error=str(error), error_place=error.place, **common),
            False,
        )
    diagnostics = weight_diagnostics(weighted)
    diagnosis = Diagnosis(
        ok=True,
        report=weighted.calibration_report,
        diagnostics=diagnostics,
        histogram=_histogram(np.asarray(weighted.weights)),
        **common,
    )
    if not use:
        return Weighted(unweighted, diagnosis, False)
    return Weighted(weighted, diagnosis, True, margins)


# ---------------------------------------------------------------------- fixed
@dataclass(frozen=True)
class FixedValues:
    """An indicator the weighting fixed or co-determined.

    ``city`` and ``districts`` hold the register values (shares) the weighting
    made the estimate equal to; districts not in ``districts`` are still not
    tested (the item is a weighting variable), only estimated.
    """

    city: float | None
    districts: Mapping[str, float]


def fixed_by_weighting(
    definition: IndicatorDef, spec: WeightingSpec, weighted: Weighted
) -> FixedValues | None:
    """Whether ``definition`` measures a weighting variable, and its register
    values where the calibration fixes it exactly.

    A share of codes ``C`` of a mapped question is fixed when ``C`` is exactly
    the codes of some population levels: city-wide by any margin of the variable,
    per district by a margin ``district:variable`` for districts not collapsed.
    """
    if not weighted.weighted or weighted.margins is None:
        return None
    mapping = next(
        (m for m in spec.mappings if m.question == definition.question_name), None
    )
    if mapping is None:
        return None
    if definition.statistic != "share" or definition.key.startswith("mc:"):
        return FixedValues(None, {})
    codes = {str(c) for c in definition.codes}
    if not codes <= set(mapping.codes):
        return FixedValues(None, {})
    levels = {mapping.codes[c] for c in codes}
    if {c for c, level in mapping.codes.items() if level in levels} != codes:
        return FixedValues(None, {})
    if mapping.variable in spec.collapse:
        return FixedValues(None, {})
    margins = weighted.margins
    variable = mapping.variable
    crossed = margins[margins["variable"] == f"{DISTRICT}:{variable}"]
    plain = margins[margins["variable"] == variable]
    by_district: dict[str, dict[str, float]] = {}
    for level, total in zip(crossed["level"], crossed["population_total"], strict=True):
        code, _, piece = str(level).partition(":")
        by_district.setdefault(code, {})[piece] = float(total)
    city_totals: dict[str, float] = {}
    if len(plain):
        for level, total in zip(plain["level"], plain["population_total"], strict=True):
            city_totals[str(level)] = float(total)
    else:
        for totals in by_district.values():
            for piece, total in totals.items():
                city_totals[piece] = city_totals.get(piece, 0.0) + total

    def share(totals: Mapping[str, float]) -> float | None:
        whole = sum(totals.values())
        if whole <= 0:
            return None
        return sum(t for piece, t in totals.items() if piece in levels) / whole

    collapsed = set(spec.collapse.get(DISTRICT, {}))
    collapsed |= set(spec.collapse.get(DISTRICT, {}).values())
    districts = {
        code: value
        for code, totals in by_district.items()
        if code not in collapsed and (value := share(totals)) is not None
    }
    return FixedValues(share(city_totals) if city_totals else None, districts)


def _design(
    frame: pd.DataFrame, weights: str | None, district_codes: Sequence[str]
) -> Design | None:
    if len(frame) < 2:
        return None
    data = frame.copy()
    data[DOMAIN] = pd.Categorical(
        data[DISTRICT].astype(object), categories=list(district_codes)
    )
    return Design.from_frame(data, weights=weights)


def method_sentence(spec: WeightingSpec, weighted: Weighted) -> str:
    """How the responses were weighted, for reports."""
    diagnosis = weighted.diagnosis
    if not weighted.weighted:
        if spec.method == "none":
            return "Keine Gewichtung: jede Antwort zählt gleich."
        return (
            "Ungewichtet: die Gewichtung ist noch nicht bestätigt oder nicht "
            "durchführbar; jede Antwort zählt gleich."
        )
    name = "Nachschichtung" if spec.method == "poststratify" else "Raking"
    if spec.method == "poststratify" and spec.bounds is not None:
        name = "Nachschichtung mit begrenzten Gewichtungsfaktoren"
    margins = ", ".join(
        " × ".join(VARIABLE_LABELS.get(v, v) for v in m.split(":"))
        for m in diagnosis.margin_names
    )
    source = (
        "Bevölkerungstabelle des Gebietslayers"
        if spec.source == "layer"
        else "hochgeladene Randverteilungen"
    )
    parts = [f"{name} auf {margins} ({source})."]
    if spec.bounds is not None:
        parts.append(
            f"Gewichtungsfaktoren begrenzt auf {_german(spec.bounds[0])} bis "
            f"{_german(spec.bounds[1])}."
        )
    merged = len(spec.collapse.get(DISTRICT, {}))
    if merged:
        parts.append(
            f"{merged} Sozialräume mit zu wenigen Antworten wurden für die "
            "Gewichtung mit Nachbarn zusammengelegt."
        )
    if diagnosis.diagnostics is not None:
        d = diagnosis.diagnostics
        parts.append(
            f"Kish-Designeffekt der Gewichte {_german(d.kish_deff, 2)}, effektive "
            f"Fallzahl {_german(d.effective_n, 0)} von {d.n}."
        )
    return " ".join(parts)


def _german(value: float, decimals: int = 2) -> str:
    from auswertung.findings import format_number

    return format_number(value, decimals)
