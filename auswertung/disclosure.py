"""Disclosure control: a minimum number of respondents behind every figure.

Every published figure rests on at least ``min_n`` respondents (default 5). Below
that the estimate, its SE, CI and design effects are suppressed and flagged; the
unweighted n stays visible. In tables a suppressed cell is marked with ``"."`` as in
official statistics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from auswertung.errors import EstimationError

__all__ = [
    "DEFAULT_MIN_N",
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
