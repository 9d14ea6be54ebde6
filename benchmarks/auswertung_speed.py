"""Speed and memory of weighting and per-district estimation, against R ``survey``.

100,000 responses, 50 districts, 20 indicators (10 satisfaction scores 1-5 with
item non-response and a "not used" code as means, 10 yes/no items as shares),
raking on 3 margins (district, household type, age group), then every indicator by
district plus the city-wide value, with SE, CI, df, deff.

When ``Rscript`` with the ``survey`` package is available, the same data are
weighted and estimated in R in the same run (``rake()`` + ``svyby(svymean)`` per
indicator, plus the city-wide ``svymean``) and the ratio of the times is printed.
R's ``rake()`` approximates the calibration variance by 10 backfitting sweeps, so
its SEs differ slightly from the exact projection; the script therefore also runs
``calibrate(calfun = "raking")`` + ``svyby`` for the first indicators in R (the
exact counterpart, not timed in the ratio) and compares the SEs with it.

Run: ``python benchmarks/auswertung_speed.py [--r-indicators 20]``
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from auswertung import Design, Margin, estimate_mean, estimate_share, rake

N_RESPONSES = 100_000
N_DISTRICTS = 50
N_MEANS = 10
N_SHARES = 10
POPULATION = 1_000_000.0
AGE_LEVELS = ("u03", "u06", "u10", "u14", "u18")


def make_data(seed: int) -> tuple[pd.DataFrame, list[Margin]]:
    rng = np.random.default_rng(seed)
    n = N_RESPONSES
    district = rng.integers(0, N_DISTRICTS, n)
    single = rng.random(n) < 0.22
    age = rng.integers(0, len(AGE_LEVELS), n)
    data: dict[str, object] = {
        "district": np.char.add("D", np.char.zfill(district.astype(str), 2)),
        "hhtype": np.where(single, "single", "couple"),
        "agegroup": np.asarray(AGE_LEVELS)[age],
        "w0": rng.uniform(0.5, 2.0, n) * (1 + district / N_DISTRICTS),
    }
    for j in range(N_MEANS):
        latent = 3 + 0.02 * (district % 7) + 0.4 * ~single + rng.normal(0, 1.1, n)
        y = np.clip(np.rint(latent), 1, 5)
        u = rng.random(n)
        y[u < 0.05] = np.nan
        y[(u >= 0.05) & (u < 0.1)] = 9  # "nicht genutzt"
        data[f"z{j + 1:02d}"] = y
    for j in range(N_SHARES):
        p = 1 / (1 + np.exp(-(-0.3 + 0.01 * (district % 11) + 0.5 * single)))
        y = (rng.random(n) < p).astype(float)
        y[rng.random(n) < 0.05] = np.nan
        data[f"u{j + 1:02d}"] = y
    frame = pd.DataFrame(data)
    district_share = rng.uniform(0.5, 1.5, N_DISTRICTS)
    district_share /= district_share.sum()
    margins = [
        Margin.of(
            "district",
            {f"D{d:02d}": POPULATION * s for d, s in enumerate(district_share)},
        ),
        Margin.of("hhtype", {"couple": 0.7 * POPULATION, "single": 0.3 * POPULATION}),
        Margin.of(
            "agegroup",
            {
                a: POPULATION * s
                for a, s in zip(AGE_LEVELS, (0.18, 0.2, 0.22, 0.2, 0.2), strict=True)
            },
        ),
    ]
    return frame, margins


def run_python(
    frame: pd.DataFrame, margins: list[Margin], indicators: list[str]
) -> tuple[pd.DataFrame, float]:
    started = time.perf_counter()
    design = rake(Design.from_frame(frame, weights="w0"), margins)
    tables = []
    for name in indicators:
        if name.startswith("z"):
            est = estimate_mean(
                design, name, by="district", missing=[9], include_total=True, min_n=0
            )
        else:
            est = estimate_share(
                design, name, [1], by="district", include_total=True, min_n=0
            )
        table = est.to_frame()
        table.insert(0, "indicator", name)
        tables.append(table)
    elapsed = time.perf_counter() - started
    result = pd.concat(tables, ignore_index=True)
    result["district"] = result["district"].map(lambda d: "" if d is None else d)
    return result, elapsed


R_SCRIPT = Path(__file__).with_name("auswertung_speed.R")


def r_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    check = subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('survey', quietly = TRUE))"],
        capture_output=True,
        check=False,
    )
    return check.returncode == 0


def compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[float, float, int]:
    merged = theirs.merge(ours, on=["indicator", "district"], suffixes=("_r", ""))
    est = np.max(np.abs(merged["estimate"] / merged["estimate_r"] - 1))
    se = np.max(np.abs(merged["se"] / merged["se_r"] - 1))
    return float(est), float(se), len(merged)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--r-indicators",
        type=int,
        default=N_MEANS + N_SHARES,
        help="indicators R estimates (all 20 take several minutes)",
    )
    parser.add_argument("--r-exact", type=int, default=2)
    parser.add_argument("--no-r", action="store_true")
    args = parser.parse_args(argv)

    frame, margins = make_data(args.seed)
    indicators = [c for c in frame.columns if c[0] in "zu" and c[1:].isdigit()]
    print(
        f"data: {len(frame)} responses, {frame['district'].nunique()} districts, "
        f"{len(indicators)} indicators, raking on {len(margins)} margins"
    )
    run_python(frame, margins, indicators[:2])  # warm-up (imports, caches)
    times = []
    for _ in range(3):
        ours, elapsed = run_python(frame, margins, indicators)
        times.append(elapsed)
    py_time = min(times)
    tracemalloc.start()
    run_python(frame, margins, indicators)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"python: rake + {len(indicators)} indicators x (50 districts + city): "
        f"{py_time:.3f} s (best of 3; runs {', '.join(f'{t:.3f}' for t in times)})"
    )
    print(
        f"python: peak traced memory {peak / 2**20:.1f} MiB during the run "
        f"(process peak RSS {rss:.0f} MiB incl. data and interpreter)"
    )

    if args.no_r or not r_available():
        print("R: Rscript with package survey not available, no comparison")
        return 0
    k = min(args.r_indicators, len(indicators))
    sub = indicators[:k]
    if k == len(indicators):
        py_sub = py_time
    else:
        py_sub = min(run_python(frame, margins, sub)[1] for _ in range(3))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        frame.to_csv(folder / "data.csv", index=False)
        rows = [
            (m.name, level[0], total)
            for m in margins
            for level, total in m.totals.items()
        ]
        pd.DataFrame(rows, columns=["variable", "level", "population_total"]).to_csv(
            folder / "margins.csv", index=False
        )
        print(f"R: rake() + svyby(svymean) for {k} indicators ... (this takes a while)")
        started = time.perf_counter()
        run = subprocess.run(
            [
                "Rscript",
                str(R_SCRIPT),
                str(folder / "data.csv"),
                str(folder / "margins.csv"),
                ",".join(sub),
                str(folder / "r_rake.csv"),
                str(min(args.r_exact, k)),
                str(folder / "r_exact.csv"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        if run.returncode != 0:
            print("R failed:", run.stderr.strip().splitlines()[-1:])
            return 1
        values = dict(
            line.split() for line in run.stdout.splitlines() if line.startswith("R_")
        )
        r_time = float(values["R_TIME"])
        r_rake = pd.read_csv(folder / "r_rake.csv", keep_default_na=False)
        r_rake["district"] = r_rake["district"].astype(str)
        exact = None
        if "R_EXACT_TIME" in values:
            exact = pd.read_csv(folder / "r_exact.csv", keep_default_na=False)
            exact["district"] = exact["district"].astype(str)
    print(
        f"R: rake + {k} x svyby: {r_time:.1f} s (Rscript wall {wall:.1f} s incl. "
        "reading the CSV and the exact check)"
    )
    print(
        f"python, same {k} indicators: {py_sub:.3f} s (best of 3) -> python is "
        f"{r_time / py_sub:.0f}x faster than R"
    )
    est_diff, se_diff, rows = compare(ours, r_rake)
    print(
        f"vs R rake(): {rows} estimates, max rel. difference of estimates "
        f"{est_diff:.1e}, of SEs {se_diff:.1e} (rake() approximates the "
        "calibration variance by 10 backfitting sweeps)"
    )
    if exact is not None:
        est_diff, se_diff, rows = compare(ours, exact)
        print(
            f"vs R calibrate(calfun='raking') (exact variance, "
            f"{values['R_EXACT_TIME']} s): {rows} estimates, max rel. difference "
            f"of estimates {est_diff:.1e}, of SEs {se_diff:.1e}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
