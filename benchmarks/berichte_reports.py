"""Time and pages of the demo survey's PDF reports (city report, all profiles).

Builds a fresh SQLite database in a temporary folder (schema by ``create_all``),
loads the demo city with N synthetic responses, sets up the weighting as an analyst
would (post-stratification district × family type from the layer's population
table, the suggested collapse of small cells, confirmed), then measures

* reading the responses into a DataFrame and weighting them,
* estimating every indicator for the city and all districts,
* rendering the city report and all district profiles,

and, as the baseline in the same run, a one-page PDF (the city report without
findings: fonts, page template, method box). Rendering is reported as time per
page and as the ratio of that to the one-page baseline.

With ``--out DIR`` the city report and the profiles are written there (to look
at them, e.g. ``pdftoppm -png -r 50``); the city report's text lines are checked
for overlaps (pdfminer.six, as the tests do).

Run: ``python benchmarks/berichte_reports.py [--responses 1500] [--repeat 3]
[--out DIR]``
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.pdf_layout

T = TypeVar("T")


def _best(repeat: int, work: Callable[[], T]) -> tuple[float, T]:
    best = float("inf")
    result: T | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def _pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from auswertung import pdf
    from umfrage import create_app, demo
    from umfrage.berichte import outputs, weighting
    from umfrage.extensions import db
    from umfrage.models import Survey, WeightingSetup

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            demo.load_demo(responses=args.responses, seed=2026)
            load = time.perf_counter() - start
            survey = db.session.execute(db.select(Survey)).scalar_one()
            setup = WeightingSetup(
                survey_id=survey.id,
                method="poststratify",
                source="layer",
                mappings=[
                    {
                        "question": "haushaltstyp",
                        "variable": "family_type",
                        "codes": {
                            "1": "couple_family",
                            "3": "couple_family",
                            "2": "single_parent",
                        },
                    }
                ],
                cross_with_district=True,
                min_cell_size=5,
                collapse={},
            )
            db.session.add(setup)
            db.session.commit()
            weighting.apply_collapse_suggestion(survey, None)
            weighting.confirm_weighting(survey, None)

            prepare, state = _best(
                args.repeat, lambda: weighting.weighting_state(survey)
            )
            definitions = outputs.indicators(survey)
            estimate, tables = _best(
                args.repeat, lambda: outputs.findings(state, definitions)
            )
            _drawn, outline = outputs.map_data(survey)
            info = outputs.report_info(survey, state)
            districts = state.data.districts

            baseline, one_page = _best(
                args.repeat, lambda: pdf.city_report(info, [], districts, None)
            )
            city_time, city = _best(
                args.repeat, lambda: pdf.city_report(info, tables, districts, outline)
            )
            profiles_time, profiles = _best(
                args.repeat,
                lambda: pdf.district_profiles(info, tables, districts, outline),
            )
            end_to_end, _content = _best(1, lambda: outputs.city_report_pdf(survey))
            weighted = state.weighted.diagnosis
            db.session.remove()
            db.engine.dispose()

    pages_baseline = _pages(one_page)
    pages_city = _pages(city)
    pages_profiles = _pages(profiles)
    per_page_baseline = baseline / pages_baseline
    per_page_city = city_time / pages_city
    per_page_profiles = profiles_time / pages_profiles
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"demo: {len(state.data.frame)} complete responses of {args.responses}, "
        f"{len(districts)} districts, {len(tables)} indicators "
        f"({sum(t.key_indicator for t in tables)} key), weighted: "
        f"{state.weighted.weighted} (n = {weighted.n_weighted}), "
        f"loading the demo took {load:.1f} s"
    )
    print(f"best of {args.repeat}:")
    print(f"  responses -> DataFrame + weighting  {prepare:7.3f} s")
    print(f"  estimates, all indicators           {estimate:7.3f} s")
    print(
        f"  baseline (one-page PDF)             {baseline:7.3f} s  "
        f"{pages_baseline:4d} page   {1000 * per_page_baseline:6.1f} ms/page"
    )
    print(
        f"  city report                         {city_time:7.3f} s  "
        f"{pages_city:4d} pages  {1000 * per_page_city:6.1f} ms/page  "
        f"({per_page_city / per_page_baseline:.2f} x baseline per page)  "
        f"{len(city) / 1e6:.2f} MB"
    )
    print(
        f"  all district profiles               {profiles_time:7.3f} s  "
        f"{pages_profiles:4d} pages  {1000 * per_page_profiles:6.1f} ms/page  "
        f"({per_page_profiles / per_page_baseline:.2f} x baseline per page)  "
        f"{len(profiles) / 1e6:.2f} MB"
    )
    print(f"  city report end to end (service)    {end_to_end:7.3f} s")
    print(f"peak memory (max RSS): {peak:.0f} MB")
    if args.out is not None:
        from tests.pdf_layout import overlaps, text_lines

        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "stadtbericht.pdf").write_bytes(city)
        (args.out / "profile.pdf").write_bytes(profiles)
        print(
            f"written to {args.out}; overlapping text lines in the city report: "
            f"{len(overlaps(text_lines(city)))}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
