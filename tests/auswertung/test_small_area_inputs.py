"""Fay–Herriot models fitted to design-based district estimates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auswertung import Design, estimate_mean, estimate_share
from auswertung.errors import ModelError
from auswertung.small_area import fay_herriot
from auswertung.small_area_inputs import (
    arcsine_variance,
    direct_inputs,
    model_estimate,
)
from tests.auswertung.reference import MISSING, read_sample

COVARIATES = pd.DataFrame(
    {"alleinerziehend": [0.31, 0.18, 0.26, 0.29, 0.14, 0.22, 0.35, 0.2]},
    index=[f"D0{i}" for i in range(1, 9)],
)


@pytest.fixture
def design() -> Design:
    return Design.from_frame(read_sample(), weights="w0")


def test_mean_with_smoothed_variances(design: Design) -> None:
    direct = estimate_mean(
        design,
        "zufriedenheit",
        by="district",
        missing=MISSING["zufriedenheit"],
        min_n=0,
    )
    inputs = direct_inputs(direct)
    frame = direct.to_frame()
    k = np.sum(frame["n"] ** 2 * frame["se"] ** 2) / np.sum(frame["n"])
    np.testing.assert_allclose(inputs["variance"], k / frame["n"])
    np.testing.assert_allclose(inputs["direct"], frame["estimate"])
    model = model_estimate(direct, COVARIATES)
    expected = fay_herriot(
        [*frame["estimate"], np.nan, np.nan],
        [*(k / frame["n"]), np.nan, np.nan],
        COVARIATES,
    )
    np.testing.assert_allclose(model.estimate, expected.estimate)
    np.testing.assert_allclose(model.mse, expected.mse)
    assert model.area == tuple(COVARIATES.index)
    assert model.kind[-2:] == ("synthetic", "synthetic")
    assert model.indicator == "zufriedenheit"
    # direct variances instead of smoothed ones
    raw = direct_inputs(direct, variance="direct")
    np.testing.assert_allclose(raw["variance"], frame["se"] ** 2)


def test_share_on_arcsine_scale(design: Design) -> None:
    direct = estimate_share(design, "nutzung", [1], by="district", min_n=0)
    frame = direct.to_frame()
    inputs = direct_inputs(direct)
    pooled = np.sum(frame["n"] * frame["deff"]) / np.sum(frame["n"])
    np.testing.assert_allclose(inputs["variance"], arcsine_variance(frame["n"], pooled))
    model = model_estimate(direct, COVARIATES, method="ml")
    assert model.scale == "arcsine"
    assert model.method == "ml"
    assert np.all((model.ci_lower >= 0) & (model.ci_upper <= 1))
    assert np.all(
        (model.estimate >= model.ci_lower) & (model.estimate <= model.ci_upper)
    )


def test_suppressed_or_unknown_districts_are_errors(design: Design) -> None:
    suppressed = estimate_mean(design, "zufriedenheit", by="district", min_n=10)
    with pytest.raises(ModelError) as info:
        model_estimate(suppressed, COVARIATES)
    assert info.value.code == "sae_suppressed_input"
    assert "D06" in info.value.message
    direct = estimate_mean(design, "zufriedenheit", by="district", min_n=0)
    with pytest.raises(ModelError) as info:
        model_estimate(direct, COVARIATES.drop(index="D03"))
    assert info.value.code == "sae_covariate_missing"
    assert "D03" in info.value.message
    skipped = model_estimate(direct, COVARIATES.drop(index="D03"), skip_unknown=True)
    assert "D03" not in skipped.area
    assert len(skipped) == len(COVARIATES) - 1
