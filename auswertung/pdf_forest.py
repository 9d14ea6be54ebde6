"""The forest plot of the city report: the city and the districts a reader
can take in (all where there are few, else those that differ from the city plus
the highest and lowest values), each with estimate and 95 % interval, labels and
values at :data:`FOREST_FONT` points."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import Flowable  # type: ignore[import-untyped, unused-ignore]

from auswertung.disclosure import SUPPRESSION_MARK
from auswertung.findings import IndicatorTable, ResultRow, interval_text, value_text
from auswertung.pdf_charts import _axis, _finite_or, _fit, _tick_label
from auswertung.pdf_style import _ACCENT, _CITY, _INK, _MUTED, _RULE, FONT, FONT_BOLD

__all__ = ["FOREST_FONT", "ROW_HEIGHT", "ForestPlot", "forest_rows", "published"]

#: Font size of the forest plot's labels and values.
FOREST_FONT = 7.5
ROW_HEIGHT = 11.0
#: Up to this many districts the forest plot shows all of them.
_SHOW_ALL = 30
_EXTREMES = 3


def published(table: IndicatorTable) -> list[ResultRow]:
    return [
        r
        for r in table.districts
        if not r.suppressed and math.isfinite(r.estimate) and r.code is not None
    ]


def forest_rows(table: IndicatorTable, limit: int) -> tuple[list[ResultRow], str]:
    """The districts a forest plot shows (code order) and a sentence saying
    which: all of them where there are at most 30, else those that differ from
    the city and the three highest and lowest published values."""
    rows = list(table.districts)
    if len(rows) <= min(_SHOW_ALL, limit):
        return rows, ""
    shown = published(table)
    flagged = {r.code for r in shown if r.comparison in ("higher", "lower")}
    ranked = sorted(shown, key=lambda r: r.estimate)
    extremes = {r.code for r in ranked[:_EXTREMES] + ranked[-_EXTREMES:]}
    chosen = [r for r in rows if r.code in flagged or r.code in extremes]
    cut = ""
    if len(chosen) > limit:
        chosen = [r for r in chosen if r.code in flagged][:limit]
        cut = " (aus Platzgründen die ersten in der Reihenfolge der Kennziffer)"
    note = (
        f"Gezeigt: die {len(flagged)} von {len(rows)}, die sich nach der Regel "
        "im Methodenkasten vom Stadtwert unterscheiden, und die je "
        f"{_EXTREMES} mit dem höchsten und niedrigsten Schätzwert{cut}; "
        "in der Reihenfolge der Kennziffer. Alle Werte: Karte und Tabellenanhang."
    )
    return chosen, note


class ForestPlot(Flowable):  # type: ignore[misc]
    """The city and the given districts, each with estimate and 95 % interval,
    labels and values at :data:`FOREST_FONT` points."""

    def __init__(
        self, table: IndicatorTable, rows: Sequence[ResultRow], width: float
    ) -> None:
        super().__init__()
        self.table = table
        self.rows = [table.city, *rows]
        self.width = width
        self.height = ROW_HEIGHT * len(self.rows) + 36

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        table = self.table
        size = FOREST_FONT
        label_width = 0.34 * self.width
        value_width = 0.2 * self.width
        plot_x = label_width + 6
        plot_width = self.width - label_width - value_width - 12
        low, high, ticks = _axis(table.statistic, table.scale)

        def position(value: float) -> float:
            share = (value - low) / (high - low) if high > low else 0.5
            return plot_x + min(max(share, 0.0), 1.0) * plot_width

        top = self.height
        bottom = top - ROW_HEIGHT * len(self.rows)
        city = table.city
        canv.saveState()
        if not city.suppressed and math.isfinite(city.estimate):
            canv.setFillColor(colors.HexColor("#f6d5d1"))
            left = position(_finite_or(city.ci_lower, city.estimate))
            right = position(_finite_or(city.ci_upper, city.estimate))
            canv.rect(
                left, bottom, max(right - left, 0.4), top - bottom, stroke=0, fill=1
            )
            canv.setStrokeColor(_CITY)
            canv.setLineWidth(0.8)
            canv.line(position(city.estimate), bottom, position(city.estimate), top)
        canv.setStrokeColor(_RULE)
        canv.setLineWidth(0.3)
        canv.setFont(FONT, 7)
        canv.setFillColor(_MUTED)
        canv.line(plot_x, bottom, plot_x + plot_width, bottom)
        for tick in ticks:
            x = position(tick)
            canv.line(x, bottom - 2, x, bottom)
            canv.drawCentredString(x, bottom - 10, _tick_label(tick, table.statistic))
        for index, row in enumerate(self.rows):
            y = top - (index + 0.5) * ROW_HEIGHT
            font = FONT_BOLD if row.code is None else FONT
            canv.setFillColor(_INK)
            canv.setFont(font, size)
            name = row.name if row.code is None else f"{row.name} ({row.code})"
            canv.drawString(
                0, y - size * 0.35, _fit(canv, name, font, size, label_width)
            )
            if row.suppressed or not math.isfinite(row.estimate):
                canv.drawRightString(self.width, y - size * 0.35, SUPPRESSION_MARK)
                continue
            value = value_text(row, table.statistic)
            if not row.fixed and math.isfinite(row.ci_lower):
                value += f" ({interval_text(row, table.statistic)})"
            canv.drawRightString(
                self.width,
                y - size * 0.35,
                _fit(canv, value, font, size, value_width),
            )
            if row.code is None:
                continue
            canv.setStrokeColor(_ACCENT)
            canv.setLineWidth(0.8)
            if math.isfinite(row.ci_lower) and math.isfinite(row.ci_upper):
                canv.line(position(row.ci_lower), y, position(row.ci_upper), y)
            flagged = row.comparison in ("higher", "lower")
            canv.setFillColor(_ACCENT if flagged else colors.white)
            canv.circle(position(row.estimate), y, 2.3, fill=1, stroke=1)
        self._legend(canv, bottom - 24)
        canv.restoreState()

    def _legend(self, canv: Any, y: float) -> None:
        canv.setFont(FONT, 7)
        x = 0.0
        canv.setStrokeColor(_ACCENT)
        canv.setFillColor(_ACCENT)
        canv.circle(x + 3, y + 2.4, 2.2, fill=1, stroke=1)
        canv.setFillColor(_INK)
        for text, mark in (
            ("unterscheidet sich vom Stadtwert (Regel im Methodenkasten)", "open"),
            ("kein Unterschied gezeigt", "city"),
            ("Stadt mit 95-%-Intervall", ""),
        ):
            canv.drawString(x + 8, y, text)
            x += 18 + canv.stringWidth(text, FONT, 7)
            if mark == "open":
                canv.setFillColor(colors.white)
                canv.circle(x + 3, y + 2.4, 2.2, fill=1, stroke=1)
                canv.setFillColor(_INK)
            elif mark == "city":
                canv.setStrokeColor(_CITY)
                canv.setLineWidth(0.8)
                canv.line(x + 3, y - 1, x + 3, y + 6)
