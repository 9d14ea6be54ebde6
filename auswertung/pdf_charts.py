"""Charts of estimates with their 95 % intervals around the city value: the
axis (range and ticks) they share with the forest plot of
:mod:`auswertung.pdf_forest`, the chart of every district of an indicator and
the small whisker in each row of a district profile.
"""

from __future__ import annotations

import math

from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import Flowable  # type: ignore[import-untyped, unused-ignore]

from auswertung.disclosure import SUPPRESSION_MARK
from auswertung.findings import IndicatorTable, ResultRow, format_number
from auswertung.pdf_style import _ACCENT, _CITY, _INK, _MUTED, _RULE, FONT

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


class _DistrictChart(Flowable):  # type: ignore[misc]
    """Every district's estimate with its 95 % interval around the city value.

    Districts in code order, in columns; no ranking. Filled dots: significantly
    different from the city; hollow: not; ``.``: suppressed.
    """

    def __init__(self, table: IndicatorTable, width: float, height: float) -> None:
        super().__init__()
        self.table = table
        self.width = width
        self.height = height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canv: Canvas = self.canv
        table = self.table
        rows = list(table.districts)
        columns = 1 if len(rows) <= 40 else 2 if len(rows) <= 130 else 3
        per_column = max(1, math.ceil(len(rows) / columns))
        gap = 14.0
        column_width = (self.width - gap * (columns - 1)) / columns
        legend_height = 22.0
        axis_height = 12.0
        row_height = min(11.0, (self.height - legend_height - axis_height) / per_column)
        font_size = max(4.5, min(7.0, row_height * 0.82))
        label_width = column_width * 0.42
        low, high, ticks = _axis(table.statistic, table.scale)
        city = table.city
        top = self.height
        canv.saveState()
        for column in range(columns):
            chunk = rows[column * per_column : (column + 1) * per_column]
            x0 = column * (column_width + gap)
            plot_x = x0 + label_width + 4
            plot_width = column_width - label_width - 8

            def position(
                value: float, plot_x: float = plot_x, pw: float = plot_width
            ) -> float:
                share = (value - low) / (high - low) if high > low else 0.5
                return plot_x + min(max(share, 0.0), 1.0) * pw

            chart_bottom = top - len(chunk) * row_height
            # city band and line
            if not city.suppressed and math.isfinite(city.estimate):
                canv.setFillColor(colors.HexColor("#f6d5d1"))
                left = position(_finite_or(city.ci_lower, city.estimate))
                canv.rect(
                    left,
                    chart_bottom,
                    max(position(_finite_or(city.ci_upper, city.estimate)) - left, 0.4),
                    top - chart_bottom,
                    fill=1,
                    stroke=0,
                )
                canv.setStrokeColor(_CITY)
                canv.setLineWidth(0.8)
                canv.line(
                    position(city.estimate), chart_bottom, position(city.estimate), top
                )
            # grid and axis
            canv.setStrokeColor(_RULE)
            canv.setLineWidth(0.3)
            canv.setFont(FONT, 6)
            canv.setFillColor(_MUTED)
            for tick in ticks:
                x = position(tick)
                canv.line(x, chart_bottom - 2, x, chart_bottom)
                canv.drawCentredString(
                    x, chart_bottom - 9, _tick_label(tick, table.statistic)
                )
            canv.line(plot_x, chart_bottom, plot_x + plot_width, chart_bottom)
            for index, row in enumerate(chunk):
                y = top - (index + 0.5) * row_height
                canv.setFillColor(_INK)
                canv.setFont(FONT, font_size)
                canv.drawString(
                    x0,
                    y - font_size * 0.35,
                    _fit(canv, row.name, FONT, font_size, label_width),
                )
                if row.suppressed or not math.isfinite(row.estimate):
                    canv.setFillColor(_MUTED)
                    canv.drawString(plot_x + 1, y - font_size * 0.35, SUPPRESSION_MARK)
                    continue
                canv.setStrokeColor(_ACCENT)
                canv.setLineWidth(0.7)
                if math.isfinite(row.ci_lower) and math.isfinite(row.ci_upper):
                    canv.line(position(row.ci_lower), y, position(row.ci_upper), y)
                radius = max(1.2, min(2.2, row_height * 0.28))
                canv.setFillColor(
                    _ACCENT if row.comparison in ("higher", "lower") else colors.white
                )
                canv.circle(position(row.estimate), y, radius, fill=1, stroke=1)
        # legend
        canv.setFont(FONT, 6.5)
        canv.setFillColor(_INK)
        y = 4.0
        x = 0.0
        canv.setStrokeColor(_ACCENT)
        canv.setFillColor(_ACCENT)
        canv.circle(x + 3, y + 2.2, 2, fill=1, stroke=1)
        canv.setFillColor(_INK)
        text = "höher/niedriger als die Stadt (Regel im Methodenkasten)"
        canv.drawString(x + 8, y, text)
        x += 14 + canv.stringWidth(text, FONT, 6.5)
        canv.setFillColor(colors.white)
        canv.circle(x + 3, y + 2.2, 2, fill=1, stroke=1)
        canv.setFillColor(_INK)
        text = "kein Unterschied gezeigt"
        canv.drawString(x + 8, y, text)
        x += 14 + canv.stringWidth(text, FONT, 6.5)
        canv.setStrokeColor(_CITY)
        canv.setLineWidth(0.8)
        canv.line(x + 3, y - 1, x + 3, y + 6)
        text = "Stadt mit 95-%-Intervall"
        canv.drawString(x + 8, y, text)
        x += 14 + canv.stringWidth(text, FONT, 6.5)
        canv.drawString(x, y, "„.“ nicht ausgewiesen")
        canv.restoreState()


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
