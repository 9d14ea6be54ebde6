"""What may be published of the findings: the dominance rule and secondary
(complementary) suppression across the districts of one question.

The rules and the attacker check are in :mod:`auswertung.disclosure`; this module
groups the indicator tables of a questionnaire into the linked tables an
attacker would combine (all options of a single-choice question add up to 1;
the mean and top-2 share of one scale item; the options of a multiple-choice
question) and marks the cells to suppress.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from auswertung import Design
from auswertung.disclosure import DisclosureRules, secondary_suppression
from auswertung.estimation import code_mask, domains_of, share_values
from auswertung.findings import IndicatorTable, ResultRow

if TYPE_CHECKING:
    from .analysis import IndicatorDef

DOMAIN = "_domain"
SECONDARY_REASON = "gesperrt zum Schutz anderer Zellen (Sekundärsperrung)"


def district_counts(
    design: Design, definition: IndicatorDef
) -> tuple[dict[str, float], dict[str, int]]:
    """Per district: the weighted total of valid answers ``N̂_d`` and, for
    shares, the number of respondents with a counted answer."""
    domains = domains_of(design, DOMAIN)
    if definition.statistic == "share":
        y, valid = share_values(
            design, definition.column, list(definition.codes), definition.missing
        )
    else:
        series = design.data[definition.column]
        y = np.asarray(
            series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64
        )
        valid = ~np.isnan(y) & ~code_mask(series, definition.missing)
    rows = valid & (domains.codes >= 0)
    count = domains.count
    totals = np.bincount(
        domains.codes[rows], weights=design.weights[rows], minlength=count
    )
    positive = np.bincount(
        domains.codes[rows], weights=np.nan_to_num(y[rows]), minlength=count
    )
    labels = [str(label) for label in domains.labels]
    return (
        {code: float(t) for code, t in zip(labels, totals, strict=True)},
        {code: int(round(p)) for code, p in zip(labels, positive, strict=True)},
    )


def dominance_reason(
    statistic: str,
    n: int,
    positives: int,
    comparison_reason: str,
    rules: DisclosureRules,
) -> str:
    """Why a cell falls under the dominance rule, or ``""``."""
    if not 0 < n < rules.dominance_n:
        return ""
    if statistic == "share":
        k = rules.dominance_k
        if positives <= k or n - positives <= k:
            return (
                f"gesperrt: weniger als {rules.dominance_n} Antworten und (fast) "
                "alle gleich (Dominanzregel)"
            )
        return ""
    if comparison_reason == "constant":
        return (
            f"gesperrt: weniger als {rules.dominance_n} Antworten und alle gleich "
            "(Dominanzregel)"
        )
    return ""


def _group_key(definition: IndicatorDef) -> tuple[str, str]:
    kind = definition.key.split(":", 1)[0]
    if kind == "share":
        return ("single", definition.question_name)
    if kind == "mc":
        return ("multiple", definition.question_name)
    return ("scale", definition.column)


def protect(
    tables: Sequence[IndicatorTable],
    definitions: Sequence[IndicatorDef],
    rules: DisclosureRules,
) -> list[IndicatorTable]:
    """Add secondary suppression to ``tables`` (one per definition, same order).

    Register values fixed by the weighting are public and stay as they are; a
    district suppressed in one indicator of a question is suppressed in all of
    them.
    """
    result = list(tables)
    groups: dict[tuple[str, str], list[int]] = {}
    for position, definition in enumerate(definitions):
        groups.setdefault(_group_key(definition), []).append(position)
    for (kind, _name), members in groups.items():
        members = [m for m in members if result[m].districts]
        if not members:
            continue
        first = result[members[0]]
        codes = [row.code for row in first.districts]
        rows = [[result[m].row_of(str(c)) for c in codes] for m in members]
        if any(r is None for line in rows for r in line):
            continue
        grid: list[list[ResultRow]] = [
            [r for r in line if r is not None] for line in rows
        ]
        values = np.array([[r.estimate for r in line] for line in grid])
        weights = np.array([[r.weight_total for r in line] for line in grid])
        n = np.array([max(line[d].n for line in grid) for d in range(len(codes))])
        primary = np.array([[r.suppressed for r in line] for line in grid])
        public = np.array([[r.fixed for r in line] for line in grid])
        bounds = np.array([list(result[m].scale) for m in members], dtype=np.float64)
        suppressed = secondary_suppression(
            values,
            np.where(public, 0.0, weights),
            np.where(public.all(axis=0), 0, n),
            primary & ~public,
            bounds,
            rules,
            sum_to_one=kind == "single",
        )
        for index, m in enumerate(members):
            table = result[m]
            changed = []
            for d, row in enumerate(grid[index]):
                if suppressed[index, d] and not row.suppressed and not row.fixed:
                    row = replace(
                        row,
                        estimate=float("nan"),
                        ci_lower=float("nan"),
                        ci_upper=float("nan"),
                        difference=float("nan"),
                        p_value=float("nan"),
                        p_adjusted=float("nan"),
                        comparison=None,
                        note="",
                        suppressed=True,
                        secondary=True,
                        reason=SECONDARY_REASON,
                    )
                changed.append(row)
            result[m] = replace(table, districts=tuple(changed))
    return result
