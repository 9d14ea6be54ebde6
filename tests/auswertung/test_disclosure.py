"""Disclosure control: minimum n, suppression marks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auswertung import DEFAULT_MIN_N, EstimationError, mark_suppressed, suppression_mask
from auswertung.disclosure import (
    DisclosureRules,
    attacker_intervals,
    check_min_n,
    dominance_mask,
    secondary_suppression,
)


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


# ---------------------------------------------------------------------- issue 11
def _linked_table(
    rng: np.random.Generator, districts: int = 30
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = rng.integers(1, 40, districts)
    weights = n * rng.uniform(20, 60, districts)
    shares = rng.dirichlet([2, 3, 1], districts).T  # 3 options summing to 1
    return shares, np.broadcast_to(weights, shares.shape).copy(), n


def test_a_single_suppressed_district_is_recovered_without_secondary() -> None:
    rng = np.random.default_rng(11)
    values, weights, n = _linked_table(rng)
    primary = np.zeros(values.shape, dtype=bool)
    primary[:, int(np.argmin(n))] = True
    bounds = np.array([[0.0, 1.0]] * 3)
    lower, upper = attacker_intervals(values, weights, primary, bounds)
    hidden = primary
    np.testing.assert_allclose(lower[hidden], values[hidden], atol=1e-7)
    np.testing.assert_allclose(upper[hidden], values[hidden], atol=1e-7)


@pytest.mark.parametrize("seed", range(8))
def test_secondary_suppression_defeats_the_attacker(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values, weights, n = _linked_table(rng)
    rules = DisclosureRules(min_n=5, dominance_n=10, dominance_k=0, protection=0.25)
    values[0, 3] = 0.0  # a 0 % share in a small district: dominance
    values[1:, 3] = values[1:, 3] / values[1:, 3].sum()
    n[3] = 7
    positives = np.rint(values[0] * n)
    primary = np.broadcast_to(n < rules.min_n, values.shape) | dominance_mask(
        np.broadcast_to(n, values.shape), np.rint(values * n), rules
    )
    assert primary[0, 3]
    assert positives[3] == 0
    bounds = np.array([[0.0, 1.0]] * 3)
    suppressed = secondary_suppression(
        values, weights, n, primary, bounds, rules, sum_to_one=True
    )
    assert (suppressed >= primary).all()
    assert (suppressed.all(axis=0) == suppressed.any(axis=0)).all()  # whole districts
    assert suppressed.any(axis=0).sum() >= 2
    lower, upper = attacker_intervals(
        values, weights, suppressed, bounds, sum_to_one=True
    )
    width = (upper - lower)[suppressed]
    assert (width >= rules.protection - 1e-9).all(), width.min()
    # the true value lies inside what the attacker finds
    assert (lower[suppressed] <= values[suppressed] + 1e-9).all()
    assert (upper[suppressed] >= values[suppressed] - 1e-9).all()


def test_dominance_mask() -> None:
    rules = DisclosureRules(dominance_n=10, dominance_k=1)
    n = np.array([6, 6, 6, 12, 0, 9])
    positives = np.array([0, 1, 3, 0, 0, 8])
    np.testing.assert_array_equal(
        dominance_mask(n, positives, rules), [True, True, False, False, False, True]
    )
