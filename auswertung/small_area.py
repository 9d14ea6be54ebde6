"""Small-area estimation with the Fay–Herriot area-level model.

The model (Fay & Herriot 1979; Rao & Molina 2015, ch. 6) links the direct estimate
``y_d`` of area ``d`` (a district) to area covariates ``x_d`` from register data::

    y_d = θ_d + e_d,    θ_d = x_d'β + u_d,    u_d ~ N(0, A),    e_d ~ N(0, ψ_d)

with the design variance ``ψ_d`` of the direct estimate taken as known. The model
variance ``A`` is estimated by REML or ML with Fisher scoring, ``β`` by weighted
least squares, and ``θ_d`` by the EBLUP ``γ_d y_d + (1 − γ_d) x_d'β̂`` with the
shrinkage factor ``γ_d = Â / (Â + ψ_d)``. Its MSE is estimated by Prasad & Rao
(1990) for REML and by Datta & Lahiri (2000) for ML. Areas without a direct
estimate get the synthetic estimate ``x_d'β̂``.

Numbers equal R ``sae`` 1.3 (Molina & Marhuenda 2015): ``eblupFH`` and ``mseFH``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from auswertung.errors import ModelError

__all__ = [
    "INTERCEPT",
    "FayHerriot",
    "Method",
    "Scale",
    "fay_herriot",
]

FloatArray = npt.NDArray[np.float64]
Method = Literal["reml", "ml"]
Scale = Literal["identity", "arcsine"]
#: Name of the intercept among the coefficients.
INTERCEPT = "(Intercept)"
_METHOD_NAMES = {"reml": "REML", "ml": "ML"}


def _readonly(array: FloatArray) -> FloatArray:
    array.flags.writeable = False
    return array


# ---------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class FayHerriot:
    """A fitted Fay–Herriot model and its estimates per area.

    Attributes
    ----------
    indicator
        Name of the indicator, ``None`` if not given.
    method
        ``"reml"`` or ``"ml"``.
    scale
        ``"identity"`` or ``"arcsine"`` (shares modelled as ``asin √p``); all
        per-area values except ``residual`` are on the original scale.
    alpha
        Significance level; the intervals cover ``1 - alpha``.
    coefficient_names, coefficients, coefficient_se
        ``β̂`` and ``√diag((X'V⁻¹X)⁻¹)`` (Rao & Molina 2015, eq. 6.2.5).
    model_variance, model_variance_se
        ``Â`` (truncated at 0) and ``√(1/I(Â))`` from the Fisher information.
    iterations, converged
        Fisher-scoring iterations used; always ``True`` in a returned result.
    log_likelihood
        Log-likelihood at ``(β̂, Â)`` as R ``sae`` reports it.
    r_squared
        ``1 − Â / Â₀`` with ``Â₀`` the model variance of an intercept-only model:
        the share of the between-area variance the covariates explain.
    residual_normality_p
        Shapiro–Wilk p-value of the standardized residuals (NaN for < 3 areas).
    area
        Area labels, in input order.
    direct, direct_se
        Direct estimate and ``√ψ_d`` (NaN where there is none).
    estimate, mse, ci_lower, ci_upper
        EBLUP or synthetic estimate, its estimated MSE and the interval
        ``estimate ± z √MSE`` (transformed back for the arcsine scale).
    gamma
        Shrinkage factor ``γ_d`` (0 for synthetic estimates).
    synthetic
        ``x_d'β̂`` for every area.
    residual
        Standardized residual ``(y_d − x_d'β̂) / √(Â + ψ_d)`` on the model scale.
    gain
        Gain in precision ``ψ_d / mse_d`` on the model scale (NaN without a
        direct estimate): how many times more precise the model value is.
    kind
        ``"eblup"`` or ``"synthetic"`` per area.
    """

    indicator: str | None
    method: Method
    scale: Scale
    alpha: float
    coefficient_names: tuple[str, ...]
    coefficients: FloatArray
    coefficient_se: FloatArray
    model_variance: float
    model_variance_se: float
    iterations: int
    converged: bool
    log_likelihood: float
    r_squared: float
    residual_normality_p: float
    area: tuple[Hashable, ...]
    direct: FloatArray
    direct_se: FloatArray
    estimate: FloatArray
    mse: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    gamma: FloatArray
    synthetic: FloatArray
    residual: FloatArray
    kind: tuple[str, ...]
    gain: FloatArray

    def __len__(self) -> int:
        return len(self.area)

    def to_frame(self) -> pd.DataFrame:
        """Return the estimates per area.

        Columns: ``district``, ``direct``, ``direct_se``, ``estimate``, ``mse``,
        ``se`` (``√MSE``), ``ci_lower``, ``ci_upper``, ``gamma``, ``kind``,
        ``synthetic``, ``residual``.
        """
        return pd.DataFrame(
            {
                "district": pd.Series(self.area, dtype=object),
                "direct": self.direct,
                "direct_se": self.direct_se,
                "estimate": self.estimate,
                "mse": self.mse,
                "se": np.sqrt(self.mse),
                "ci_lower": self.ci_lower,
                "ci_upper": self.ci_upper,
                "gamma": self.gamma,
                "kind": pd.Series(self.kind, dtype=object),
                "synthetic": self.synthetic,
                "residual": self.residual,
            }
        )

    def model_summary(self) -> dict[str, Any]:
        """Return the model as plain data (for JSON): coefficients, variance, fit."""
        return {
            "indicator": self.indicator,
            "model": "Fay-Herriot",
            "method": self.method,
            "scale": self.scale,
            "coefficients": [
                {"name": name, "estimate": float(b), "se": float(se)}
                for name, b, se in zip(
                    self.coefficient_names,
                    self.coefficients,
                    self.coefficient_se,
                    strict=True,
                )
            ],
            "model_variance": self.model_variance,
            "model_variance_se": self.model_variance_se,
            "iterations": self.iterations,
            "converged": self.converged,
            "log_likelihood": self.log_likelihood,
            "r_squared": _none_if_nan(self.r_squared),
            "residual_normality_p": _none_if_nan(self.residual_normality_p),
            "areas": len(self.area),
            "areas_with_direct": int(np.sum(np.asarray(self.kind) == "eblup")),
        }


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else value


# ---------------------------------------------------------------------- fitting
@dataclass(frozen=True)
class _Fit:
    variance: float
    iterations: int
    beta: FloatArray
    q: FloatArray  # (X'V⁻¹X)⁻¹
    information: float


def _fisher_scoring(
    y: FloatArray,
    x: FloatArray,
    psi: FloatArray,
    method: Method,
    max_iter: int,
    tolerance: float,
) -> _Fit:
    """Estimate ``A`` by Fisher scoring (Rao & Molina 2015, eqs. 6.2.15–6.2.18).

    ML: score ``s(A) = −½ Σ 1/(A+ψ_d) + ½ Σ (y_d − x_d'β̃)²/(A+ψ_d)²`` and
    information ``I(A) = ½ Σ 1/(A+ψ_d)²``. REML: ``s(A) = −½ tr P + ½ y'P²y``,
    ``I(A) = ½ tr P²`` with ``P = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹``. Update
    ``A ← A + s/I`` from ``A₀ = median(ψ)`` until the relative change is at most
    ``tolerance``; the result is truncated at 0 (as R ``sae``).
    """
    current = float(np.median(psi))
    change = np.inf
    iterations = 0
    information = np.nan
    while change > tolerance and iterations < max_iter:
        iterations += 1
        total = current + psi
        if np.any(total <= 0):  # left the admissible region: stop at the boundary
            current, change = 0.0, 0.0
            break
        vi = 1.0 / total
        xtvi = (x * vi[:, None]).T
        q = np.linalg.inv(xtvi @ x)
        p_matrix = np.diag(vi) - xtvi.T @ q @ xtvi
        py = p_matrix @ y
        if method == "ml":
            score = -0.5 * float(np.sum(vi)) + 0.5 * float(py @ py)
            information = 0.5 * float(np.sum(vi**2))
        else:
            score = -0.5 * float(np.trace(p_matrix)) + 0.5 * float(py @ py)
            information = 0.5 * float(np.sum(p_matrix * p_matrix))
        updated = current + score / information
        change = abs(updated - current) / abs(current) if current != 0 else np.inf
        if current == 0 and updated <= 0:
            change = 0.0
        current = updated
    if change > tolerance:
        raise ModelError(
            "sae_not_converged",
            place="model_variance",
            method=_METHOD_NAMES[method],
            iterations=iterations,
            change=change,
        )
    variance = max(current, 0.0)
    vi = 1.0 / (variance + psi)
    xtvi = (x * vi[:, None]).T
    q_final: FloatArray = np.linalg.inv(xtvi @ x).astype(np.float64)
    beta = np.asarray(q_final @ xtvi @ y, dtype=np.float64)
    return _Fit(variance, iterations, beta, q_final, information)


def _mse(
    x: FloatArray, psi: FloatArray, fit: _Fit, method: Method
) -> tuple[FloatArray, float]:
    """Return the MSE estimates of the EBLUPs and the ML bias term ``b``.

    ``mse_d = g1 + g2 + 2 g3`` (Prasad & Rao 1990; Datta & Lahiri 2000;
    Rao & Molina 2015, eqs. 6.2.33 and 6.2.37) with ``B_d = ψ_d/(Â+ψ_d)``,
    ``g1 = γ_d ψ_d``, ``g2 = B_d² x_d'(X'V⁻¹X)⁻¹x_d``,
    ``g3 = B_d² V̄(Â)/(Â+ψ_d)``, ``V̄(Â) = 2 / Σ (Â+ψ_d)⁻²``; for ML minus
    ``b_ML B_d²`` with ``b_ML = −tr[(X'V⁻¹X)⁻¹ X'V⁻²X] / Σ (Â+ψ_d)⁻²``.
    """
    a = fit.variance
    vi = 1.0 / (a + psi)
    b_factor = psi * vi
    sum_vi2 = float(np.sum(vi**2))
    var_a = 2.0 / sum_vi2
    leverage = np.einsum("ij,jk,ik->i", x, fit.q, x)
    g1 = psi * (1.0 - b_factor)
    g2 = b_factor**2 * leverage
    g3 = b_factor**2 * var_a * vi
    mse = g1 + g2 + 2.0 * g3
    bias = 0.0
    if method == "ml":
        xtv2x = (x * (vi**2)[:, None]).T @ x
        bias = -float(np.trace(fit.q @ xtv2x)) / sum_vi2
        mse = mse - bias * b_factor**2
    return np.asarray(mse, dtype=np.float64), bias


# ---------------------------------------------------------------------- checks
def _as_float(values: Any, name: str, count: int) -> FloatArray:
    array = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    if array.shape != (count,):
        raise ModelError(
            "sae_length_mismatch",
            place=name,
            column=name,
            length=array.size,
            areas=count,
        )
    return array


def _check_design_matrix(
    x: FloatArray, names: Sequence[str], intercept: bool, areas: int
) -> None:
    start = 1 if intercept else 0
    for j in range(start, x.shape[1]):
        column = x[:, j]
        if intercept and np.ptp(column) <= 1e-12 * max(1.0, float(np.abs(column[0]))):
            raise ModelError(
                "sae_covariate_constant",
                place=names[j],
                column=names[j],
                value=f"{column[0]:g}",
            )
    parameters = x.shape[1] + 1
    if areas <= parameters:
        raise ModelError(
            "sae_too_few_areas",
            place="areas",
            areas=areas,
            parameters=parameters,
        )
    scaled = x / np.maximum(np.sqrt(np.sum(x**2, axis=0)), 1e-300)
    for j in range(1, x.shape[1] + 1):
        if np.linalg.matrix_rank(scaled[:, :j], tol=1e-9) < j:
            others = ", ".join(f"„{n}“" for n in names[: j - 1]) or "nichts"
            raise ModelError(
                "sae_collinear",
                place=names[j - 1],
                column=names[j - 1],
                others=others,
            )


# ---------------------------------------------------------------------- public
def fay_herriot(
    direct: npt.ArrayLike,
    variance: npt.ArrayLike,
    covariates: Mapping[str, npt.ArrayLike] | pd.DataFrame,
    *,
    area: Sequence[Hashable] | None = None,
    method: Method = "reml",
    scale: Scale = "identity",
    alpha: float = 0.05,
    intercept: bool = True,
    indicator: str | None = None,
    max_iter: int = 100,
    tolerance: float = 1e-10,
) -> FayHerriot:
    """Fit the Fay–Herriot model and estimate every area.

    Parameters
    ----------
    direct
        Direct estimate per area; NaN for areas without respondents, which get
        the synthetic estimate. Shares (``scale="arcsine"``) are in [0, 1].
    variance
        Design variance ``ψ_d`` of the direct estimate, on the model scale: for
        ``scale="arcsine"`` the variance of ``asin √p̂``, e.g. ``1 / (4 ñ_d)``
        with the effective sample size ``ñ_d = n_d / deff_d`` (see
        :func:`auswertung.small_area_inputs.arcsine_variance`). Ignored where
        ``direct`` is NaN.
    covariates
        Area covariates by name (columns of a frame or a mapping of arrays), one
        value per area, none missing.
    area
        Area labels; default ``0..m-1`` (or the frame's index).
    method
        ``"reml"`` (MSE by Prasad–Rao) or ``"ml"`` (MSE by Datta–Lahiri).
    scale
        ``"identity"`` or ``"arcsine"``. On the arcsine scale the EBLUP ``θ̂`` and
        interval limits are transformed back by ``sin²`` (clipped to
        ``[0, π/2]``) and the MSE by the delta method, ``sin²(2θ̂) · mse(θ̂)``.
    alpha
        Significance level of the intervals ``θ̂ ± z_{1−α/2} √mse``.
    intercept
        Add an intercept (default).
    indicator
        Name of the indicator, kept in the result.
    max_iter, tolerance
        Fisher-scoring limits: stop when ``|A_{k+1} − A_k| / A_k ≤ tolerance``.

    Returns
    -------
    FayHerriot
        The fitted model and the estimates per area.

    Raises
    ------
    ModelError
        Missing or non-positive variance where there is a direct estimate, a
        missing, constant or collinear covariate, no more areas with a direct
        estimate than parameters, or no convergence.

    References
    ----------
    Rao, J. N. K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley,
    ch. 6 (eqs. 6.1.1, 6.2.5, 6.2.15–6.2.18, 6.2.33, 6.2.37).
    """
    if method not in _METHOD_NAMES:
        raise ModelError(
            "invalid_parameter", place="method", parameter="method", value=method
        )
    if scale not in ("identity", "arcsine"):
        raise ModelError(
            "invalid_parameter", place="scale", parameter="scale", value=scale
        )
    if not 0 < alpha < 1:
        raise ModelError(
            "invalid_parameter", place="alpha", parameter="alpha", value=alpha
        )
    frame = (
        covariates
        if isinstance(covariates, pd.DataFrame)
        else pd.DataFrame(dict(covariates))
    )
    if area is None:
        area = (
            list(frame.index) if isinstance(covariates, pd.DataFrame) else None
        ) or list(range(len(np.atleast_1d(np.asarray(direct)))))
    labels = tuple(area)
    m = len(labels)
    if m == 0:
        raise ModelError("sae_no_areas", place="areas")
    seen: set[Hashable] = set()
    for label in labels:
        if label in seen:
            raise ModelError("sae_duplicate_area", place=str(label), area=label)
        seen.add(label)
    y_all = _as_float(direct, "direct", m)
    psi_all = _as_float(variance, "variance", m)
    names = [str(c) for c in frame.columns]
    columns = [INTERCEPT] if intercept else []
    x_parts = [np.ones(m)] if intercept else []
    for name in names:
        values = _as_float(frame[name].to_numpy(), name, m)
        missing = np.flatnonzero(~np.isfinite(values))
        if missing.size:
            raise ModelError(
                "sae_covariate_missing",
                place=name,
                column=name,
                area=labels[missing[0]],
            )
        columns.append(name)
        x_parts.append(values)
    if not x_parts:
        raise ModelError(
            "invalid_parameter",
            place="covariates",
            parameter="covariates",
            value="keine",
        )
    x_all = np.column_stack(x_parts)
    has_direct = np.isfinite(y_all)
    for d in np.flatnonzero(has_direct):
        if np.isnan(psi_all[d]):
            raise ModelError(
                "sae_variance_missing",
                place=str(labels[d]),
                area=labels[d],
                column="variance",
            )
        if not (np.isfinite(psi_all[d]) and psi_all[d] > 0):
            raise ModelError(
                "sae_variance_invalid",
                place=str(labels[d]),
                area=labels[d],
                column="variance",
                value=f"{psi_all[d]:g}",
            )
        if scale == "arcsine" and not 0 <= y_all[d] <= 1:
            raise ModelError(
                "sae_direct_invalid",
                place=str(labels[d]),
                area=labels[d],
                column="direct",
                value=f"{y_all[d]:g}",
                reason="ein Anteil muss zwischen 0 und 1 liegen.",
            )
    y_raw = y_all[has_direct]
    y = np.arcsin(np.sqrt(y_raw)) if scale == "arcsine" else y_raw
    psi = psi_all[has_direct]
    x = x_all[has_direct]
    _check_design_matrix(x, columns, intercept, int(has_direct.sum()))

    fit = _fisher_scoring(y, x, psi, method, max_iter, tolerance)
    mse_fit, bias = _mse(x, psi, fit, method)
    a = fit.variance
    synthetic = x_all @ fit.beta
    theta = synthetic.copy()
    mse = np.empty(m)
    gamma = np.zeros(m)
    gamma[has_direct] = a / (a + psi)
    theta[has_direct] = synthetic[has_direct] + gamma[has_direct] * (
        y - synthetic[has_direct]
    )
    mse[has_direct] = mse_fit
    # Synthetic areas: the limit ψ_d → ∞ of the MSE above, Â + x'Qx (− b_ML).
    leverage = np.einsum("ij,jk,ik->i", x_all, fit.q, x_all)
    mse[~has_direct] = a + leverage[~has_direct] - bias
    residual = np.full(m, np.nan)
    residual[has_direct] = (y - synthetic[has_direct]) / np.sqrt(a + psi)
    gain = np.full(m, np.nan)
    gain[has_direct] = psi / mse_fit

    z = float(stats.norm.ppf(1 - alpha / 2))
    lower = theta - z * np.sqrt(mse)
    upper = theta + z * np.sqrt(mse)
    direct_se = np.where(has_direct, np.sqrt(psi_all), np.nan)
    if scale == "arcsine":
        clipped = np.clip(theta, 0.0, np.pi / 2)
        slope = np.sin(2 * clipped) ** 2
        estimate = np.sin(clipped) ** 2
        mse = slope * mse
        lower = np.sin(np.clip(lower, 0.0, np.pi / 2)) ** 2
        upper = np.sin(np.clip(upper, 0.0, np.pi / 2)) ** 2
        synthetic_out = np.sin(np.clip(synthetic, 0.0, np.pi / 2)) ** 2
        theta_direct = np.arcsin(np.sqrt(np.where(has_direct, y_all, 0.0)))
        direct_se = direct_se * np.abs(np.sin(2 * theta_direct))
    else:
        estimate, synthetic_out = theta, synthetic

    loglike = -0.5 * float(
        np.sum(
            np.log(2 * np.pi * (a + psi)) + (y - synthetic[has_direct]) ** 2 / (a + psi)
        )
    )
    r_squared = np.nan
    if intercept and x.shape[1] > 1:
        try:
            null_variance = _fisher_scoring(
                y, x[:, :1], psi, method, max_iter, tolerance
            ).variance
        except ModelError:  # the R² is a diagnostic; the model itself is fitted
            null_variance = 0.0
        if null_variance > 0:
            r_squared = max(0.0, 1.0 - a / null_variance)
    std_residual = residual[has_direct]
    normality = (
        float(stats.shapiro(std_residual).pvalue) if std_residual.size >= 3 else np.nan
    )
    return FayHerriot(
        indicator=indicator,
        method=method,
        scale=scale,
        alpha=alpha,
        coefficient_names=tuple(columns),
        coefficients=_readonly(np.asarray(fit.beta, dtype=np.float64)),
        coefficient_se=_readonly(np.sqrt(np.diag(fit.q))),
        model_variance=a,
        model_variance_se=float(np.sqrt(1.0 / fit.information)),
        iterations=fit.iterations,
        converged=True,
        log_likelihood=loglike,
        r_squared=float(r_squared),
        residual_normality_p=normality,
        area=labels,
        direct=_readonly(np.where(has_direct, y_all, np.nan)),
        direct_se=_readonly(np.asarray(direct_se, dtype=np.float64)),
        estimate=_readonly(np.asarray(estimate, dtype=np.float64)),
        mse=_readonly(np.asarray(mse, dtype=np.float64)),
        ci_lower=_readonly(np.asarray(lower, dtype=np.float64)),
        ci_upper=_readonly(np.asarray(upper, dtype=np.float64)),
        gamma=_readonly(gamma),
        synthetic=_readonly(np.asarray(synthetic_out, dtype=np.float64)),
        residual=_readonly(residual),
        kind=tuple("eblup" if h else "synthetic" for h in has_direct),
        gain=_readonly(gain),
    )
