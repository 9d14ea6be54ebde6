"""District against city (difference with covariance) and Rao-Scott tests vs R.

References: fixtures/ref_comparisons.csv (svytotal + svycontrast, delta method; logit
scale for shares, the district's own df, p.adjust "BH" and "holm"),
fixtures/ref_comparisons_svyglm.csv (the same differences by svycontrast on svyglm,
from make_svyglm_reference.R: every answer counted in its district and in "city",
the two copies one cluster) and
fixtures/ref_chisq.csv (svychisq, statistic "F"). Tolerances: differences 1e-9
relative, SEs and p-values 1e-7 relative, CI limits 1e-7 absolute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from auswertung import (
    Design,
    EstimationError,
    compare_with_total,
    estimate_and_compare,
    estimate_mean,
    estimate_share,
    rake,
    rao_scott_test,
)
from auswertung.comparison import Comparison, adjust_p_values
from auswertung.estimation import (
    difference_variance,
    domain_stats,
    domains_of,
    share_values,
)
from tests.auswertung.reference import (
    ABS_CI,
    DESIGN_NAMES,
    REL_ESTIMATE,
    REL_SE,
    assert_abs,
    assert_rel,
    read_reference,
    sample_margins,
)

COMPARED_DESIGNS = (
    "fixed",
    "poststratified",
    "raked",
    "stratified",
    "stratified_raked",
)


def _compare(design: Design, indicator: str, **options: object) -> Comparison:
    if indicator == "zufriedenheit":
        return compare_with_total(
            design,
            "zufriedenheit",
            by="district",
            missing=[9],
            min_n=0,
            **options,  # type: ignore[arg-type]
        )
    return compare_with_total(
        design,
        "nutzung",
        by="district",
        codes=[1],
        min_n=0,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("indicator", ["zufriedenheit", "nutzung=1"])
@pytest.mark.parametrize("name", COMPARED_DESIGNS)
def test_difference_to_city_equals_r(
    designs: dict[str, Design], name: str, indicator: str
) -> None:
    """svycontrast on svytotal: logit scale for shares, the district's own df,
    p.adjust BH and Holm across the tested districts."""
    reference = read_reference("ref_comparisons.csv")
    reference = reference[
        (reference["design"] == name) & (reference["indicator"] == indicator)
    ]
    result = _compare(designs[name], indicator)
    holm = _compare(designs[name], indicator, adjustment="holm")
    assert result.indicator == indicator
    assert result.scale == ("logit" if indicator == "nutzung=1" else "identity")
    merged = reference.merge(result.to_frame(), on="district", suffixes=("_r", ""))
    assert len(merged) == len(reference) == 6
    np.testing.assert_array_equal(merged["n"], merged["n_r"])
    np.testing.assert_array_equal(merged["df"], merged["df_r"])
    assert_rel(merged["difference"], merged["difference_r"], REL_ESTIMATE)
    assert_rel(merged["test_difference"], merged["test_difference_r"], REL_ESTIMATE)
    assert_rel(merged["se"], merged["se_r"], REL_SE)
    assert_rel(merged["p_value"], merged["p_value_r"], REL_SE)
    assert_rel(merged["p_adjusted"], merged["p_bh"], REL_SE)
    assert_rel(holm.p_adjusted, merged["p_holm"], REL_SE)
    assert_abs(merged["ci_lower"], merged["ci_lower_r"], ABS_CI)
    assert_abs(merged["ci_upper"], merged["ci_upper_r"], ABS_CI)


@pytest.mark.parametrize("indicator", ["zufriedenheit", "nutzung=1"])
@pytest.mark.parametrize("name", COMPARED_DESIGNS)
def test_difference_to_city_equals_svycontrast_on_svyglm(
    designs: dict[str, Design], name: str, indicator: str
) -> None:
    """The second R route (y ~ 0 + group on stacked data, identity link for means,
    quasibinomial for shares) gives the same tested differences, SEs, p-values
    and intervals at the same tolerances."""
    reference = read_reference("ref_comparisons_svyglm.csv")
    reference = reference[
        (reference["design"] == name) & (reference["indicator"] == indicator)
    ]
    assert len(reference) > 0
    result = _compare(designs[name], indicator)
    holm = _compare(designs[name], indicator, adjustment="holm")
    ours = result.to_frame().assign(p_holm_ours=holm.p_adjusted)
    merged = reference.merge(ours, on="district", suffixes=("_r", ""))
    assert len(merged) == len(reference)
    np.testing.assert_array_equal(merged["df"], merged["df_r"])
    assert_rel(merged["test_difference"], merged["test_difference_r"], REL_ESTIMATE)
    assert_rel(merged["se"], merged["se_r"], REL_SE)
    assert_rel(merged["p_value"], merged["p_value_r"], REL_SE)
    assert_rel(merged["p_adjusted"], merged["p_bh"], REL_SE)
    assert_rel(merged["p_holm_ours"], merged["p_holm"], REL_SE)
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
    # the district's own interval is the published one
    np.testing.assert_allclose(result.domain_lower[ok], by_district.ci_lower[ok])
    np.testing.assert_array_equal(result.df[ok], by_district.df[ok])


def test_comparison_suppresses_small_districts(designs: dict[str, Design]) -> None:
    result = compare_with_total(
        designs["raked"], "zufriedenheit", by="district", missing=[9]
    )
    frame = result.to_frame().set_index("district")
    assert frame.loc["D06", "suppressed"]
    assert frame.loc["D06", "n"] == 4
    assert frame.loc["D06", "reason"] == "suppressed"
    assert frame.loc["D06", "flag"] == 0
    assert pd.isna(frame.loc["D06", ["difference", "se", "p_value", "estimate"]]).all()
    assert list(frame.columns) == [
        "n",
        "estimate",
        "domain_lower",
        "domain_upper",
        "total_estimate",
        "difference",
        "test_difference",
        "se",
        "ci_lower",
        "ci_upper",
        "df",
        "p_value",
        "p_adjusted",
        "p_flag",
        "p_flag_adjusted",
        "flag",
        "reason",
        "suppressed",
    ]


@pytest.mark.parametrize("name", ["fixed", "raked"])
def test_flags_rest_on_the_test_under_the_city_variance(
    designs: dict[str, Design], name: str
) -> None:
    design = designs[name]
    result = compare_with_total(design, "zufriedenheit", by="district", missing=[9])
    frame = result.to_frame().set_index("district")
    tested = frame[frame["reason"] == ""]
    assert len(tested) >= 3
    # recomputed by hand: the SE widened by sqrt(max(1, city variance / district
    # variance)), t with the district's df
    data = design.data
    weights = pd.Series(np.asarray(design.weights), index=data.index)
    valid = data["zufriedenheit"].notna() & (data["zufriedenheit"] != 9)

    def weighted_variance(mask: pd.Series) -> float:
        w, y = weights[mask], data.loc[mask, "zufriedenheit"].astype(float)
        mean = (w * y).sum() / w.sum()
        return float((w * (y - mean) ** 2).sum() / w.sum())

    city_variance = weighted_variance(valid)
    widened = 0
    for district, row in tested.iterrows():
        ratio = city_variance / weighted_variance(
            valid & (data["district"] == district)
        )
        widened += ratio > 1
        se = row["se"] * np.sqrt(max(1.0, ratio))
        expected = 2 * stats.t.sf(abs(row["test_difference"] / se), row["df"])
        assert row["p_flag"] == pytest.approx(expected, rel=1e-9)
    assert widened >= 1
    # never weaker than the published (R) test, and every flag passes it
    assert (tested["p_flag"] >= tested["p_value"]).all()
    assert (tested["p_flag_adjusted"] >= tested["p_adjusted"] - 1e-15).all()
    flagged = frame[frame["flag"] != 0]
    assert (flagged["p_flag_adjusted"] < result.alpha).all()


def _assert_flags_agree(result: Comparison) -> None:
    for d in np.flatnonzero(result.flag != 0):
        assert not result.suppressed[d]
        assert result.p_adjusted[d] < result.alpha
        assert result.ci_lower[d] > 0 or result.ci_upper[d] < 0
        if result.flag[d] > 0:
            assert result.domain_lower[d] > result.total_estimate
            assert result.ci_lower[d] > 0
        else:
            assert result.domain_upper[d] < result.total_estimate
            assert result.ci_upper[d] < 0


@pytest.mark.parametrize("name", COMPARED_DESIGNS)
def test_flags_agree_with_intervals(designs: dict[str, Design], name: str) -> None:
    for indicator in ("zufriedenheit", "nutzung=1"):
        for adjustment in ("bh", "holm", "none"):
            result = _compare(designs[name], indicator, adjustment=adjustment)
            _assert_flags_agree(result)
    flagged = _compare(designs[name], "zufriedenheit", adjustment="none")
    assert (flagged.flag != 0).any()  # the sample has real district effects


def test_constant_item_and_edge_districts_are_not_tested(
    sample: pd.DataFrame,
) -> None:
    frame = sample.assign(
        same=1,
        mostly=np.where(sample["district"] == "D02", 1, sample["nutzung"]),
        level=np.where(sample["district"] == "D03", 3.0, sample["zufriedenheit"]),
    )
    design = rake(Design.from_frame(frame, weights="w0"), sample_margins(), tol=1e-13)
    share = compare_with_total(design, "same", by="district", codes=[1])
    assert share.total_estimate == 1.0
    assert (share.flag == 0).all()
    assert set(share.reason) <= {"city_constant", "suppressed"}
    assert np.isnan(share.p_value).all()
    mean = compare_with_total(design, "same", by="district")
    assert (mean.flag == 0).all()
    assert set(mean.reason) <= {"city_constant", "suppressed"}
    edge = compare_with_total(design, "mostly", by="district", codes=[1])
    d02 = edge.district.index("D02")
    assert edge.reason[d02] == "edge"
    assert edge.flag[d02] == 0
    assert np.isnan(edge.p_value[d02])
    constant = compare_with_total(design, "level", by="district", missing=[9])
    d03 = constant.district.index("D03")
    assert constant.reason[d03] == "constant"
    assert constant.flag[d03] == 0


def test_adjusted_p_values() -> None:
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.2])
    bh = adjust_p_values(p, "bh")
    holm = adjust_p_values(p, "holm")
    # R: p.adjust(c(.01, .04, .03, .2), "BH") and "holm"
    np.testing.assert_allclose(
        bh[[0, 2, 3, 4]], [0.04, 0.05333333333, 0.05333333333, 0.2]
    )
    np.testing.assert_allclose(holm[[0, 2, 3, 4]], [0.04, 0.09, 0.09, 0.2])
    assert np.isnan(bh[1])
    assert np.isnan(holm[1])
    np.testing.assert_array_equal(adjust_p_values(p, "none")[[0, 4]], [0.01, 0.2])
    with pytest.raises(EstimationError):
        adjust_p_values(p, "bonferroni")
    with pytest.raises(EstimationError):
        compare_with_total(
            Design.from_frame(pd.DataFrame({"x": [1.0, 2.0], "d": ["a", "b"]})),
            "x",
            by="d",
            adjustment="fdr",  # type: ignore[arg-type]
        )


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


def _district_table(rng: np.random.Generator, n: int, districts: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "d": [f"D{v:03d}" for v in rng.integers(0, districts, n)],
            "x": rng.integers(1, 6, n),
            "w": rng.uniform(0.5, 2, n),
        }
    )


def test_rao_scott_on_a_sparse_table_is_not_computed() -> None:
    """Item x 104 districts with 1,500 respondents: p moved between 0.06 and
    0.11 under 1e-12 changes of the weights before; now a clear result."""
    rng = np.random.default_rng(3)
    frame = _district_table(rng, 1500, 104)
    frame.loc[:2, "d"] = "Z1"
    frame.loc[3, "d"] = "Z2"
    for eps in (0.0, 1e-12, -1e-12):
        weights = frame["w"] * (1 + eps * rng.standard_normal(len(frame)))
        result = rao_scott_test(
            Design.from_frame(frame.assign(w=weights), weights="w"), "x", "d"
        )
        assert not result.computable
        assert result.note.startswith("nicht berechenbar: zu dünn besetzte Tabelle")
        assert np.isnan(result.p_value)
        assert np.isnan(result.statistic)
        assert result.pearson > 0


def test_rao_scott_on_a_singular_table_is_not_computed() -> None:
    """Levels 2 and 3 never occur in districts A and B: a rectangle of empty
    cells, so one interaction is not estimable (large cells, not sparse)."""
    rng = np.random.default_rng(3)
    d = np.repeat(["A", "B", "C", "D"], 200)
    x = rng.integers(1, 4, len(d))
    x[(d == "A") | (d == "B")] = 1
    x[((d == "C") | (d == "D")) & (x == 1)] = 2
    frame = pd.DataFrame({"d": d, "x": x, "w": rng.uniform(0.5, 2, len(d))})
    for statistic in ("F", "Chisq"):
        result = rao_scott_test(
            Design.from_frame(frame, weights="w"),
            "x",
            "d",
            statistic=statistic,  # type: ignore[arg-type]
        )
        assert result.note.startswith("nicht berechenbar: die Tabelle ist singulär")
        assert np.isnan(result.p_value)
    # one answer more in A breaks the rectangle: a stable number again
    x[0] = 3
    statistics = []
    for eps in (0.0, 1e-12, -1e-12):
        weights = frame["w"] * (1 + eps * rng.standard_normal(len(frame)))
        result = rao_scott_test(
            Design.from_frame(frame.assign(x=x, w=weights), weights="w"), "x", "d"
        )
        assert result.computable
        statistics.append(result.statistic)
    np.testing.assert_allclose(statistics, statistics[0], rtol=1e-9)


@pytest.mark.parametrize("indicator", ["zufriedenheit", "nutzung=1"])
@pytest.mark.parametrize("name", COMPARED_DESIGNS)
def test_estimate_and_compare_in_one_pass_equals_the_separate_calls(
    designs: dict[str, Design], name: str, indicator: str
) -> None:
    """One residualisation for the estimate and the difference: the same
    numbers as the estimator and the comparison on their own, and the same
    difference variance as residualising the difference scores themselves."""
    design = designs[name]
    mean = indicator == "zufriedenheit"
    variable, codes, missing = (
        ("zufriedenheit", None, [9]) if mean else ("nutzung", [1], [])
    )
    estimate, comparison = estimate_and_compare(
        design, variable, by="district", codes=codes, missing=missing, min_n=3
    )
    if mean:
        alone = estimate_mean(
            design,
            variable,
            by="district",
            missing=missing,
            min_n=3,
            include_total=True,
        )
    else:
        alone = estimate_share(
            design, variable, [1], by="district", min_n=3, include_total=True
        )
    compared = compare_with_total(
        design, variable, by="district", codes=codes, missing=missing, min_n=3
    )
    assert estimate.district == alone.district
    for field in ("n", "estimate", "se", "ci_lower", "ci_upper", "df", "deff"):
        np.testing.assert_array_equal(
            getattr(estimate, field), getattr(alone, field), err_msg=field
        )
    assert comparison.reason == compared.reason
    np.testing.assert_array_equal(comparison.flag, compared.flag)
    np.testing.assert_array_equal(comparison.se, compared.se)

    domains = domains_of(design, "district")
    if mean:
        y = design.data[variable].to_numpy(dtype=np.float64)
        valid = ~np.isnan(y) & (y != 9)
        factor, total_factor = None, 1.0
    else:
        y, valid = share_values(design, variable, [1], [])
    st = domain_stats(design, y, valid, domains)
    if not mean:
        tested = np.asarray(comparison.tested)
        p = st.estimate
        factor = np.where(tested, 1.0 / (p[:-1] * (1.0 - p[:-1])), 0.0)
        total_factor = 1.0 / (p[-1] * (1.0 - p[-1]))
    separate = difference_variance(
        design, y, valid, domains, st, domain_factor=factor, total_factor=total_factor
    )
    tested = np.asarray(comparison.tested)
    assert tested.any()
    np.testing.assert_allclose(
        np.asarray(comparison.se)[tested] ** 2, separate[tested], rtol=1e-10
    )
