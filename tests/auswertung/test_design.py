"""Design construction, its errors, degrees of freedom and the fpc."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auswertung import Design, DesignError, estimate_mean


def test_defaults(sample: pd.DataFrame) -> None:
    design = Design.from_frame(sample)
    np.testing.assert_array_equal(design.weights, np.ones(len(sample)))
    assert design.n == len(sample)
    assert design.df == len(sample) - 1
    assert design.calibration == ()
    assert design.calibration_report is None
    assert "n=536" in repr(design)


def test_stratified_degrees_of_freedom(designs: dict[str, Design]) -> None:
    # 8 + 6 + 10 PSUs in 3 strata, as R's degf()
    assert designs["stratified"].df == 21
    assert designs["stratified_raked"].df == 21


def test_from_frame_does_not_change_input(sample: pd.DataFrame) -> None:
    before = sample.copy()
    Design.from_frame(sample, weights="w0", strata="stratum", psu="psu", fpc="fpc")
    pd.testing.assert_frame_equal(sample, before)


def test_constructor_is_closed() -> None:
    with pytest.raises(TypeError):
        Design()


def test_fpc_as_fraction_equals_population_size(sample: pd.DataFrame) -> None:
    by_size = Design.from_frame(
        sample, weights="w0", strata="stratum", psu="psu", fpc="fpc"
    )
    n_psu = sample.groupby("stratum")["psu"].transform("nunique")
    fraction = sample.assign(f=n_psu / sample["fpc"])
    by_fraction = Design.from_frame(
        fraction, weights="w0", strata="stratum", psu="psu", fpc="f"
    )
    a = estimate_mean(by_size, "zufriedenheit", missing=[9])
    b = estimate_mean(by_fraction, "zufriedenheit", missing=[9])
    assert a.se[0] == pytest.approx(b.se[0], rel=1e-12)


def test_fpc_shrinks_variance(sample: pd.DataFrame) -> None:
    with_fpc = Design.from_frame(
        sample, weights="w0", strata="stratum", psu="psu", fpc="fpc"
    )
    without = Design.from_frame(sample, weights="w0", strata="stratum", psu="psu")
    a = estimate_mean(with_fpc, "zufriedenheit", missing=[9])
    b = estimate_mean(without, "zufriedenheit", missing=[9])
    assert a.se[0] < b.se[0]


def test_census_stratum_with_one_psu_is_allowed(sample: pd.DataFrame) -> None:
    df = sample.assign(
        stratum=np.where(sample["psu"] == "A01", "Z", sample["stratum"]),
        fpc=np.where(sample["psu"] == "A01", 1, sample["fpc"]),
    )
    design = Design.from_frame(df, weights="w0", strata="stratum", psu="psu", fpc="fpc")
    assert design.df == 24 - 4


def _frame(**columns: object) -> pd.DataFrame:
    base: dict[str, object] = {"w": [1.0, 2.0, 3.0, 4.0], "s": ["a", "a", "b", "b"]}
    base.update(columns)
    return pd.DataFrame(base)


@pytest.mark.parametrize(
    ("frame", "kwargs", "code"),
    [
        (pd.DataFrame({"w": []}), {"weights": "w"}, "empty_data"),
        (_frame(), {"weights": "gewicht"}, "unknown_column"),
        (_frame(w=["1", "x", "2", "3"]), {"weights": "w"}, "non_numeric"),
        (_frame(w=[1.0, None, 2.0, 3.0]), {"weights": "w"}, "missing_value"),
        (_frame(w=[1.0, 0.0, 2.0, 3.0]), {"weights": "w"}, "invalid_weight"),
        (_frame(w=[1.0, -2.0, 2.0, 3.0]), {"weights": "w"}, "invalid_weight"),
        (_frame(w=[1.0, np.inf, 2.0, 3.0]), {"weights": "w"}, "invalid_weight"),
        (_frame(s=["a", None, "b", "b"]), {"strata": "s"}, "missing_value"),
        (_frame(s=["a", "a", "a", "b"]), {"strata": "s"}, "single_psu"),
        (_frame(p=[1, 1, 1, 1]), {"psu": "p"}, "single_psu_design"),
        (_frame(f=[10, 10, 0.5, 0.5]), {"strata": "s", "fpc": "f"}, "fpc_mixed"),
        (_frame(f=[10, 11, 12, 12]), {"strata": "s", "fpc": "f"}, "fpc_not_constant"),
        (_frame(f=[1, 1, 12, 12]), {"strata": "s", "fpc": "f"}, "fpc_too_small"),
        (_frame(f=[0, 0, 12, 12]), {"strata": "s", "fpc": "f"}, "fpc_invalid"),
    ],
)
def test_design_errors(frame: pd.DataFrame, kwargs: dict[str, str], code: str) -> None:
    with pytest.raises(DesignError) as info:
        Design.from_frame(frame, **kwargs)
    error = info.value
    assert error.code == code
    assert error.place is not None
    assert str(error)  # a German default message


def test_error_names_row_and_column() -> None:
    frame = pd.DataFrame({"w": ["1", "2", "x"]}, index=[10, 11, 12])
    with pytest.raises(DesignError) as info:
        Design.from_frame(frame, weights="w")
    assert info.value.params == {"column": "w", "row": 12, "value": "x"}
    assert "Zeile 12" in str(info.value)
    assert "„w“" in str(info.value)


def test_not_a_frame() -> None:
    with pytest.raises(DesignError):
        Design.from_frame([1, 2, 3])  # type: ignore[arg-type]
