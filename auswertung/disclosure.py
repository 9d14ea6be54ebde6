"""Disclosure control: a minimum number of respondents behind every figure.

Every published figure rests on at least ``min_n`` respondents (default 5). Below
that the estimate, its SE, CI and design effects are suppressed and flagged; the
unweighted n stays visible. In tables a suppressed cell is marked with ``"."`` as in
official statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from auswertung.errors import EstimationError

__all__ = [
    "DEFAULT_MIN_N",
    "DisclosureRules",
    "attacker_intervals",
    "dominance_mask",
    "secondary_suppression",
    "SUPPRESSED_COLUMNS",
    "SUPPRESSION_MARK",
    "check_min_n",
    "mark_suppressed",
    "suppression_mask",
]

#: Default minimum unweighted number of respondents per published cell.
DEFAULT_MIN_N = 5
#: Mark of a suppressed cell in tables ("Zahlenwert unbekannt oder geheim zu halten").
SUPPRESSION_MARK = "."
#: Columns blanked for suppressed cells; ``n`` is never suppressed.
SUPPRESSED_COLUMNS = (
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "deff",
    "kish_deff",
    "difference",
    "total_estimate",
    "p_value",
)


def check_min_n(min_n: object) -> int:
    """Validate a minimum cell size: a non-negative integer."""
    if isinstance(min_n, bool) or not isinstance(min_n, int | np.integer) or min_n < 0:
        raise EstimationError(
            "invalid_parameter", place="min_n", parameter="min_n", value=min_n
        )
    return int(min_n)


def suppression_mask(
    n: npt.ArrayLike, min_n: int = DEFAULT_MIN_N
) -> npt.NDArray[np.bool_]:
    """Return ``True`` for cells with fewer than ``min_n`` respondents.

    Parameters
    ----------
    n
        Unweighted numbers of respondents per cell.
    min_n
        Minimum cell size (default :data:`DEFAULT_MIN_N`).
    """
    limit = check_min_n(min_n)
    return np.asarray(np.asarray(n) < limit, dtype=np.bool_)


def mark_suppressed(
    frame: pd.DataFrame,
    *,
    flag: str = "suppressed",
    columns: Sequence[str] = SUPPRESSED_COLUMNS,
    mark: str = SUPPRESSION_MARK,
) -> pd.DataFrame:
    """Return a copy of a result table with suppressed cells shown as ``mark``.

    Parameters
    ----------
    frame
        A table with a boolean column ``flag`` (e.g. ``Estimate.to_frame()``).
    flag
        Name of the suppression flag column.
    columns
        Columns to mark; those absent from ``frame`` are skipped.
    mark
        The mark, ``"."`` by default.
    """
    result = frame.copy()
    if flag not in result.columns:
        return result
    suppressed = result[flag].fillna(False).to_numpy(dtype=bool)
    for column in columns:
        if column in result.columns:
            values = result[column].astype(object)
            values[suppressed] = mark
            result[column] = values
    return result


# ---------------------------------------------------------------------- rules
@dataclass(frozen=True)
class DisclosureRules:
    """The disclosure rules of one survey.

    Attributes
    ----------
    min_n
        Minimum number of respondents behind a figure; below it the figure is
        suppressed and ``n`` is published as ``"< min_n"``.
    dominance_n
        Cells with fewer respondents than this fall under the dominance rule.
    dominance_k
        Such a cell is suppressed when at most ``dominance_k`` respondents gave
        (or did not give) the answer counted, i.e. its share is 0 %/100 % or
        within ``dominance_k`` respondents of it (for means: all answers equal).
    protection
        Secondary suppression makes sure that an attacker who knows every
        published cell, the city value and the weighted totals can only narrow
        a suppressed value to an interval at least this share of the value
        range wide.
    """

    min_n: int = DEFAULT_MIN_N
    dominance_n: int = 10
    dominance_k: int = 0
    protection: float = 0.25


def dominance_mask(
    n: npt.ArrayLike, positives: npt.ArrayLike, rules: DisclosureRules
) -> npt.NDArray[np.bool_]:
    """Cells whose share is 0 %/100 % or within ``dominance_k`` respondents of it,
    among cells with ``0 < n < dominance_n``."""
    n_arr = np.asarray(n, dtype=np.int64)
    pos = np.asarray(positives, dtype=np.int64)
    small = (n_arr > 0) & (n_arr < rules.dominance_n)
    near = (pos <= rules.dominance_k) | (n_arr - pos <= rules.dominance_k)
    return np.asarray(small & near, dtype=np.bool_)


def _closed_intervals(
    values: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    hidden: npt.NDArray[np.bool_],
    bounds: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """What the city equation ``Σ_d N_d x_d = N x`` of each indicator reveals about
    its hidden cells, given the bounds of every hidden value."""
    lower = np.full(values.shape, np.nan)
    upper = np.full(values.shape, np.nan)
    for i in range(values.shape[0]):
        cells = np.flatnonzero(hidden[i])
        if len(cells) == 0:
            continue
        lo, hi = float(bounds[i, 0]), float(bounds[i, 1])
        w = weights[i, cells]
        known = float(np.dot(w, values[i, cells]))
        for position, cell in enumerate(cells):
            others = np.delete(w, position)
            if w[position] <= 0:
                lower[i, cell], upper[i, cell] = lo, hi
                continue
            a = (known - float(others.sum()) * hi) / w[position]
            b = (known - float(others.sum()) * lo) / w[position]
            lower[i, cell] = max(lo, a)
            upper[i, cell] = min(hi, b)
    return lower, upper


def secondary_suppression(
    values: npt.ArrayLike,
    weights: npt.ArrayLike,
    n: npt.ArrayLike,
    primary: npt.ArrayLike,
    bounds: npt.ArrayLike,
    rules: DisclosureRules,
    *,
    sum_to_one: bool = False,
) -> npt.NDArray[np.bool_]:
    """Complementary suppression for the indicators of one question by district.

    Parameters
    ----------
    values, weights
        ``(indicators, districts)``: the estimates and the weighted totals of
        valid answers ``N̂_d`` (known to an attacker after calibration).
    n
        Respondents per district.
    primary
        ``(indicators, districts)``: cells suppressed by ``min_n`` or dominance.
    bounds
        ``(indicators, 2)``: the range of each indicator (0-1 for shares, the
        scale for means).
    sum_to_one
        The indicators are the shares of all options of one single-choice
        question (their district values add up to 1).

    Returns
    -------
    numpy.ndarray
        ``(indicators, districts)``: every suppressed cell. A district is
        suppressed in all indicators of the question together (so that sums over
        options reveal nothing); districts with the fewest respondents are added
        until the city value and the published districts narrow no suppressed
        value to less than ``protection`` of its range (closed form per
        indicator; :func:`attacker_intervals` checks the whole system).
    """
    vals = np.asarray(values, dtype=np.float64)
    wts = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0)
    counts = np.asarray(n, dtype=np.int64)
    rng = np.asarray(bounds, dtype=np.float64)
    hidden_district = np.asarray(primary, dtype=np.bool_).any(axis=0) & (counts > 0)
    if not hidden_district.any():
        return np.zeros(vals.shape, dtype=np.bool_)
    width = rng[:, 1] - rng[:, 0]
    filled = np.where(np.isfinite(vals), vals, rng[:, :1])
    order = np.lexsort((-wts.sum(axis=0), counts))
    # a city value at 0 %/100 % (or the end of the scale) publishes every answer
    # already; no suppression can protect its districts, so they are not chased
    with np.errstate(invalid="ignore", divide="ignore"):
        city = (wts * filled).sum(axis=1) / wts.sum(axis=1)
    span = 1e-12 * np.maximum(width, 1.0)
    open_rows = (city > rng[:, 0] + span) & (city < rng[:, 1] - span)
    while True:
        hidden = np.broadcast_to(hidden_district, vals.shape)
        lower, upper = _closed_intervals(filled, wts, hidden, rng)
        narrow = (upper - lower) < rules.protection * width[:, None]
        narrow &= open_rows[:, None]
        if not (narrow & hidden).any():
            break
        candidates = [int(d) for d in order if counts[d] > 0 and not hidden_district[d]]
        if not candidates:
            break
        hidden_district[candidates[0]] = True
    del sum_to_one  # whole districts are suppressed; the option sums add nothing
    return np.array(np.broadcast_to(hidden_district, vals.shape), dtype=np.bool_)


def attacker_intervals(
    values: npt.ArrayLike,
    weights: npt.ArrayLike,
    suppressed: npt.ArrayLike,
    bounds: npt.ArrayLike,
    *,
    sum_to_one: bool = False,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The tightest interval an attacker can find for every suppressed cell.

    The attacker knows every published cell, the city value of every indicator
    and the weighted totals ``N̂_d``; unknowns are the suppressed cells, with
    the equations ``Σ_d N̂_d x_{i,d} = N̂ x_i`` (the city value of indicator
    ``i``), ``Σ_i x_{i,d} = 1`` when ``sum_to_one``, and the bounds. Each
    suppressed cell is minimised and maximised by linear programming (HiGHS).
    """
    from scipy.optimize import linprog  # type: ignore[import-untyped, unused-ignore]

    vals = np.asarray(values, dtype=np.float64)
    wts = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0)
    hidden = np.asarray(suppressed, dtype=np.bool_) & (wts > 0)
    rng = np.asarray(bounds, dtype=np.float64)
    cells = [(int(i), int(d)) for i, d in zip(*np.nonzero(hidden), strict=True)]
    lower = np.full(vals.shape, np.nan)
    upper = np.full(vals.shape, np.nan)
    if not cells:
        return lower, upper
    index = {cell: k for k, cell in enumerate(cells)}
    rows: list[npt.NDArray[np.float64]] = []
    rhs: list[float] = []
    for i in range(vals.shape[0]):
        row = np.zeros(len(cells))
        total = 0.0
        for d in range(vals.shape[1]):
            if (i, d) in index:
                row[index[(i, d)]] = wts[i, d]
                total += wts[i, d] * vals[i, d]
        if row.any():
            rows.append(row)
            rhs.append(total)
    if sum_to_one:
        for d in range(vals.shape[1]):
            members = [index[(i, d)] for i in range(vals.shape[0]) if (i, d) in index]
            if members:
                row = np.zeros(len(cells))
                row[members] = 1.0
                rows.append(row)
                rhs.append(float(sum(vals[i, d] for i, dd in cells if dd == d)))
    a_eq = np.vstack(rows)
    b_eq = np.asarray(rhs)
    box = [(float(rng[i, 0]), float(rng[i, 1])) for i, _ in cells]
    for k, (i, d) in enumerate(cells):
        objective = np.zeros(len(cells))
        objective[k] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=box, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=box, method="highs")
        lower[i, d] = float(low.fun) if low.status == 0 else float(rng[i, 0])
        upper[i, d] = float(-high.fun) if high.status == 0 else float(rng[i, 1])
    return lower, upper
