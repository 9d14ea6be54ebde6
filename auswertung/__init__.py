"""Analysis of survey responses: weighting and per-district estimation.

Build a :class:`Design` once, weight it, pass it to every estimator::

    design = Design.from_frame(df, weights="weight")
    design = rake(design, read_margins(margins_df))
    est = estimate_mean(design, "zufriedenheit_kultur", by="district", alpha=0.05)
    est.to_frame()  # district, n, estimate, se, ci_lower, ci_upper, df, ...

Numbers equal R's ``survey`` package (Lumley 2010); see ``docs/methods.md``.
"""

from auswertung.association import ChisqTest, rao_scott_test
from auswertung.comparison import Comparison, compare_with_total, estimate_and_compare
from auswertung.design import CalibrationStep, Design
from auswertung.disclosure import (
    DEFAULT_MIN_N,
    SUPPRESSION_MARK,
    mark_suppressed,
    suppression_mask,
)
from auswertung.errors import (
    AnalysisError,
    ConvergenceError,
    DesignError,
    EstimationError,
    InputError,
    ModelError,
    WeightingError,
)
from auswertung.estimation import (
    Estimate,
    estimate_distribution,
    estimate_mean,
    estimate_multiple_choice,
    estimate_share,
)
from auswertung.small_area import FayHerriot, fay_herriot
from auswertung.small_area_inputs import model_estimate
from auswertung.weighting import (
    CalibrationReport,
    Margin,
    WeightDiagnostics,
    poststratify,
    rake,
    read_margins,
    weight_diagnostics,
)

__all__ = [
    "DEFAULT_MIN_N",
    "SUPPRESSION_MARK",
    "AnalysisError",
    "CalibrationReport",
    "CalibrationStep",
    "ChisqTest",
    "Comparison",
    "ConvergenceError",
    "Design",
    "DesignError",
    "Estimate",
    "EstimationError",
    "FayHerriot",
    "InputError",
    "Margin",
    "ModelError",
    "WeightDiagnostics",
    "WeightingError",
    "compare_with_total",
    "estimate_and_compare",
    "estimate_distribution",
    "estimate_mean",
    "estimate_multiple_choice",
    "estimate_share",
    "fay_herriot",
    "mark_suppressed",
    "model_estimate",
    "poststratify",
    "rake",
    "rao_scott_test",
    "read_margins",
    "suppression_mask",
    "weight_diagnostics",
]
