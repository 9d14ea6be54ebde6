"""Rao-Scott tests of association between two categorical items, with a clear
"nicht berechenbar" where a sparse or singular table would give rounding noise."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from auswertung.design import Design
from auswertung.errors import EstimationError
from auswertung.estimation import valid_mask

__all__ = [
    "MAX_SHARE_EXPECTED_BELOW_5",
    "MIN_EXPECTED",
    "SINGULAR_TOLERANCE",
    "ChisqTest",
    "rao_scott_test",
]


def _german(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


@dataclass(frozen=True)
class ChisqTest:
    """Result of a design-based test of association between two items.

    Attributes
    ----------
    row, column
        The two variables.
    statistic
        ``"F"``: Rao-Scott second-order corrected ``F = X² / tr(Δ)``;
        ``"Chisq"``: first-order corrected ``X² / mean(λ)``.
    ndf, ddf
        Degrees of freedom of the reference distribution (``ddf`` is ``inf`` for
        ``"Chisq"``).
    p_value
        Upper tail probability.
    pearson
        Pearson's ``X²`` of the weighted table scaled to the sample size.
    mean_deff
        Mean generalised design effect ``tr(Δ) / ((r - 1)(c - 1))``.
    method
        Description.
    note
        Empty when the test was computed; else ``"nicht berechenbar: …"`` with
        the reason, and ``statistic``, ``ndf``, ``ddf``, ``p_value`` and
        ``mean_deff`` are NaN (never a number that depends on rounding noise).
    """

    row: str
    column: str
    statistic: float
    ndf: float
    ddf: float
    p_value: float
    pearson: float
    mean_deff: float
    method: str
    note: str = ""

    @property
    def computable(self) -> bool:
        """Whether the test has a result."""
        return not self.note


#: A test is not computed when more than this share of the cells expect fewer
#: than 5 respondents under independence (Cochran 1954) ...
MAX_SHARE_EXPECTED_BELOW_5 = 0.2
#: ... or any cell expects fewer than this.
MIN_EXPECTED = 1.0
#: Relative size of the smallest eigenvalue of ``C' D⁻¹ C`` below which the
#: interaction contrasts are not estimable (the table is singular).
SINGULAR_TOLERANCE = 1e-9


def _not_computable(
    row: str, column: str, pearson: float, method: str, reason: str
) -> ChisqTest:
    nan = float("nan")
    return ChisqTest(
        row=row,
        column=column,
        statistic=nan,
        ndf=nan,
        ddf=nan,
        p_value=nan,
        pearson=pearson,
        mean_deff=nan,
        method=method,
        note=f"nicht berechenbar: {reason}",
    )


def rao_scott_test(
    design: Design,
    row: str,
    column: str,
    *,
    missing: Mapping[str, Iterable[Any]] | None = None,
    statistic: Literal["F", "Chisq"] = "F",
) -> ChisqTest:
    """Rao-Scott corrected chi-square test of independence of two categorical items.

    Equal to R's ``svychisq(~row + column, design)`` (default ``statistic = "F"``).

    Parameters
    ----------
    design
        The survey design.
    row, column
        Categorical variables, e.g. an item and ``"district"``.
    missing
        Declared missing codes per variable, e.g. ``{"kultur": [8]}``; respondents
        with a missing value in either variable are left out of the table but stay
        in the design.
    statistic
        ``"F"`` (default) or ``"Chisq"``.

    Returns
    -------
    ChisqTest

    Notes
    -----
    With ``p̂`` the estimated cell proportions, ``V`` their linearisation covariance,
    ``C`` the interaction contrasts orthogonalised against the main effects and
    ``D = diag(p̂)``, the generalised design effects are the eigenvalues of
    ``Δ = (C' D⁻¹ C / n)⁻¹ (C' D⁻¹ V D⁻¹ C)`` (Rao & Scott 1984).
    ``F = X² / tr(Δ)`` is referred to ``F(d, d ν)`` with
    ``d = tr(Δ)² / tr(Δ²)`` and ``ν`` the design degrees of freedom (Rao & Scott
    1984; Lumley 2010, ch. 6). ``n`` is the number of rows of the
    design, as in R.

    The test is not computed (``note`` "nicht berechenbar: …", NaN figures) when
    the table is sparse (more than :data:`MAX_SHARE_EXPECTED_BELOW_5` of the
    cells expect fewer than 5 respondents under independence, or one expects
    fewer than :data:`MIN_EXPECTED`; Cochran 1954), when ``C' D⁻¹ C`` is
    singular (its smallest eigenvalue below :data:`SINGULAR_TOLERANCE` times the
    largest: empty cells make an interaction inestimable, and ``solve`` would
    return rounding noise), when ``tr(Δ) = 0`` or when the design has no degrees
    of freedom.
    """
    if statistic not in ("F", "Chisq"):
        raise EstimationError(
            "invalid_parameter",
            place="statistic",
            parameter="statistic",
            value=statistic,
        )
    missing = missing or {}
    row_series = design.column(row)
    col_series = design.column(column)
    valid = valid_mask(row_series, missing.get(row, ())) & valid_mask(
        col_series, missing.get(column, ())
    )
    row_codes, row_levels = pd.factorize(row_series.where(valid), sort=True)
    col_codes, col_levels = pd.factorize(col_series.where(valid), sort=True)
    n_r, n_c = len(row_levels), len(col_levels)
    if n_r < 2:
        raise EstimationError("too_few_levels", place=row, column=row)
    if n_c < 2:
        raise EstimationError("too_few_levels", place=column, column=column)
    rows = np.flatnonzero(valid)
    cell = (
        np.asarray(row_codes, dtype=np.intp)[rows]
        + n_r * np.asarray(col_codes, dtype=np.intp)[rows]
    )
    k = n_r * n_c
    w = design.weights[rows]
    w_total = float(w.sum())
    p = np.bincount(cell, weights=w, minlength=k) / w_total
    scores = np.zeros((design.n, k))
    scores[rows, :] = -(w / w_total)[:, None] * p[None, :]
    scores[rows, cell] += w / w_total
    v = design.variance(scores, covariance=True)

    n_all = float(design.n)
    observed = (p * n_all).reshape((n_c, n_r)).T  # rows x columns
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n_all
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(
            np.sum(np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0))
        )
    method = (
        "Pearson-X²: Rao-Scott-Korrektur (F)"
        if statistic == "F"
        else "Pearson-X²: Rao-Scott-Korrektur erster Ordnung (Chi²)"
    )
    counts = np.bincount(cell, minlength=k).reshape((n_c, n_r)).T.astype(np.float64)
    count_expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / len(rows)
    below_5 = int(np.sum(count_expected < 5))
    if (
        below_5 > MAX_SHARE_EXPECTED_BELOW_5 * k
        or float(count_expected.min()) < MIN_EXPECTED
    ):
        return _not_computable(
            row,
            column,
            pearson,
            method,
            f"zu dünn besetzte Tabelle ({below_5} von {k} Zellen erwarten weniger "
            f"als 5 Antworten, die kleinste {_german(float(count_expected.min()))}; "
            "Regel: höchstens 20 % unter 5 und keine unter 1)",
        )
    nu = float(design.df)
    if not nu > 0:
        return _not_computable(
            row, column, pearson, method, "keine Freiheitsgrade des Designs"
        )

    row_index = np.tile(np.arange(n_r), n_c)
    col_index = np.repeat(np.arange(n_c), n_r)
    main = [np.ones(k)]
    main += [(row_index == i).astype(np.float64) for i in range(1, n_r)]
    main += [(col_index == j).astype(np.float64) for j in range(1, n_c)]
    x1 = np.column_stack(main)
    inter = np.column_stack(
        [
            ((row_index == i) & (col_index == j)).astype(np.float64)
            for j in range(1, n_c)
            for i in range(1, n_r)
        ]
    )
    contrast = inter - x1 @ np.linalg.lstsq(x1, inter, rcond=None)[0]
    with np.errstate(divide="ignore"):
        inv_p = np.where(p > 0, 1.0 / p, 0.0)
    weighted = contrast * inv_p[:, None]
    denom = contrast.T @ weighted / n_all
    numer = weighted.T @ v @ weighted
    eigen = np.linalg.eigvalsh((denom + denom.T) / 2)
    if not (
        np.all(np.isfinite(eigen))
        and eigen[-1] > 0
        and eigen[0] > SINGULAR_TOLERANCE * eigen[-1]
    ):
        return _not_computable(
            row,
            column,
            pearson,
            method,
            "die Tabelle ist singulär: ihre leeren Zellen lassen nicht jeden "
            "Zusammenhang schätzen (z. B. zwei Antworten, die in zwei Gruppen "
            "beide nie vorkommen)",
        )
    delta = np.linalg.solve(denom, numer)
    trace = float(np.trace(delta))
    trace2 = float(np.trace(delta @ delta))
    scale = float(np.max(np.abs(np.diag(numer)))) if numer.size else 0.0
    if not (np.isfinite(trace) and trace > 0 and trace2 > 0 and scale > 0):
        return _not_computable(
            row, column, pearson, method, "keine Streuung in der Tabelle"
        )
    if statistic == "F":
        d0 = trace * trace / trace2
        value = pearson / trace
        ddf = d0 * nu
        p_value = float(stats.f.sf(value, d0, ddf))
        ndf = d0
    else:
        ndf = float(delta.shape[0])
        value = pearson / (trace / ndf)
        ddf = float("inf")
        p_value = float(stats.chi2.sf(value, ndf))
    return ChisqTest(
        row=row,
        column=column,
        statistic=value,
        ndf=ndf,
        ddf=ddf,
        p_value=p_value,
        pearson=pearson,
        mean_deff=trace / delta.shape[0],
        method=method,
    )
