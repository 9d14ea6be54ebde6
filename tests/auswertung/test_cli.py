"""The ``auswertung`` command line tool, run through ``main([...])`` on files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auswertung.cli import RESULT_COLUMNS, main
from tests.auswertung.reference import (
    ABS_CI,
    FIXTURES,
    REL_ESTIMATE,
    REL_SE,
    assert_abs,
    assert_rel,
    read_reference,
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    responses = tmp_path / "antworten.csv"
    margins = tmp_path / "margins.csv"
    shutil.copy(FIXTURES / "sample.csv", responses)
    shutil.copy(FIXTURES / "margins.csv", margins)
    return {"responses": responses, "margins": margins, "out": tmp_path / "out.csv"}


def _args(files: dict[str, Path], *extra: str) -> list[str]:
    return [
        "estimate",
        str(files["responses"]),
        "--weight",
        "w0",
        "--by",
        "district",
        "--out",
        str(files["out"]),
        *extra,
    ]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"district": str}, keep_default_na=False)


def _compare(result: pd.DataFrame, design: str, ci: str = "logit") -> None:
    reference = read_reference("ref_estimates.csv")
    reference = reference[reference["design"] == design]
    numeric = result[~result["suppressed"]].copy()
    for column in ("estimate", "se", "ci_lower", "ci_upper", "deff", "kish_deff"):
        numeric[column] = numeric[column].astype(float)
    merged = reference.merge(
        numeric, on=["indicator", "statistic", "district"], suffixes=("_r", "")
    )
    assert len(merged) == len(numeric) > 0
    np.testing.assert_array_equal(merged["n"], merged["n_r"])
    np.testing.assert_array_equal(merged["df"], merged["df_r"])
    assert_rel(merged["estimate"], merged["estimate_r"], REL_ESTIMATE)
    assert_rel(merged["se"], merged["se_r"], REL_SE)
    assert_rel(merged["deff"], merged["deff_r"], REL_SE)
    lower, upper = (
        ("ci_lower_r", "ci_upper_r")
        if ci == "logit"
        else (
            "ci_beta_lower",
            "ci_beta_upper",
        )
    )
    means = merged["statistic"] == "mean"
    use_lower = np.where(means, merged["ci_lower_r"], merged[lower])
    use_upper = np.where(means, merged["ci_upper_r"], merged[upper])
    assert_abs(merged["ci_lower"], use_lower, ABS_CI)
    assert_abs(merged["ci_upper"], use_upper, ABS_CI)


def test_rake_and_estimate(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        _args(
            files,
            "--margins",
            str(files["margins"]),
            "--mean",
            "zufriedenheit",
            "--share",
            "zufriedenheit=4,5",
            "--share",
            "nutzung=1",
            "--missing",
            "zufriedenheit=9",
        )
    )
    assert code == 0
    assert "Kish" in capsys.readouterr().out
    result = _read(files["out"])
    assert tuple(result.columns) == RESULT_COLUMNS
    assert len(result) == 3 * 7
    city = result[result["district"] == ""]
    assert list(city["indicator"]) == [
        "zufriedenheit",
        "zufriedenheit=4,5",
        "nutzung=1",
    ]
    assert list(city["statistic"]) == ["mean", "share", "share"]
    small = result[(result["district"] == "D06") & (result["statistic"] == "mean")]
    assert small["n"].item() == 4
    assert bool(small["suppressed"].item())
    assert small["estimate"].item() == "."
    assert small["ci_upper"].item() == "."
    _compare(result, "raked")


def test_poststratify_with_crossed_margins_and_collapse(
    files: dict[str, Path], tmp_path: Path
) -> None:
    cells = pd.read_csv(FIXTURES / "population_cells.csv")
    margins = pd.DataFrame(
        {
            "variable": "district:hhtype",
            "level": cells["district"] + ":" + cells["hhtype"],
            "population_total": cells["Freq"],
        }
    )
    path = tmp_path / "cells.csv"
    margins.to_csv(path, index=False)
    code = main(
        _args(
            files,
            "--margins",
            str(path),
            "--method",
            "poststratify",
            "--collapse",
            "district=D06:D05",
            "--mean",
            "zufriedenheit",
            "--missing",
            "zufriedenheit=9",
            "--share",
            "nutzung=1",
            "--min-n",
            "0",
        )
    )
    assert code == 0
    result = _read(files["out"])
    assert not result["suppressed"].any()
    _compare(result, "poststratified")


def test_fixed_weights_beta_interval(files: dict[str, Path]) -> None:
    code = main(
        _args(
            files,
            "--method",
            "none",
            "--share",
            "nutzung=1",
            "--ci",
            "beta",
            "--min-n",
            "0",
        )
    )
    assert code == 0
    _compare(_read(files["out"]), "fixed", ci="beta")


def test_stratified_design(files: dict[str, Path]) -> None:
    code = main(
        _args(
            files,
            "--strata",
            "stratum",
            "--psu",
            "psu",
            "--fpc",
            "fpc",
            "--mean",
            "zufriedenheit",
            "--missing",
            "zufriedenheit=9",
            "--min-n",
            "0",
        )
    )
    assert code == 0
    _compare(_read(files["out"]), "stratified")


def test_semicolon_separated_file(files: dict[str, Path]) -> None:
    frame = pd.read_csv(files["responses"], dtype=str)
    frame.to_csv(files["responses"], sep=";", index=False)
    assert main(_args(files, "--mean", "zufriedenheit", "--method", "none")) == 0


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "--help"]) == 0
    assert "--margins" in capsys.readouterr().out


def _fails(args: list[str], capsys: pytest.CaptureFixture[str], *words: str) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("auswertung: Fehler:")
    assert "\n" not in err
    for word in words:
        assert word in err, err
    return err


def test_unknown_column(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _fails(_args(files, "--mean", "zufriedenheit_kita"), capsys, "zufriedenheit_kita")
    assert not files["out"].exists()


def test_unknown_weight_column(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = _args(files, "--mean", "zufriedenheit")
    args[args.index("w0")] = "gewicht"
    _fails(args, capsys, "gewicht")


def test_non_numeric_value(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(files["responses"], dtype=str)
    frame.loc[12, "zufriedenheit"] = "sehr"
    frame.to_csv(files["responses"], index=False)
    err = _fails(
        _args(files, "--mean", "zufriedenheit"), capsys, "zufriedenheit", "sehr"
    )
    assert "Zeile 14" in err  # line 1 is the header


def test_non_numeric_weight(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(files["responses"], dtype=str)
    frame.loc[0, "w0"] = "1,5"
    frame.to_csv(files["responses"], index=False)
    _fails(_args(files, "--mean", "zufriedenheit"), capsys, "w0", "Zeile 2")


def test_margin_level_absent_from_data(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    margins = pd.read_csv(files["margins"], dtype=str)
    extra = pd.DataFrame(
        {"variable": ["district"], "level": ["D07"], "population_total": ["100"]}
    )
    margins = pd.concat([margins, extra])
    margins.loc[margins["level"] == "single", "population_total"] = "4440"
    margins.loc[margins["level"] == "u18", "population_total"] = "6972"
    margins.to_csv(files["margins"], index=False)
    _fails(
        _args(files, "--margins", str(files["margins"]), "--mean", "zufriedenheit"),
        capsys,
        "D07",
        "district",
    )
    assert not files["out"].exists()


def test_data_level_absent_from_margins(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    margins = pd.read_csv(files["margins"], dtype=str)
    margins = margins[margins["level"] != "D06"]
    margins.loc[margins["level"] == "D05", "population_total"] = "2270"
    margins.to_csv(files["margins"], index=False)
    _fails(
        _args(files, "--margins", str(files["margins"]), "--mean", "zufriedenheit"),
        capsys,
        "D06",
    )


def test_margins_do_not_add_up(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    margins = pd.read_csv(files["margins"], dtype=str)
    margins.loc[margins["level"] == "single", "population_total"] = "4000"
    margins.to_csv(files["margins"], index=False)
    _fails(
        _args(files, "--margins", str(files["margins"]), "--mean", "zufriedenheit"),
        capsys,
        "hhtype",
        "18750",
        "19090",
    )


def test_margins_file_without_columns(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    files["margins"].write_text("variable,stufe,anzahl\ndistrict,D01,3\n")
    _fails(
        _args(files, "--margins", str(files["margins"]), "--mean", "zufriedenheit"),
        capsys,
        "level",
    )


def test_margin_variable_not_in_data(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    files["margins"].write_text("variable,level,population_total\nschule,A,3\n")
    _fails(
        _args(files, "--margins", str(files["margins"]), "--mean", "zufriedenheit"),
        capsys,
        "schule",
    )


def test_infeasible_bounds(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _fails(
        _args(
            files,
            "--margins",
            str(files["margins"]),
            "--bounds",
            "0.9,1.1",
            "--mean",
            "zufriedenheit",
        ),
        capsys,
        "0.9",
        "1.1",
    )


@pytest.mark.parametrize(
    ("extra", "word"),
    [
        (["--share", "nutzung"], "--share"),
        (["--share", "nutzung="], "--share"),
        (["--missing", "=9", "--mean", "zufriedenheit"], "--missing"),
        (["--mean", "zufriedenheit", "--method", "rake"], "--margins"),
        (["--mean", "zufriedenheit", "--method", "mittel"], "mittel"),
        (["--mean", "zufriedenheit", "--min-n", "-1"], "--min-n"),
        (["--mean", "zufriedenheit", "--min-n", "fünf"], "fünf"),
        (["--mean", "zufriedenheit", "--bounds", "0.5"], "--bounds"),
        (["--mean", "zufriedenheit", "--collapse", "district=D06"], "--collapse"),
        ([], "--mean"),
    ],
)
def test_bad_options(
    files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    word: str,
) -> None:
    _fails(_args(files, *extra), capsys, word)


def test_poststratify_needs_one_margin(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _fails(
        _args(
            files,
            "--margins",
            str(files["margins"]),
            "--method",
            "poststratify",
            "--mean",
            "zufriedenheit",
        ),
        capsys,
        "Nachschichtung",
    )


def test_missing_out_option(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    _fails(["estimate", str(files["responses"]), "--by", "district"], capsys, "--out")


def test_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    _fails([], capsys)


def test_unreadable_file(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _args(files, "--mean", "zufriedenheit")
    args[1] = str(tmp_path / "fehlt.csv")
    _fails(args, capsys, "fehlt.csv")


def test_empty_file(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    files["responses"].write_text("")
    _fails(_args(files, "--mean", "zufriedenheit"), capsys, "leer")


def test_unwritable_output(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _args(files, "--mean", "zufriedenheit", "--method", "none")
    args[args.index(str(files["out"]))] = str(tmp_path / "fehlt" / "out.csv")
    _fails(args, capsys, "fehlt")
