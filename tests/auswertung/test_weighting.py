"""Weighting: post-stratification, raking, bounds, errors, diagnostics.

Weights are compared with R ``survey`` (fixtures/ref_weights.csv) at 1e-9 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auswertung import (
    ConvergenceError,
    Design,
    Margin,
    WeightingError,
    poststratify,
    rake,
    read_margins,
    weight_diagnostics,
)
from tests.auswertung.reference import (
    BOUNDS,
    REL_WEIGHT,
    assert_rel,
    cell_margin,
    read_reference,
    sample_margins,
)


@pytest.mark.parametrize(
    "name", ["poststratified", "raked", "stratified_raked", "bounded"]
)
def test_weights_equal_r(designs: dict[str, Design], name: str) -> None:
    reference = read_reference("ref_weights.csv")
    assert_rel(designs[name].weights, reference[name], REL_WEIGHT)


def test_raking_equals_iterative_proportional_fitting(
    designs: dict[str, Design],
) -> None:
    """Converged raking calibration = R's rake() (IPF), tightly converged."""
    reference = read_reference("ref_weights.csv")
    assert_rel(designs["raked"].weights, reference["rake_ipf"], REL_WEIGHT)


def test_raked_weights_meet_every_margin(
    designs: dict[str, Design], sample: pd.DataFrame
) -> None:
    w = designs["raked"].weights
    for margin in sample_margins():
        (variable,) = margin.variables
        achieved = pd.Series(w).groupby(sample[variable].to_numpy()).sum()
        for (level,), total in margin.totals.items():
            assert achieved[level] == pytest.approx(total, rel=1e-12)


def test_rake_report(designs: dict[str, Design]) -> None:
    report = designs["raked"].calibration_report
    assert report is not None
    assert report.method == "rake"
    assert report.converged
    assert report.margins == ("district", "hhtype", "agegroup")
    assert 0 < report.iterations < 20
    assert report.max_misfit < 1e-13
    assert report.bounds is None
    assert report.to_frame().loc[0, "converged"]


def test_bounded_report_and_bounds(designs: dict[str, Design]) -> None:
    design = designs["bounded"]
    report = design.calibration_report
    assert report is not None
    assert report.bounds == BOUNDS
    g = design.weights / design.base_weights
    assert g.min() >= BOUNDS[0] * (1 - 1e-12)
    assert g.max() <= BOUNDS[1] * (1 + 1e-12)
    assert report.n_at_lower > 0
    assert report.n_at_upper > 0


def test_poststratify_report(designs: dict[str, Design]) -> None:
    report = designs["poststratified"].calibration_report
    assert report is not None
    assert report.method == "poststratify"
    assert report.iterations == 0
    assert report.max_misfit < 1e-13


def test_single_crossed_margin_rake_equals_poststratify(
    designs: dict[str, Design],
) -> None:
    base = designs["fixed"]
    collapse = {"district": {"D06": "D05"}}
    raked = rake(base, cell_margin(), collapse=collapse, tol=1e-13)
    assert_rel(raked.weights, designs["poststratified"].weights, 1e-12)


def test_margin_level_without_respondents_is_named(
    designs: dict[str, Design],
) -> None:
    with pytest.raises(WeightingError) as info:
        poststratify(designs["fixed"], cell_margin())
    error = info.value
    assert error.code == "margin_level_without_respondents"
    assert error.params["level"] == "D06:single"
    assert error.params["variable"] == "district:hhtype"
    assert "D06:single" in str(error)
    assert "collapse" in str(error)


def test_collapse_chain_and_numbers(sample: pd.DataFrame) -> None:
    df = sample.assign(code=sample["district"].str[1:].astype(int))
    design = Design.from_frame(df, weights="w0")
    totals = {1: 10.0, 2: 20.0, 3: 30.0, 4: 40.0, 5: 50.0, 6: 60.0}
    result = poststratify(
        design, Margin.of("code", totals), collapse={"code": {6: 5.0}}
    )
    in_five = df["code"].isin([5, 6]).to_numpy()
    assert result.weights[in_five].sum() == pytest.approx(110.0)


def test_level_in_data_missing_from_margins(designs: dict[str, Design]) -> None:
    margin = Margin.of("hhtype", {"couple": 19090.0})
    with pytest.raises(WeightingError) as info:
        rake(designs["fixed"], [margin])
    assert info.value.code == "level_not_in_margins"
    assert info.value.params["level"] == "single"


def test_level_with_zero_population_but_respondents(
    designs: dict[str, Design],
) -> None:
    margin = Margin.of("hhtype", {"couple": 19090.0, "single": 0})
    with pytest.raises(WeightingError) as info:
        rake(designs["fixed"], [margin])
    assert info.value.code == "level_without_population"


def test_zero_population_level_without_respondents_is_ignored(
    designs: dict[str, Design],
) -> None:
    margin = Margin.of("hhtype", {"couple": 14750, "single": 4340, "other": 0})
    result = rake(designs["fixed"], [margin])
    assert result.weights.sum() == pytest.approx(19090)


def test_margins_that_do_not_add_up(designs: dict[str, Design]) -> None:
    margins = sample_margins()
    wrong = Margin.of("hhtype", {"couple": 14750, "single": 4000})
    with pytest.raises(WeightingError) as info:
        rake(designs["fixed"], [margins[0], wrong])
    assert info.value.code == "margins_inconsistent"
    assert info.value.params["variable"] == "hhtype"


def test_infeasible_bounds_are_reported(designs: dict[str, Design]) -> None:
    with pytest.raises(ConvergenceError) as info:
        rake(designs["fixed"], sample_margins(), bounds=(0.9, 1.1))
    assert info.value.code == "bounds_infeasible"
    assert "0.9" in str(info.value)
    assert "1.1" in str(info.value)


def test_non_convergence_is_reported(designs: dict[str, Design]) -> None:
    with pytest.raises(ConvergenceError) as info:
        rake(designs["fixed"], sample_margins(), max_iter=1, tol=1e-15)
    error = info.value
    assert error.code == "not_converged"
    report = error.params["report"]
    assert not report.converged
    assert report.iterations == 1
    assert report.max_misfit > 1e-15


@pytest.mark.parametrize(
    ("bounds", "code"),
    [((1.2, 0.8), "bounds_invalid"), ((-1.0, 2.0), "bounds_invalid")],
)
def test_invalid_bounds(
    designs: dict[str, Design], bounds: tuple[float, float], code: str
) -> None:
    with pytest.raises(WeightingError) as info:
        rake(designs["fixed"], sample_margins(), bounds=bounds)
    assert info.value.code == code


def test_invalid_iteration_settings(designs: dict[str, Design]) -> None:
    with pytest.raises(WeightingError):
        rake(designs["fixed"], sample_margins(), tol=0)
    with pytest.raises(WeightingError):
        rake(designs["fixed"], sample_margins(), max_iter=0)


def test_poststratify_needs_one_margin(designs: dict[str, Design]) -> None:
    with pytest.raises(WeightingError) as info:
        poststratify(designs["fixed"], sample_margins())
    assert info.value.code == "poststratify_margins"


def test_missing_value_in_margin_variable(sample: pd.DataFrame) -> None:
    df = sample.copy()
    df.loc[3, "hhtype"] = None
    design = Design.from_frame(df, weights="w0")
    with pytest.raises(WeightingError) as info:
        rake(design, sample_margins())
    assert info.value.code == "missing_value"
    assert info.value.params["column"] == "hhtype"
    assert info.value.params["row"] == 3


def test_unknown_margin_variable(designs: dict[str, Design]) -> None:
    with pytest.raises(WeightingError) as info:
        rake(designs["fixed"], [Margin.of("stadtteil", {"a": 1.0})])
    assert info.value.code == "unknown_column"


def test_collapse_of_unknown_variable(designs: dict[str, Design]) -> None:
    with pytest.raises(WeightingError) as info:
        rake(designs["fixed"], sample_margins(), collapse={"x": {"a": "b"}})
    assert info.value.code == "collapse_invalid"


def test_read_margins_crossed_levels() -> None:
    frame = pd.DataFrame(
        {
            "variable": ["district:hhtype", "district:hhtype"],
            "level": ["D01:single", "D01:couple"],
            "population_total": ["10", "20.5"],
        }
    )
    (margin,) = read_margins(frame)
    assert margin.variables == ("district", "hhtype")
    assert margin.totals[("D01", "single")] == 10.0
    assert margin.total == 30.5


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (pd.DataFrame({"variable": ["a"], "level": ["x"]}), "margin_invalid"),
        (
            pd.DataFrame(
                {"variable": ["a"], "level": ["x"], "population_total": ["-3"]}
            ),
            "margin_negative_total",
        ),
        (
            pd.DataFrame(
                {"variable": ["a"], "level": ["x"], "population_total": ["viele"]}
            ),
            "margin_negative_total",
        ),
        (
            pd.DataFrame(
                {
                    "variable": ["a", "a"],
                    "level": ["x", "x"],
                    "population_total": ["1", "2"],
                }
            ),
            "margin_duplicate_level",
        ),
        (
            pd.DataFrame(
                {"variable": ["a:b"], "level": ["x"], "population_total": ["1"]}
            ),
            "margin_invalid",
        ),
    ],
)
def test_read_margins_errors(frame: pd.DataFrame, code: str) -> None:
    with pytest.raises(WeightingError) as info:
        read_margins(frame)
    assert info.value.code == code


def test_weight_diagnostics(designs: dict[str, Design]) -> None:
    w = designs["raked"].weights
    diag = weight_diagnostics(designs["raked"])
    assert diag.n == len(w)
    assert diag.total == pytest.approx(w.sum())
    assert diag.minimum == w.min()
    assert diag.maximum == w.max()
    assert diag.ratio == pytest.approx(w.max() / w.min())
    assert diag.kish_deff == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    assert diag.kish_deff == pytest.approx(1 + diag.cv**2)
    assert diag.effective_n == pytest.approx(len(w) / diag.kish_deff)
    assert diag.quantiles[0.5] == pytest.approx(np.median(w))
    frame = diag.to_frame()
    assert {"kish_deff", "effective_n", "q50"} <= set(frame["statistic"])


def test_weight_diagnostics_of_equal_weights() -> None:
    diag = weight_diagnostics(np.full(10, 3.0))
    assert diag.kish_deff == pytest.approx(1.0)
    assert diag.effective_n == pytest.approx(10.0)


def test_weight_diagnostics_rejects_bad_weights() -> None:
    with pytest.raises(WeightingError):
        weight_diagnostics(np.array([1.0, -1.0]))
    with pytest.raises(WeightingError):
        weight_diagnostics(np.array([]))


def test_weighting_keeps_input_design(designs: dict[str, Design]) -> None:
    base = designs["fixed"]
    before = base.weights.copy()
    rake(base, sample_margins())
    np.testing.assert_array_equal(base.weights, before)
    assert base.calibration == ()
    with pytest.raises(ValueError, match="read-only"):
        base.weights[0] = 1.0


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(30, 200),
    levels=st.tuples(st.integers(2, 4), st.integers(2, 3)),
)
def test_raking_meets_margins_for_random_samples(
    seed: int, n: int, levels: tuple[int, int]
) -> None:
    """Property: for any sample covering all levels, raking reproduces margins."""
    rng = np.random.default_rng(seed)
    grid_a, grid_b = np.meshgrid(np.arange(levels[0]), np.arange(levels[1]))
    a = np.concatenate([grid_a.ravel(), rng.integers(0, levels[0], n)])
    b = np.concatenate([grid_b.ravel(), rng.integers(0, levels[1], n)])
    df = pd.DataFrame({"a": a, "b": b, "w": rng.uniform(0.5, 3.0, len(a))})
    design = Design.from_frame(df, weights="w")
    total = 1000.0
    share_a = 0.1 + rng.dirichlet(np.ones(levels[0]))
    share_a /= share_a.sum()
    share_b = 0.1 + rng.dirichlet(np.ones(levels[1]))
    share_b /= share_b.sum()
    margins = [
        Margin.of("a", {i: total * s for i, s in enumerate(share_a)}),
        Margin.of("b", {i: total * s for i, s in enumerate(share_b)}),
    ]
    result = rake(design, margins)
    for column, shares in (("a", share_a), ("b", share_b)):
        achieved = np.bincount(df[column], weights=result.weights)
        np.testing.assert_allclose(achieved, total * shares, rtol=1e-8)
