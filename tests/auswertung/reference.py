"""Reference data for the auswertung tests: R fixtures, designs, tolerances.

The fixtures in ``fixtures/`` were made by ``fixtures/make_reference.R`` with R
``survey`` 4.1.1 (see ``fixtures/ref_info.txt``).

Tolerances (issue 4): weights and estimates 1e-9 relative, SEs 1e-7 relative,
CI limits 1e-7 absolute, design effects 1e-7 relative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from auswertung import Design, Margin, poststratify, rake, read_margins

FIXTURES = Path(__file__).parent / "fixtures"

REL_WEIGHT = 1e-9
REL_ESTIMATE = 1e-9
REL_SE = 1e-7
ABS_CI = 1e-7
REL_DEFF = 1e-7

#: Declared missing codes of the sample: 9 = "Angebot nicht genutzt", 8 = "weiß nicht".
MISSING = {"zufriedenheit": [9], "kultur": [8]}
CALIBRATED = {"poststratified", "raked", "stratified_raked", "bounded"}
BOUNDS = (0.895, 1.12)
DESIGN_NAMES = (
    "fixed",
    "poststratified",
    "raked",
    "stratified",
    "stratified_raked",
    "bounded",
)


def read_sample() -> pd.DataFrame:
    return pd.read_csv(
        FIXTURES / "sample.csv",
        dtype={"district": str, "hhtype": str, "agegroup": str, "psu": str},
    )


def read_reference(name: str) -> pd.DataFrame:
    frame = pd.read_csv(FIXTURES / name, keep_default_na=False, na_values=[""])
    for column in ("district", "category", "ci_note"):
        if column in frame.columns:
            frame[column] = frame[column].fillna("").astype(str)
    return frame


def sample_margins() -> list[Margin]:
    return read_margins(pd.read_csv(FIXTURES / "margins.csv", dtype=str))


def cell_margin() -> Margin:
    cells = pd.read_csv(FIXTURES / "population_cells.csv", dtype={"Freq": float})
    return Margin.of(
        "district:hhtype",
        {(d, h): f for d, h, f in cells.itertuples(index=False)},
    )


def build_designs() -> dict[str, Design]:
    df = read_sample()
    margins = sample_margins()
    fixed = Design.from_frame(df, weights="w0")
    stratified = Design.from_frame(
        df, weights="w0", strata="stratum", psu="psu", fpc="fpc"
    )
    return {
        "fixed": fixed,
        "poststratified": poststratify(
            fixed, cell_margin(), collapse={"district": {"D06": "D05"}}
        ),
        "raked": rake(fixed, margins, tol=1e-13),
        "stratified": stratified,
        "stratified_raked": rake(stratified, margins[:2], tol=1e-13),
        "bounded": rake(fixed, margins, tol=1e-13, bounds=BOUNDS),
    }


def assert_rel(actual: object, expected: object, rtol: float) -> None:
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e))
    ok = ~np.isnan(e)
    np.testing.assert_allclose(a[ok], e[ok], rtol=rtol, atol=0)


def assert_abs(actual: object, expected: object, atol: float) -> None:
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e))
    ok = ~np.isnan(e)
    np.testing.assert_allclose(a[ok], e[ok], rtol=0, atol=atol)
