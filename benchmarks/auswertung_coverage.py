"""Coverage of 95 % confidence intervals for raked district means and shares.

A synthetic city with known truth: households with children in 10 districts,
single parents and couple families, three age groups of the youngest child. Each
replicate draws a Poisson sample with unequal inclusion probabilities (by district
and a household size measure), lets households answer with probabilities that
depend on household type and age group (single parents answer less), rakes the
respondents to the population margins (district, household type, age group) and
estimates, per district, mean satisfaction (1-5, t interval) and the share using an
offer (logit interval). Coverage is the share of intervals that contain the true
district value of the finite population; it should lie between 94 % and 96 %.

Run: ``python benchmarks/auswertung_coverage.py [--replicates 2000] [--seed N]``
(2,000 replicates take about 15 s on one core.)
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from auswertung import Design, Margin, estimate_mean, estimate_share, rake

DISTRICT_SIZES = np.array([22, 18, 15, 13, 11, 10, 9, 8, 7, 6]) * 1000
SINGLE_SHARE = np.array([0.32, 0.18, 0.25, 0.28, 0.15, 0.22, 0.35, 0.2, 0.3, 0.24])
DISTRICT_EFFECT = np.array([0.3, -0.2, 0.1, -0.5, 0.6, 0.0, -0.3, 0.4, -0.1, 0.2])
USE_EFFECT = np.array([-0.4, 0.2, 0.0, 0.5, -0.3, 0.3, -0.6, 0.1, 0.4, -0.2])
# expected sample per district: about 200 to 360, about 110 respondents
SAMPLING_RATE = np.array(
    [0.012, 0.014, 0.016, 0.02, 0.024, 0.026, 0.03, 0.033, 0.04, 0.045]
)
RESPONSE_HHTYPE = {"couple": 0.55, "single": 0.3}
RESPONSE_AGE = {"u06": 1.0, "u10": 0.9, "u18": 0.75}
AGE_LEVELS = ("u06", "u10", "u18")


def make_city(rng: np.random.Generator) -> pd.DataFrame:
    """The finite population with its survey variables."""
    district = np.repeat(np.arange(len(DISTRICT_SIZES)), DISTRICT_SIZES)
    n = district.size
    single = rng.random(n) < SINGLE_SHARE[district]
    age = rng.choice(3, n, p=[0.35, 0.3, 0.35])
    latent = (
        2.9
        + DISTRICT_EFFECT[district]
        + 0.6 * ~single
        - 0.3 * (age == 2)
        + rng.normal(0, 1.0, n)
    )
    satisfaction = np.clip(np.rint(latent), 1, 5)
    p_use = 1 / (
        1 + np.exp(-(-0.5 + USE_EFFECT[district] + 0.9 * ~single + 0.6 * (age == 0)))
    )
    uses = (rng.random(n) < p_use).astype(float)
    size = rng.uniform(0.6, 1.4, n)  # frame variable driving unequal probabilities
    return pd.DataFrame(
        {
            "district": np.char.add("D", np.char.zfill(district.astype(str), 2)),
            "hhtype": np.where(single, "single", "couple"),
            "agegroup": np.asarray(AGE_LEVELS)[age],
            "zufriedenheit": satisfaction,
            "nutzung": uses,
            "pi": SAMPLING_RATE[district] * size,
        }
    )


def margins_of(city: pd.DataFrame) -> list[Margin]:
    return [
        Margin.of(column, city[column].value_counts().astype(float).to_dict())
        for column in ("district", "hhtype", "agegroup")
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    city = make_city(rng)
    margins = margins_of(city)
    truth_mean = city.groupby("district")["zufriedenheit"].mean()
    truth_share = city.groupby("district")["nutzung"].mean()
    response = (
        city["hhtype"].map(RESPONSE_HHTYPE).to_numpy()
        * city["agegroup"].map(RESPONSE_AGE).to_numpy()
    )
    pi = city["pi"].to_numpy()

    covered = {"mean": 0, "share": 0}
    total = {"mean": 0, "share": 0}
    naive_covered = 0
    naive_total = 0
    width = {"mean": 0.0, "share": 0.0}
    sizes = []
    started = time.perf_counter()
    for _ in range(args.replicates):
        sampled = rng.random(len(city)) < pi
        answered = sampled & (rng.random(len(city)) < response)
        sample = city[answered].assign(w0=1 / pi[answered])
        sizes.append(len(sample))
        design = rake(Design.from_frame(sample, weights="w0"), margins)
        for statistic, est, truth in (
            (
                "mean",
                estimate_mean(design, "zufriedenheit", by="district", min_n=0),
                truth_mean,
            ),
            (
                "share",
                estimate_share(design, "nutzung", [1], by="district", min_n=0),
                truth_share,
            ),
        ):
            true = truth.loc[list(est.district)].to_numpy()
            covered[statistic] += int(
                np.sum((est.ci_lower <= true) & (true <= est.ci_upper))
            )
            total[statistic] += len(true)
            width[statistic] += float(np.sum(est.ci_upper - est.ci_lower))
        # unweighted shares: what the non-response does without weighting
        naive = sample.groupby("district")["nutzung"].agg(["mean", "count"])
        se = np.sqrt(naive["mean"] * (1 - naive["mean"]) / naive["count"])
        true = truth_share.loc[naive.index].to_numpy()
        naive_covered += int(
            np.sum(np.abs(naive["mean"].to_numpy() - true) <= 1.96 * se)
        )
        naive_total += len(true)
    elapsed = time.perf_counter() - started

    all_covered = covered["mean"] + covered["share"]
    all_total = total["mean"] + total["share"]
    coverage = 100 * all_covered / all_total
    print(f"population: {len(city)} households, 10 districts")
    print(
        f"replicates: {args.replicates}, respondents per sample: "
        f"{np.mean(sizes):.0f} (min {np.min(sizes)}, max {np.max(sizes)})"
    )
    for statistic in ("mean", "share"):
        print(
            f"coverage of 95% CIs, raked district {statistic}s: "
            f"{100 * covered[statistic] / total[statistic]:.2f}% "
            f"({total[statistic]} intervals, mean width "
            f"{width[statistic] / total[statistic]:.4f})"
        )
    print(f"coverage of 95% CIs, all raked district estimates: {coverage:.2f}%")
    print(
        "for contrast, unweighted shares with SRS intervals cover "
        f"{100 * naive_covered / naive_total:.2f}%"
    )
    print(f"time: {elapsed:.1f} s")
    ok = 94.0 <= coverage <= 96.0
    print("result:", "OK (94-96%)" if ok else "OUTSIDE 94-96%")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
