"""Comparisons: each district against the city, and Rao-Scott tests of association.

Districts are not ranked against each other: each is shown against the city as a
whole, with the uncertainty of the difference (which includes the covariance of the
district with the city it is part of).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from auswertung.design import Design, numeric_column
from auswertung.disclosure import DEFAULT_MIN_N, check_min_n, suppression_mask
from auswertung.errors import EstimationError
from auswertung.estimation import (
    check_alpha,
    code_mask,
    codes_text,
    difference_variance,
    domain_stats,
    domains_of,
    share_values,
    t_quantile,
    valid_mask,
)

__all__ = ["ChisqTest", "Comparison", "compare_with_total", "rao_scott_test"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


def _readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Comparison:
    """Each domain's estimate against the overall (city-wide) estimate.

    Attributes
    ----------
    indicator, statistic, by, alpha, min_n
        As in :class:`~auswertung.estimation.Estimate`.
    total_estimate
        The city-wide estimate.
    df
        Degrees of freedom of the city-wide estimate, used for the t test.
    district, n, estimate
        Domain labels, respondents and domain estimates.
    difference, se, ci_lower, ci_upper, p_value
        ``estimate - total_estimate``, its linearisation SE (covariance
        included), t interval and two-sided p-value.
    suppressed
        ``True`` where ``n < min_n``; the figures of these rows are NaN.
    """

    indicator: str
    statistic: str
    by: str
    alpha: float
    min_n: int
    total_estimate: float
    df: int
    district: tuple[Hashable, ...]
    n: IntArray
    estimate: FloatArray
    difference: FloatArray
    se: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    p_value: FloatArray
    suppressed: BoolArray

    def to_frame(self) -> pd.DataFrame:
        """Columns ``district, n, estimate, total_estimate, difference, se,
        ci_lower, ci_upper, df, p_value, suppressed``."""
        total = np.full(len(self.district), self.total_estimate)
        total[np.asarray(self.suppressed)] = np.nan
        return pd.DataFrame(
            {
                "district": pd.Series(self.district, dtype=object),
                "n": np.asarray(self.n),
                "estimate": np.asarray(self.estimate),
                "total_estimate": total,
                "difference": np.asarray(self.difference),
                "se": np.asarray(self.se),
                "ci_lower": np.asarray(self.ci_lower),
                "ci_upper": np.asarray(self.ci_upper),
                "df": np.full(len(self.district), self.df, dtype=np.intp),
                "p_value": np.asarray(self.p_value),
                "suppressed": np.asarray(self.suppressed),
            }
        )


def compare_with_total(
    design: Design,
    variable: str,
    *,
    by: str,
    codes: Sequence[Any] | None = None,
    missing: Iterable[Any] = (),
    alpha: float = 0.05,
    min_n: int = DEFAULT_MIN_N,
) -> Comparison:
    """Compare every domain's mean (or share) with the city-wide value.

    Parameters
    ----------
    design
        The survey design.
    variable
        The item.
    by
        Domain column, e.g. ``"district"``.
    codes
        ``None`` compares means; codes compare the share of these codes.
    missing
        Declared missing codes, excluded from the estimates.
    alpha
        Significance level of the interval.
    min_n
        Minimum number of respondents in the domain.

    Returns
    -------
    Comparison

    Notes
    -----
    The difference ``ȳ_d - ȳ`` has linearised scores ``z_d,i - z_i``; its variance
    is computed from them directly, so ``Var(ȳ_d) + Var(ȳ) - 2 Cov(ȳ_d, ȳ)``
    including calibration (Lumley 2010, ch. 5 on contrasts; Särndal, Swensson &
    Wretman 1992, ch. 10). The test uses t with the city-wide degrees of
    freedom.
    """
    alpha = check_alpha(alpha)
    min_n = check_min_n(min_n)
    domains = domains_of(design, by)
    if codes is None:
        y = numeric_column(design.data, variable, error=EstimationError)
        valid = ~np.isnan(y) & ~code_mask(design.data[variable], missing)
        indicator, statistic = variable, "mean"
    else:
        code_list = list(codes)
        y, valid = share_values(design, variable, code_list, missing)
        indicator, statistic = f"{variable}={codes_text(code_list)}", "share"
    st = domain_stats(design, y, valid, domains)
    variance = difference_variance(design, y, valid, domains, st)
    n = st.n[:-1]
    total = float(st.estimate[-1])
    df = int(st.df[-1])
    diff = st.estimate[:-1] - total
    se = np.sqrt(variance)
    q = float(t_quantile(1 - alpha / 2, np.array([df]))[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = diff / se
    p_value = np.full(diff.shape, np.nan)
    ok = np.isfinite(t_stat) & (df > 0)
    if ok.any():
        p_value[ok] = 2 * stats.t.sf(np.abs(t_stat[ok]), df)
    suppressed = suppression_mask(n, min_n)

    def blank(values: FloatArray) -> FloatArray:
        result = np.array(values, dtype=np.float64)
        result[suppressed] = np.nan
        return _readonly(result)

    return Comparison(
        indicator=indicator,
        statistic=statistic,
        by=by,
        alpha=alpha,
        min_n=min_n,
        total_estimate=total,
        df=df,
        district=tuple(domains.labels),
        n=_readonly(n.copy()),
        estimate=blank(st.estimate[:-1]),
        difference=blank(diff),
        se=blank(se),
        ci_lower=blank(diff - q * se),
        ci_upper=blank(diff + q * se),
        p_value=blank(p_value),
        suppressed=_readonly(suppressed),
    )


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
    delta = np.linalg.solve(denom, numer)
    trace = float(np.trace(delta))
    trace2 = float(np.trace(delta @ delta))
    nu = float(design.df)
    if statistic == "F":
        d0 = trace * trace / trace2
        value = pearson / trace
        ddf = d0 * nu
        p_value = float(stats.f.sf(value, d0, ddf))
        ndf = d0
        method = "Pearson-X²: Rao-Scott-Korrektur (F)"
    else:
        ndf = float(delta.shape[0])
        value = pearson / (trace / ndf)
        ddf = float("inf")
        p_value = float(stats.chi2.sf(value, ndf))
        method = "Pearson-X²: Rao-Scott-Korrektur erster Ordnung (Chi²)"
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
