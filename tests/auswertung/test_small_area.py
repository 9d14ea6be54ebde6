"""Fay–Herriot small-area estimation against R ``sae`` 1.3 (eblupFH, mseFH).

Fixtures made by ``fixtures/make_sae_reference.R`` (REML and ML, PRECISION 1e-13).
Tolerance: estimates, MSEs, coefficients and model variance 1e-6 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auswertung.errors import ModelError
from auswertung.small_area import INTERCEPT, fay_herriot
from tests.auswertung.reference import FIXTURES

REL = 1e-6
COVARIATES = {
    "milk": ["major_area_2", "major_area_3", "major_area_4"],
    "synthetic": ["x1", "x2"],
}


def _input(dataset: str) -> pd.DataFrame:
    return pd.read_csv(
        FIXTURES / f"sae_input_{dataset}.csv", skipinitialspace=True
    ).astype({"area": str})


def _reference(name: str) -> pd.DataFrame:
    frame = pd.read_csv(FIXTURES / name, skipinitialspace=True)
    if "area" in frame:
        frame["area"] = frame["area"].astype(str)
    return frame


def _fit(dataset: str, method: str, **kwargs: object):  # type: ignore[no-untyped-def]
    data = _input(dataset)
    return fay_herriot(
        data["direct"],
        data["variance"],
        data[COVARIATES[dataset]],
        area=list(data["area"]),
        method=method,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("dataset", ["milk", "synthetic"])
@pytest.mark.parametrize("method", ["reml", "ml"])
def test_matches_r_sae(dataset: str, method: str) -> None:
    result = _fit(dataset, method)
    reference = _reference("sae_reference.csv")
    reference = reference[
        (reference["dataset"] == dataset) & (reference["method"] == method)
    ]
    frame = result.to_frame().merge(
        reference, left_on="district", right_on="area", suffixes=("", "_r")
    )
    assert len(frame) == len(result) == len(reference)
    np.testing.assert_allclose(frame["estimate"], frame["eblup"], rtol=REL)
    np.testing.assert_allclose(frame["mse"], frame["mse_r"], rtol=REL)
    model = _reference("sae_model.csv")
    model = model[(model["dataset"] == dataset) & (model["method"] == method)]
    assert list(model["term"]) == list(result.coefficient_names)
    np.testing.assert_allclose(result.coefficients, model["beta"], rtol=REL)
    np.testing.assert_allclose(result.coefficient_se, model["se"], rtol=REL)
    assert result.model_variance == pytest.approx(
        model["model_variance"].iloc[0], rel=REL
    )
    assert result.log_likelihood == pytest.approx(model["loglike"].iloc[0], rel=REL)
    assert set(result.kind) == {"eblup"}


def test_milk_published_example() -> None:
    """Rao & Molina (2015), example 6.2.3: area 1 EBLUP 1.0220, MSE 0.0135."""
    result = _fit("milk", "reml")
    assert round(float(result.estimate[0]), 4) == 1.0220
    assert round(float(result.mse[0]), 4) == 0.0135
    assert round(result.model_variance, 5) == 0.01855


def test_eblup_is_shrinkage_between_direct_and_synthetic() -> None:
    result = _fit("synthetic", "reml")
    gamma = result.gamma
    np.testing.assert_allclose(
        result.estimate,
        gamma * result.direct + (1 - gamma) * result.synthetic,
        rtol=1e-12,
    )
    psi = result.direct_se**2
    np.testing.assert_allclose(
        gamma, result.model_variance / (result.model_variance + psi)
    )
    # the model never does worse than the direct estimate's variance here
    np.testing.assert_allclose(result.gain, psi / result.mse)
    assert np.all(result.gain > 1)


def test_area_without_direct_gets_synthetic_estimate() -> None:
    data = _input("synthetic")
    full = _fit("synthetic", "reml")
    direct = data["direct"].to_numpy(copy=True)
    direct[[3, 10]] = np.nan
    reduced = fay_herriot(
        direct, data["variance"], data[["x1", "x2"]], area=list(data["area"])
    )
    assert reduced.kind[3] == reduced.kind[10] == "synthetic"
    assert reduced.kind.count("eblup") == len(data) - 2
    x = np.column_stack([np.ones(len(data)), data["x1"], data["x2"]])
    np.testing.assert_allclose(reduced.estimate[3], x[3] @ reduced.coefficients)
    assert reduced.gamma[3] == 0
    assert np.isnan(reduced.direct[3])
    assert np.isnan(reduced.direct_se[3])
    # MSE of x'β: model variance plus the variance of x'β̂ (limit ψ → ∞)
    fitted = ~np.isnan(direct)
    weights = 1 / (reduced.model_variance + data["variance"].to_numpy()[fitted])
    xtvx = (x[fitted] * weights[:, None]).T @ x[fitted]
    expected = reduced.model_variance + x[3] @ np.linalg.solve(xtvx, x[3])
    assert reduced.mse[3] == pytest.approx(expected, rel=1e-9)
    # a synthetic estimate is less precise than the EBLUP with data
    assert reduced.mse[3] > full.mse[3]
    assert reduced.ci_lower[3] < reduced.estimate[3] < reduced.ci_upper[3]


def test_arcsine_scale_for_shares() -> None:
    rng = np.random.default_rng(5)
    m = 40
    x = rng.uniform(0, 1, m)
    n = rng.integers(5, 80, m)
    true = np.sin(0.4 + 0.6 * x + rng.normal(0, 0.1, m)) ** 2
    share = rng.binomial(n, true) / n
    psi = 1 / (4 * n)
    result = fay_herriot(share, psi, {"x": x}, scale="arcsine")
    theta = np.arcsin(np.sqrt(share))
    identity = fay_herriot(theta, psi, {"x": x})
    np.testing.assert_allclose(result.estimate, np.sin(identity.estimate) ** 2)
    np.testing.assert_allclose(
        result.mse, np.sin(2 * identity.estimate) ** 2 * identity.mse
    )
    np.testing.assert_allclose(result.gain, identity.gain)
    assert np.all((result.estimate >= 0) & (result.estimate <= 1))
    assert np.all(result.ci_lower <= result.estimate)
    assert np.all(result.estimate <= result.ci_upper)
    assert np.all(result.ci_upper <= 1)


def test_r_squared_and_diagnostics() -> None:
    result = _fit("synthetic", "reml")
    assert 0 < result.r_squared < 1
    assert 0 <= result.residual_normality_p <= 1
    summary = result.model_summary()
    assert summary["coefficients"][0]["name"] == INTERCEPT
    assert summary["method"] == "reml"
    assert summary["converged"] is True
    frame = result.to_frame()
    assert list(frame.columns[:5]) == [
        "district",
        "direct",
        "direct_se",
        "estimate",
        "mse",
    ]


def _bad(**changes: object) -> ModelError:
    data = _input("synthetic")
    arguments: dict[str, object] = {
        "direct": data["direct"],
        "variance": data["variance"],
        "covariates": data[["x1", "x2"]],
        "area": list(data["area"]),
    }
    arguments.update(changes)
    with pytest.raises(ModelError) as info:
        fay_herriot(**arguments)  # type: ignore[arg-type]
    return info.value


def test_errors_name_the_problem() -> None:
    data = _input("synthetic")
    variance = data["variance"].to_numpy(copy=True)
    variance[4] = np.nan
    error = _bad(variance=variance)
    assert error.code == "sae_variance_missing"
    assert "S05" in error.message
    variance[4] = 0
    assert _bad(variance=variance).code == "sae_variance_invalid"
    constant = data[["x1"]].assign(c=3.0)
    error = _bad(covariates=constant)
    assert error.code == "sae_covariate_constant"
    assert "„c“" in error.message
    collinear = data[["x1", "x2"]].assign(x3=2 * data["x1"] - data["x2"])
    error = _bad(covariates=collinear)
    assert error.code == "sae_collinear"
    assert "„x3“" in error.message
    missing = data[["x1", "x2"]].copy()
    missing.loc[7, "x2"] = np.nan
    error = _bad(covariates=missing)
    assert error.code == "sae_covariate_missing"
    assert "S08" in error.message
    few = data.iloc[:4]
    error = _bad(
        direct=few["direct"],
        variance=few["variance"],
        covariates=few[["x1", "x2"]],
        area=list(few["area"]),
    )
    assert error.code == "sae_too_few_areas"
    error = _bad(max_iter=1, tolerance=1e-15)
    assert error.code == "sae_not_converged"
    assert "REML" in error.message
    assert _bad(method="fh").code == "invalid_parameter"
