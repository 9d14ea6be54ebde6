"""``auswertung small-area``: files in, RESULTS.csv and model out, errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auswertung.cli import main
from auswertung.small_area_cli import RESULT_COLUMNS
from tests.auswertung.reference import FIXTURES

REL = 1e-6


def _areas(tmp_path: Path, change=None) -> Path:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(FIXTURES / "sae_input_synthetic.csv", skipinitialspace=True)
    frame = frame.rename(columns={"direct": "mittel", "variance": "varianz"})
    if change is not None:
        change(frame)
    path = tmp_path / "gebiete.csv"
    frame.to_csv(path, index=False)
    return path


def _args(areas: Path, out: Path, *extra: str) -> list[str]:
    return [
        "small-area",
        str(areas),
        "--area",
        "area",
        "--direct",
        "mittel",
        "--variance",
        "varianz",
        "--covariate",
        "x1",
        "--covariate",
        "x2",
        "--out",
        str(out),
        *extra,
    ]


@pytest.mark.parametrize("method", ["reml", "ml"])
def test_results_match_r_sae(
    tmp_path: Path, method: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ergebnis.csv"
    model = tmp_path / "modell.json"
    code = main(_args(_areas(tmp_path), out, "--method", method, "--model", str(model)))
    assert code == 0
    result = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert tuple(result.columns) == RESULT_COLUMNS
    reference = pd.read_csv(FIXTURES / "sae_reference.csv", skipinitialspace=True)
    reference = reference[
        (reference["dataset"] == "synthetic") & (reference["method"] == method)
    ]
    merged = result.merge(reference, on="area", suffixes=("", "_r"))
    assert len(merged) == len(result) == 60
    np.testing.assert_allclose(merged["estimate"], merged["eblup"], rtol=REL)
    np.testing.assert_allclose(merged["mse"], merged["mse_r"], rtol=REL)
    assert set(result["kind"]) == {"eblup"}
    summary = json.loads(model.read_text(encoding="utf-8"))
    assert summary["method"] == method
    assert [c["name"] for c in summary["coefficients"]] == ["(Intercept)", "x1", "x2"]
    assert summary["converged"] is True
    assert summary["iterations"] > 0
    assert "60 Gebiete" in capsys.readouterr().out


def test_empty_direct_gets_synthetic_and_model_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def blank(frame: pd.DataFrame) -> None:
        frame["mittel"] = frame["mittel"].astype(object)
        frame.loc[[0, 5], ["mittel", "varianz"]] = None

    out = tmp_path / "ergebnis.csv"
    assert main(_args(_areas(tmp_path, blank), out)) == 0
    result = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert list(result.loc[[0, 5], "kind"]) == ["synthetic", "synthetic"]
    assert result.loc[[0, 5], "direct"].isna().all()
    assert (result.loc[[0, 5], "gamma"] == 0).all()
    assert (result.loc[[0, 5], "estimate"] == result.loc[[0, 5], "synthetic"]).all()
    printed = capsys.readouterr().out
    assert "Modellvarianz" in printed
    assert "58 EBLUP, 2 synthetisch" in printed


def _set(column: str, row: int, value: object):  # type: ignore[no-untyped-def]
    def change(frame: pd.DataFrame) -> None:
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value

    return change


@pytest.mark.parametrize(
    ("change", "extra", "needle"),
    [
        (_set("varianz", 3, None), (), "„varianz“ hat in Zeile 5 (Gebiet „S04“)"),
        (_set("varianz", 3, -1.0), (), "Varianz („variance“) des Gebiets „S04“"),
        (_set("x2", 7, "viel"), (), "„x2“ enthält in Zeile 9"),
        (_set("x2", 7, None), (), "Kovariate „x2“ hat für das Gebiet „S08“"),
        (None, ("--covariate", "konstant"), "Kovariate „konstant“ ist in allen"),
        (None, ("--covariate", "doppelt"), "Kovariate „doppelt“ ist kollinear"),
        (None, ("--covariate", "fehlt"), "Spalte „fehlt“ gibt es in"),
        ("few", (), "Nur 3 Gebiete haben einen direkten Schätzwert"),
        (None, ("--method", "fh"), "ungültiger Aufruf"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: object,
    extra: tuple[str, ...],
    needle: str,
) -> None:
    def prepare(frame: pd.DataFrame) -> None:
        frame["konstant"] = 1.5
        frame["doppelt"] = frame["x1"] * 2 + 1
        if change == "few":
            frame["mittel"] = frame["mittel"].where(frame.index < 3)
        elif callable(change):
            change(frame)

    out = tmp_path / "ergebnis.csv"
    assert main(_args(_areas(tmp_path, prepare), out, *extra)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("auswertung: Fehler:")
    assert needle in err
    assert not out.exists()


def test_non_convergence_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ergebnis.csv"
    code = main(_args(_areas(tmp_path), out, "--max-iter", "2"))
    err = capsys.readouterr().err
    assert code == 2
    assert "REML-Schätzung der Modellvarianz ist nach 2 Iterationen nicht" in err
    assert err.count("\n") == 1
    assert not out.exists()
