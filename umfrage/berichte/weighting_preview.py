"""What a weighting set-up would do, shown before it runs: the cells district ×
level with their responses and population, the cells that are empty or too small,
and which districts the collapse proposal merges with which, and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import pandas as pd

from .analysis import (
    DISTRICT,
    LEVEL_LABELS,
    SetupError,
    WeightingSpec,
    _weighting_frame,
    layer_margins,
)
from .cells import suggest_collapse


@dataclass(frozen=True)
class PreviewCell:
    n: int
    population: float | None
    status: str  # ok, tiny, empty, no_population, none (neither)


@dataclass(frozen=True)
class PreviewRow:
    code: str
    name: str
    parent: str | None
    cells: tuple[PreviewCell, ...]
    group: int | None  # number of the merged group it belongs to


@dataclass(frozen=True)
class Merge:
    """A proposed group of districts and why each member needs it."""

    number: int
    codes: tuple[str, ...]
    # per member with a too small cell: code, name and (level label, responses)
    reasons: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...]
    same_parent: str | None  # the shared parent district, if all share one
    cells: tuple[PreviewCell, ...]  # the merged cells per level


@dataclass(frozen=True)
class VariablePreview:
    variable: str
    levels: tuple[tuple[str, str], ...]  # (level, label)
    rows: tuple[PreviewRow, ...]
    merges: tuple[Merge, ...]
    unresolved: tuple[str, ...]
    n_used: int
    excluded: tuple[tuple[str, int], ...]

    @property
    def flagged(self) -> int:
        return sum(
            1 for r in self.rows for c in r.cells if c.status in ("tiny", "empty")
        )

    @property
    def total_cells(self) -> int:
        return sum(1 for r in self.rows for c in r.cells if c.status != "none")


def _cell(
    counts: Mapping[tuple[str, str], int],
    totals: Mapping[tuple[str, str], float],
    min_n: int,
    codes: Sequence[str],
    level: str,
) -> PreviewCell:
    """The cell of ``level`` over the districts ``codes`` (one or a group)."""
    n = sum(counts.get((c, level), 0) for c in codes)
    found = [totals[(c, level)] for c in codes if (c, level) in totals]
    population = sum(found) if found else None
    return PreviewCell(n, population, _status(n, population, min_n))


def _status(n: int, population: float | None, min_n: int) -> str:
    if not population:
        return "no_population" if n else "none"
    if n == 0:
        return "empty"
    return "tiny" if n < min_n else "ok"


def cell_preview(
    frame: pd.DataFrame,
    spec: WeightingSpec,
    population: pd.DataFrame,
    districts: Sequence[tuple[str, str, str | None]],
    neighbours: Mapping[str, Sequence[str]],
    labels: Mapping[str, str],
) -> list[VariablePreview]:
    """One table per mapped variable (district × level); raises
    :class:`SetupError` when the layer cannot give the margins."""
    if not spec.mappings:
        return []
    margins = layer_margins(population, spec)
    data, excluded = _weighting_frame(frame, spec, labels)
    names = {code: name for code, name, _ in districts}
    parents = {code: parent for code, _, parent in districts}
    _, groups, unresolved = suggest_collapse(
        data,
        margins,
        {} if spec.collapse is None else spec.collapse,
        spec.min_cell_size,
        neighbours,
        parents,
    )
    group_of = {code: i for i, group in enumerate(groups, start=1) for code in group}
    result = []
    for mapping in spec.mappings:
        variable = mapping.variable
        part = population[population["variable"] == variable]
        levels = sorted({str(v) for v in part["level"]})
        totals = {
            (str(d), str(lv)): float(c)
            for d, lv, c in zip(
                part["district"], part["level"], part["count"], strict=True
            )
        }
        counts = (
            data.groupby([DISTRICT, variable]).size().to_dict() if len(data) else {}
        )
        counts = {(str(d), str(lv)): int(n) for (d, lv), n in counts.items()}

        cell = partial(_cell, counts, totals, spec.min_cell_size)

        rows = tuple(
            PreviewRow(
                code,
                name,
                parent,
                tuple(cell([code], level) for level in levels),
                group_of.get(code),
            )
            for code, name, parent in districts
        )
        merges = []
        for number, group in enumerate(groups, start=1):
            reasons = []
            for code in group:
                small = [
                    (LEVEL_LABELS.get(level, level), c.n)
                    for level, c in zip(
                        levels, (cell([code], lv) for lv in levels), strict=True
                    )
                    if c.status in ("tiny", "empty")
                ]
                if small:
                    reasons.append((code, names.get(code, code), tuple(small)))
            shared = {parents.get(code) for code in group}
            merges.append(
                Merge(
                    number,
                    tuple(group),
                    tuple(reasons),
                    next(iter(shared)) if len(shared) == 1 else None,
                    tuple(cell(list(group), level) for level in levels),
                )
            )
        result.append(
            VariablePreview(
                variable,
                tuple((level, LEVEL_LABELS.get(level, level)) for level in levels),
                rows,
                tuple(merges),
                tuple(unresolved),
                len(data),
                tuple(excluded),
            )
        )
    return result


__all__ = ["SetupError", "VariablePreview", "cell_preview"]
