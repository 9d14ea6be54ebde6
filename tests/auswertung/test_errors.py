"""The error hierarchy: code, place, params, German default message."""

from __future__ import annotations

import pytest

from auswertung import (
    AnalysisError,
    ConvergenceError,
    DesignError,
    EstimationError,
    InputError,
    WeightingError,
)
from auswertung.errors import MESSAGES


@pytest.mark.parametrize(
    "cls", [DesignError, WeightingError, ConvergenceError, EstimationError, InputError]
)
def test_hierarchy(cls: type[AnalysisError]) -> None:
    assert issubclass(cls, AnalysisError)


def test_fields_and_german_message() -> None:
    error = WeightingError(
        "margin_level_without_respondents",
        place="margins[district][D07]",
        variable="district",
        level="D07",
        population_total="120",
    )
    assert error.code == "margin_level_without_respondents"
    assert error.place == "margins[district][D07]"
    assert error.params["level"] == "D07"
    assert "Bevölkerungszahl" in str(error)
    assert "D07" in str(error)
    assert "WeightingError" in repr(error)
    with pytest.raises(TypeError):
        error.params["level"] = "x"  # type: ignore[index]


def test_message_override_and_unknown_code() -> None:
    assert str(AnalysisError("x", message="Eigene Meldung")) == "Eigene Meldung"
    assert str(AnalysisError("gibt_es_nicht")) == "gibt_es_nicht"


def test_missing_params_do_not_crash() -> None:
    assert str(DesignError("unknown_column")) == MESSAGES["unknown_column"]


def test_convergence_error_is_a_weighting_error() -> None:
    with pytest.raises(WeightingError):
        raise ConvergenceError(
            "not_converged", iterations=3, misfit=0.1, tolerance=1e-9
        )
