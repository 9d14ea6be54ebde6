"""Errors raised by the analysis package.

Every error carries a machine-readable ``code``, the ``place`` where the problem is
(a column, a margin, a row), the ``params`` used to build the message and a German
default message for the people who read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = [
    "MESSAGES",
    "AnalysisError",
    "ConvergenceError",
    "DesignError",
    "EstimationError",
    "InputError",
    "ModelError",
    "WeightingError",
]

#: German default messages by error code; formatted with the error's ``params``.
MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        # data and design
        "empty_data": "Die Daten enthalten keine Zeilen.",
        "unknown_column": "Die Spalte „{column}“ gibt es in den Daten nicht.",
        "non_numeric": (
            "Die Spalte „{column}“ enthält in Zeile {row} den nicht-numerischen "
            "Wert „{value}“."
        ),
        "missing_value": "Die Spalte „{column}“ hat in Zeile {row} keinen Wert.",
        "invalid_weight": (
            "Die Gewichtsspalte „{column}“ enthält in Zeile {row} den Wert {value}; "
            "Gewichte müssen positiv und endlich sein."
        ),
        "single_psu_design": (
            "Das Design hat nur eine Primäreinheit (PSU); eine Varianzschätzung ist "
            "so nicht möglich."
        ),
        "single_psu": (
            "Die Schicht „{stratum}“ enthält nur eine Primäreinheit (PSU); eine "
            "Varianzschätzung ist so nicht möglich. Schichten zusammenlegen oder "
            "eine Endlichkeitskorrektur angeben, die eine Vollerhebung ausweist."
        ),
        "fpc_invalid": (
            "Die Spalte „{column}“ (Endlichkeitskorrektur) enthält in Zeile {row} "
            "den ungültigen Wert {value}."
        ),
        "fpc_mixed": (
            "Die Spalte „{column}“ (Endlichkeitskorrektur) mischt Auswahlsätze (≤ 1) "
            "und Bestandszahlen (> 1)."
        ),
        "fpc_not_constant": (
            "Die Spalte „{column}“ (Endlichkeitskorrektur) ist innerhalb der "
            "Schicht „{stratum}“ nicht konstant."
        ),
        "fpc_too_small": (
            "Laut „{column}“ hat die Schicht „{stratum}“ {population} Einheiten, "
            "in der Stichprobe sind aber {sample}."
        ),
        # weighting
        "margin_invalid": "Die Randverteilung „{variable}“ ist ungültig: {reason}",
        "margin_duplicate_level": (
            "Die Stufe „{level}“ von „{variable}“ steht mehrfach in den "
            "Randverteilungen."
        ),
        "margin_negative_total": (
            "Die Bevölkerungszahl der Stufe „{level}“ von „{variable}“ ist "
            "{value}; sie muss eine nicht-negative Zahl sein."
        ),
        "margin_level_without_respondents": (
            "Die Stufe „{level}“ von „{variable}“ hat eine Bevölkerungszahl "
            "({population_total}), aber keine Befragten. Die Stufe mit einer "
            "Zuordnung (collapse) mit einer Nachbarstufe zusammenlegen."
        ),
        "level_not_in_margins": (
            "Der Wert „{level}“ von „{variable}“ kommt in den Daten vor "
            "({count} Befragte), aber nicht in den Randverteilungen."
        ),
        "level_without_population": (
            "Die Stufe „{level}“ von „{variable}“ hat die Bevölkerungszahl 0, "
            "aber {count} Befragte."
        ),
        "margins_inconsistent": (
            "Die Randverteilungen ergeben verschiedene Summen: „{variable}“ "
            "{total} gegenüber „{reference_variable}“ {reference_total}."
        ),
        "collapse_invalid": "Die Zuordnung zum Zusammenlegen ist ungültig: {reason}",
        "poststratify_margins": (
            "Nachschichtung braucht genau eine (ggf. gekreuzte) Randverteilung, "
            "nicht {count}; für mehrere Randverteilungen Raking verwenden."
        ),
        "not_converged": (
            "Die Gewichtung ist nach {iterations} Iterationen nicht konvergiert "
            "(größte relative Abweichung {misfit:.3g}, Toleranz {tolerance:.3g})."
        ),
        "bounds_infeasible": (
            "Mit Gewichtungsfaktoren zwischen {lower} und {upper} lassen sich die "
            "Randverteilungen nicht erreichen; die Grenzen weiter fassen."
        ),
        "bounds_invalid": (
            "Die Grenzen der Gewichtungsfaktoren ({lower}, {upper}) sind ungültig: "
            "es muss 0 ≤ untere < 1 < obere gelten."
        ),
        # estimation
        "invalid_parameter": "Ungültiger Wert für „{parameter}“: {value}.",
        "no_codes": "Für den Anteil von „{column}“ wurden keine Codes angegeben.",
        "no_categories": "„{column}“ hat keine gültigen Antworten.",
        "too_few_levels": (
            "Für den Test braucht „{column}“ mindestens zwei Ausprägungen mit "
            "gültigen Antworten."
        ),
        # small-area estimation (Fay–Herriot)
        "sae_no_areas": "Es gibt keine Gebiete für das Modell.",
        "sae_duplicate_area": "Das Gebiet „{area}“ kommt mehrfach vor.",
        "sae_length_mismatch": (
            "„{column}“ hat {length} Werte, es gibt aber {areas} Gebiete."
        ),
        "sae_variance_missing": (
            "Für das Gebiet „{area}“ gibt es einen direkten Schätzwert, aber keine "
            "Varianz („{column}“)."
        ),
        "sae_variance_invalid": (
            "Die Varianz („{column}“) des Gebiets „{area}“ ist {value}; sie muss "
            "positiv und endlich sein."
        ),
        "sae_direct_invalid": (
            "Der direkte Schätzwert („{column}“) des Gebiets „{area}“ ist {value}; "
            "{reason}"
        ),
        "sae_covariate_missing": (
            "Die Kovariate „{column}“ hat für das Gebiet „{area}“ keinen Wert."
        ),
        "sae_covariate_constant": (
            "Die Kovariate „{column}“ ist in allen Gebieten mit direktem "
            "Schätzwert gleich ({value}); sie trägt nichts zum Modell bei."
        ),
        "sae_collinear": (
            "Die Kovariate „{column}“ ist kollinear: sie lässt sich aus "
            "{others} berechnen."
        ),
        "sae_too_few_areas": (
            "Nur {areas} Gebiete haben einen direkten Schätzwert; das Modell hat "
            "{parameters} Parameter (Koeffizienten und Modellvarianz) und braucht "
            "mehr Gebiete als Parameter."
        ),
        "sae_not_converged": (
            "Die {method}-Schätzung der Modellvarianz ist nach {iterations} "
            "Iterationen nicht konvergiert (relative Änderung {change:.3g})."
        ),
        "sae_suppressed_input": (
            "Die direkten Schätzwerte von „{area}“ sind unterdrückt; für das "
            "Modell die Schätzung mit min_n=0 berechnen."
        ),
        # command line input
        "file_unreadable": "Die Datei „{path}“ kann nicht gelesen werden: {reason}",
        "option_invalid": "Die Angabe „{option} {value}“ ist ungültig: {reason}",
    }
)


class AnalysisError(Exception):
    """Base class of all errors raised by :mod:`auswertung`.

    Parameters
    ----------
    code
        Machine-readable error code; a key of :data:`MESSAGES`.
    place
        Where the problem is, e.g. ``"weight"`` (a column), ``"margins[district]"``
        or ``"zeile 14"``; ``None`` when the problem has no place.
    message
        Overrides the German default message.
    **params
        Values that describe the problem; used to format the default message.
    """

    def __init__(
        self,
        code: str,
        *,
        place: str | None = None,
        message: str | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.place = place
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))
        if message is None:
            template = MESSAGES.get(code, code)
            try:
                message = template.format(**params)
            except (KeyError, IndexError, ValueError):
                message = template
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, place={self.place!r}, "
            f"params={dict(self.params)!r})"
        )


class DesignError(AnalysisError):
    """The data or the design specification is unusable."""


class WeightingError(AnalysisError):
    """Margins, collapsing or bounds for weighting are wrong."""


class ConvergenceError(WeightingError):
    """Calibration did not converge, or its bounds cannot be met."""


class EstimationError(AnalysisError):
    """An estimator was called with unusable arguments."""


class ModelError(EstimationError):
    """A small-area model cannot be fitted to the given areas and covariates."""


class InputError(AnalysisError):
    """A file or command-line option given to the ``auswertung`` tool is wrong."""
