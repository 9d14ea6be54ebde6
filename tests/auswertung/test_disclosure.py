"""Disclosure control: minimum n, suppression marks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auswertung import DEFAULT_MIN_N, EstimationError, mark_suppressed, suppression_mask
from auswertung.disclosure import check_min_n


def test_default_minimum_is_five() -> None:
    assert DEFAULT_MIN_N == 5
    np.testing.assert_array_equal(
        suppression_mask([0, 4, 5, 6]), [True, True, False, False]
    )


def test_custom_minimum() -> None:
    np.testing.assert_array_equal(suppression_mask([1, 2], 2), [True, False])
    np.testing.assert_array_equal(suppression_mask([0, 1], 0), [False, False])


@pytest.mark.parametrize("bad", [-1, 2.5, "5", True, None])
def test_invalid_minimum(bad: object) -> None:
    with pytest.raises(EstimationError):
        check_min_n(bad)


def test_mark_suppressed_keeps_n() -> None:
    frame = pd.DataFrame(
        {
            "district": ["a", "b"],
            "n": [3, 12],
            "estimate": [np.nan, 2.5],
            "se": [np.nan, 0.1],
            "suppressed": [True, False],
        }
    )
    marked = mark_suppressed(frame)
    assert marked.loc[0, "estimate"] == "."
    assert marked.loc[0, "se"] == "."
    assert marked.loc[0, "n"] == 3
    assert marked.loc[1, "estimate"] == 2.5
    assert frame.loc[0, "se"] != "."  # input unchanged


def test_mark_without_flag_column_is_a_copy() -> None:
    frame = pd.DataFrame({"estimate": [1.0]})
    marked = mark_suppressed(frame)
    pd.testing.assert_frame_equal(marked, frame)
    assert marked is not frame
