"""Charts of estimates with their 95 % intervals around the city value: the
axis (range and ticks) and labels the forest plot of :mod:`auswertung.pdf_forest`
uses, and the small whisker in each row of a district profile.
"""

from __future__ import annotations

import math

from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import Flowable  # type: ignore[import-untyped, unused-ignore]

from auswertung.findings import IndicatorTable, ResultRow, format_number
from auswertung.pdf_style import _ACCENT, _CITY, _RULE

__all__: list[str] = []


def _finite_or(value: float, fallback: float) -> float:
    """``value``, or ``fallback`` where it is NaN (register values have no
    interval)."""
    return value if math.isfinite(value) else fallback


def _fit(canv: Canvas, text: str, font: str, size: float, width: float) -> str:
    """Shorten ``text`` with an ellipsis so that it fits ``width``."""
    if canv.stringWidth(text, font, size) <= width:
        return text
    while text and canv.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _axis(
    statistic: str, scale: tuple[float, float]
) -> tuple[float, float, list[float]]:
    low, high = scale
    if statistic == "share":
        return 0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0]
    ticks = [float(t) for t in range(math.ceil(low), math.floor(high) + 1)]
    if len(ticks) > 8:
        step = math.ceil(len(ticks) / 6)
        ticks = ticks[::step]
    return low, high, ticks


def _tick_label(value: float, statistic: str) -> str:
    if statistic == "share":
        return f"{format_number(100 * value, 0)} %"
    return format_number(value, 0)


class _MiniWhisker(Flowable):  # type: ignore[misc]
    """One district's interval against the city's, for a profile table row."""

    def __init__(
        self, row: ResultRow, city: ResultRow, table: IndicatorTable, width: float
    ) -> None:
        super().__init__()
        self.row = row
        self.city = city
        self.table = table
        self.width = width
        self.height = 9.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canv: Canvas = self.canv
        low, high, _ticks = _axis(self.table.statistic, self.table.scale)

        def position(value: float) -> float:
            share = (value - low) / (high - low) if high > low else 0.5
            return min(max(share, 0.0), 1.0) * self.width

        mid = self.height / 2
        canv.saveState()
        canv.setStrokeColor(_RULE)
        canv.setLineWidth(0.3)
        canv.line(0, mid, self.width, mid)
        city = self.city
        if not city.suppressed and math.isfinite(city.estimate):
            canv.setFillColor(colors.HexColor("#f6d5d1"))
            left = position(_finite_or(city.ci_lower, city.estimate))
            canv.rect(
                left,
                0,
                max(position(_finite_or(city.ci_upper, city.estimate)) - left, 0.4),
                self.height,
                fill=1,
                stroke=0,
            )
            canv.setStrokeColor(_CITY)
            canv.setLineWidth(0.8)
            canv.line(position(city.estimate), 0, position(city.estimate), self.height)
        row = self.row
        if not row.suppressed and math.isfinite(row.estimate):
            canv.setStrokeColor(_ACCENT)
            canv.setLineWidth(0.8)
            if math.isfinite(row.ci_lower) and math.isfinite(row.ci_upper):
                canv.line(position(row.ci_lower), mid, position(row.ci_upper), mid)
            canv.setFillColor(
                _ACCENT if row.comparison in ("higher", "lower") else colors.white
            )
            canv.circle(position(row.estimate), mid, 2, fill=1, stroke=1)
        canv.restoreState()
