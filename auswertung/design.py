"""Survey designs and their Taylor-linearisation variance.

A :class:`Design` is built once from a DataFrame of responses and passed to every
estimator. It holds the final weights, the sampling structure (strata, primary
sampling units, finite population correction) and the history of calibrations
(post-stratification, raking) applied to the weights, which the variance needs.

The variance of an estimator is computed from its linearised scores
(influence values times final weights) exactly as R's ``survey::svyrecvar`` does for
one-stage designs (Lumley 2010, ch. 2 and 7; Särndal, Swensson & Wretman 1992,
ch. 5-6): first the scores of every calibration are replaced by the residuals of
their regression on the calibration variables with the pre-calibration weights
(Deville & Särndal 1992), then the with-replacement (or fpc-corrected) variance of
PSU totals within strata is formed.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp  # type: ignore[import-untyped, unused-ignore]

from auswertung.errors import AnalysisError, DesignError

if TYPE_CHECKING:
    from auswertung.weighting import CalibrationReport

__all__ = ["CalibrationStep", "Design"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: Strata whose sampling fraction is this close to 1 contribute no variance
#: (R ``survey``: ``all(f < 1e-7)`` in ``onestrat``).
_CENSUS_EPS = 1e-7


def _readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class CalibrationStep:
    """One calibration of the weights (post-stratification or raking).

    Parameters
    ----------
    method
        ``"poststratify"`` or ``"rake"``.
    cell
        Calibration cell of every row (rows of a cell share their calibration
        variables).
    cell_matrix
        Model matrix of the calibration variables per cell (cells x parameters);
        ``None`` for post-stratification, where the model matrix is the cell
        indicator itself.
    base_weights
        Weights before this calibration.
    g
        Calibration factors: final weights are ``base_weights * g``.
    report
        Convergence report of the calibration.

    Notes
    -----
    The variance uses the residuals of the scores regressed on the calibration
    variables with the base weights, multiplied by the final weights (Deville &
    Särndal 1992; Lumley 2010, ch. 7). For the scores ``x`` (already
    multiplied by the final weights) this is R's
    ``qr.resid(qr(mm * sqrt(ww)), x / (g * sqrt(ww))) * g * sqrt(ww)``.
    """

    method: str
    cell: IntArray
    cell_matrix: FloatArray | None
    base_weights: FloatArray
    g: FloatArray
    report: CalibrationReport | None = None
    _sum_matrix: sp.csr_matrix = field(init=False, repr=False)
    _cell_base_total: FloatArray = field(init=False, repr=False)
    _projector: FloatArray | None = field(init=False, repr=False)
    _sqrt_total: FloatArray = field(init=False, repr=False)
    _final: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = self.cell.shape[0]
        n_cells = int(self.cell.max()) + 1 if n else 0
        sum_matrix = sp.csr_matrix(
            (1.0 / self.g, (self.cell, np.arange(n))), shape=(n_cells, n)
        )
        base_total = np.bincount(
            self.cell, weights=self.base_weights, minlength=n_cells
        )
        sqrt_total = np.sqrt(base_total)
        projector: FloatArray | None = None
        if self.cell_matrix is not None:
            # pseudo-inverse of the weighted cell model matrix: rank deficiency
            # (e.g. dummies of every level of every margin) is allowed, the
            # fitted values are the unique projection (R uses a pivoted QR).
            projector = np.asarray(
                np.linalg.pinv(sqrt_total[:, None] * self.cell_matrix), dtype=np.float64
            )
        object.__setattr__(self, "_sum_matrix", sum_matrix)
        object.__setattr__(self, "_cell_base_total", base_total)
        object.__setattr__(self, "_projector", projector)
        object.__setattr__(self, "_sqrt_total", sqrt_total)
        object.__setattr__(self, "_final", self.base_weights * self.g)

    @property
    def weights(self) -> FloatArray:
        """Final weights after this calibration."""
        return self._final

    def residualize(self, scores: FloatArray) -> FloatArray:
        """Replace scores by their calibration residuals, in place.

        Parameters
        ----------
        scores
            ``n x k`` array of linearised scores times final weights; overwritten.

        Returns
        -------
        numpy.ndarray
            The same array, now holding ``e_i * w_i`` where ``e`` are the residuals
            of ``x / w`` regressed on the calibration model with base weights
            (Särndal, Swensson & Wretman 1992, ch. 6; Lumley 2010, ch. 7).
        """
        cell_sums = self._sum_matrix @ scores
        with np.errstate(divide="ignore", invalid="ignore"):
            means = cell_sums / self._cell_base_total[:, None]
        if self._projector is None or self.cell_matrix is None:
            fitted = means
        else:
            coef = self._projector @ (self._sqrt_total[:, None] * means)
            fitted = self.cell_matrix @ coef
        spread = fitted[self.cell]
        spread *= self._final[:, None]
        scores -= spread
        return scores


class Design:
    """A survey design: responses, weights, sampling structure and calibrations.

    Build it with :meth:`from_frame`; weighting functions return new designs.
    Designs are immutable.
    """

    __slots__ = (
        "_base_weights",
        "_cache",
        "_calibration",
        "_data",
        "_fpc_column",
        "_n_strata",
        "_n_units",
        "_psu_column",
        "_row_stratum",
        "_row_unit",
        "_scale",
        "_strata_column",
        "_stratum_labels",
        "_stratum_sum",
        "_unit_stratum",
        "_unit_sum",
        "_units_per_stratum",
        "_weights",
        "_weights_column",
    )

    _data: pd.DataFrame
    _weights: FloatArray
    _base_weights: FloatArray
    _calibration: tuple[CalibrationStep, ...]
    _weights_column: str | None
    _strata_column: str | None
    _psu_column: str | None
    _fpc_column: str | None
    _row_stratum: IntArray
    _row_unit: IntArray | None
    _unit_stratum: IntArray
    _n_units: int
    _n_strata: int
    _units_per_stratum: IntArray
    _scale: FloatArray
    _unit_sum: sp.csr_matrix | None
    _stratum_sum: sp.csr_matrix | None
    _stratum_labels: tuple[Hashable, ...]
    _cache: dict[str, Any]

    def __init__(self) -> None:
        raise TypeError("Design.from_frame(...) verwenden")

    # ------------------------------------------------------------------ building
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        weights: str | None = None,
        strata: str | None = None,
        psu: str | None = None,
        fpc: str | None = None,
    ) -> Design:
        """Build a design from a DataFrame of responses (one row per respondent).

        Parameters
        ----------
        df
            The responses. The frame is not copied; with pandas copy-on-write the
            design keeps the values it was built from.
        weights
            Column of base (sampling) weights, positive and finite. ``None`` gives
            every respondent weight 1.
        strata
            Column of sampling strata.
        psu
            Column of primary sampling units (clusters), nested in strata. ``None``:
            every respondent is its own PSU.
        fpc
            Column of the finite population correction, constant within a stratum:
            either the number of PSUs in the stratum's population (all values
            > 1) or the sampling fraction (all values <= 1), as in R's
            ``svydesign(fpc=)``. ``None``: sampling with replacement.

        Returns
        -------
        Design

        Raises
        ------
        DesignError
            For unknown columns, missing or non-numeric values, non-positive
            weights, a stratum with a single PSU, or an inconsistent fpc.
        """
        if not isinstance(df, pd.DataFrame):
            raise DesignError(
                "invalid_parameter",
                place="df",
                message="Die Antworten müssen als pandas.DataFrame übergeben werden.",
            )
        n = len(df)
        if n == 0:
            raise DesignError("empty_data", place="df")
        for column in (weights, strata, psu, fpc):
            if column is not None and column not in df.columns:
                raise DesignError("unknown_column", place=column, column=column)

        if weights is None:
            w = np.ones(n)
        else:
            w = numeric_column(df, weights, error=DesignError)
            _check_weights(df, weights, w)

        if strata is not None:
            row_stratum, stratum_labels = _codes(df, strata)
        else:
            row_stratum = np.zeros(n, dtype=np.intp)
            stratum_labels = (None,)
        n_strata = len(stratum_labels)

        if psu is not None:
            psu_codes, _ = _codes(df, psu)
            combined = row_stratum.astype(np.int64) * (int(psu_codes.max()) + 1)
            combined += psu_codes
            row_unit_codes, unique_units = pd.factorize(combined, sort=True)
            row_unit: IntArray | None = np.asarray(row_unit_codes, dtype=np.intp)
            n_units = len(unique_units)
            unit_stratum = np.asarray(
                unique_units // (int(psu_codes.max()) + 1), dtype=np.intp
            )
        else:
            row_unit = None
            n_units = n
            unit_stratum = row_stratum
        if n_units < 2 and strata is None:
            raise DesignError("single_psu_design", place=psu or "df")
        units_per_stratum = np.bincount(unit_stratum, minlength=n_strata).astype(
            np.intp
        )

        f_complement = np.ones(n_strata)  # (N_h - n_h) / N_h as R's onestrat
        if fpc is not None:
            f_complement = _fpc_complement(
                df, fpc, row_stratum, units_per_stratum, stratum_labels
            )
        scale = np.zeros(n_strata)
        for h in range(n_strata):
            n_h = units_per_stratum[h]
            if f_complement[h] < _CENSUS_EPS:
                scale[h] = 0.0
            elif n_h < 2:
                raise DesignError(
                    "single_psu",
                    place=f"{strata}={stratum_labels[h]}",
                    stratum=stratum_labels[h],
                )
            else:
                scale[h] = f_complement[h] * n_h / (n_h - 1)

        design = object.__new__(cls)
        design._data = df
        design._weights = _readonly(np.array(w, dtype=np.float64))
        design._base_weights = design._weights
        design._calibration = ()
        design._weights_column = weights
        design._strata_column = strata
        design._psu_column = psu
        design._fpc_column = fpc
        design._row_stratum = _readonly(row_stratum)
        design._row_unit = None if row_unit is None else _readonly(row_unit)
        design._unit_stratum = _readonly(np.asarray(unit_stratum, dtype=np.intp))
        design._n_units = n_units
        design._n_strata = n_strata
        design._units_per_stratum = _readonly(units_per_stratum)
        design._scale = _readonly(scale)
        design._unit_sum = (
            None
            if row_unit is None
            else sp.csr_matrix(
                (np.ones(n), (row_unit, np.arange(n))), shape=(n_units, n)
            )
        )
        design._stratum_sum = (
            None
            if n_strata == 1
            else sp.csr_matrix(
                (np.ones(n_units), (unit_stratum, np.arange(n_units))),
                shape=(n_strata, n_units),
            )
        )
        design._stratum_labels = stratum_labels
        design._cache = {}
        return design

    def with_calibration(self, step: CalibrationStep) -> Design:
        """Return a new design whose weights are calibrated by ``step``.

        Used by :mod:`auswertung.weighting`; ``step.base_weights`` must be this
        design's weights.
        """
        design = object.__new__(Design)
        for name in Design.__slots__:
            object.__setattr__(design, name, getattr(self, name))
        design._weights = _readonly(np.array(step.weights, dtype=np.float64))
        design._calibration = (*self._calibration, step)
        return design

    # ------------------------------------------------------------------ access
    @property
    def data(self) -> pd.DataFrame:
        """The responses the design was built from."""
        return self._data

    @property
    def n(self) -> int:
        """Number of respondents (rows)."""
        return len(self._data)

    @property
    def weights(self) -> FloatArray:
        """Final weights (read-only)."""
        return self._weights

    @property
    def base_weights(self) -> FloatArray:
        """Weights given to :meth:`from_frame`, before any calibration."""
        return self._base_weights

    @property
    def calibration(self) -> tuple[CalibrationStep, ...]:
        """Calibrations applied to the weights, in order."""
        return self._calibration

    @property
    def calibration_report(self) -> CalibrationReport | None:
        """Report of the last calibration, ``None`` for uncalibrated designs."""
        return self._calibration[-1].report if self._calibration else None

    @property
    def weights_column(self) -> str | None:
        """Name of the base weight column."""
        return self._weights_column

    @property
    def strata_column(self) -> str | None:
        """Name of the strata column."""
        return self._strata_column

    @property
    def psu_column(self) -> str | None:
        """Name of the PSU column."""
        return self._psu_column

    @property
    def fpc_column(self) -> str | None:
        """Name of the fpc column."""
        return self._fpc_column

    @property
    def df(self) -> int:
        """Design degrees of freedom: number of PSUs minus number of strata.

        As R's ``degf()`` (Lumley 2010, ch. 2 and 3; Korn & Graubard 1999, ch. 5).
        """
        return self._n_units - self._n_strata

    @property
    def cache(self) -> dict[str, Any]:
        """Memo of values derived from the (immutable) responses, e.g. domains.

        Shared by designs built from one another; only for derived data that do
        not depend on the weights.
        """
        return self._cache

    def column(self, name: str) -> pd.Series:
        """Return a column of the responses; unknown names raise ``DesignError``."""
        if name not in self._data.columns:
            raise DesignError("unknown_column", place=name, column=name)
        return self._data[name]

    def __repr__(self) -> str:
        parts = [f"n={self.n}"]
        if self._weights_column:
            parts.append(f"weights={self._weights_column!r}")
        if self._strata_column:
            parts.append(f"strata={self._strata_column!r}")
        if self._psu_column:
            parts.append(f"psu={self._psu_column!r}")
        if self._fpc_column:
            parts.append(f"fpc={self._fpc_column!r}")
        if self._calibration:
            parts.append("calibration=" + "+".join(s.method for s in self._calibration))
        return f"Design({', '.join(parts)})"

    # ------------------------------------------------------------------ variance
    def residualize(self, scores: FloatArray) -> FloatArray:
        """Apply every calibration's residualisation to ``scores`` (in place)."""
        for step in self._calibration:
            scores = step.residualize(scores)
        return scores

    def variance(self, scores: FloatArray, *, covariance: bool = False) -> FloatArray:
        """Linearisation variance of estimators with the given scores.

        Parameters
        ----------
        scores
            ``n x k`` array: for each of ``k`` estimators the influence values
            times the final weights (zero for respondents outside a domain). The
            array is overwritten.
        covariance
            Return the ``k x k`` covariance matrix instead of the ``k`` variances.

        Returns
        -------
        numpy.ndarray

        Notes
        -----
        After calibration residualisation, with ``u_hj`` the total of the scores
        over PSU ``j`` of stratum ``h`` (Särndal, Swensson & Wretman 1992,
        ch. 4 and 11; Lumley 2010, ch. 2 and 3)::

            V = sum_h (1 - n_h / N_h) n_h / (n_h - 1) sum_j (u_hj - mean_h u)^2

        where ``1 - n_h/N_h`` is 1 without an fpc (sampling with replacement).
        """
        centred, unit_scale = self.centred_units(scores)
        if covariance:
            if unit_scale.ndim == 0:
                return np.asarray(unit_scale * (centred.T @ centred))
            return np.asarray(centred.T @ (centred * unit_scale[:, None]))
        return self.sum_of_squares(centred, unit_scale)

    def centred_units(self, scores: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The PSU totals ``u_hj`` of the calibration residuals of ``scores``,
        centred within their stratum, and the factor of each PSU in
        :meth:`variance` (a 0-d array when there is one stratum).

        The variance of any linear combination ``scores @ c`` is
        ``sum_of_squares(centred @ c, factor)``: one residualisation serves
        several contrasts of the same scores. ``scores`` is overwritten.
        """
        x = self.residualize(scores)
        units = x if self._unit_sum is None else self._unit_sum @ x
        if self._n_strata == 1:
            centred = units
            centred -= units.mean(axis=0)
            return centred, np.asarray(self._scale[0], dtype=np.float64)
        stratum_sum = self._stratum_sum
        if stratum_sum is None:  # pragma: no cover - set whenever n_strata > 1
            raise RuntimeError("stratum matrix missing")
        means = (stratum_sum @ units) / self._units_per_stratum[:, None]
        centred = units - means[self._unit_stratum]
        return centred, np.asarray(self._scale[self._unit_stratum], dtype=np.float64)

    @staticmethod
    def sum_of_squares(centred: FloatArray, factor: FloatArray) -> FloatArray:
        """Per column of :meth:`centred_units`' totals: the variance."""
        if factor.ndim == 0:
            return np.asarray(factor * np.einsum("ij,ij->j", centred, centred))
        return np.asarray(np.einsum("ij,ij,i->j", centred, centred, factor))

    def domain_df(self, codes: IntArray, n_domains: int) -> IntArray:
        """Degrees of freedom of domains: PSUs minus strata among their rows.

        Parameters
        ----------
        codes
            Domain of every row, ``-1`` for rows in no domain.
        n_domains
            Number of domains.

        Returns
        -------
        numpy.ndarray
            As R's ``degf(subset(design, domain))``, which counts the PSUs and strata
            with non-zero weight (Lumley 2010, ch. 2).
        """
        selected = codes >= 0
        dom = codes[selected]
        if self._row_unit is None:
            units = np.bincount(dom, minlength=n_domains)
        else:
            keys = dom.astype(np.int64) * self._n_units + self._row_unit[selected]
            unique = np.unique(keys)
            units = np.bincount(unique // self._n_units, minlength=n_domains)
        if self._n_strata == 1:
            strata = (units > 0).astype(np.intp)
        else:
            keys = dom.astype(np.int64) * self._n_strata + self._row_stratum[selected]
            unique = np.unique(keys)
            strata = np.bincount(unique // self._n_strata, minlength=n_domains)
        return np.asarray(units - strata, dtype=np.intp)


# ---------------------------------------------------------------------- helpers
def numeric_column(
    df: pd.DataFrame,
    column: str,
    *,
    error: type[AnalysisError] = DesignError,
    allow_missing: bool = True,
) -> FloatArray:
    """Return a column as float array (NaN for missing), or raise naming the problem.

    Parameters
    ----------
    df
        The frame.
    column
        Column name.
    error
        Exception class to raise (an :class:`~auswertung.errors.AnalysisError`).
    allow_missing
        If false, a missing value raises ``missing_value``.
    """
    if column not in df.columns:
        raise error("unknown_column", place=column, column=column)
    series = df[column]
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(
        series.dtype
    ):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna()
        if bool(bad.any()):
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise error(
                "non_numeric",
                place=f"{column}[{series.index[position]}]",
                column=column,
                row=series.index[position],
                value=series.iloc[position],
            )
        values = converted.to_numpy(dtype=np.float64, na_value=np.nan)
    if not allow_missing:
        missing = np.isnan(values)
        if missing.any():
            position = int(np.flatnonzero(missing)[0])
            raise error(
                "missing_value",
                place=f"{column}[{series.index[position]}]",
                column=column,
                row=series.index[position],
            )
    return np.asarray(values, dtype=np.float64)


def _check_weights(df: pd.DataFrame, column: str, w: FloatArray) -> None:
    missing = np.isnan(w)
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise DesignError(
            "missing_value",
            place=f"{column}[{df.index[position]}]",
            column=column,
            row=df.index[position],
        )
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise DesignError(
            "invalid_weight",
            place=f"{column}[{df.index[position]}]",
            column=column,
            row=df.index[position],
            value=float(w[position]),
        )


def _codes(df: pd.DataFrame, column: str) -> tuple[IntArray, tuple[Hashable, ...]]:
    series = df[column]
    missing = series.isna().to_numpy()
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise DesignError(
            "missing_value",
            place=f"{column}[{df.index[position]}]",
            column=column,
            row=df.index[position],
        )
    codes, uniques = pd.factorize(series, sort=True)
    return np.asarray(codes, dtype=np.intp), tuple(uniques)


def _fpc_complement(
    df: pd.DataFrame,
    column: str,
    row_stratum: IntArray,
    units_per_stratum: IntArray,
    stratum_labels: tuple[Hashable, ...],
) -> FloatArray:
    """Return ``(N_h - n_h) / N_h`` per stratum from an fpc column (R ``as.fpc``)."""
    values = numeric_column(df, column, allow_missing=False)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise DesignError(
            "fpc_invalid",
            place=f"{column}[{df.index[position]}]",
            column=column,
            row=df.index[position],
            value=float(values[position]),
        )
    is_popsize = bool((values > 1).any())
    if is_popsize and bool((values < 1).any()):
        raise DesignError("fpc_mixed", place=column, column=column)
    n_strata = len(stratum_labels)
    result = np.ones(n_strata)
    for h in range(n_strata):
        stratum_values = values[row_stratum == h]
        if stratum_values.size == 0:
            continue
        if np.ptp(stratum_values) > 0:
            raise DesignError(
                "fpc_not_constant",
                place=f"{column}",
                column=column,
                stratum=stratum_labels[h],
            )
        n_h = float(units_per_stratum[h])
        value = float(stratum_values[0])
        population = value if is_popsize else n_h / value
        if population < n_h * (1 - 1e-12):
            raise DesignError(
                "fpc_too_small",
                place=column,
                column=column,
                stratum=stratum_labels[h],
                population=value,
                sample=int(n_h),
            )
        result[h] = max(population - n_h, 0.0) / population
    return result
