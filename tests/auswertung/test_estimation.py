"""Estimation against R ``survey`` reference values, and agreement checks.

Tolerances (stated in tests/auswertung/reference.py): estimates 1e-9 relative,
SEs 1e-7 relative, CI limits 1e-7 absolute, design effects 1e-7 relative.
Reference: fixtures/ref_estimates.csv from fixtures/make_reference.R.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auswertung import (
    Design,
    DesignError,
    Estimate,
    EstimationError,
    compare_with_total,
    estimate_distribution,
    estimate_mean,
    estimate_multiple_choice,
    estimate_share,
    estimation,
)
from tests.auswertung.reference import (
    ABS_CI,
    CALIBRATED,
    DESIGN_NAMES,
    MISSING,
    REL_DEFF,
    REL_ESTIMATE,
    REL_SE,
    assert_abs,
    assert_rel,
    read_reference,
)

WUNSCH = [f"wunsch_{j}" for j in range(1, 5)]

Runner = Callable[[Design, str], pd.DataFrame]


def _table(estimate: Estimate, indicator: str) -> pd.DataFrame:
    frame = estimate.to_frame()
    frame["district"] = frame["district"].map(lambda d: "" if d is None else d)
    if "category" in frame.columns:
        frame["category"] = frame["category"].map(
            lambda c: str(int(c)) if isinstance(c, float) else str(c)
        )
    else:
        frame["category"] = ""
    frame["indicator"] = indicator
    return frame


RUNNERS: dict[str, Runner] = {
    "zufriedenheit": lambda d, ci: _table(
        estimate_mean(
            d,
            "zufriedenheit",
            by="district",
            missing=MISSING["zufriedenheit"],
            min_n=0,
            include_total=True,
        ),
        "zufriedenheit",
    ),
    "zufriedenheit=4,5": lambda d, ci: _table(
        estimate_share(
            d,
            "zufriedenheit",
            [4, 5],
            by="district",
            missing=MISSING["zufriedenheit"],
            ci=ci,  # type: ignore[arg-type]
            min_n=0,
            include_total=True,
        ),
        "zufriedenheit=4,5",
    ),
    "nutzung=1": lambda d, ci: _table(
        estimate_share(
            d,
            "nutzung",
            [1],
            by="district",
            ci=ci,  # type: ignore[arg-type]
            min_n=0,
            include_total=True,
        ),
        "nutzung=1",
    ),
    "kultur": lambda d, ci: _table(
        estimate_distribution(
            d,
            "kultur",
            by="district",
            missing=MISSING["kultur"],
            ci=ci,  # type: ignore[arg-type]
            min_n=0,
            include_total=True,
        ),
        "kultur",
    ),
    "wunsch": lambda d, ci: _table(
        estimate_multiple_choice(
            d,
            WUNSCH,
            by="district",
            ci=ci,  # type: ignore[arg-type]
            min_n=0,
            include_total=True,
        ),
        "wunsch",
    ),
}


def _merged(
    designs: dict[str, Design], name: str, indicator: str, ci: str
) -> pd.DataFrame:
    reference = read_reference("ref_estimates.csv")
    reference = reference[
        (reference["design"] == name) & (reference["indicator"] == indicator)
    ]
    ours = RUNNERS[indicator](designs[name], ci)
    merged = reference.merge(
        ours, on=["indicator", "category", "district"], suffixes=("_r", "")
    )
    assert len(merged) == len(reference) > 0
    return merged


@pytest.mark.parametrize("indicator", list(RUNNERS))
@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_estimates_equal_r(
    designs: dict[str, Design], name: str, indicator: str
) -> None:
    """n, estimate, SE, df, deff (svymean deff=TRUE) and Kish deff equal R."""
    merged = _merged(designs, name, indicator, "logit")
    np.testing.assert_array_equal(merged["n"], merged["n_r"])
    np.testing.assert_array_equal(merged["df"], merged["df_r"])
    assert_rel(merged["estimate"], merged["estimate_r"], REL_ESTIMATE)
    assert_rel(merged["se"], merged["se_r"], REL_SE)
    assert_rel(merged["deff"], merged["deff_r"], REL_DEFF)
    assert_rel(merged["kish_deff"], merged["kish_deff_r"], REL_DEFF)


@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_mean_t_interval_equals_r(designs: dict[str, Design], name: str) -> None:
    """confint(svymean(...), df = degf(subset))."""
    merged = _merged(designs, name, "zufriedenheit", "logit")
    assert_abs(merged["ci_lower"], merged["ci_lower_r"], ABS_CI)
    assert_abs(merged["ci_upper"], merged["ci_upper_r"], ABS_CI)


@pytest.mark.parametrize(
    "indicator", ["zufriedenheit=4,5", "nutzung=1", "kultur", "wunsch"]
)
@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_logit_interval_equals_svyciprop(
    designs: dict[str, Design], name: str, indicator: str
) -> None:
    merged = _merged(designs, name, indicator, "logit")
    merged = merged[merged["ci_lower_r"].notna()]
    assert len(merged) > 0
    assert_abs(merged["ci_lower"], merged["ci_lower_r"], ABS_CI)
    assert_abs(merged["ci_upper"], merged["ci_upper_r"], ABS_CI)
    # rows where R's svyglm failed were filled by the script with the written-out
    # formula; everything else is svyciprop's own interval
    notes = set(merged["ci_note"])
    assert notes <= {"svyciprop", "formula: svyglm failed"}


@pytest.mark.parametrize(
    "indicator", ["zufriedenheit=4,5", "nutzung=1", "kultur", "wunsch"]
)
@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_korn_graubard_interval(
    designs: dict[str, Design], name: str, indicator: str
) -> None:
    """Korn-Graubard with the domain's n; equals svyciprop(method="beta") where R
    drops the out-of-domain rows (uncalibrated designs)."""
    merged = _merged(designs, name, indicator, "beta")
    merged = merged[merged["ci_beta_lower"].notna()]
    assert_abs(merged["ci_lower"], merged["ci_beta_lower"], ABS_CI)
    assert_abs(merged["ci_upper"], merged["ci_beta_upper"], ABS_CI)
    if name not in CALIBRATED:
        assert_abs(merged["ci_lower"], merged["ci_kg_r_lower"], ABS_CI)
        assert_abs(merged["ci_upper"], merged["ci_kg_r_upper"], ABS_CI)


def test_domain_mean_is_a_ratio(designs: dict[str, Design]) -> None:
    """Agreement check: domain mean and SE equal svyratio(y 1_d, 1_d)."""
    reference = read_reference("ref_ratio.csv")
    for row in reference.itertuples():
        est = estimate_mean(
            designs[str(row.design)],
            "zufriedenheit",
            by="district",
            missing=[9],
            min_n=0,
        )
        frame = est.to_frame().set_index("district")
        assert frame.loc["D02", "estimate"] == pytest.approx(row.ratio, rel=1e-12)
        assert frame.loc["D02", "se"] == pytest.approx(row.se, rel=REL_SE)


def test_domain_mean_equals_weighted_mean_of_domain(
    designs: dict[str, Design], sample: pd.DataFrame
) -> None:
    design = designs["raked"]
    est = estimate_mean(design, "zufriedenheit", by="district", missing=[9])
    y = sample["zufriedenheit"].to_numpy(dtype=float)
    for label, value in zip(est.district, est.estimate, strict=True):
        keep = (sample["district"] == label).to_numpy() & ~np.isnan(y) & (y != 9)
        if keep.sum() >= 5:
            w = design.weights[keep]
            assert value == pytest.approx(np.sum(w * y[keep]) / w.sum(), rel=1e-12)


def test_domains_use_the_full_design(designs: dict[str, Design]) -> None:
    """Filtering rows (instead of domains) gives another SE for calibrated designs."""
    design = designs["raked"]
    full = estimate_mean(design, "zufriedenheit", by="district", missing=[9])
    d01 = design.data["district"] == "D01"
    filtered = Design.from_frame(
        design.data[d01].assign(w=design.weights[d01.to_numpy()]), weights="w"
    )
    alone = estimate_mean(filtered, "zufriedenheit", missing=[9])
    first = full.to_frame().set_index("district").loc["D01"]
    assert first["estimate"] == pytest.approx(alone.estimate[0], rel=1e-12)
    assert abs(first["se"] / alone.se[0] - 1) > 1e-3


def test_calibration_lowers_city_wide_se(designs: dict[str, Design]) -> None:
    """Treating raked weights as fixed overstates SEs of calibrated variables' kin."""
    raked = designs["raked"]
    as_fixed = Design.from_frame(raked.data.assign(w=raked.weights), weights="w")
    proper = estimate_share(raked, "nutzung", [1])
    naive = estimate_share(as_fixed, "nutzung", [1])
    assert proper.estimate[0] == pytest.approx(naive.estimate[0], rel=1e-12)
    assert proper.se[0] < naive.se[0]


def test_missing_codes_equal_missing_values(
    designs: dict[str, Design], sample: pd.DataFrame
) -> None:
    """Declared missing codes act as item non-response; respondents stay."""
    design = designs["raked"]
    coded = estimate_mean(design, "zufriedenheit", by="district", missing=[9])
    df = sample.assign(
        zufriedenheit=sample["zufriedenheit"].where(sample["zufriedenheit"] != 9)
    )
    recoded = Design.from_frame(df, weights="w0").with_calibration(
        design.calibration[0]
    )
    blank = estimate_mean(recoded, "zufriedenheit", by="district")
    np.testing.assert_allclose(coded.estimate, blank.estimate, rtol=1e-14)
    np.testing.assert_allclose(coded.se, blank.se, rtol=1e-14)


def test_distribution_adds_up_to_one(designs: dict[str, Design]) -> None:
    est = estimate_distribution(
        designs["raked"], "kultur", by="district", missing=[8], min_n=0
    )
    frame = est.to_frame()
    sums = frame.groupby("district")["estimate"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-12)


def test_share_is_mean_of_indicator(
    designs: dict[str, Design], sample: pd.DataFrame
) -> None:
    design = designs["stratified_raked"]
    share = estimate_share(design, "nutzung", [1], by="district", min_n=0)
    indicator = Design.from_frame(
        sample, weights="w0", strata="stratum", psu="psu", fpc="fpc"
    ).with_calibration(design.calibration[0])
    mean = estimate_mean(indicator, "nutzung", by="district", min_n=0)
    np.testing.assert_allclose(share.estimate, mean.estimate, rtol=1e-14)
    np.testing.assert_allclose(share.se, mean.se, rtol=1e-14)


def test_multiple_choice_from_text_column(
    designs: dict[str, Design], sample: pd.DataFrame
) -> None:
    """A select_multiple text column ("1 4") gives the same as option columns."""

    def joined(row: pd.Series) -> str | None:
        if row.isna().all():
            return None
        return " ".join(str(j) for j in range(1, 5) if row[f"wunsch_{j}"] == 1) or "0"

    df = sample.assign(wunsch=sample[WUNSCH].apply(joined, axis=1))
    design = Design.from_frame(df, weights="w0")
    text = estimate_multiple_choice(
        design, "wunsch", by="district", options=[1, 2, 3, 4], min_n=0
    )
    columns = estimate_multiple_choice(designs["fixed"], WUNSCH, by="district", min_n=0)
    np.testing.assert_allclose(text.estimate, columns.estimate, rtol=1e-14)
    np.testing.assert_allclose(text.se, columns.se, rtol=1e-14)
    assert text.category is not None
    assert columns.category is not None
    assert list(dict.fromkeys(text.category)) == ["1", "2", "3", "4"]
    assert list(dict.fromkeys(columns.category)) == WUNSCH
    assert columns.indicator == "wunsch"


def test_multiple_choice_missing_code(sample: pd.DataFrame) -> None:
    answers: list[str | None] = ["1 2", "99", None, "2"]
    df = sample.assign(q=pd.Series(answers * (len(sample) // 4), dtype=object))
    est = estimate_multiple_choice(Design.from_frame(df), "q", missing=[99], min_n=0)
    assert est.category == ("1", "2")
    assert est.n.tolist() == [len(sample) // 2, len(sample) // 2]
    assert est.estimate.tolist() == pytest.approx([0.5, 1.0])


def test_suppression_keeps_n(designs: dict[str, Design]) -> None:
    est = estimate_mean(designs["raked"], "zufriedenheit", by="district", missing=[9])
    frame = est.to_frame().set_index("district")
    small = frame.loc["D06"]
    assert small["n"] == 4
    assert small["suppressed"]
    assert pd.isna(small[["estimate", "se", "ci_lower", "ci_upper", "deff"]]).all()
    assert not frame.drop(index="D06")["suppressed"].any()
    assert est.min_n == 5


def test_to_frame_columns(designs: dict[str, Design]) -> None:
    est = estimate_mean(
        designs["fixed"], "zufriedenheit", by="district", missing=[9], alpha=0.1
    )
    assert list(est.to_frame().columns) == [
        "district",
        "n",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "df",
        "deff",
        "kish_deff",
        "suppressed",
    ]
    assert est.alpha == 0.1
    assert est.by == "district"
    assert len(est) == 6
    overall = estimate_mean(designs["fixed"], "zufriedenheit", missing=[9])
    assert overall.district == (None,)


def test_estimate_is_frozen(designs: dict[str, Design]) -> None:
    est = estimate_mean(designs["fixed"], "zufriedenheit", missing=[9])
    with pytest.raises(AttributeError):
        est.alpha = 0.1  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        est.estimate[0] = 0.0


def test_alpha_changes_interval(designs: dict[str, Design]) -> None:
    wide = estimate_mean(designs["fixed"], "zufriedenheit", missing=[9], alpha=0.01)
    narrow = estimate_mean(designs["fixed"], "zufriedenheit", missing=[9], alpha=0.2)
    assert wide.ci_lower[0] < narrow.ci_lower[0] < narrow.ci_upper[0]
    assert narrow.ci_upper[0] < wide.ci_upper[0]


def test_categorical_by_keeps_empty_levels(sample: pd.DataFrame) -> None:
    df = sample.assign(
        district=pd.Categorical(
            sample["district"], categories=[*sorted(sample["district"].unique()), "D07"]
        )
    )
    est = estimate_mean(
        Design.from_frame(df, weights="w0"), "zufriedenheit", by="district", missing=[9]
    )
    frame = est.to_frame().set_index("district")
    assert frame.loc["D07", "n"] == 0
    assert frame.loc["D07", "suppressed"]


def test_share_of_zero_has_interval(sample: pd.DataFrame) -> None:
    design = Design.from_frame(sample, weights="w0")
    est = estimate_share(design, "zufriedenheit", [7], missing=[9])
    assert est.estimate[0] == 0.0
    assert est.ci_lower[0] == 0.0
    assert 0 < est.ci_upper[0] < 0.02


@pytest.mark.parametrize(
    ("call", "error", "code"),
    [
        (lambda d: estimate_mean(d, "nope"), EstimationError, "unknown_column"),
        (lambda d: estimate_mean(d, "district"), EstimationError, "non_numeric"),
        (lambda d: estimate_mean(d, "nutzung", alpha=1.5), EstimationError, None),
        (lambda d: estimate_mean(d, "nutzung", min_n=-1), EstimationError, None),
        (
            lambda d: estimate_share(d, "nutzung", [1], ci="wald"),  # type: ignore[arg-type]
            EstimationError,
            None,
        ),
        (lambda d: estimate_share(d, "nutzung", []), EstimationError, "no_codes"),
        (lambda d: estimate_share(d, "nope", [1]), DesignError, "unknown_column"),
        (lambda d: estimate_mean(d, "nutzung", by="nope"), DesignError, None),
        (
            lambda d: estimate_distribution(d, "kultur", missing=[1, 2, 3, 4, 8]),
            EstimationError,
            "no_categories",
        ),
        (
            lambda d: estimate_multiple_choice(d, []),
            EstimationError,
            "invalid_parameter",
        ),
    ],
)
def test_bad_arguments(
    designs: dict[str, Design],
    call: Callable[[Design], Estimate],
    error: type[Exception],
    code: str | None,
) -> None:
    with pytest.raises(error) as info:
        call(designs["fixed"])
    if code is not None:
        assert getattr(info.value, "code", None) == code


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(8, 120),
    ci=st.sampled_from(["logit", "beta"]),
)
def test_intervals_are_ordered_and_within_unit_interval(
    seed: int, n: int, ci: str
) -> None:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "d": rng.integers(0, 3, n),
            "y": rng.integers(0, 2, n).astype(float),
            "w": rng.uniform(0.2, 5.0, n),
        }
    )
    df.loc[rng.random(n) < 0.1, "y"] = np.nan
    design = Design.from_frame(df, weights="w")
    est = estimate_share(
        design,
        "y",
        [1],
        by="d",
        ci=ci,  # type: ignore[arg-type]
        min_n=0,
        include_total=True,
    )
    ok = ~np.isnan(est.ci_lower)
    assert np.all(est.ci_lower[ok] >= 0)
    assert np.all(est.ci_upper[ok] <= 1)
    assert np.all(est.ci_lower[ok] <= est.estimate[ok] + 1e-12)
    assert np.all(est.estimate[ok] <= est.ci_upper[ok] + 1e-12)


def test_chunked_variance_equals_one_pass(
    designs: dict[str, Design], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Domains are processed in column chunks to bound memory; same numbers."""
    design = designs["stratified_raked"]
    whole = estimate_mean(design, "zufriedenheit", by="district", missing=[9], min_n=0)
    monkeypatch.setattr(estimation, "_CHUNK_CELLS", 2 * design.n)
    chunked = estimate_mean(
        design, "zufriedenheit", by="district", missing=[9], min_n=0
    )
    np.testing.assert_allclose(chunked.se, whole.se, rtol=1e-13)
    a = compare_with_total(design, "nutzung", by="district", codes=[1], min_n=0)
    monkeypatch.setattr(estimation, "_CHUNK_CELLS", 10**9)
    b = compare_with_total(design, "nutzung", by="district", codes=[1], min_n=0)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-13)
