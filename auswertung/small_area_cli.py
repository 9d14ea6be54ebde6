"""The ``auswertung small-area`` command: Fay–Herriot estimates from an area table.

::

    auswertung small-area AREAS.csv --area COL --direct COL --variance COL
        [--covariate COL]... [--method reml|ml] [--scale identity|arcsine]
        [--alpha A] [--max-iter N] --out RESULTS.csv [--model FILE.json]

AREAS.csv has one row per area: the direct estimate (empty: the area gets the
synthetic estimate), its design variance and the covariates. RESULTS.csv gets
:data:`RESULT_COLUMNS`; the model goes to the terminal or to ``--model`` as JSON.
Bad input ends with exit code 2 and a one-line message; nothing is written then.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from auswertung.design import numeric_column
from auswertung.errors import InputError
from auswertung.small_area import FayHerriot, fay_herriot

__all__ = ["RESULT_COLUMNS", "add_parser", "run"]

#: Columns of RESULTS.csv, in order.
RESULT_COLUMNS = (
    "area",
    "direct",
    "direct_se",
    "estimate",
    "mse",
    "se",
    "ci_lower",
    "ci_upper",
    "gamma",
    "kind",
    "synthetic",
    "residual",
)


def add_parser(commands: Any) -> None:
    """Add the ``small-area`` sub-command to the ``auswertung`` parser."""
    sae = commands.add_parser(
        "small-area",
        help="Modellschätzungen (Fay–Herriot) je Gebiet aus direkten Schätzwerten.",
        description=(
            "Passt das Fay–Herriot-Modell an direkte Schätzwerte je Gebiet an und "
            "schreibt EBLUP bzw. synthetische Schätzwerte mit MSE, Intervall und "
            "Schrumpfungsfaktor nach RESULTS.csv."
        ),
    )
    sae.add_argument("areas", metavar="AREAS.csv", help="eine Zeile je Gebiet, CSV")
    sae.add_argument("--area", metavar="COL", required=True, help="Gebietsspalte")
    sae.add_argument("--direct", metavar="COL", required=True, help="direkter Wert")
    sae.add_argument("--variance", metavar="COL", required=True, help="seine Varianz")
    sae.add_argument("--covariate", metavar="COL", action="append", default=[])
    sae.add_argument("--method", choices=("reml", "ml"), default="reml")
    sae.add_argument("--scale", choices=("identity", "arcsine"), default="identity")
    sae.add_argument("--alpha", type=float, default=0.05)
    sae.add_argument(
        "--max-iter",
        type=int,
        default=100,
        dest="max_iter",
        help="höchstens so viele Fisher-Scoring-Iterationen",
    )
    sae.add_argument("--out", metavar="RESULTS.csv", required=True)
    sae.add_argument("--model", metavar="FILE.json", help="Modell als JSON")


def run(args: argparse.Namespace) -> int:
    """Run ``auswertung small-area``; raises ``AnalysisError`` on bad input."""
    from auswertung import cli  # the shared file helpers; cli imports this module

    if not args.covariate:
        raise InputError(
            "option_invalid",
            place="--covariate",
            option="--covariate",
            value="",
            reason="mindestens eine Kovariate angeben",
        )
    path = args.areas
    frame = cli._read_csv(path)
    columns = [args.area, args.direct, args.variance, *args.covariate]
    cli._require_columns(frame, path, columns)
    areas = frame[args.area]
    if areas.isna().any():
        row = areas.index[int(np.flatnonzero(areas.isna().to_numpy())[0])]
        raise InputError(
            "missing_value", place=f"{args.area}[{row}]", column=args.area, row=row
        )
    direct = numeric_column(frame, args.direct, error=InputError)
    variance = numeric_column(frame, args.variance, error=InputError)
    without_variance = np.flatnonzero(np.isfinite(direct) & np.isnan(variance))
    if without_variance.size:
        position = int(without_variance[0])
        row = frame.index[position]
        raise InputError(
            "sae_variance_missing",
            place=f"{args.variance}[{row}]",
            area=areas.iloc[position],
            column=args.variance,
            message=(
                f"Die Spalte „{args.variance}“ hat in Zeile {row} (Gebiet "
                f"„{areas.iloc[position]}“) keine Varianz, obwohl es einen direkten "
                "Schätzwert gibt."
            ),
        )
    covariates = {c: numeric_column(frame, c, error=InputError) for c in args.covariate}
    result = fay_herriot(
        direct,
        variance,
        covariates,
        area=list(areas),
        method=args.method,
        scale=args.scale,
        alpha=args.alpha,
        indicator=args.direct,
        max_iter=args.max_iter,
    )
    output = result.to_frame().rename(columns={"district": "area"})
    output = output.loc[:, list(RESULT_COLUMNS)]
    summary = result.model_summary()
    if args.model:
        _write_json(summary, args.model)
    cli._write_atomic(output, args.out)
    if not args.model:
        print(_model_text(result))
    synthetic = result.kind.count("synthetic")
    print(
        f"{len(output)} Gebiete nach {args.out} geschrieben "
        f"({len(output) - synthetic} EBLUP, {synthetic} synthetisch)."
    )
    return 0


def _model_text(result: FayHerriot) -> str:
    lines = [
        f"Fay–Herriot-Modell, {result.method.upper()}, Skala {result.scale}: "
        f"{result.iterations} Iterationen, konvergiert",
        f"{'Koeffizient':<24} {'Schätzwert':>12} {'SE':>12}",
    ]
    for name, beta, se in zip(
        result.coefficient_names,
        result.coefficients,
        result.coefficient_se,
        strict=True,
    ):
        lines.append(f"{name:<24} {beta:12.6g} {se:12.6g}")
    lines.append(
        f"Modellvarianz {result.model_variance:.6g} (SE "
        f"{result.model_variance_se:.3g}), R² {result.r_squared:.3f}, "
        f"Log-Likelihood {result.log_likelihood:.6g}"
    )
    return "\n".join(lines)


def _write_json(data: dict[str, Any], path: str) -> None:
    from auswertung import cli

    cli._write_text_atomic(
        path, lambda stream: json.dump(data, stream, ensure_ascii=False, indent=2)
    )
