"""District against city (difference with covariance) and Rao-Scott tests vs R.

References: fixtures/ref_comparisons.csv (svytotal + svycontrast, delta method) and
fixtures/ref_chisq.csv (svychisq, statistic "F"). Tolerances: differences 1e-9
relative, SEs and p-values 1e-7 relative, CI limits 1e-7 absolute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auswertung import (
    Design,
    EstimationError,
    compare_with_total,
    estimate_mean,
    rao_scott_test,
)
from tests.auswertung.reference import (
    ABS_CI,
    DESIGN_NAMES,
    REL_ESTIMATE,
    REL_SE,
    assert_abs,
    assert_rel,
    read_reference,
)


@pytest.mark.parametrize("indicator", ["zufriedenheit", "nutzung=1"])
@pytest.mark.parametrize("name", ["fixed", "raked", "stratified", "stratified_raked"])
def test_difference_to_city_equals_r(
    designs: dict[str, Design], name: str, indicator: str
) -> None:
    reference = read_reference("ref_comparisons.csv")
    reference = reference[
        (reference["design"] == name) & (reference["indicator"] == indicator)
    ]
    if indicator == "zufriedenheit":
        result = compare_with_total(
            designs[name], "zufriedenheit", by="district", missing=[9], min_n=0
        )
    else:
        result = compare_with_total(
            designs[name], "nutzung", by="district", codes=[1], min_n=0
        )
    assert result.indicator == indicator
    merged = reference.merge(result.to_frame(), on="district", suffixes=("_r", ""))
    assert len(merged) == len(reference) == 6
    np.testing.assert_array_equal(merged["df"], merged["df_r"])
    assert_rel(merged["difference"], merged["difference_r"], REL_ESTIMATE)
    assert_rel(merged["se"], merged["se_r"], REL_SE)
    assert_rel(merged["p_value"], merged["p_value_r"], REL_SE)
    assert_abs(merged["ci_lower"], merged["ci_lower_r"], ABS_CI)
    assert_abs(merged["ci_upper"], merged["ci_upper_r"], ABS_CI)


def test_difference_uses_covariance(designs: dict[str, Design]) -> None:
    """SE of the difference is not the root of the summed variances."""
    design = designs["raked"]
    result = compare_with_total(design, "zufriedenheit", by="district", missing=[9])
    by_district = estimate_mean(design, "zufriedenheit", by="district", missing=[9])
    city = estimate_mean(design, "zufriedenheit", missing=[9])
    naive = np.sqrt(by_district.se**2 + city.se[0] ** 2)
    ok = ~result.suppressed
    assert np.all(result.se[ok] < naive[ok])
    np.testing.assert_allclose(
        result.difference[ok], by_district.estimate[ok] - city.estimate[0], rtol=1e-12
    )
    assert result.total_estimate == pytest.approx(city.estimate[0], rel=1e-14)


def test_comparison_suppresses_small_districts(designs: dict[str, Design]) -> None:
    result = compare_with_total(
        designs["raked"], "zufriedenheit", by="district", missing=[9]
    )
    frame = result.to_frame().set_index("district")
    assert frame.loc["D06", "suppressed"]
    assert frame.loc["D06", "n"] == 4
    assert pd.isna(frame.loc["D06", ["difference", "se", "p_value", "estimate"]]).all()
    assert list(frame.columns) == [
        "n",
        "estimate",
        "total_estimate",
        "difference",
        "se",
        "ci_lower",
        "ci_upper",
        "df",
        "p_value",
        "suppressed",
    ]


@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_rao_scott_equals_svychisq(designs: dict[str, Design], name: str) -> None:
    reference = read_reference("ref_chisq.csv").set_index("design").loc[name]
    result = rao_scott_test(
        designs[name], "kultur", "district", missing={"kultur": [8]}
    )
    assert result.statistic == pytest.approx(reference["statistic"], rel=REL_SE)
    assert result.ndf == pytest.approx(reference["ndf"], rel=REL_SE)
    assert result.ddf == pytest.approx(reference["ddf"], rel=REL_SE)
    assert result.p_value == pytest.approx(reference["p_value"], rel=REL_SE)


def test_rao_scott_first_order(designs: dict[str, Design]) -> None:
    second = rao_scott_test(
        designs["raked"], "kultur", "district", missing={"kultur": [8]}
    )
    first = rao_scott_test(
        designs["raked"],
        "kultur",
        "district",
        missing={"kultur": [8]},
        statistic="Chisq",
    )
    assert first.ndf == 15
    assert first.statistic == pytest.approx(second.pearson / second.mean_deff)
    assert 0 < first.p_value < 1


def test_rao_scott_of_independent_items_is_not_significant(
    sample: pd.DataFrame,
) -> None:
    rng = np.random.default_rng(7)
    df = sample.assign(coin=rng.integers(0, 2, len(sample)))
    result = rao_scott_test(Design.from_frame(df, weights="w0"), "coin", "hhtype")
    assert result.p_value > 0.001


def test_rao_scott_needs_two_levels(designs: dict[str, Design]) -> None:
    with pytest.raises(EstimationError) as info:
        rao_scott_test(
            designs["fixed"], "kultur", "district", missing={"kultur": [1, 2, 3, 8]}
        )
    assert info.value.code == "too_few_levels"
    with pytest.raises(EstimationError):
        rao_scott_test(designs["fixed"], "kultur", "district", statistic="Wald")  # type: ignore[arg-type]
