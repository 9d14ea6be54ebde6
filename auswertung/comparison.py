"""Comparisons: each district against the city (Rao-Scott tests of association are
in :mod:`auswertung.association`).

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
    Domains,
    DomainStats,
    Estimate,
    assemble,
    check_alpha,
    code_mask,
    codes_text,
    domain_stats,
    domains_of,
    logit_ci,
    mean_ci,
    share_values,
    t_quantile,
)

__all__ = [
    "ADJUSTMENTS",
    "NOT_TESTED_REASONS",
    "RULE_TEXT",
    "Comparison",
    "adjust_p_values",
    "compare_with_total",
    "estimate_and_compare",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


def _readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


#: Multiple-testing adjustments across the districts of one indicator.
Adjustment = Literal["bh", "holm", "none"]
ADJUSTMENTS: tuple[str, ...] = ("bh", "holm", "none")

#: Why a district is not tested (German, shown beside the cell).
NOT_TESTED_REASONS: Mapping[str, str] = {
    "suppressed": "nicht ausgewiesen",
    "edge": "nicht prüfbar: 0 % oder 100 % (kein Standardfehler)",
    "constant": "nicht prüfbar: alle Antworten gleich",
    "city_constant": "nicht prüfbar: alle Antworten in der Stadt gleich",
    "no_variance": "nicht prüfbar: Standardfehler 0",
    "no_df": "nicht prüfbar: zu wenige Freiheitsgrade",
}


#: The flag rule in words, for method boxes (German).
RULE_TEXT = (
    "„höher“/„niedriger“ nur, wenn das 95-%-Intervall des Unterschieds zur Stadt "
    "0 ausschließt (berechnet wie das Intervall des Sozialraums: Mittelwerte "
    "direkt, Anteile auf der Logit-Skala, mit den Freiheitsgraden des Sozialraums; "
    "die Kovarianz mit der Stadt ist berücksichtigt), der Unterschied nach der "
    "Korrektur für viele Vergleiche (Benjamini-Hochberg, höchstens 5 % falsche "
    "Hinweise erwartet; der Test nimmt für den Sozialraum die Streuung der "
    "Stadt an, wenn seine eigene kleiner ist) bestehen bleibt und das "
    "Intervall des Sozialraums den "
    "Stadtwert nicht enthält. Bei 0 % oder 100 % und wenn alle Antworten gleich "
    "sind, wird nicht geprüft („nicht prüfbar“)."
)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Each domain's estimate against the overall (city-wide) estimate.

    The flag rule (``flag``): a domain is higher (``+1``) or lower (``-1``) than
    the city only if (a) the ``1 - alpha`` interval of the difference, on the
    scale of the domain's own interval (identity for means, logit for shares) and
    with the domain's degrees of freedom, excludes 0, (b) the p-value of
    that t test with the SE widened to the variance the domain would have if it
    were like the city, where that is larger (``p_flag``), adjusted across the
    tested domains of the indicator (``adjustment``), is below ``alpha``, and
    (c) the domain's own published interval does not contain the city value.
    Domains at 0 %/100 %, with a constant item, zero SE or no degrees
    of freedom are not tested (``reason``).

    Attributes
    ----------
    indicator, statistic, by, alpha, min_n
        As in :class:`~auswertung.estimation.Estimate`.
    total_estimate
        The city-wide estimate.
    scale
        ``"identity"`` (means) or ``"logit"`` (shares): the scale of the test.
    adjustment
        ``"bh"`` (Benjamini-Hochberg), ``"holm"`` or ``"none"``.
    district, n, estimate
        Domain labels, respondents and domain estimates.
    domain_lower, domain_upper
        The domain's own interval (t for means, logit for shares).
    difference
        ``estimate - total_estimate`` on the original scale.
    test_difference, se, ci_lower, ci_upper
        The difference on the test scale (``logit p_d - logit p`` for shares), its
        linearisation SE (covariance with the city included) and interval.
    df
        Degrees of freedom per domain (those of the domain's own interval).
    p_value, p_adjusted
        Two-sided p-value of the t test and the adjusted p-value (as R's
        ``svycontrast`` and ``p.adjust``).
    p_flag, p_flag_adjusted
        The test the flag rests on: as ``p_value`` but with the SE widened to
        the variance the domain would have if it were like the city, where that
        is larger than its own (:func:`_null_variance_ratio`), and its adjusted
        p-value. Never smaller than ``p_value``/``p_adjusted``.
    flag
        ``+1`` higher, ``-1`` lower, ``0`` no difference shown; ``0`` also when
        not tested.
    reason
        Empty when tested, else a key of :data:`NOT_TESTED_REASONS`.
    suppressed
        ``True`` where ``n < min_n``; the figures of these rows are NaN.
    """

    indicator: str
    statistic: str
    by: str
    alpha: float
    min_n: int
    total_estimate: float
    scale: str
    adjustment: str
    district: tuple[Hashable, ...]
    n: IntArray
    estimate: FloatArray
    domain_lower: FloatArray
    domain_upper: FloatArray
    difference: FloatArray
    test_difference: FloatArray
    se: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    df: IntArray
    p_value: FloatArray
    p_adjusted: FloatArray
    p_flag: FloatArray
    p_flag_adjusted: FloatArray
    flag: IntArray
    reason: tuple[str, ...]
    suppressed: BoolArray

    @property
    def tested(self) -> BoolArray:
        """Domains that were tested."""
        return np.array([not r for r in self.reason], dtype=np.bool_)

    def to_frame(self) -> pd.DataFrame:
        """Columns ``district, n, estimate, domain_lower, domain_upper,
        total_estimate, difference, test_difference, se, ci_lower, ci_upper, df,
        p_value, p_adjusted, p_flag, p_flag_adjusted, flag, reason, suppressed``."""
        total = np.full(len(self.district), self.total_estimate)
        total[np.asarray(self.suppressed)] = np.nan
        return pd.DataFrame(
            {
                "district": pd.Series(self.district, dtype=object),
                "n": np.asarray(self.n),
                "estimate": np.asarray(self.estimate),
                "domain_lower": np.asarray(self.domain_lower),
                "domain_upper": np.asarray(self.domain_upper),
                "total_estimate": total,
                "difference": np.asarray(self.difference),
                "test_difference": np.asarray(self.test_difference),
                "se": np.asarray(self.se),
                "ci_lower": np.asarray(self.ci_lower),
                "ci_upper": np.asarray(self.ci_upper),
                "df": np.asarray(self.df),
                "p_value": np.asarray(self.p_value),
                "p_adjusted": np.asarray(self.p_adjusted),
                "p_flag": np.asarray(self.p_flag),
                "p_flag_adjusted": np.asarray(self.p_flag_adjusted),
                "flag": np.asarray(self.flag),
                "reason": pd.Series(self.reason, dtype=object),
                "suppressed": np.asarray(self.suppressed),
            }
        )


def adjust_p_values(p_values: npt.ArrayLike, method: str = "bh") -> FloatArray:
    """Adjusted p-values as R's ``p.adjust`` (NaN entries are left out).

    ``"bh"``: Benjamini & Hochberg (1995) step-up, ``min_{j>=i} m p_(j) / j``;
    ``"holm"``: Holm (1979) step-down, ``max_{j<=i} (m - j + 1) p_(j)``; both
    capped at 1, ``m`` the number of non-NaN p-values.
    """
    if method not in ADJUSTMENTS:
        raise EstimationError(
            "invalid_parameter",
            place="adjustment",
            parameter="adjustment",
            value=method,
        )
    p = np.array(p_values, dtype=np.float64)
    result = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return result
    if method == "none":
        result[ok] = p[ok]
        return result
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order]
    rank = np.arange(1, m + 1, dtype=np.float64)
    if method == "bh":
        scaled = ranked * m / rank
        adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    else:
        scaled = ranked * (m - rank + 1)
        adjusted = np.maximum.accumulate(scaled)
    result[order] = np.minimum(adjusted, 1.0)
    return result


def _domain_range(
    y: FloatArray, valid: BoolArray, codes: IntArray, count: int
) -> tuple[FloatArray, FloatArray]:
    """Smallest and largest valid value per domain, then overall (last)."""
    low = np.full(count + 1, np.inf)
    high = np.full(count + 1, -np.inf)
    rows = np.flatnonzero(valid & (codes >= 0))
    np.minimum.at(low, codes[rows], y[rows])
    np.maximum.at(high, codes[rows], y[rows])
    if valid.any():
        low[-1] = float(np.min(y[valid]))
        high[-1] = float(np.max(y[valid]))
    return low, high


def _null_variance_ratio(
    design: Design,
    y: FloatArray,
    valid: BoolArray,
    domains: Any,
    estimate: FloatArray,
    total: float,
    logit: bool,
) -> FloatArray:
    """Per domain, the variance of its test difference if the domain were like the
    city (the null hypothesis) over the variance from its own answers.

    Means: the city's weighted variance of the item over the domain's. Shares on
    the logit scale: ``p_d (1 - p_d) / (p (1 - p))`` (the score test's variance).
    A domain whose own answers vary less than the city's (a high mean near the
    top of a scale, say) would otherwise get a too small SE and a false flag.
    """
    if logit:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(
                estimate * (1 - estimate) / (total * (1 - total)), dtype=np.float64
            )
    keep = valid & (domains.codes >= 0)
    codes = domains.codes[keep]
    w = np.asarray(design.weights, dtype=np.float64)[keep]
    values = y[keep]
    # the domain estimate is the domain's weighted mean: spread around it
    weight = np.bincount(codes, w, minlength=domains.count)
    spread = np.bincount(
        codes, w * (values - estimate[codes]) ** 2, minlength=domains.count
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        domain_var = spread / weight
        city_mean = w @ values / w.sum()
        city_var = w @ (values - city_mean) ** 2 / w.sum()
        return np.asarray(city_var / domain_var, dtype=np.float64)


def compare_with_total(
    design: Design,
    variable: str,
    *,
    by: str,
    codes: Sequence[Any] | None = None,
    missing: Iterable[Any] = (),
    alpha: float = 0.05,
    min_n: int = DEFAULT_MIN_N,
    adjustment: Adjustment = "bh",
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
        Significance level of the intervals and of the flags.
    min_n
        Minimum number of respondents in the domain.
    adjustment
        Multiple-testing adjustment across the tested domains: ``"bh"``
        (Benjamini-Hochberg, default), ``"holm"`` or ``"none"``.

    Returns
    -------
    Comparison

    Notes
    -----
    For a mean the difference ``ȳ_d - ȳ`` has the linearised scores
    ``z_d,i - z_i``; for a share the test is on the logit scale of the share's
    own interval, ``logit p̂_d - logit p̂`` with scores
    ``z_d,i / (p̂_d (1 - p̂_d)) - z_i / (p̂ (1 - p̂))`` (delta method). The
    variance is computed from these scores directly, so
    ``Var(a) + Var(b) - 2 Cov(a, b)`` of the overlapping domains including
    calibration (Lumley 2010, ch. 5 on ``svycontrast``; Särndal, Swensson &
    Wretman 1992, ch. 10). The interval and t test use the domain's degrees of
    freedom, as the domain's own interval does. p-values are adjusted across the
    tested domains by Benjamini & Hochberg (1995) or Holm (1979).

    The flag's test (``p_flag``) widens the SE where the domain's own answers
    vary less than the city's: for a bounded item, a district whose mean lies
    near the top of the scale also shows a small spread, so its own SE is too
    small exactly when its mean is far from the city's, and the t test's far
    tail (where Benjamini-Hochberg decides with 70 districts) is too light. Under
    the null hypothesis the district is like the city and has the city's spread;
    taking the larger of the two variances is the test under the null (as a
    score test does) and never weaker than the plain t test.
    ``benchmarks/findings_fdr.py`` measures the effect.
    """
    alpha = check_alpha(alpha)
    min_n = check_min_n(min_n)
    _check_adjustment(adjustment)
    domains = domains_of(design, by)
    y, valid, indicator, statistic = _values(design, variable, codes, missing)
    return _compare(
        design, y, valid, domains, indicator, statistic, alpha, min_n, adjustment
    )[1]


def estimate_and_compare(
    design: Design,
    variable: str,
    *,
    by: str,
    codes: Sequence[Any] | None = None,
    missing: Iterable[Any] = (),
    alpha: float = 0.05,
    min_n: int = DEFAULT_MIN_N,
    adjustment: Adjustment = "bh",
) -> tuple[Estimate, Comparison]:
    """The estimate by ``by`` with the overall value first, as
    :func:`~auswertung.estimation.estimate_mean` (``codes`` ``None``) or
    :func:`~auswertung.estimation.estimate_share` (logit interval) with
    ``include_total=True`` give it, and :func:`compare_with_total`, from one
    pass over the responses: the domain statistics and the residualised scores
    are computed once for both."""
    alpha = check_alpha(alpha)
    min_n = check_min_n(min_n)
    _check_adjustment(adjustment)
    domains = domains_of(design, by)
    y, valid, indicator, statistic = _values(design, variable, codes, missing)
    st, comparison = _compare(
        design, y, valid, domains, indicator, statistic, alpha, min_n, adjustment
    )
    estimate = assemble(
        indicator=indicator,
        statistic=statistic,
        domains=domains,
        parts=[(None, st)],
        include_total=True,
        alpha=alpha,
        ci="t" if statistic == "mean" else "logit",
        min_n=min_n,
    )
    return estimate, comparison


def _check_adjustment(adjustment: str) -> None:
    if adjustment not in ADJUSTMENTS:
        raise EstimationError(
            "invalid_parameter",
            place="adjustment",
            parameter="adjustment",
            value=adjustment,
        )


def _values(
    design: Design,
    variable: str,
    codes: Sequence[Any] | None,
    missing: Iterable[Any],
) -> tuple[FloatArray, BoolArray, str, str]:
    """The item's values, its valid rows, the indicator name and statistic."""
    if codes is None:
        y = numeric_column(design.data, variable, error=EstimationError)
        valid = ~np.isnan(y) & ~code_mask(design.data[variable], missing)
        return y, valid, variable, "mean"
    code_list = list(codes)
    y, valid = share_values(design, variable, code_list, missing)
    return y, valid, f"{variable}={codes_text(code_list)}", "share"


def _compare(
    design: Design,
    y: FloatArray,
    valid: BoolArray,
    domains: Domains,
    indicator: str,
    statistic: str,
    alpha: float,
    min_n: int,
    adjustment: str,
) -> tuple[DomainStats, Comparison]:
    count = domains.count
    low, high = _domain_range(y, valid, domains.codes, count)
    logit = statistic == "share"
    city_constant = not (low[-1] < high[-1])
    reason = ["" for _ in range(count)]

    def contrast(partial: DomainStats) -> tuple[FloatArray | None, float]:
        """Which domains are tested (``reason``) and the factors of the
        difference: 1 for means, the logit's derivative for shares."""
        n = partial.n[:-1]
        estimate = partial.estimate[:-1]
        suppressed = suppression_mask(n, min_n)
        for d in range(count):
            if suppressed[d] or n[d] == 0:
                reason[d] = "suppressed"
            elif city_constant:
                reason[d] = "city_constant"
            elif not (low[d] < high[d]):
                reason[d] = "edge" if logit else "constant"
            elif logit and not (0.0 < estimate[d] < 1.0):
                reason[d] = "edge"
            elif partial.df[d] <= 0:
                reason[d] = "no_df"
        if not logit:
            return None, 1.0
        tested = np.array([not r for r in reason], dtype=np.bool_)
        total = float(partial.estimate[-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(tested, 1.0 / (estimate * (1.0 - estimate)), 0.0)
        total_factor = 1.0 / (total * (1.0 - total)) if 0 < total < 1 else 0.0
        return np.nan_to_num(factor, nan=0.0, posinf=0.0), total_factor

    st = domain_stats(design, y, valid, domains, contrast=contrast)
    n = st.n[:-1]
    total = float(st.estimate[-1])
    domain_df = st.df[:-1]
    estimate = st.estimate[:-1]
    domain_se = np.sqrt(st.variance[:-1])
    suppressed = suppression_mask(n, min_n)
    variance = st.difference_variance
    if variance is None:  # pragma: no cover - domain_stats sets it with contrast
        raise RuntimeError("difference variance missing")
    if logit:
        with np.errstate(divide="ignore", invalid="ignore"):
            test_diff = np.log(estimate / (1 - estimate)) - (
                np.log(total / (1 - total)) if 0 < total < 1 else np.nan
            )
        lower, upper = logit_ci(estimate, domain_se, domain_df, n, alpha)
    else:
        test_diff = estimate - total
        lower, upper = mean_ci(estimate, domain_se, domain_df, alpha)
    se = np.sqrt(variance)
    tested = np.array([not r for r in reason], dtype=np.bool_)
    for index in np.flatnonzero(tested).tolist():
        d = int(index)
        if not (np.isfinite(se[d]) and se[d] > 0 and np.isfinite(test_diff[d])):
            reason[d] = "no_variance"
    tested = np.array([not r for r in reason], dtype=np.bool_)

    q = t_quantile(1 - alpha / 2, domain_df)
    p_value = np.full(count, np.nan)
    ci_lower = np.full(count, np.nan)
    ci_upper = np.full(count, np.nan)
    if tested.any():
        t_stat = test_diff[tested] / se[tested]
        p_value[tested] = 2 * stats.t.sf(np.abs(t_stat), domain_df[tested])
        ci_lower[tested] = test_diff[tested] - q[tested] * se[tested]
        ci_upper[tested] = test_diff[tested] + q[tested] * se[tested]
    p_adjusted = adjust_p_values(p_value, adjustment)
    p_flag = np.full(count, np.nan)
    if tested.any():
        null_ratio = _null_variance_ratio(
            design, y, valid, domains, estimate, total, logit
        )[tested]
        widen = np.sqrt(np.maximum(np.nan_to_num(null_ratio, nan=1.0), 1.0))
        flag_t = test_diff[tested] / (se[tested] * widen)
        p_flag[tested] = 2 * stats.t.sf(np.abs(flag_t), domain_df[tested])
    p_flag_adjusted = adjust_p_values(p_flag, adjustment)
    flag = np.zeros(count, dtype=np.intp)
    for index in np.flatnonzero(tested).tolist():
        d = int(index)
        excludes_zero = ci_lower[d] > 0 or ci_upper[d] < 0
        if not (excludes_zero and p_flag_adjusted[d] < alpha):
            continue
        if lower[d] > total:
            flag[d] = 1
        elif upper[d] < total:
            flag[d] = -1

    def blank(values: FloatArray) -> FloatArray:
        result = np.array(values, dtype=np.float64)
        result[suppressed] = np.nan
        return _readonly(result)

    return st, Comparison(
        indicator=indicator,
        statistic=statistic,
        by=str(domains.by),
        alpha=alpha,
        min_n=min_n,
        total_estimate=total,
        scale="logit" if logit else "identity",
        adjustment=adjustment,
        district=tuple(domains.labels),
        n=_readonly(n.copy()),
        estimate=blank(estimate),
        domain_lower=blank(lower),
        domain_upper=blank(upper),
        difference=blank(estimate - total),
        test_difference=blank(np.where(tested, test_diff, np.nan)),
        se=blank(np.where(tested, se, np.nan)),
        ci_lower=blank(ci_lower),
        ci_upper=blank(ci_upper),
        df=_readonly(domain_df.astype(np.intp)),
        p_value=blank(p_value),
        p_adjusted=blank(p_adjusted),
        p_flag=blank(p_flag),
        p_flag_adjusted=blank(p_flag_adjusted),
        flag=_readonly(flag),
        reason=tuple(reason),
        suppressed=_readonly(suppressed),
    )
