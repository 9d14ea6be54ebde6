"""Weighting cells: the respondents per level of each margin (district ×
family type, say), which are too small, and the merging of neighbouring
districts that makes every cell large enough (``suggest_collapse``).

No database here: the weighting frame and the margins come as DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from auswertung.weighting import level_key

from .setup_input import DISTRICT, LEVEL_LABELS


@dataclass(frozen=True)
class Cell:
    """A weighting cell (a level of a margin) with its respondents."""

    margin: str
    level: str
    label: str
    population: float | None
    n: int
    status: str  # ok, tiny, empty, no_population


def map_distinct(series: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """``series.map(function)``, calling ``function`` once per distinct value
    instead of once per row, for a column of numbers or of text (answers, and
    the weighting frame, which the collapse suggestion maps a few dozen times)."""
    codes, uniques = pd.factorize(series)
    numbers = series.dtype.kind in "fiu"
    if not numbers and not all(isinstance(value, str) for value in uniques):
        return series.map(function)  # mixed objects may compare equal (1 == True)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [function(value) for value in uniques]
    result = pd.Series(mapped[np.maximum(codes, 0)], index=series.index, dtype=object)
    missing = codes < 0
    if missing.any():
        result[missing] = series[missing].map(function)
    return result


def _key_series(
    data: pd.DataFrame,
    variables: Sequence[str],
    collapse: Mapping[str, Mapping[str, str]],
) -> pd.Series:
    parts = []
    for variable in variables:
        mapping = collapse.get(variable, {})
        parts.append(
            map_distinct(
                data[variable],
                lambda v, m=mapping: m.get(level_key(v) or "", level_key(v)),
            )
        )
    if not parts:
        return pd.Series([], dtype=object)
    key = parts[0].astype(str)
    for part in parts[1:]:
        key = key + ":" + part.astype(str)
    return key


def count_cells(
    data: pd.DataFrame,
    margins: pd.DataFrame,
    collapse: Mapping[str, Mapping[str, str]],
    min_cell_size: int,
    district_names: Mapping[str, str],
) -> list[Cell]:
    cells: list[Cell] = []
    for name in dict.fromkeys(margins["variable"]):
        variables = name.split(":")
        if any(v not in data.columns for v in variables):
            continue
        part = margins[margins["variable"] == name]
        totals: dict[str, float] = {}
        for level, total in zip(part["level"], part["population_total"], strict=True):
            pieces = str(level).split(":")
            mapped = ":".join(
                collapse.get(v, {}).get(p, p)
                for v, p in zip(variables, pieces, strict=False)
            )
            totals[mapped] = totals.get(mapped, 0.0) + float(total)
        counts = _key_series(data, variables, collapse).value_counts().to_dict()
        for level in sorted(set(totals) | set(counts)):
            population = totals.get(level)
            n = int(counts.get(level, 0))
            if population is None or population == 0:
                if n == 0:
                    continue
                status = "no_population"
            elif n == 0:
                status = "empty"
            elif n < min_cell_size:
                status = "tiny"
            else:
                status = "ok"
            cells.append(
                Cell(
                    margin=name,
                    level=level,
                    label=_level_label(variables, level, district_names),
                    population=population,
                    n=n,
                    status=status,
                )
            )
    return cells


def _level_label(
    variables: Sequence[str], level: str, district_names: Mapping[str, str]
) -> str:
    labels = []
    for variable, piece in zip(variables, level.split(":"), strict=False):
        if variable == DISTRICT:
            labels.append(f"{district_names.get(piece, piece)} ({piece})")
        else:
            labels.append(LEVEL_LABELS.get(piece, piece))
    return " × ".join(labels)


def suggest_collapse(
    data: pd.DataFrame,
    margins: pd.DataFrame,
    collapse: Mapping[str, Mapping[str, str]],
    min_cell_size: int,
    neighbours: Mapping[str, Sequence[str]],
    parents: Mapping[str, str | None],
) -> tuple[dict[str, dict[str, str]], list[tuple[str, ...]], list[str]]:
    """Merge districts whose weighting cells are empty or too small with a
    neighbouring district (same parent district first, then any neighbour),
    smallest first, until every cell has ``min_cell_size`` respondents.

    Returns the collapse mapping (on top of ``collapse``), the merged groups and
    the districts that could not be resolved.
    """
    district_margins = [
        name
        for name in dict.fromkeys(margins["variable"])
        if DISTRICT in name.split(":")
    ]
    if not district_margins:
        return {k: dict(v) for k, v in collapse.items()}, [], []
    base = dict(collapse.get(DISTRICT, {}))
    codes = sorted(set(parents) | {str(c) for c in data[DISTRICT].dropna().unique()})
    group = {code: base.get(code, code) for code in codes}
    unresolved: set[str] = set()
    counts = map_distinct(
        data[DISTRICT], lambda v: group.get(str(v), str(v))
    ).value_counts()
    for _ in range(len(codes)):
        current = {
            **{k: dict(v) for k, v in collapse.items()},
            DISTRICT: dict(
                (code, target) for code, target in group.items() if code != target
            ),
        }
        cells = count_cells(data, margins, current, min_cell_size, {})
        problems: dict[str, int] = {}
        for cell in cells:
            if cell.status == "ok" or cell.margin not in district_margins:
                continue
            position = cell.margin.split(":").index(DISTRICT)
            representative = cell.level.split(":")[position]
            if representative in unresolved:
                continue
            problems[representative] = cell.n
        if not problems:
            break
        counts = (
            map_distinct(data[DISTRICT], lambda v: group.get(str(v), str(v)))
            .value_counts()
            .to_dict()
        )
        target = min(problems, key=lambda r: (counts.get(r, 0), r))
        members = [c for c, g in group.items() if g == target]
        parent = parents.get(target)
        candidates: set[str] = set()
        for member in members:
            for other in neighbours.get(member, ()):
                representative = group.get(other, other)
                if representative != target:
                    candidates.add(representative)
        same_parent = {c for c in candidates if parents.get(c) == parent}
        if same_parent:
            candidates = same_parent
        if not candidates:
            candidates = {
                g
                for c, g in group.items()
                if g != target and parents.get(c) == parent and parent is not None
            }
        if not candidates:
            unresolved.add(target)
            continue
        chosen = min(candidates, key=lambda r: (counts.get(r, 0), r))
        representative = min(chosen, target)
        for code, g in list(group.items()):
            if g in (chosen, target):
                group[code] = representative
    groups: dict[str, list[str]] = {}
    for code, g in group.items():
        groups.setdefault(g, []).append(code)
    merged = [tuple(sorted(m)) for g, m in sorted(groups.items()) if len(m) > 1]
    result = {k: dict(v) for k, v in collapse.items() if k != DISTRICT}
    district_map = {code: g for code, g in group.items() if code != g}
    if district_map:
        result[DISTRICT] = district_map
    return result, merged, sorted(unresolved)
