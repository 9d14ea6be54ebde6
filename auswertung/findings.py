"""Findings tables as published: one row per district and the city with estimate,
interval, comparison, precision and suppression, their German number formats, and
the findings CSV/XLSX. The text formats take a Babel ``locale`` for staff pages in
another language (German, the default, is the published format)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from babel import Locale
from babel.numbers import format_decimal

from auswertung.disclosure import DEFAULT_MIN_N, SUPPRESSION_MARK

__all__ = [
    "COMPARISON_TEXT",
    "FIXED_NOTE",
    "IMPRECISE_LEGEND",
    "IndicatorTable",
    "ResultRow",
    "WEIGHTING_NOTE",
    "cv_limit_text",
    "findings_csv",
    "findings_frame",
    "findings_xlsx",
    "format_ci",
    "format_estimate",
    "format_number",
    "interval_text",
    "n_text",
    "value_text",
]

from .export import _csv_bytes, _xlsx_bytes, neutralise


# ---------------------------------------------------------------------- findings
@dataclass(frozen=True)
class ResultRow:
    """One estimate of an indicator: the city or one district.

    ``estimate``, ``ci_lower``, ``ci_upper``, ``difference`` and ``p_value`` are
    NaN when the cell is suppressed (``reason`` then says why). ``comparison`` is
    ``"higher"``, ``"lower"``, ``"same"`` (no difference shown by the rule of
    :func:`~auswertung.comparison.compare_with_total`) or ``"untested"`` (``note``
    says why, e.g. 0 %/100 %), ``None`` for the city row and suppressed cells.
    ``p_value`` and ``p_adjusted`` are those of the test the flag rests on
    (``p_flag`` and ``p_flag_adjusted`` of
    :class:`~auswertung.comparison.Comparison`), ``p_adjusted`` after the
    multiple-testing adjustment.
    ``se`` and ``cv`` (``se / |estimate|``) give the precision; ``imprecise``
    rows (CV above the configured limit) are printed in parentheses. ``fixed``
    rows hold a register value set by the weighting (``comparison``
    ``"weighting"``; no interval, never tested).
    """

    code: str | None
    name: str
    n: int
    estimate: float
    ci_lower: float
    ci_upper: float
    difference: float = math.nan
    p_value: float = math.nan
    comparison: str | None = None
    suppressed: bool = False
    reason: str = ""
    p_adjusted: float = math.nan
    note: str = ""
    se: float = math.nan
    cv: float = math.nan
    imprecise: bool = False
    fixed: bool = False
    weight_total: float = math.nan
    secondary: bool = False


@dataclass(frozen=True)
class IndicatorTable:
    """An indicator's estimates for the city and every district (code order).

    Attributes
    ----------
    key
        Stable key, e.g. ``top2:zufriedenheit_kultur`` or ``mc:angebote:3``.
    question
        The question text (plain text, not markup).
    label
        What is estimated, e.g. "Mittelwert (1 = Sehr unzufrieden … 5 = Sehr
        zufrieden)" or "Anteil „Familienzentrum“".
    statistic
        ``"mean"`` or ``"share"`` (a proportion between 0 and 1).
    scale
        Axis range for charts (``(1, 5)`` for a five-point scale, ``(0, 1)`` for
        shares).
    key_indicator
        Shown on its own page in the city report.
    group
        Heading under which district profiles list the indicator.
    short_label
        Row text in district profiles (default: ``label``).
    """

    key: str
    question: str
    label: str
    statistic: Literal["mean", "share"]
    scale: tuple[float, float]
    city: ResultRow
    districts: tuple[ResultRow, ...]
    key_indicator: bool = False
    group: str = field(default="")
    short_label: str = ""

    def row_of(self, code: str) -> ResultRow | None:
        """The row of district ``code``."""
        for row in self.districts:
            if row.code == code:
                return row
        return None


def format_number(value: float, decimals: int, locale: str = "de") -> str:
    """German number format: ``1234.5`` → ``"1.234,5"``; NaN → the suppression
    mark. Another ``locale`` (a staff page in English) gets its own separators
    (Babel: ``"1,234.5"``)."""
    if value is None or not math.isfinite(value):
        return SUPPRESSION_MARK
    if locale != "de":
        pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_decimal(value, format=pattern, locale=locale)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _percent(text: str, locale: str) -> str:
    """``text`` (a formatted number or range) with the locale's percent sign:
    ``"45,3 %"`` in German, ``"45.3%"`` in English, ``"%45,3"`` in Turkish."""
    if locale == "de":
        return f"{text} %"
    pattern = Locale.parse(locale).percent_formats[None].pattern.split(";")[0]
    return re.sub(r"[#0,.]+", lambda _match: text, pattern, count=1)


def format_estimate(value: float, statistic: str, locale: str = "de") -> str:
    """A mean with two decimals (``"3,12"``), a share as percent with one
    (``"45,3 %"``)."""
    if value is None or not math.isfinite(value):
        return SUPPRESSION_MARK
    if statistic == "share":
        return _percent(format_number(100 * value, 1, locale), locale)
    return format_number(value, 2, locale)


def format_ci(lower: float, upper: float, statistic: str, locale: str = "de") -> str:
    """A confidence interval, ``"3,05–3,19"`` or ``"41,2–49,5 %"``."""
    if not (
        lower is not None
        and upper is not None
        and math.isfinite(lower)
        and math.isfinite(upper)
    ):
        return SUPPRESSION_MARK
    if statistic == "share":
        low, high = (format_number(100 * v, 1, locale) for v in (lower, upper))
        return _percent(f"{low}–{high}", locale)
    return f"{format_number(lower, 2, locale)}–{format_number(upper, 2, locale)}"


#: Note beside a value that the weighting fixed to its register value.
FIXED_NOTE = "durch die Gewichtung festgelegt (Registerwert)"
#: Note beside an item used for the weighting that is not fixed in this cell.
WEIGHTING_NOTE = "durch die Gewichtung mitbestimmt, nicht geprüft"
#: Legend of values in parentheses (Destatis: "Aussagewert eingeschränkt").
IMPRECISE_LEGEND = (
    "( ): Aussagewert eingeschränkt, da der relative Standardfehler "
    "(Variationskoeffizient) über {limit} liegt"
)


def value_text(row: ResultRow, statistic: str, locale: str = "de") -> str:
    """The published value: ``"."`` when suppressed, in parentheses when
    imprecise."""
    if row.suppressed:
        return SUPPRESSION_MARK
    text = format_estimate(row.estimate, statistic, locale)
    if row.imprecise and not row.fixed and text != SUPPRESSION_MARK:
        return f"({text})"
    return text


def n_text(row: ResultRow, min_n: int, locale: str = "de") -> str:
    """The published number of respondents: ``"< 5"`` below the minimum,
    ``"."`` for a cell suppressed to protect others (its n would give the small
    cell's n away)."""
    if row.secondary:
        return SUPPRESSION_MARK
    if 0 < row.n < min_n:
        return f"< {min_n}"
    return format_number(row.n, 0, locale)


def interval_text(row: ResultRow, statistic: str, locale: str = "de") -> str:
    """The published interval: ``"."`` when suppressed, ``"–"`` for register
    values."""
    if row.suppressed:
        return SUPPRESSION_MARK
    if row.fixed:
        return "–"
    return format_ci(row.ci_lower, row.ci_upper, statistic, locale)


def cv_limit_text(limit: float) -> str:
    """``0.15`` → ``"15 %"``."""
    return f"{format_number(100 * limit, 0)} %"


COMPARISON_TEXT: Mapping[str, str] = {
    "higher": "höher",
    "lower": "niedriger",
    "same": "kein Unterschied",
    "untested": "nicht prüfbar",
    "weighting": "nicht geprüft (Gewichtungsmerkmal)",
}


def _p_cell(row: ResultRow, value: float) -> Any:
    if row.code is None:
        return ""
    if row.suppressed:
        return SUPPRESSION_MARK
    return value if math.isfinite(value) else None


def findings_frame(
    tables: Sequence[IndicatorTable],
    *,
    min_n: int = DEFAULT_MIN_N,
    weighting: str = "",
) -> pd.DataFrame:
    """All indicators as one long table (city first, then districts), German
    headers; shares in percent; suppressed cells marked ``"."``."""
    rows: list[dict[str, Any]] = []
    for table in tables:
        factor = 100.0 if table.statistic == "share" else 1.0
        unit = "Prozent" if table.statistic == "share" else "Mittelwert"
        for row in (table.city, *table.districts):
            mark = row.suppressed

            def value(x: float, mark: bool = mark, factor: float = factor) -> Any:
                if mark:
                    return SUPPRESSION_MARK
                return x * factor if math.isfinite(x) else None

            rows.append(
                {
                    "Indikator": table.key,
                    "Frage": table.question,
                    "Merkmal": table.label,
                    "Einheit": unit,
                    "Sozialraum-Code": row.code or "",
                    "Sozialraum": row.name,
                    "n": (
                        row.n
                        if not row.secondary and not 0 < row.n < min_n
                        else n_text(row, min_n)
                    ),
                    "Schätzwert": value(row.estimate),
                    "KI unten (95 %)": value(row.ci_lower),
                    "KI oben (95 %)": value(row.ci_upper),
                    "Standardfehler": value(row.se),
                    "Variationskoeffizient (%)": (
                        SUPPRESSION_MARK
                        if mark
                        else (100 * row.cv if math.isfinite(row.cv) else None)
                    ),
                    "Aussagewert eingeschränkt": (
                        "" if mark else ("ja" if row.imprecise else "")
                    ),
                    "Registerwert (Gewichtung)": "ja" if row.fixed else "",
                    "Abweichung von der Stadt": (
                        "" if row.code is None else value(row.difference)
                    ),
                    "p-Wert": _p_cell(row, row.p_value),
                    "p-Wert (Benjamini-Hochberg)": _p_cell(row, row.p_adjusted),
                    "Vergleich mit der Stadt": (
                        SUPPRESSION_MARK
                        if mark
                        else COMPARISON_TEXT.get(row.comparison or "", "")
                    ),
                    "Hinweis zum Vergleich": row.note,
                    "Unterdrückt": row.reason if mark else "",
                    "Gewichtung": weighting,
                }
            )
    return pd.DataFrame(rows)


def findings_csv(
    tables: Sequence[IndicatorTable],
    *,
    excel: bool = False,
    min_n: int = DEFAULT_MIN_N,
    weighting: str = "",
) -> bytes:
    """The findings table as CSV (``excel``: German Excel variant)."""
    table = findings_frame(tables, min_n=min_n, weighting=weighting).map(neutralise)
    return _csv_bytes(table, excel=excel)


def findings_xlsx(
    tables: Sequence[IndicatorTable],
    *,
    title: str = "",
    min_n: int = DEFAULT_MIN_N,
    weighting: str = "",
) -> bytes:
    """The findings table as an Excel workbook (sheet "Ergebnisse")."""
    frame = findings_frame(tables, min_n=min_n, weighting=weighting)
    return _xlsx_bytes([("Ergebnisse", frame)], title=title)
