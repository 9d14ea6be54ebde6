"""False-discovery rate and power of the "höher"/"niedriger" flags (issue 11).

A synthetic city of 70 districts (1,500 respondents, 2 to about 60 per district, the
demo's spread) whose households answer a yes/no item and a 1-5 satisfaction
scale. Each replicate draws respondents with unequal propensities (single
parents answer less), rakes them to district and family type, and flags
districts with :func:`auswertung.compare_with_total` (the published rule:
difference interval on the district's scale and df, its t test with the SE under
the null (the city's spread where larger), Benjamini-Hochberg across
districts, district interval excluding the city value).

* **Null city**: no district differs from any other (every district has the
  same mix of family types, so family type, which does change answers, makes
  no district differ either). Every flag is false; the
  false-discovery rate is the share of replicates with at least one flag
  (it must stay at or below 5 %).
* **City with known differences**: 10 districts differ (share +/-25 points,
  mean +/-0.8). Power is the share of these districts flagged (in the right
  direction); FDR the mean share of false flags among the flags.

Run: ``python benchmarks/findings_fdr.py [--replicates 200] [--seed N]``
(400 replicates per city take about 1 minute on one core.)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from auswertung import Design, Margin, compare_with_total, rake

DISTRICTS = 70
RESPONDENTS = 1500
SHIFTED = 10
SHARE_BASE = 0.35
SHARE_SHIFT = 0.25
MEAN_SHIFT = 0.8


@dataclass
class Tally:
    replicates: int = 0
    with_false_flag: int = 0
    false_share_sum: float = 0.0
    true_flags: int = 0
    true_possible: int = 0

    def add(self, flag: np.ndarray, truth: np.ndarray) -> None:
        self.replicates += 1
        flagged = flag != 0
        false = flagged & (np.sign(flag) != truth)
        if false.any():
            self.with_false_flag += 1
        if flagged.any():
            self.false_share_sum += false.sum() / flagged.sum()
        self.true_flags += int(np.sum(flagged & (flag == truth) & (truth != 0)))
        self.true_possible += int(np.sum(truth != 0))

    @property
    def fdr(self) -> float:
        return self.false_share_sum / max(self.replicates, 1)

    @property
    def fwer(self) -> float:
        return self.with_false_flag / max(self.replicates, 1)

    @property
    def power(self) -> float:
        return self.true_flags / self.true_possible if self.true_possible else 0.0


def population(rng: np.random.Generator) -> pd.DataFrame:
    households = rng.integers(800, 6000, DISTRICTS)
    # the same share of single parents everywhere: single parents answer
    # differently, so a varying share would make true district differences
    single = np.full(DISTRICTS, 0.25)
    rows = []
    for d in range(DISTRICTS):
        n_single = int(households[d] * single[d])
        rows.append((f"S{d:03d}", "single_parent", n_single))
        rows.append((f"S{d:03d}", "couple_family", int(households[d]) - n_single))
    return pd.DataFrame(rows, columns=["district", "family_type", "count"])


def draw(
    rng: np.random.Generator,
    cells: pd.DataFrame,
    propensity: np.ndarray,
    truth: np.ndarray,
) -> pd.DataFrame:
    weights = cells["count"].to_numpy(dtype=float) * propensity
    weights *= np.where(cells["family_type"] == "single_parent", 0.5, 1.0)
    # two respondents in every district (so none is empty), the rest at random
    first = [
        rng.choice([2 * d, 2 * d + 1], 2, p=weights[2 * d : 2 * d + 2] / w)
        for d in range(DISTRICTS)
        if (w := weights[2 * d : 2 * d + 2].sum()) > 0
    ]
    rest = rng.choice(
        len(cells), RESPONDENTS - 2 * DISTRICTS, p=weights / weights.sum()
    )
    picked = np.concatenate([*first, rest])
    frame = cells.iloc[picked][["district", "family_type"]].reset_index(drop=True)
    code = frame["district"].str[1:].astype(int).to_numpy()
    single = (frame["family_type"] == "single_parent").to_numpy()
    p = SHARE_BASE + SHARE_SHIFT * truth[code] - 0.08 * single
    frame["uses"] = (rng.random(len(frame)) < p).astype(float)
    centre = 3.2 + MEAN_SHIFT * truth[code] - 0.4 * single
    frame["satisfaction"] = np.clip(np.rint(rng.normal(centre, 1.0)), 1, 5)
    return frame


def replicate(
    rng: np.random.Generator,
    cells: pd.DataFrame,
    margins: list[Margin],
    propensity: np.ndarray,
    truth: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    frame = draw(rng, cells, propensity, truth)
    frame["district"] = pd.Categorical(
        frame["district"], categories=[f"S{d:03d}" for d in range(DISTRICTS)]
    )
    design = rake(Design.from_frame(frame), margins)
    share = compare_with_total(design, "uses", by="district", codes=[1])
    mean = compare_with_total(design, "satisfaction", by="district")
    return np.asarray(share.flag), np.asarray(mean.flag)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    cells = population(rng)
    margins = [
        Margin.of(
            "district", cells.groupby("district")["count"].sum().astype(float).to_dict()
        ),
        Margin.of(
            "family_type",
            cells.groupby("family_type")["count"].sum().astype(float).to_dict(),
        ),
    ]
    propensity = np.repeat(rng.uniform(0.5, 1.5, DISTRICTS), 2)
    shifted = rng.choice(DISTRICTS, SHIFTED, replace=False)
    known = np.zeros(DISTRICTS, dtype=int)
    known[shifted[: SHIFTED // 2]] = 1
    known[shifted[SHIFTED // 2 :]] = -1
    started = time.perf_counter()
    results = {}
    for name, truth in (("null", np.zeros(DISTRICTS, dtype=int)), ("known", known)):
        tallies = {"share": Tally(), "mean": Tally()}
        for _ in range(args.replicates):
            share, mean = replicate(rng, cells, margins, propensity, truth)
            tallies["share"].add(share, truth)
            tallies["mean"].add(mean, truth)
        results[name] = tallies
    elapsed = time.perf_counter() - started
    print(
        f"{DISTRICTS} districts, {RESPONDENTS} respondents, raked to district and "
        f"family type; {args.replicates} replicates per city ({elapsed:.0f} s)"
    )
    ok = True
    for statistic in ("share", "mean"):
        null = results["null"][statistic]
        known_t = results["known"][statistic]
        print(
            f"{statistic:5s}  no true differences: FDR {100 * null.fdr:.1f} % "
            f"(replicates with a false flag)"
        )
        print(
            f"{statistic:5s}  {SHIFTED} districts differ: power "
            f"{100 * known_t.power:.1f} %, FDR {100 * known_t.fdr:.1f} %"
        )
        ok &= null.fdr <= 0.05
    print("FDR under the null <= 5 %:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
