"""Fay–Herriot models from design-based district estimates.

Turns a direct :class:`~auswertung.estimation.Estimate` by district (a mean or a
share) and a table of district covariates into the inputs of
:func:`~auswertung.small_area.fay_herriot` and fits the model::

    direct = estimate_mean(design, "zufriedenheit", by="district", min_n=0)
    model = model_estimate(direct, covariates, method="reml")
    model.to_frame()  # district, direct, direct_se, estimate, mse, ..., kind

Direct variances of districts with few respondents are themselves very noisy (with
one respondent the linearised variance is 0), while the model treats them as known.
By default they are therefore smoothed by a generalised variance function (Rao &
Molina 2015, sec. 6.4.1; Wolter 2007, ch. 7): ``ψ_d = K / n_d`` with the pooled
unit-level variance ``K``. Shares are modelled on the arcsine-square-root scale,
where the variance of ``asin √p̂`` is ``deff / (4 n)`` whatever ``p`` is
(Casas-Cordero, Encina & Lahiri 2016; Rao & Molina 2015, sec. 6.4.3).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from auswertung.errors import ModelError
from auswertung.estimation import Estimate
from auswertung.small_area import FayHerriot, Method, fay_herriot

__all__ = ["VarianceChoice", "arcsine_variance", "direct_inputs", "model_estimate"]

FloatArray = npt.NDArray[np.float64]
VarianceChoice = Literal["smoothed", "direct"]


def arcsine_variance(n: npt.ArrayLike, deff: npt.ArrayLike = 1.0) -> FloatArray:
    """Return the variance of ``asin √p̂``: ``deff / (4 n)`` (delta method).

    ``Var(asin √p̂) ≈ Var(p̂) / (4 p (1 − p))`` and ``Var(p̂) = deff · p(1 − p)/n``
    (Rao & Molina 2015, sec. 6.4.3).
    """
    n_array = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.asarray(
            np.asarray(deff, dtype=np.float64) / (4.0 * n_array), dtype=np.float64
        )


def _pooled(values: FloatArray, n: FloatArray) -> float:
    usable = np.isfinite(values) & (values > 0) & (n >= 2)
    if not usable.any():
        raise ModelError(
            "sae_too_few_areas",
            place="variance",
            areas=0,
            parameters=1,
            message=(
                "Kein Sozialraum hat mindestens zwei Befragte mit einer "
                "Varianzschätzung; die Varianzen lassen sich nicht glätten."
            ),
        )
    return float(np.sum(n[usable] * values[usable]) / np.sum(n[usable]))


def direct_inputs(
    estimate: Estimate,
    *,
    variance: VarianceChoice = "smoothed",
    withheld: Collection[Hashable] = (),
) -> pd.DataFrame:
    """Return the model inputs per district of a direct estimate.

    Parameters
    ----------
    estimate
        A mean or share by district, computed with ``min_n=0`` (the model uses
        the direct values of small districts; publication rules apply later).
    variance
        ``"smoothed"`` (default): ``ψ_d = K / n_d`` with ``K`` the n-weighted mean
        of ``n_d · se_d²`` (means) or ``deff̄ / (4 n_d)`` (shares, arcsine scale).
        ``"direct"``: ``se_d²`` (means) or ``deff_d / (4 n_d)`` (shares).
    withheld
        Districts whose direct values are not published (suppressed by the
        disclosure rules): left out like districts without respondents, also from
        the pooled variance, so no model output depends on their answers.

    Returns
    -------
    pandas.DataFrame
        ``district``, ``n``, ``direct`` (on the original scale) and ``variance``
        (on the model scale), one row per district with respondents.
    """
    if estimate.statistic not in ("mean", "share") or estimate.category is not None:
        raise ModelError(
            "invalid_parameter",
            place="statistic",
            parameter="statistic",
            value=estimate.statistic,
        )
    if variance not in ("smoothed", "direct"):
        raise ModelError(
            "invalid_parameter", place="variance", parameter="variance", value=variance
        )
    hidden = set(withheld)
    rows = [
        i for i, d in enumerate(estimate.district) if d is not None and d not in hidden
    ]
    district = [estimate.district[i] for i in rows]
    n = np.asarray(estimate.n, dtype=np.float64)[rows]
    direct = np.asarray(estimate.estimate, dtype=np.float64)[rows]
    suppressed = np.asarray(estimate.suppressed, dtype=bool)[rows]
    if suppressed.any():
        raise ModelError(
            "sae_suppressed_input",
            place=str(district[int(np.argmax(suppressed))]),
            area=district[int(np.argmax(suppressed))],
        )
    keep = (n > 0) & np.isfinite(direct)
    safe_n = np.where(n > 0, n, np.nan)  # districts without respondents drop out
    if estimate.statistic == "mean":
        se2 = np.asarray(estimate.se, dtype=np.float64)[rows] ** 2
        psi = _pooled(n * se2, n) / safe_n if variance == "smoothed" else se2
    else:
        deff = np.asarray(estimate.deff, dtype=np.float64)[rows]
        kish = np.asarray(estimate.kish_deff, dtype=np.float64)[rows]
        deff = np.where(np.isfinite(deff) & (deff > 0), deff, np.nan)
        pooled = _pooled(np.where(np.isfinite(deff), deff, kish), n)
        own = np.where(np.isfinite(deff), deff, pooled)
        psi = arcsine_variance(safe_n, pooled if variance == "smoothed" else own)
    return pd.DataFrame(
        {
            "district": pd.Series(district, dtype=object),
            "n": n.astype(np.int64),
            "direct": direct,
            "variance": psi,
        }
    )[keep].reset_index(drop=True)


def model_estimate(
    estimate: Estimate,
    covariates: pd.DataFrame,
    *,
    method: Method = "reml",
    variance: VarianceChoice = "smoothed",
    alpha: float | None = None,
    skip_unknown: bool = False,
    withheld: Collection[Hashable] = (),
) -> FayHerriot:
    """Fit a Fay–Herriot model to a direct district estimate.

    Parameters
    ----------
    estimate
        Direct mean or share by district (``min_n=0``), see :func:`direct_inputs`.
    covariates
        One row per district (the index holds the district labels as in the
        estimate) and one numeric column per covariate. Districts without
        respondents get the synthetic estimate; a district with respondents but
        no covariate row is an error.
    method, variance, alpha
        See :func:`~auswertung.small_area.fay_herriot` and :func:`direct_inputs`;
        ``alpha`` defaults to the estimate's.
    skip_unknown
        Leave out districts with respondents but no covariate row instead of
        raising (they get no model value).
    withheld
        Districts whose direct values are not published: they enter neither the
        fit nor their own value and get the synthetic estimate (see
        :func:`direct_inputs`), so their direct value cannot be recovered from
        any model output.

    Returns
    -------
    FayHerriot
        On the original scale, one area per row of ``covariates``.
    """
    inputs = direct_inputs(estimate, variance=variance, withheld=withheld)
    index: dict[Hashable, int] = {d: i for i, d in enumerate(covariates.index)}
    if skip_unknown:
        inputs = inputs[inputs["district"].isin(list(index))]
    for district in inputs["district"]:
        if district not in index:
            raise ModelError(
                "sae_covariate_missing",
                place=str(district),
                column=", ".join(str(c) for c in covariates.columns),
                area=district,
            )
    m = len(covariates)
    direct = np.full(m, np.nan)
    psi = np.full(m, np.nan)
    for district, value, var in zip(
        inputs["district"], inputs["direct"], inputs["variance"], strict=True
    ):
        direct[index[district]] = value
        psi[index[district]] = var
    return fay_herriot(
        direct,
        psi,
        covariates,
        area=list(covariates.index),
        method=method,
        scale="arcsine" if estimate.statistic == "share" else "identity",
        alpha=estimate.alpha if alpha is None else alpha,
        indicator=estimate.indicator,
    )
