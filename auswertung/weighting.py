"""Weighting: post-stratification, raking, bounded raking and weight diagnostics.

Responses are weighted to population totals of one or more margins (e.g. district,
household type, age group of the child). Margins may be crossed (``district:hhtype``)
to give post-stratification cells. The calibrated weights are those of R's
``postStratify()`` and ``calibrate(..., calfun = "raking")`` (Deville & Särndal 1992;
Lumley 2010, ch. 7); the design remembers each calibration so that the variance
accounts for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import linprog  # type: ignore[import-untyped, unused-ignore]

from auswertung.design import CalibrationStep, Design
from auswertung.errors import ConvergenceError, WeightingError

__all__ = [
    "CalibrationReport",
    "Margin",
    "WeightDiagnostics",
    "level_key",
    "poststratify",
    "rake",
    "read_margins",
    "weight_diagnostics",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Separator of crossed variables and levels in margin files (``district:hhtype``).
CROSS_SEPARATOR = ":"
#: Relative tolerance for margins that must add up to the same population total.
TOTAL_TOLERANCE = 1e-8
#: Quantiles reported by :func:`weight_diagnostics`.
DIAGNOSTIC_QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)

Collapse = Mapping[str, Mapping[Any, Any]]


# ---------------------------------------------------------------------- margins
def level_key(value: Any) -> str | None:
    """Return the text key under which a level is matched between data and margins.

    Whole numbers are written without decimals (``1.0`` and ``1`` both give
    ``"1"``), text is stripped; missing values give ``None``.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    return str(value).strip()


@dataclass(frozen=True)
class Margin:
    """Population totals of one variable or of several crossed variables.

    Parameters
    ----------
    variables
        Column names; several names cross them (post-stratification cells).
    totals
        Population total per level; a level of a crossed margin is a tuple with
        one key per variable. Keys are compared by :func:`level_key`.
    """

    variables: tuple[str, ...]
    totals: Mapping[tuple[str, ...], float]

    @property
    def name(self) -> str:
        """The margin's name as in margin files, e.g. ``district:hhtype``."""
        return CROSS_SEPARATOR.join(self.variables)

    @property
    def total(self) -> float:
        """Sum of the population totals."""
        return float(sum(self.totals.values()))

    @classmethod
    def of(cls, variables: str | Sequence[str], totals: Mapping[Any, float]) -> Margin:
        """Build a margin from convenient keys.

        Parameters
        ----------
        variables
            A column name, a crossed name ``"district:hhtype"`` or a sequence.
        totals
            Population totals by level: a scalar level for one variable, a tuple or
            a ``"D01:single"`` string for crossed variables.

        Examples
        --------
        >>> Margin.of("hhtype", {"single": 4340, "couple": 14750}).name
        'hhtype'
        """
        if isinstance(variables, str):
            names = tuple(variables.split(CROSS_SEPARATOR))
        else:
            names = tuple(variables)
        if not names or any(not isinstance(v, str) or not v for v in names):
            raise WeightingError(
                "margin_invalid",
                place=str(variables),
                variable=str(variables),
                reason="Variablennamen fehlen.",
            )
        name = CROSS_SEPARATOR.join(names)
        result: dict[tuple[str, ...], float] = {}
        for raw_level, raw_total in totals.items():
            if isinstance(raw_level, tuple):
                parts: tuple[Any, ...] = raw_level
            elif len(names) > 1 and isinstance(raw_level, str):
                parts = tuple(raw_level.split(CROSS_SEPARATOR))
            else:
                parts = (raw_level,)
            keys = tuple(level_key(p) for p in parts)
            if len(keys) != len(names) or any(k is None for k in keys):
                raise WeightingError(
                    "margin_invalid",
                    place=f"margins[{name}]",
                    variable=name,
                    reason=(
                        f"die Stufe „{raw_level}“ passt nicht zu "
                        f"{len(names)} Variable(n)."
                    ),
                )
            level = tuple(k for k in keys if k is not None)
            total = _as_total(raw_total, name, CROSS_SEPARATOR.join(level))
            if level in result:
                raise WeightingError(
                    "margin_duplicate_level",
                    place=f"margins[{name}]",
                    variable=name,
                    level=CROSS_SEPARATOR.join(level),
                )
            result[level] = total
        if not result:
            raise WeightingError(
                "margin_invalid",
                place=f"margins[{name}]",
                variable=name,
                reason="keine Stufen.",
            )
        return cls(names, MappingProxyType(result))


def _as_total(value: Any, variable: str, level: str) -> float:
    try:
        total = float(value)
    except (TypeError, ValueError):
        total = math.nan
    if not math.isfinite(total) or total < 0:
        raise WeightingError(
            "margin_negative_total",
            place=f"margins[{variable}][{level}]",
            variable=variable,
            level=level,
            value=value,
        )
    return total


def read_margins(frame: pd.DataFrame) -> list[Margin]:
    """Read margins from a frame with columns ``variable, level, population_total``.

    A crossed margin is written as variable ``district:hhtype`` with levels such as
    ``D01:single``. Margins keep the order in which variables first appear.

    Raises
    ------
    WeightingError
        For missing columns, empty or negative totals, duplicate levels or levels
        that do not match a crossed variable.
    """
    required = ("variable", "level", "population_total")
    for column in required:
        if column not in frame.columns:
            raise WeightingError(
                "margin_invalid",
                place=column,
                variable="?",
                reason=f"Spalte „{column}“ fehlt (nötig: {', '.join(required)}).",
            )
    grouped: dict[str, dict[Any, float]] = {}
    for index, variable, level, total in zip(
        frame.index,
        frame["variable"],
        frame["level"],
        frame["population_total"],
        strict=True,
    ):
        name = level_key(variable)
        key = level_key(level)
        if name is None or name == "" or key is None or key == "":
            raise WeightingError(
                "margin_invalid",
                place=f"margins[{index}]",
                variable=name or "?",
                reason=f"Zeile {index}: Variable oder Stufe fehlt.",
            )
        levels = grouped.setdefault(name, {})
        if key in levels:
            raise WeightingError(
                "margin_duplicate_level",
                place=f"margins[{name}]",
                variable=name,
                level=key,
            )
        levels[key] = _as_total(total, name, key)
    return [Margin.of(name, totals) for name, totals in grouped.items()]


def _as_margins(margins: Margin | Iterable[Margin] | pd.DataFrame) -> list[Margin]:
    if isinstance(margins, pd.DataFrame):
        return read_margins(margins)
    if isinstance(margins, Margin):
        return [margins]
    result = list(margins)
    for margin in result:
        if not isinstance(margin, Margin):
            raise WeightingError(
                "margin_invalid",
                place="margins",
                variable=str(margin),
                reason="erwartet werden Margin-Objekte oder ein DataFrame.",
            )
    if not result:
        raise WeightingError(
            "margin_invalid", place="margins", variable="-", reason="keine Margins."
        )
    return result


# ---------------------------------------------------------------------- prepared
@dataclass(frozen=True)
class _Prepared:
    name: str
    levels: tuple[str, ...]
    totals: FloatArray
    row_level: IntArray


def _variable_levels(
    design: Design, variable: str, mapping: Mapping[str, str]
) -> tuple[IntArray, list[str]]:
    """Return every row's level code and the level keys (after collapsing)."""
    if variable not in design.data.columns:
        raise WeightingError("unknown_column", place=variable, column=variable)
    series = design.column(variable)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    keys: list[str] = []
    for value in uniques:
        key = level_key(value)
        keys.append("" if key is None else mapping.get(key, key))
    missing = codes < 0
    if not missing.all():
        empty = np.array([k == "" for k in keys], dtype=bool)
        if empty.any():
            missing = missing | empty[np.maximum(codes, 0)]
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise WeightingError(
            "missing_value",
            place=f"{variable}[{series.index[position]}]",
            column=variable,
            row=series.index[position],
        )
    key_codes, unique_keys = pd.factorize(pd.Series(keys, dtype=object))
    row_code = np.asarray(np.asarray(key_codes)[codes], dtype=np.intp)
    return row_code, [str(k) for k in unique_keys]


def _collapse_maps(
    collapse: Collapse | None, margins: Sequence[Margin]
) -> dict[str, dict[str, str]]:
    if not collapse:
        return {}
    used = {v for m in margins for v in m.variables}
    maps: dict[str, dict[str, str]] = {}
    for variable, mapping in collapse.items():
        if variable not in used:
            raise WeightingError(
                "collapse_invalid",
                place=f"collapse[{variable}]",
                reason=f"„{variable}“ ist keine Variable der Randverteilungen.",
            )
        if not isinstance(mapping, Mapping):
            raise WeightingError(
                "collapse_invalid",
                place=f"collapse[{variable}]",
                reason=f"für „{variable}“ wird eine Zuordnung alt → neu erwartet.",
            )
        converted: dict[str, str] = {}
        for old, new in mapping.items():
            old_key, new_key = level_key(old), level_key(new)
            if old_key is None or new_key is None:
                raise WeightingError(
                    "collapse_invalid",
                    place=f"collapse[{variable}]",
                    reason=f"leere Stufe in der Zuordnung für „{variable}“.",
                )
            converted[old_key] = new_key
        # follow chains (a -> b, b -> c) to their end
        for old in list(converted):
            seen = {old}
            target = converted[old]
            while target in converted and target not in seen:
                seen.add(target)
                target = converted[target]
            converted[old] = target
        maps[variable] = converted
    return maps


def _prepare(
    design: Design, margins: Sequence[Margin], collapse: Collapse | None
) -> list[_Prepared]:
    maps = _collapse_maps(collapse, margins)
    variable_cache: dict[str, tuple[IntArray, list[str]]] = {}
    prepared: list[_Prepared] = []
    for margin in margins:
        name = margin.name
        for variable in margin.variables:
            if variable not in variable_cache:
                variable_cache[variable] = _variable_levels(
                    design, variable, maps.get(variable, {})
                )
        totals: dict[str, float] = {}
        for level_parts, total in margin.totals.items():
            mapped = CROSS_SEPARATOR.join(
                maps.get(v, {}).get(k, k)
                for v, k in zip(margin.variables, level_parts, strict=True)
            )
            totals[mapped] = totals.get(mapped, 0.0) + total
        combined = np.zeros(design.n, dtype=np.int64)
        for variable in margin.variables:
            row_code, keys = variable_cache[variable]
            combined = combined * len(keys) + row_code
        codes, combos = pd.factorize(combined, sort=True)
        names: list[str] = []
        for combo in np.asarray(combos, dtype=np.int64).tolist():
            parts: list[str] = []
            for variable in reversed(margin.variables):
                keys = variable_cache[variable][1]
                parts.append(keys[combo % len(keys)])
                combo //= len(keys)
            names.append(CROSS_SEPARATOR.join(reversed(parts)))
        uniques = names
        counts = np.bincount(codes, minlength=len(uniques))
        observed = dict(zip((str(u) for u in uniques), counts.tolist(), strict=True))
        for key, count in observed.items():
            if key not in totals:
                raise WeightingError(
                    "level_not_in_margins",
                    place=f"margins[{name}]",
                    variable=name,
                    level=key,
                    count=count,
                )
            if totals[key] == 0:
                raise WeightingError(
                    "level_without_population",
                    place=f"margins[{name}][{key}]",
                    variable=name,
                    level=key,
                    count=count,
                )
        for key, total in totals.items():
            if total > 0 and key not in observed:
                raise WeightingError(
                    "margin_level_without_respondents",
                    place=f"margins[{name}][{key}]",
                    variable=name,
                    level=key,
                    population_total=_format_total(total),
                )
        levels = tuple(str(u) for u in uniques)
        prepared.append(
            _Prepared(
                name=name,
                levels=levels,
                totals=np.array([totals[level] for level in levels], dtype=np.float64),
                row_level=np.asarray(codes, dtype=np.intp),
            )
        )
    reference = prepared[0]
    reference_total = float(reference.totals.sum())
    for item in prepared[1:]:
        total = float(item.totals.sum())
        if abs(total - reference_total) > TOTAL_TOLERANCE * max(
            abs(reference_total), 1.0
        ):
            raise WeightingError(
                "margins_inconsistent",
                place=f"margins[{item.name}]",
                variable=item.name,
                total=_format_total(total),
                reference_variable=reference.name,
                reference_total=_format_total(reference_total),
            )
    return prepared


def _group_sum(codes: IntArray, values: FloatArray, length: int) -> FloatArray:
    """Sum of ``values`` per code ``0 .. length - 1``."""
    return np.asarray(
        np.bincount(codes, weights=values, minlength=length), dtype=np.float64
    )


def _format_total(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# ---------------------------------------------------------------------- reports
@dataclass(frozen=True)
class CalibrationReport:
    """How a calibration went.

    Attributes
    ----------
    method
        ``"poststratify"`` or ``"rake"``.
    margins
        Names of the margins calibrated to.
    converged
        Whether every margin is met within ``tolerance``.
    iterations
        Newton iterations used (0 for post-stratification).
    max_misfit
        Largest ``|target - achieved| / (1 + |target|)`` over all margin levels
        (the criterion of R's ``grake``).
    tolerance
        Convergence tolerance.
    bounds
        Bounds of the calibration factors, ``None`` if unbounded.
    g_min, g_max
        Range of the calibration factors (final / base weight).
    n_at_lower, n_at_upper
        Respondents whose factor sits on the lower / upper bound.
    """

    method: str
    margins: tuple[str, ...]
    converged: bool
    iterations: int
    max_misfit: float
    tolerance: float
    bounds: tuple[float, float] | None
    g_min: float
    g_max: float
    n_at_lower: int
    n_at_upper: int

    def to_frame(self) -> pd.DataFrame:
        """One row with the report's fields."""
        row = {
            "method": self.method,
            "margins": ", ".join(self.margins),
            "converged": self.converged,
            "iterations": self.iterations,
            "max_misfit": self.max_misfit,
            "tolerance": self.tolerance,
            "lower_bound": None if self.bounds is None else self.bounds[0],
            "upper_bound": None if self.bounds is None else self.bounds[1],
            "g_min": self.g_min,
            "g_max": self.g_max,
            "n_at_lower": self.n_at_lower,
            "n_at_upper": self.n_at_upper,
        }
        return pd.DataFrame([row])


def _misfit(target: FloatArray, achieved: FloatArray) -> float:
    return float(np.max(np.abs(target - achieved) / (1.0 + np.abs(target))))


# ---------------------------------------------------------------------- post-strat
def poststratify(
    design: Design,
    margin: Margin | Sequence[Margin] | pd.DataFrame,
    *,
    collapse: Collapse | None = None,
) -> Design:
    """Post-stratify the design's weights to population cell totals.

    Every respondent's weight in cell ``c`` is multiplied by ``N_c / N̂_c``, the
    population total over the weighted sample total of the cell (Holt & Smith
    1979; Lumley 2010, ch. 7; R ``postStratify``).

    Parameters
    ----------
    design
        The design to weight.
    margin
        Exactly one margin; cross variables for cells (``district:hhtype``).
    collapse
        Merge levels before weighting: ``{"district": {"D06": "D05"}}``. Population
        totals of merged levels are added.

    Returns
    -------
    Design
        New design with post-stratified weights; its variance accounts for the
        post-stratification.

    Raises
    ------
    WeightingError
        A level with population but no respondents (``collapse`` it), a data level
        missing from the margin, more than one margin, missing values.
    """
    margins = _as_margins(margin)
    if len(margins) != 1:
        raise WeightingError(
            "poststratify_margins", place="margins", count=len(margins)
        )
    (prepared,) = _prepare(design, margins, collapse)
    w = design.weights
    sample_totals = _group_sum(prepared.row_level, w, len(prepared.levels))
    g_cell = prepared.totals / sample_totals
    g = g_cell[prepared.row_level]
    report = CalibrationReport(
        method="poststratify",
        margins=(prepared.name,),
        converged=True,
        iterations=0,
        max_misfit=_misfit(
            prepared.totals,
            _group_sum(prepared.row_level, w * g, len(prepared.levels)),
        ),
        tolerance=0.0,
        bounds=None,
        g_min=float(g.min()),
        g_max=float(g.max()),
        n_at_lower=0,
        n_at_upper=0,
    )
    step = CalibrationStep(
        method="poststratify",
        cell=prepared.row_level,
        cell_matrix=None,
        base_weights=np.array(w, dtype=np.float64),
        g=g,
        report=report,
    )
    return design.with_calibration(step)


# ---------------------------------------------------------------------- raking
def rake(
    design: Design,
    margins: Margin | Sequence[Margin] | pd.DataFrame,
    *,
    collapse: Collapse | None = None,
    bounds: tuple[float, float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> Design:
    """Rake the design's weights to several margins (raking calibration).

    Finds calibration factors ``g_i = exp(x_i' λ)`` (optionally truncated to
    ``bounds``) with ``sum_i w_i g_i x_i = t_x``, where ``x_i`` holds the
    indicators of the respondent's level in every margin and ``t_x`` the
    population totals: the raking ratio estimator of Deville & Särndal (1992,
    raking case) and Deville, Särndal & Sautory (1993), equal to iterative proportional
    fitting at convergence and to R's ``calibrate(calfun = "raking")``. Solved by
    Newton's method on the convex dual with a backtracking line search.

    Parameters
    ----------
    design
        The design to weight (its current weights are the base weights).
    margins
        One or more margins, e.g. from :func:`read_margins`; crossed margins give
        cells. All margins must add up to the same population total.
    collapse
        Merge levels before weighting, e.g. ``{"district": {"D06": "D05"}}``.
    bounds
        ``(lower, upper)`` for the factors ``g = final / base weight``: weights
        are bounded and re-calibrated in one step (truncated raking, Deville &
        Särndal 1992). Infeasible bounds raise ``ConvergenceError``
        with code ``bounds_infeasible``.
    tol
        Convergence tolerance on ``max |t - t̂| / (1 + |t|)``.
    max_iter
        Iteration limit.

    Returns
    -------
    Design
        New design with raked weights; ``design.calibration_report`` tells how the
        raking converged. Its variance accounts for the calibration.

    Raises
    ------
    WeightingError
        Bad margins (see :func:`poststratify`), margins with different totals.
    ConvergenceError
        No convergence within ``max_iter`` or infeasible bounds.
    """
    if not (isinstance(tol, float | int) and tol > 0):
        raise WeightingError(
            "invalid_parameter", place="tol", parameter="tol", value=tol
        )
    if not (isinstance(max_iter, int) and max_iter >= 1):
        raise WeightingError(
            "invalid_parameter", place="max_iter", parameter="max_iter", value=max_iter
        )
    lower, upper = 0.0, math.inf
    if bounds is not None:
        try:
            lower, upper = (float(bounds[0]), float(bounds[1]))
        except (TypeError, ValueError, IndexError) as exc:
            raise WeightingError(
                "bounds_invalid", place="bounds", lower=bounds, upper=""
            ) from exc
        if not (0 <= lower < upper) or math.isnan(upper):
            raise WeightingError(
                "bounds_invalid", place="bounds", lower=lower, upper=upper
            )
    margin_list = _as_margins(margins)
    prepared = _prepare(design, margin_list, collapse)

    # cells: rows sharing their level in every margin
    key = np.zeros(design.n, dtype=np.int64)
    for item in prepared:
        key = key * len(item.levels) + item.row_level
    cell_codes, cell_keys = pd.factorize(key, sort=True)
    cell = np.asarray(cell_codes, dtype=np.intp)
    cell_keys = np.asarray(cell_keys, dtype=np.int64)
    n_cells = len(cell_keys)
    # model matrix per cell: intercept + treatment contrasts per margin (as R)
    columns: list[FloatArray] = [np.ones(n_cells)]
    targets: list[float] = [float(prepared[0].totals.sum())]
    remainder = cell_keys.copy()
    level_of_cell: list[npt.NDArray[np.int64]] = []
    for item in reversed(prepared):
        level_of_cell.append(remainder % len(item.levels))
        remainder //= len(item.levels)
    level_of_cell.reverse()
    for item, levels in zip(prepared, level_of_cell, strict=True):
        for j in range(1, len(item.levels)):
            columns.append((levels == j).astype(np.float64))
            targets.append(float(item.totals[j]))
    cell_matrix = np.column_stack(columns)
    target = np.array(targets, dtype=np.float64)
    w = np.array(design.weights, dtype=np.float64)
    cell_base = _group_sum(cell, w, n_cells)

    bounded = bounds is not None
    if bounded and not _bounds_feasible(cell_matrix, cell_base, target, lower, upper):
        raise ConvergenceError(
            "bounds_infeasible",
            place="bounds",
            lower=lower,
            upper=upper,
        )
    g_cell, iterations, misfit = _solve_raking(
        cell_matrix, cell_base, target, lower, upper, tol, max_iter
    )
    g = g_cell[cell]
    converged = misfit < tol
    at_lower = int(np.sum(g <= lower * (1 + 1e-12))) if bounded else 0
    at_upper = int(np.sum(g >= upper * (1 - 1e-12))) if bounded else 0
    report = CalibrationReport(
        method="rake",
        margins=tuple(item.name for item in prepared),
        converged=converged,
        iterations=iterations,
        max_misfit=misfit,
        tolerance=float(tol),
        bounds=(lower, upper) if bounded else None,
        g_min=float(g.min()),
        g_max=float(g.max()),
        n_at_lower=at_lower,
        n_at_upper=at_upper,
    )
    if not converged:
        raise ConvergenceError(
            "not_converged",
            place="margins",
            iterations=iterations,
            misfit=misfit,
            tolerance=float(tol),
            report=report,
        )
    step = CalibrationStep(
        method="rake",
        cell=cell,
        cell_matrix=cell_matrix,
        base_weights=w,
        g=g,
        report=report,
    )
    return design.with_calibration(step)


def _bounds_feasible(
    cell_matrix: FloatArray,
    cell_base: FloatArray,
    target: FloatArray,
    lower: float,
    upper: float,
) -> bool:
    """Whether factors within the bounds can meet the margins (a linear program)."""
    a_eq = cell_matrix.T * cell_base[None, :]
    scale = np.maximum(np.abs(target), 1.0)
    result = linprog(
        c=np.zeros(cell_matrix.shape[0]),
        A_eq=a_eq / scale[:, None],
        b_eq=target / scale,
        bounds=[(lower, None if math.isinf(upper) else upper)] * cell_matrix.shape[0],
        method="highs",
    )
    return bool(result.status != 2)


def _solve_raking(
    cell_matrix: FloatArray,
    cell_base: FloatArray,
    target: FloatArray,
    lower: float,
    upper: float,
    tol: float,
    max_iter: int,
) -> tuple[FloatArray, int, float]:
    """Newton's method on the dual of (truncated) raking calibration.

    Minimises the convex function ``Φ(λ) = Σ_c W_c F(x_c'λ) - t'λ`` with
    ``F' = clamp(exp(u), lower, upper)``; its gradient is the calibration misfit
    (Deville & Särndal 1992). Returns ``(g per cell, iterations, misfit)``.
    """
    log_lower = math.log(lower) if lower > 0 else -math.inf
    log_upper = math.log(upper) if math.isfinite(upper) else math.inf

    def factors(eta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        u = np.clip(cell_matrix @ eta, -700.0, 700.0)
        e = np.exp(u)
        return u, e, np.clip(e, lower, upper)

    def objective(eta: FloatArray) -> float:
        u, e, _ = factors(eta)
        below = u < log_lower
        above = u > log_upper
        f = e.copy()
        if below.any():
            f[below] = lower * (u[below] - log_lower) + lower
        if above.any():
            f[above] = upper * (u[above] - log_upper) + upper
        return float(cell_base @ f - target @ eta)

    eta = np.zeros(cell_matrix.shape[1])
    total_base = float(cell_base.sum())
    if total_base > 0 and target[0] > 0:
        eta[0] = math.log(target[0] / total_base)
    _, e, g = factors(eta)
    misfit_vec = target - cell_matrix.T @ (cell_base * g)
    misfit = _misfit(target, target - misfit_vec)
    iterations = 0
    while misfit >= tol and iterations < max_iter:
        iterations += 1
        inside = (e > lower) & (e < upper)
        # generalised Hessian; factors on a bound get a small curvature so that the
        # Newton direction stays a descent direction (semismooth Newton)
        curvature = cell_base * np.where(inside, e, 1e-6 * g)
        hessian = cell_matrix.T @ (curvature[:, None] * cell_matrix)
        step = np.linalg.lstsq(hessian, misfit_vec, rcond=None)[0]
        slope = -float(misfit_vec @ step)
        if slope >= 0:
            step = misfit_vec / max(float(np.max(curvature)), 1e-300)
            slope = -float(misfit_vec @ step)
        phi0 = objective(eta)
        slack = 1e-12 * (abs(phi0) + float(cell_base @ g))
        t = 1.0
        while True:
            candidate = eta + t * step
            if objective(candidate) <= phi0 + 1e-4 * t * slope + slack or t < 1e-12:
                break
            t *= 0.5
        eta = candidate
        _, e, g = factors(eta)
        misfit_vec = target - cell_matrix.T @ (cell_base * g)
        misfit = _misfit(target, target - misfit_vec)
    return g, iterations, misfit


# ---------------------------------------------------------------------- diagnostics
@dataclass(frozen=True)
class WeightDiagnostics:
    """Summary of a set of weights.

    Attributes
    ----------
    n
        Number of weights.
    total, mean, minimum, maximum
        Sum, mean and range of the weights.
    ratio
        ``maximum / minimum``.
    cv
        Coefficient of variation ``sd / mean`` (sd with divisor ``n``).
    quantiles
        Weight quantiles (R's default type 7) at :data:`DIAGNOSTIC_QUANTILES`.
    kish_deff
        Kish's design effect due to unequal weights, ``n Σw² / (Σw)² = 1 + cv²``
        (Kish 1965, ch. 11).
    effective_n
        Effective sample size ``(Σw)² / Σw² = n / kish_deff`` (Kish 1965).
    """

    n: int
    total: float
    mean: float
    minimum: float
    maximum: float
    ratio: float
    cv: float
    quantiles: Mapping[float, float]
    kish_deff: float
    effective_n: float

    def to_frame(self) -> pd.DataFrame:
        """Two columns ``statistic, value``."""
        rows: list[tuple[str, float]] = [
            ("n", float(self.n)),
            ("total", self.total),
            ("mean", self.mean),
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("ratio", self.ratio),
            ("cv", self.cv),
        ]
        rows.extend((f"q{q * 100:g}", v) for q, v in self.quantiles.items())
        rows.extend([("kish_deff", self.kish_deff), ("effective_n", self.effective_n)])
        return pd.DataFrame(rows, columns=["statistic", "value"])


def weight_diagnostics(weights: Design | npt.ArrayLike) -> WeightDiagnostics:
    """Describe weights: range, quantiles, Kish design effect, effective n.

    Parameters
    ----------
    weights
        A design (its final weights) or an array of weights.

    Returns
    -------
    WeightDiagnostics
    """
    if isinstance(weights, Design):
        w = np.asarray(weights.weights, dtype=np.float64)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
    if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise WeightingError(
            "invalid_parameter",
            place="weights",
            parameter="weights",
            value="leer, negativ oder nicht endlich",
        )
    n = int(w.size)
    total = float(w.sum())
    mean = total / n
    sum_sq = float(np.dot(w, w))
    kish = n * sum_sq / total**2 if total > 0 else math.nan
    quantiles = np.quantile(w, DIAGNOSTIC_QUANTILES)
    minimum = float(w.min())
    return WeightDiagnostics(
        n=n,
        total=total,
        mean=mean,
        minimum=minimum,
        maximum=float(w.max()),
        ratio=float(w.max()) / minimum if minimum > 0 else math.inf,
        cv=float(np.std(w)) / mean if mean > 0 else math.nan,
        quantiles=MappingProxyType(
            dict(zip(DIAGNOSTIC_QUANTILES, (float(q) for q in quantiles), strict=True))
        ),
        kish_deff=kish,
        effective_n=total**2 / sum_sq if sum_sq > 0 else math.nan,
    )
