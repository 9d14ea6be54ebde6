"""Design-based estimation of means and shares, overall and by district.

Every estimator takes a :class:`~auswertung.design.Design` and returns a frozen
:class:`Estimate`. Domains (``by=``) are estimated on the full design: a domain mean
is the ratio ``Σ_d w y / Σ_d w`` whose linearised scores are zero outside the domain
(Särndal, Swensson & Wretman 1992, ch. 10; Lumley 2010, ch. 2). Item
non-response and declared missing codes remove a respondent from the estimate, not
from the design, as R's ``subset()`` does.

Numbers equal R ``survey`` 4.1: ``svymean(deff = TRUE)`` for estimate, SE and
design effect, ``confint(df = degf())`` for means, ``svyciprop`` for the logit and
Korn-Graubard intervals of shares.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from auswertung.design import Design, numeric_column
from auswertung.disclosure import DEFAULT_MIN_N, check_min_n, suppression_mask
from auswertung.errors import EstimationError
from auswertung.weighting import level_key

__all__ = [
    "CiMethod",
    "Estimate",
    "estimate_distribution",
    "estimate_mean",
    "estimate_multiple_choice",
    "estimate_share",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

CiMethod = Literal["logit", "beta"]
#: Largest number of matrix cells (rows x domains) held at once for the variance.
_CHUNK_CELLS = 6_000_000


def _readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


# ---------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class Estimate:
    """Estimates of one indicator, overall or per domain.

    Attributes
    ----------
    indicator
        ``VAR`` for means and distributions, ``VAR=CODES`` for shares.
    statistic
        ``"mean"``, ``"share"``, ``"distribution"`` or ``"multiple_choice"``.
    by
        Domain column, ``None`` for an overall estimate.
    alpha
        Significance level; the CIs have coverage ``1 - alpha``.
    ci_method
        ``"t"`` (means), ``"logit"`` or ``"beta"`` (shares).
    min_n
        Minimum n below which cells are suppressed.
    district
        Domain label per row; ``None`` for the city-wide row.
    category
        Category or option per row for distributions and multiple-choice
        questions, else ``None``.
    n
        Unweighted number of respondents with a valid answer.
    estimate, se, ci_lower, ci_upper
        Estimate, standard error and confidence limits (NaN when suppressed).
    df
        Degrees of freedom: PSUs minus strata among the respondents.
    deff
        Design effect as R's ``svymean(deff = TRUE)``.
    kish_deff
        Kish's design effect from unequal weights, ``n Σw² / (Σw)²``.
    suppressed
        ``True`` where ``n < min_n``.
    """

    indicator: str
    statistic: str
    by: str | None
    alpha: float
    ci_method: str
    min_n: int
    district: tuple[Hashable | None, ...]
    category: tuple[Hashable, ...] | None
    n: IntArray
    estimate: FloatArray
    se: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    df: IntArray
    deff: FloatArray
    kish_deff: FloatArray
    suppressed: BoolArray

    def __len__(self) -> int:
        return len(self.district)

    def to_frame(self) -> pd.DataFrame:
        """Return the estimates as a table.

        Columns: ``district``, (``category``), ``n``, ``estimate``, ``se``,
        ``ci_lower``, ``ci_upper``, ``df``, ``deff``, ``kish_deff``, ``suppressed``.
        """
        data: dict[str, Any] = {"district": pd.Series(self.district, dtype=object)}
        if self.category is not None:
            data["category"] = pd.Series(self.category, dtype=object)
        data.update(
            n=np.asarray(self.n),
            estimate=np.asarray(self.estimate),
            se=np.asarray(self.se),
            ci_lower=np.asarray(self.ci_lower),
            ci_upper=np.asarray(self.ci_upper),
            df=np.asarray(self.df),
            deff=np.asarray(self.deff),
            kish_deff=np.asarray(self.kish_deff),
            suppressed=np.asarray(self.suppressed),
        )
        return pd.DataFrame(data)


# ---------------------------------------------------------------------- domains
@dataclass(frozen=True)
class Domains:
    """Domain membership of every row: ``codes`` (-1: none) and ``labels``."""

    by: str | None
    codes: IntArray
    labels: tuple[Hashable, ...]

    @property
    def count(self) -> int:
        """Number of domains."""
        return len(self.labels)


def domains_of(design: Design, by: str | None) -> Domains:
    """Return the domains of ``by`` (sorted levels; categories keep their order).

    Rows with a missing ``by`` value belong to no domain but stay in the design
    and in the city-wide estimate.
    """
    if by is None:
        return Domains(None, np.full(design.n, -1, dtype=np.intp), ())
    key = f"domains:{by}"
    cached = design.cache.get(key)
    if isinstance(cached, Domains):
        return cached
    series = design.column(by)
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = np.asarray(series.cat.codes.to_numpy(), dtype=np.intp)
        labels = tuple(series.cat.categories)
    else:
        raw_codes, uniques = pd.factorize(series, sort=True)
        codes = np.asarray(raw_codes, dtype=np.intp)
        labels = tuple(uniques)
    domains = Domains(by, _readonly(codes), labels)
    design.cache[key] = domains
    return domains


# ---------------------------------------------------------------------- values
def code_mask(series: pd.Series, codes: Iterable[Any]) -> BoolArray:
    """Return where ``series`` holds one of ``codes``.

    Numbers match numerically (``"4"``, ``4`` and ``4.0`` are the same code); text
    matches after :func:`~auswertung.weighting.level_key`.
    """
    code_list = list(codes)
    if not code_list:
        return np.zeros(len(series), dtype=np.bool_)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    ):
        numeric: list[float] = []
        for code in code_list:
            try:
                numeric.append(float(code))
            except (TypeError, ValueError):
                continue
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.asarray(np.isin(values, numeric), dtype=np.bool_)
    keys = {level_key(code) for code in code_list}
    raw_codes, uniques = pd.factorize(series)
    hit = np.array([level_key(u) in keys for u in uniques] + [False], dtype=np.bool_)
    return np.asarray(hit[np.where(raw_codes < 0, len(uniques), raw_codes)])


def valid_mask(series: pd.Series, missing: Iterable[Any]) -> BoolArray:
    """Return where ``series`` holds a valid answer.

    Missing values, empty text and the declared ``missing`` codes are not valid;
    these respondents leave the estimate but stay in the design.
    """
    present = series.notna().to_numpy(dtype=bool, copy=True)
    if isinstance(series.dtype, pd.StringDtype) or series.dtype == object:
        present &= (
            (series.astype("string").str.strip() != "")
            .fillna(False)
            .to_numpy(dtype=bool)
        )
    return np.asarray(present & ~code_mask(series, missing), dtype=np.bool_)


def check_alpha(alpha: object) -> float:
    """Validate a significance level ``0 < alpha < 1``."""
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, float | int)
        or not 0 < float(alpha) < 1
    ):
        raise EstimationError(
            "invalid_parameter", place="alpha", parameter="alpha", value=alpha
        )
    return float(alpha)


def _check_ci(ci: object) -> CiMethod:
    if ci == "logit":
        return "logit"
    if ci == "beta":
        return "beta"
    raise EstimationError("invalid_parameter", place="ci", parameter="ci", value=ci)


# ---------------------------------------------------------------------- core
@dataclass(frozen=True)
class DomainStats:
    """Ratio-mean statistics per domain; the last entry is the overall value."""

    n: IntArray
    weight_total: FloatArray
    estimate: FloatArray
    variance: FloatArray
    df: IntArray
    deff: FloatArray
    kish_deff: FloatArray
    #: With a ``contrast`` (:func:`domain_stats`): per domain, the variance of
    #: ``a_d ȳ_d - b ȳ`` (see :func:`difference_variance`).
    difference_variance: FloatArray | None = None


#: Given the statistics without variances, the factors ``a_d`` (``None``: 1)
#: and ``b`` of the difference whose variance :func:`domain_stats` adds.
Contrast = Callable[["DomainStats"], tuple["FloatArray | None", float]]


def _scores_chunks(
    design: Design,
    y: FloatArray,
    valid: BoolArray,
    domains: Domains,
    estimate: FloatArray,
    weight_total: FloatArray,
    *,
    difference: bool,
    domain_factor: FloatArray | None = None,
    total_factor: float = 1.0,
) -> FloatArray:
    """Variances of the domain means (and of the overall mean, last).

    The score of respondent ``i`` for the mean of domain ``d`` is
    ``w_i 1_d(i) (y_i - ȳ_d) / N̂_d`` (Woodruff 1971; Lumley 2010, ch. 2). With
    ``difference`` the overall score is subtracted from every domain's score, which
    gives the variance of ``ȳ_d - ȳ`` including their covariance. With
    ``domain_factor`` ``a_d`` and ``total_factor`` ``b`` the scores are
    ``a_d z_d - b z``: the delta method for ``g(ȳ_d) - g(ȳ)`` with
    ``a_d = g'(ȳ_d)``, ``b = g'(ȳ)`` (e.g. the logit).
    """
    n_rows = design.n
    n_domains = domains.count
    w = design.weights
    in_domain = valid & (domains.codes >= 0)
    rows = np.flatnonzero(in_domain)
    dom = domains.codes[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        contrib = w[rows] * (y[rows] - estimate[dom]) / weight_total[dom]
        if domain_factor is not None:
            contrib = contrib * domain_factor[dom]
        total_rows = np.flatnonzero(valid)
        total_contrib = (
            total_factor
            * w[total_rows]
            * (y[total_rows] - estimate[-1])
            / weight_total[-1]
        )
    variances = np.full(n_domains + (0 if difference else 1), np.nan)
    columns_needed = n_domains + (0 if difference else 1)
    chunk = max(1, _CHUNK_CELLS // max(n_rows, 1))
    start = 0
    while start < columns_needed:
        stop = min(start + chunk, columns_needed)
        scores = np.zeros((n_rows, stop - start))
        domain_stop = min(stop, n_domains)
        if domain_stop > start:
            selected = (dom >= start) & (dom < domain_stop)
            scores[rows[selected], dom[selected] - start] = contrib[selected]
        if difference:
            scores[total_rows, :] -= total_contrib[:, None]
        elif stop == columns_needed:
            scores[total_rows, -1] = total_contrib
        variances[start:stop] = design.variance(scores)
        start = stop
    return variances


def _scores_with_difference(
    design: Design,
    y: FloatArray,
    valid: BoolArray,
    domains: Domains,
    estimate: FloatArray,
    weight_total: FloatArray,
    domain_factor: FloatArray | None,
    total_factor: float,
) -> tuple[FloatArray, FloatArray]:
    """As :func:`_scores_chunks` without and with ``difference``, from one
    residualisation: every chunk of domain score columns carries the overall
    score column, and the difference ``a_d z_d - b z`` is taken of the centred
    PSU totals (the residualisation and the totals are linear)."""
    n_rows = design.n
    n_domains = domains.count
    w = design.weights
    rows = np.flatnonzero(valid & (domains.codes >= 0))
    dom = domains.codes[rows]
    total_rows = np.flatnonzero(valid)
    with np.errstate(divide="ignore", invalid="ignore"):
        contrib = w[rows] * (y[rows] - estimate[dom]) / weight_total[dom]
        total_contrib = (
            w[total_rows] * (y[total_rows] - estimate[-1]) / weight_total[-1]
        )
    factors = np.ones(n_domains) if domain_factor is None else domain_factor
    variances = np.full(n_domains + 1, np.nan)
    differences = np.full(n_domains, np.nan)
    chunk = max(1, _CHUNK_CELLS // max(n_rows, 1) - 1)
    start = 0
    while start < max(n_domains, 1):
        stop = min(start + chunk, n_domains)
        width = stop - start
        scores = np.zeros((n_rows, width + 1))
        selected = (dom >= start) & (dom < stop)
        scores[rows[selected], dom[selected] - start] = contrib[selected]
        scores[total_rows, -1] = total_contrib
        centred, factor = design.centred_units(scores)
        domain_part = centred[:, :width]
        total_part = centred[:, -1]
        own = design.sum_of_squares(domain_part, factor)
        total_variance = float(design.sum_of_squares(centred[:, -1:], factor)[0])
        # Var(a z_d - b z) = a² Var(z_d) - 2ab Cov(z_d, z) + b² Var(z), the
        # covariance from the same centred totals (no n x k difference matrix)
        cross = domain_part.T @ (factor * total_part)
        a = factors[start:stop]
        variances[start:stop] = own
        variances[-1] = total_variance
        differences[start:stop] = np.maximum(
            a * a * own
            - 2.0 * a * total_factor * cross
            + total_factor * total_factor * total_variance,
            0.0,  # rounding must not make a variance negative
        )
        start = stop if stop > start else start + 1
    return variances, differences


def domain_stats(
    design: Design,
    y: FloatArray,
    valid: BoolArray,
    domains: Domains,
    *,
    contrast: Contrast | None = None,
) -> DomainStats:
    """Domain means of ``y`` over the ``valid`` rows, with variance and deff.

    Returns statistics for every domain followed by the overall (city-wide) value;
    with ``contrast`` also the variance of each domain's difference from the
    overall value, from the same residualisation (:func:`difference_variance`
    does it on its own).

    Notes
    -----
    ``deff = V / V_srs`` with ``V_srs = s² (N̂ - n) / (N̂ n)`` and
    ``s² = Σ w (y - ȳ)² / Σ w · n / (n - 1)``, as R's ``svymean(deff = TRUE)``
    (Kish 1965, ch. 8; Lumley 2010, ch. 2). Kish's deff is
    ``n Σw² / (Σw)²`` over the respondents (Kish 1965, ch. 11).
    """
    n_domains = domains.count
    w = design.weights
    in_domain = valid & (domains.codes >= 0)
    index = np.where(in_domain, domains.codes, n_domains)
    wv = np.where(valid, w, 0.0)
    yv = np.where(valid, y, 0.0)
    length = n_domains + 1
    counts = np.bincount(index[valid], minlength=length)[:n_domains]
    weight_total = np.bincount(index, weights=wv, minlength=length)[:n_domains]
    value_total = np.bincount(index, weights=wv * yv, minlength=length)[:n_domains]
    sq_weight = np.bincount(index, weights=wv * wv, minlength=length)[:n_domains]
    n_all = np.append(counts, int(valid.sum())).astype(np.intp)
    w_all = np.append(weight_total, float(np.sum(wv)))
    # np.sum (not np.dot): Σ w·1 then equals Σ w bit for bit, so an item that
    # everyone answers alike gives a share of exactly 1, not 1.0000000000000002
    t_all = np.append(value_total, float(np.sum(wv * yv)))
    sq_all = np.append(sq_weight, float(np.dot(wv, wv)))
    with np.errstate(divide="ignore", invalid="ignore"):
        est = t_all / w_all
    est = np.where(n_all > 0, est, np.nan)
    # weighted sum of squares around each domain mean
    row_est = np.where(in_domain, est[np.minimum(index, n_domains)], 0.0)
    resid = np.where(in_domain, yv - row_est, 0.0)
    ss = np.bincount(index, weights=wv * resid * resid, minlength=length)[:n_domains]
    resid_total = np.where(valid, yv - est[-1], 0.0)
    ss_all = np.append(ss, float(np.dot(wv, resid_total * resid_total)))

    df = np.append(
        design.domain_df(np.where(in_domain, domains.codes, -1), n_domains),
        design.domain_df(np.where(valid, 0, -1).astype(np.intp), 1),
    ).astype(np.intp)

    difference: FloatArray | None = None
    if contrast is None:
        variance = _scores_chunks(
            design, y, valid, domains, est, w_all, difference=False
        )
    else:
        unknown = np.full(length, np.nan)
        domain_factor, total_factor = contrast(
            DomainStats(n_all, w_all, est, unknown, df, unknown, unknown)
        )
        variance, difference = _scores_with_difference(
            design, y, valid, domains, est, w_all, domain_factor, total_factor
        )
        difference = np.where(n_all[:-1] > 0, difference, np.nan)
    variance = np.where(n_all > 0, variance, np.nan)

    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = ss_all / w_all * n_all / (n_all - 1)
        vsrs = s2 * (w_all - n_all) / (w_all * n_all)
        deff = variance / vsrs
        kish = n_all * sq_all / (w_all * w_all)
    deff = np.where((n_all > 1) & (w_all > n_all) & (vsrs > 0), deff, np.nan)
    kish = np.where(n_all > 0, kish, np.nan)
    return DomainStats(
        n=n_all,
        weight_total=w_all,
        estimate=est,
        variance=variance,
        df=df,
        deff=deff,
        kish_deff=kish,
        difference_variance=difference,
    )


def difference_variance(
    design: Design,
    y: FloatArray,
    valid: BoolArray,
    domains: Domains,
    stats_: DomainStats,
    *,
    domain_factor: FloatArray | None = None,
    total_factor: float = 1.0,
) -> FloatArray:
    """Variance of ``ȳ_d - ȳ`` for every domain, covariance included.

    With ``domain_factor`` (one per domain) and ``total_factor``: the variance of
    ``g(ȳ_d) - g(ȳ)`` by the delta method, the factors being ``g'`` at the
    domain and the overall estimate (Lumley 2010, ch. 5, ``svycontrast``).
    """
    variance = _scores_chunks(
        design,
        y,
        valid,
        domains,
        stats_.estimate,
        stats_.weight_total,
        difference=True,
        domain_factor=domain_factor,
        total_factor=total_factor,
    )
    return np.where(stats_.n[:-1] > 0, variance, np.nan)


# ---------------------------------------------------------------------- CIs
def t_quantile(level: float, df: npt.ArrayLike) -> FloatArray:
    """Quantile of Student's t; NaN for ``df <= 0``."""
    df_arr = np.asarray(df, dtype=np.float64)
    result = np.full(df_arr.shape, np.nan)
    ok = df_arr > 0
    if ok.any():
        result[ok] = stats.t.ppf(level, df_arr[ok])
    return result


def mean_ci(
    estimate: FloatArray, se: FloatArray, df: IntArray, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """``ȳ ± t_{1-α/2, df} SE`` (Lumley 2010, ch. 2; R ``confint(df = degf)``)."""
    q = t_quantile(1 - alpha / 2, df)
    return estimate - q * se, estimate + q * se


def logit_ci(
    p: FloatArray, se: FloatArray, df: IntArray, n: IntArray, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """Logit interval of a share, R ``svyciprop(method = "logit")``.

    ``expit(logit p̂ ± t_{1-α/2, df} SE / (p̂ (1 - p̂)))``: the Wald interval of the
    intercept of a survey-weighted logistic regression (Lumley 2010, ch. 2 and 6).
    For ``p̂`` of 0 or 1 the interval of :func:`beta_ci` is used.
    """
    lower = np.full(p.shape, np.nan)
    upper = np.full(p.shape, np.nan)
    q = t_quantile(1 - alpha / 2, df)
    inner = (p > 0) & (p < 1) & np.isfinite(se) & np.isfinite(q)
    if inner.any():
        pi = p[inner]
        logit = np.log(pi / (1 - pi))
        half = q[inner] * se[inner] / (pi * (1 - pi))
        lower[inner] = 1 / (1 + np.exp(-(logit - half)))
        upper[inner] = 1 / (1 + np.exp(-(logit + half)))
    edge = (p == 0) | (p == 1)
    if edge.any():
        lo, hi = beta_ci(p[edge], se[edge], df[edge], n[edge], alpha)
        lower[edge], upper[edge] = lo, hi
    return lower, upper


def beta_ci(
    p: FloatArray, se: FloatArray, df: IntArray, n: IntArray, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """Korn-Graubard (1998) interval of a share, R ``svyciprop(method = "beta")``.

    A Clopper-Pearson interval with the effective sample size
    ``n* = p̂ (1 - p̂) / V(p̂) · (t_{α/2, n-1} / t_{α/2, df})²`` and ``x* = n* p̂``::

        lower = Beta_{α/2}(x*, n* - x* + 1),  upper = Beta_{1-α/2}(x* + 1, n* - x*)

    ``n`` is the domain's number of respondents. When ``p̂`` is 0 or 1 (so
    ``V(p̂) = 0``) the effective size is ``n`` itself, as Korn & Graubard (1998)
    suggest.
    """
    p = np.asarray(p, dtype=np.float64)
    lower = np.full(p.shape, np.nan)
    upper = np.full(p.shape, np.nan)
    n_f = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (t_quantile(alpha / 2, n_f - 1) / t_quantile(alpha / 2, df)) ** 2
        var = se * se
        n_eff = np.where((p > 0) & (p < 1), p * (1 - p) / var, n_f) * ratio
    ok = np.isfinite(n_eff) & (n_eff > 0) & np.isfinite(p)
    zero_var = (p > 0) & (p < 1) & (var == 0)
    if zero_var.any():
        lower[zero_var] = p[zero_var]
        upper[zero_var] = p[zero_var]
    ok &= ~zero_var
    if ok.any():
        pn = p[ok]
        ne = n_eff[ok]
        x = ne * pn
        lo = np.zeros(pn.shape)
        hi = np.ones(pn.shape)
        has_lo = pn > 0
        has_hi = pn < 1
        lo[has_lo] = stats.beta.ppf(alpha / 2, x[has_lo], ne[has_lo] - x[has_lo] + 1)
        hi[has_hi] = stats.beta.ppf(
            1 - alpha / 2, x[has_hi] + 1, ne[has_hi] - x[has_hi]
        )
        lower[ok] = lo
        upper[ok] = hi
    return lower, upper


# ---------------------------------------------------------------------- assembly
def assemble(
    *,
    indicator: str,
    statistic: str,
    domains: Domains,
    parts: Sequence[tuple[Hashable | None, DomainStats]],
    include_total: bool,
    alpha: float,
    ci: str,
    min_n: int,
) -> Estimate:
    labels: list[Hashable | None] = []
    categories: list[Hashable] = []
    columns: dict[str, list[FloatArray]] = {
        k: [] for k in ("n", "estimate", "se", "df", "deff", "kish", "lo", "hi")
    }
    for category, st in parts:
        if domains.by is None:
            order = np.array([domains.count], dtype=np.intp)
            part_labels: list[Hashable | None] = [None]
        else:
            order = np.arange(domains.count, dtype=np.intp)
            part_labels = list(domains.labels)
            if include_total:
                order = np.append(domains.count, order).astype(np.intp)
                part_labels = [None, *part_labels]
        se = np.sqrt(st.variance)
        if ci == "t":
            lo, hi = mean_ci(st.estimate, se, st.df, alpha)
        elif ci == "logit":
            lo, hi = logit_ci(st.estimate, se, st.df, st.n, alpha)
        else:
            lo, hi = beta_ci(st.estimate, se, st.df, st.n, alpha)
        labels.extend(part_labels)
        if category is not None:
            categories.extend([category] * len(order))
        columns["n"].append(st.n[order].astype(np.float64))
        columns["estimate"].append(st.estimate[order])
        columns["se"].append(se[order])
        columns["df"].append(st.df[order].astype(np.float64))
        columns["deff"].append(st.deff[order])
        columns["kish"].append(st.kish_deff[order])
        columns["lo"].append(lo[order])
        columns["hi"].append(hi[order])
    joined = {k: np.concatenate(v) if v else np.zeros(0) for k, v in columns.items()}
    n = joined["n"].astype(np.intp)
    suppressed = suppression_mask(n, min_n)
    blanked: dict[str, FloatArray] = {}
    for key in ("estimate", "se", "lo", "hi", "deff", "kish"):
        values = joined[key].copy()
        values[suppressed] = np.nan
        blanked[key] = _readonly(values)
    return Estimate(
        indicator=indicator,
        statistic=statistic,
        by=domains.by,
        alpha=alpha,
        ci_method=ci,
        min_n=min_n,
        district=tuple(labels),
        category=tuple(categories) if any(c is not None for c, _ in parts) else None,
        n=_readonly(n),
        estimate=blanked["estimate"],
        se=blanked["se"],
        ci_lower=blanked["lo"],
        ci_upper=blanked["hi"],
        df=_readonly(joined["df"].astype(np.intp)),
        deff=blanked["deff"],
        kish_deff=blanked["kish"],
        suppressed=_readonly(suppressed),
    )


def codes_text(codes: Sequence[Any]) -> str:
    """Codes as written in indicator names, e.g. ``zufriedenheit=4,5``."""
    return ",".join(level_key(c) or "" for c in codes)


# ---------------------------------------------------------------------- public API
def estimate_mean(
    design: Design,
    variable: str,
    *,
    by: str | None = None,
    missing: Iterable[Any] = (),
    alpha: float = 0.05,
    min_n: int = DEFAULT_MIN_N,
    include_total: bool = False,
) -> Estimate:
    """Weighted mean of a numeric variable, overall or per domain.

    Parameters
    ----------
    design
        The survey design.
    variable
        Numeric column, e.g. a satisfaction score 1-5.
    by
        Domain column (e.g. ``"district"``); ``None`` for the city-wide mean.
    missing
        Declared missing codes (e.g. ``9`` = "nicht genutzt"): excluded from the
        estimate, the respondent stays in the design.
    alpha
        Significance level; 0.05 gives 95 % intervals.
    min_n
        Minimum number of respondents; smaller cells are suppressed.
    include_total
        With ``by``, also return the city-wide row (``district`` ``None``) first.

    Returns
    -------
    Estimate
        Mean ``Σ w y / Σ w`` (Hájek estimator; Särndal, Swensson & Wretman 1992,
        ch. 5), SE by linearisation, t interval on the domain's degrees of
        freedom (Lumley 2010, ch. 2), design effects.
    """
    alpha = check_alpha(alpha)
    min_n = check_min_n(min_n)
    domains = domains_of(design, by)
    y = numeric_column(design.data, variable, error=EstimationError)
    series = design.data[variable]
    valid = ~np.isnan(y) & ~code_mask(series, missing)
    st = domain_stats(design, y, valid, domains)
    return assemble(
        indicator=variable,
        statistic="mean",
        domains=domains,
        parts=[(None, st)],
        include_total=include_total,
        alpha=alpha,
        ci="t",
        min_n=min_n,
    )


def share_values(
    design: Design, variable: str, codes: Sequence[Any], missing: Iterable[Any]
) -> tuple[FloatArray, BoolArray]:
    """Return the 0/1 indicator of ``codes`` and the mask of valid answers."""
    series = design.column(variable)
    if not list(codes):
        raise EstimationError("no_codes", place=variable, column=variable)
    valid = valid_mask(series, missing)
    y = code_mask(series, codes).astype(np.float64)
    return y, valid


def estimate_share(
    design: Design,
    variable: str,
    codes: Sequence[Any],
    *,
    by: str | None = None,
    missing: Iterable[Any] = (),
    alpha: float = 0.05,
    ci: CiMethod = "logit",
    min_n: int = DEFAULT_MIN_N,
    include_total: bool = False,
) -> Estimate:
    """Share of respondents whose answer is one of ``codes``.

    Examples: top-2 box ``codes=[4, 5]`` of a 1-5 scale, "uses the offer"
    ``codes=[1]``.

    Parameters
    ----------
    design, variable, by, missing, alpha, min_n, include_total
        As in :func:`estimate_mean`.
    codes
        Answer codes counted as "yes".
    ci
        ``"logit"`` (R ``svyciprop`` default) or ``"beta"`` (Korn & Graubard
        1998).

    Returns
    -------
    Estimate
        The share is the mean of the indicator over valid answers; SE and deff as
        for means; CI by :func:`logit_ci` or :func:`beta_ci`.
    """
    alpha = check_alpha(alpha)
    min_n = check_min_n(min_n)
    method = _check_ci(ci)
    domains = domains_of(design, by)
    code_list = list(codes)
    y, valid = share_values(design, variable, code_list, missing)
    st = domain_stats(design, y, valid, domains)
    return assemble(
        indicator=f"{variable}={codes_text(code_list)}",
        statistic="share",
        domains=domains,
        parts=[(None, st)],
        include_total=include_total,
        alpha=alpha,
        ci=method,
        min_n=min_n,
    )


def estimate_distribution(
    design: Design,
    variable: str,
    *,
    by: str | None = None,
    categories: Sequence[Any] | None = None,
    missing: Iterable[Any] = (),
    alpha: float = 0.05,
    ci: CiMethod = "logit",
    min_n: int = DEFAULT_MIN_N,
    include_total: bool = False,
) -> Estimate:
    """Distribution of a categorical variable: the share of every category.

    Parameters
    ----------
    categories
        Categories to report, in order; default: every valid answer, sorted.
    Other parameters
        As in :func:`estimate_share`.

    Returns
    -------
    Estimate
        One row per category (and domain), column ``category``; shares of one
        domain add up to 1.
    """
    alpha = check_alpha(alpha)
    min_n = check_min_n(min_n)
    method = _check_ci(ci)
    domains = domains_of(design, by)
    series = design.column(variable)
    missing_list = list(missing)
    valid = valid_mask(series, missing_list)
    if categories is None:
        present = series[valid]
        cats: list[Any] = sorted(pd.unique(present).tolist(), key=_sort_key)
    else:
        cats = list(categories)
    if not cats:
        raise EstimationError("no_categories", place=variable, column=variable)
    parts: list[tuple[Hashable | None, DomainStats]] = []
    for category in cats:
        y = code_mask(series, [category]).astype(np.float64)
        parts.append((category, domain_stats(design, y, valid, domains)))
    return assemble(
        indicator=variable,
        statistic="distribution",
        domains=domains,
        parts=parts,
        include_total=include_total,
        alpha=alpha,
        ci=method,
        min_n=min_n,
    )


def _sort_key(value: Any) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def estimate_multiple_choice(
    design: Design,
    variables: str | Sequence[str],
    *,
    by: str | None = None,
    options: Sequence[Any] | None = None,
    missing: Iterable[Any] = (),
    name: str | None = None,
    alpha: float = 0.05,
    ci: CiMethod = "logit",
    min_n: int = DEFAULT_MIN_N,
    include_total: bool = False,
) -> Estimate:
    """Shares of the options of a multiple-choice question.

    The base is every respondent who answered the question (at least one option
    column not missing, or a non-empty answer); the shares do not add up to 1.

    Parameters
    ----------
    variables
        Either a sequence of 0/1 option columns (one per option, ``1`` =
        selected) or one text column holding the selected codes separated by
        spaces, as XLSForm ``select_multiple`` exports (``"1 3 5"``).
    options
        For a text column: the option codes to report (default: all seen).
        For option columns: ignored.
    missing
        For a text column: codes that mark a non-answer (e.g. ``99``).
    name
        Indicator name; default: the text column, or the option columns' common
        prefix.
    Other parameters
        As in :func:`estimate_share`.
    """
    alpha = check_alpha(alpha)
    min_n = check_min_n(min_n)
    method = _check_ci(ci)
    domains = domains_of(design, by)
    parts: list[tuple[Hashable | None, DomainStats]] = []
    if isinstance(variables, str):
        series = design.column(variables)
        missing_keys = {level_key(m) for m in missing}
        token_lists: list[list[str]] = []
        valid_list: list[bool] = []
        for value in series.tolist():
            key = level_key(value)
            tokens = [] if key is None else key.split()
            tokens = [t for t in (level_key(t) or "" for t in tokens) if t]
            answered = bool(tokens) and not all(t in missing_keys for t in tokens)
            token_lists.append(tokens if answered else [])
            valid_list.append(answered)
        valid = np.array(valid_list, dtype=np.bool_)
        if options is None:
            seen = {t for tokens in token_lists for t in tokens} - missing_keys
            option_keys: list[Any] = sorted(seen, key=_sort_key)
        else:
            option_keys = [level_key(o) for o in options]
        if not option_keys:
            raise EstimationError("no_categories", place=variables, column=variables)
        sets = [set(tokens) for tokens in token_lists]
        for option in option_keys:
            y = np.fromiter(
                (option in s for s in sets), dtype=np.float64, count=len(sets)
            )
            parts.append((option, domain_stats(design, y, valid, domains)))
        indicator = name or variables
    else:
        columns = list(variables)
        if not columns:
            raise EstimationError(
                "invalid_parameter",
                place="variables",
                parameter="variables",
                value="[]",
            )
        matrix = np.column_stack(
            [numeric_column(design.data, c, error=EstimationError) for c in columns]
        )
        valid = ~np.all(np.isnan(matrix), axis=1)
        for column, values in zip(columns, matrix.T, strict=True):
            y = (values == 1).astype(np.float64)
            parts.append((column, domain_stats(design, y, valid, domains)))
        indicator = name or _common_prefix(columns)
    return assemble(
        indicator=indicator,
        statistic="multiple_choice",
        domains=domains,
        parts=parts,
        include_total=include_total,
        alpha=alpha,
        ci=method,
        min_n=min_n,
    )


def _common_prefix(names: Sequence[str]) -> str:
    prefix = names[0]
    for other in names[1:]:
        while not other.startswith(prefix):
            prefix = prefix[:-1]
    prefix = prefix.rstrip("_")
    return prefix or ",".join(names)
