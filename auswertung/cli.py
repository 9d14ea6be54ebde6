"""The ``auswertung`` command line tool for analysts who work from exported files.

::

    auswertung estimate RESPONSES.csv --weight COL --margins MARGINS.csv --by COL
        [--mean VAR]... [--share VAR=CODE,CODE]... [--missing VAR=CODE,...]...
        [--method rake|poststratify|none] [--ci logit|beta] [--min-n N]
        --out RESULTS.csv
    auswertung small-area AREAS.csv --area COL --direct COL --variance COL
        [--covariate COL]... [--method reml|ml] --out RESULTS.csv [--model FILE.json]

Bad input ends the program with exit code 2 and a one-line German message naming
the problem; nothing is written then.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

import numpy as np
import pandas as pd

from auswertung import small_area_cli
from auswertung.design import Design, numeric_column
from auswertung.disclosure import DEFAULT_MIN_N, mark_suppressed
from auswertung.errors import AnalysisError, InputError
from auswertung.estimation import Estimate, estimate_mean, estimate_share
from auswertung.weighting import (
    CROSS_SEPARATOR,
    poststratify,
    rake,
    read_margins,
    weight_diagnostics,
)

__all__ = ["RESULT_COLUMNS", "main"]

PROGRAM = "auswertung"
#: Columns of RESULTS.csv, in order.
RESULT_COLUMNS = (
    "indicator",
    "statistic",
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
)


class _UsageError(Exception):
    """A command-line usage error (argparse's message)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROGRAM,
        description="Gewichtete Schätzungen je Sozialraum aus exportierten Dateien.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )
    est = commands.add_parser(
        "estimate",
        help="Gewichten und Mittelwerte/Anteile je Sozialraum schätzen.",
        description=(
            "Gewichtet die Antworten (Raking oder Nachschichtung auf MARGINS.csv) "
            "und schreibt je Indikator und Sozialraum n, Schätzwert, "
            "Standardfehler, Konfidenzintervall, Freiheitsgrade und Designeffekte "
            "nach RESULTS.csv."
        ),
    )
    est.add_argument("responses", metavar="RESPONSES.csv", help="Antworten, CSV")
    est.add_argument("--weight", metavar="COL", help="Spalte mit Designgewichten")
    est.add_argument(
        "--margins",
        metavar="MARGINS.csv",
        help="Randverteilungen: variable,level,population_total",
    )
    est.add_argument("--by", metavar="COL", required=True, help="Sozialraum-Spalte")
    est.add_argument("--mean", metavar="VAR", action="append", default=[])
    est.add_argument("--share", metavar="VAR=CODE,CODE", action="append", default=[])
    est.add_argument("--missing", metavar="VAR=CODE,...", action="append", default=[])
    est.add_argument(
        "--collapse",
        metavar="VAR=OLD:NEW,...",
        action="append",
        default=[],
        help="Stufen vor der Gewichtung zusammenlegen",
    )
    est.add_argument("--method", choices=("rake", "poststratify", "none"), default=None)
    est.add_argument("--ci", choices=("logit", "beta"), default="logit")
    est.add_argument("--min-n", type=int, default=DEFAULT_MIN_N, dest="min_n")
    est.add_argument("--alpha", type=float, default=0.05)
    est.add_argument("--strata", metavar="COL")
    est.add_argument("--psu", metavar="COL")
    est.add_argument("--fpc", metavar="COL")
    est.add_argument(
        "--bounds",
        metavar="LOWER,UPPER",
        help="Grenzen des Gewichtungsfaktors beim Raking, z. B. 0.3,3",
    )
    est.add_argument("--out", metavar="RESULTS.csv", required=True)
    small_area_cli.add_parser(commands)
    return parser


# ---------------------------------------------------------------------- parsing
def _split_assignment(option: str, value: str) -> tuple[str, list[str]]:
    name, sep, rest = value.partition("=")
    name = name.strip()
    codes = [c.strip() for c in rest.split(",")] if sep else []
    if not sep or not name or not codes or any(c == "" for c in codes):
        raise InputError(
            "option_invalid",
            place=option,
            option=option,
            value=value,
            reason="erwartet VAR=CODE,CODE",
        )
    return name, codes


def _read_csv(path: str) -> pd.DataFrame:
    file = Path(path)
    try:
        with file.open(encoding="utf-8-sig") as handle:
            first = handle.readline()
        sep = ";" if first.count(";") > first.count(",") else ","
        frame = pd.read_csv(
            file,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8-sig",
        )
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            "file_unreadable", place=path, path=path, reason=reason
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(
            "file_unreadable", place=path, path=path, reason="die Datei ist leer"
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    # report rows by their line in the file (header is line 1)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def _require_columns(frame: pd.DataFrame, path: str, columns: Sequence[str]) -> None:
    for column in columns:
        if column not in frame.columns:
            raise InputError(
                "unknown_column",
                place=column,
                column=column,
                message=f"Die Spalte „{column}“ gibt es in {path} nicht.",
            )


def _parse_bounds(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    parts = value.split(",")
    try:
        if len(parts) != 2:
            raise ValueError(value)
        return float(parts[0]), float(parts[1])
    except ValueError as exc:
        raise InputError(
            "option_invalid",
            place="--bounds",
            option="--bounds",
            value=value,
            reason="erwartet UNTERE,OBERE, z. B. 0.3,3",
        ) from exc


def _parse_collapse(values: Sequence[str]) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for value in values:
        name, pairs = _split_assignment("--collapse", value)
        mapping = result.setdefault(name, {})
        for pair in pairs:
            old, sep, new = pair.partition(":")
            if not sep or not old.strip() or not new.strip():
                raise InputError(
                    "option_invalid",
                    place="--collapse",
                    option="--collapse",
                    value=value,
                    reason="erwartet VAR=ALT:NEU,ALT:NEU",
                )
            mapping[old.strip()] = new.strip()
    return result


def _to_numeric_if_possible(frame: pd.DataFrame, column: str) -> None:
    converted = pd.to_numeric(frame[column], errors="coerce")
    if bool((converted.isna() == frame[column].isna()).all()):
        frame[column] = converted


# ---------------------------------------------------------------------- command
def _estimate(args: argparse.Namespace) -> int:
    min_n = args.min_n
    if min_n < 0:
        raise InputError(
            "option_invalid",
            place="--min-n",
            option="--min-n",
            value=min_n,
            reason="muss ≥ 0 sein",
        )
    if not args.mean and not args.share:
        raise InputError(
            "option_invalid",
            place="--mean/--share",
            option="--mean/--share",
            value="",
            reason="mindestens einen Indikator mit --mean oder --share angeben",
        )
    shares = [_split_assignment("--share", v) for v in args.share]
    missing: dict[str, list[str]] = {}
    for value in args.missing:
        name, codes = _split_assignment("--missing", value)
        missing.setdefault(name, []).extend(codes)
    collapse = _parse_collapse(args.collapse)
    bounds = _parse_bounds(args.bounds)
    method = args.method or ("rake" if args.margins else "none")
    if method != "none" and not args.margins:
        raise InputError(
            "option_invalid",
            place="--margins",
            option="--method",
            value=method,
            reason="dafür braucht es --margins MARGINS.csv",
        )

    frame = _read_csv(args.responses)
    path = args.responses
    design_columns = [
        c for c in (args.weight, args.by, args.strata, args.psu, args.fpc) if c
    ]
    analysis_columns = list(args.mean) + [name for name, _ in shares]
    _require_columns(frame, path, design_columns + analysis_columns + list(missing))
    for column in args.mean:
        numeric_column(frame, column, error=InputError)
    for column in set(analysis_columns):
        _to_numeric_if_possible(frame, column)
    if args.weight:
        frame[args.weight] = numeric_column(frame, args.weight, error=InputError)
    if args.fpc:
        frame[args.fpc] = numeric_column(frame, args.fpc, error=InputError)

    design = Design.from_frame(
        frame, weights=args.weight, strata=args.strata, psu=args.psu, fpc=args.fpc
    )
    if method != "none":
        margins = read_margins(_read_csv(args.margins))
        variables = {v for m in margins for v in m.name.split(CROSS_SEPARATOR)}
        _require_columns(frame, path, sorted(variables))
        if method == "rake":
            design = rake(design, margins, collapse=collapse or None, bounds=bounds)
        else:
            design = poststratify(design, margins, collapse=collapse or None)

    results: list[tuple[str, Estimate]] = []
    for column in args.mean:
        results.append(
            (
                "mean",
                estimate_mean(
                    design,
                    column,
                    by=args.by,
                    missing=missing.get(column, ()),
                    alpha=args.alpha,
                    min_n=min_n,
                    include_total=True,
                ),
            )
        )
    for column, codes in shares:
        results.append(
            (
                "share",
                estimate_share(
                    design,
                    column,
                    codes,
                    by=args.by,
                    missing=missing.get(column, ()),
                    alpha=args.alpha,
                    ci=args.ci,
                    min_n=min_n,
                    include_total=True,
                ),
            )
        )
    tables = []
    for statistic, estimate in results:
        table = estimate.to_frame()
        table.insert(0, "statistic", statistic)
        table.insert(0, "indicator", estimate.indicator)
        table["district"] = table["district"].map(lambda d: "" if d is None else d)
        tables.append(table)
    output = mark_suppressed(pd.concat(tables, ignore_index=True))
    output = output.loc[:, list(RESULT_COLUMNS)]
    _write_atomic(output, args.out)

    diagnostics = weight_diagnostics(design)
    report = design.calibration_report
    if report is not None:
        print(
            f"Gewichtung: {report.method}, {report.iterations} Iterationen, "
            f"größte relative Abweichung {report.max_misfit:.2g}"
        )
    print(
        f"Gewichte: {diagnostics.minimum:.4g} bis {diagnostics.maximum:.4g}, "
        f"Kish-Designeffekt {diagnostics.kish_deff:.3f}, "
        f"effektive Fallzahl {diagnostics.effective_n:.0f} von {diagnostics.n}"
    )
    suppressed = int(np.sum(output["suppressed"].to_numpy(dtype=bool)))
    print(
        f"{len(output)} Zeilen nach {args.out} geschrieben "
        f"({suppressed} wegen n < {min_n} unterdrückt)."
    )
    return 0


def _write_atomic(frame: pd.DataFrame, path: str) -> None:
    _write_text_atomic(path, lambda stream: frame.to_csv(stream, index=False))


def _write_text_atomic(path: str, write: Callable[[TextIO], object]) -> None:
    """Write a UTF-8 text file through a temporary file, or not at all."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise InputError(
            "file_unreadable", place=path, path=path, reason=exc.strerror or str(exc)
        ) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            write(stream)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Run the ``auswertung`` command line tool.

    Parameters
    ----------
    argv
        Arguments without the program name; ``None`` uses ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 2 for bad input (with a one-line message on stderr).
    """
    parser = _parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except _UsageError as exc:
        print(f"{PROGRAM}: Fehler: ungültiger Aufruf: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if isinstance(exc.code, int | None) else 2
    try:
        if args.command == "estimate":
            return _estimate(args)
        if args.command == "small-area":
            return small_area_cli.run(args)
    except AnalysisError as exc:
        message = " ".join(str(exc).split())
        print(f"{PROGRAM}: Fehler: {message}", file=sys.stderr)
        return 2
    return 2  # pragma: no cover - argparse requires a command
