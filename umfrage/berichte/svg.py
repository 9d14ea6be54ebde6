"""Inline SVG for the findings view: districts with confidence intervals around the
city value, a choropleth map and the weight histogram. Drawing only: every number
comes from ``auswertung``; every text is escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from flask_babel import format_decimal
from markupsafe import Markup, escape

from auswertung.findings import (
    IndicatorTable,
    ResultRow,
    format_estimate,
    interval_text,
    n_text,
    value_text,
)
from auswertung.pdf_choropleth import MAP_COLOURS, NO_VALUE_COLOUR, class_breaks

ROW = 17
LABEL_WIDTH = 210
PLOT_WIDTH = 420
RIGHT = 70


def _axis(table: IndicatorTable) -> tuple[float, float, list[float]]:
    if table.statistic == "share":
        return 0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0]
    low, high = table.scale
    return low, high, [float(t) for t in range(math.ceil(low), math.floor(high) + 1)]


def _tick(value: float, table: IndicatorTable) -> str:
    if table.statistic == "share":
        return f"{round(100 * value)} %"
    return f"{value:g}"


def _row_text(row: ResultRow, table: IndicatorTable, min_n: int) -> str:
    if row.suppressed:
        return f"{row.name}: nicht ausgewiesen ({row.reason}), n = {n_text(row, min_n)}"
    verdict = {
        "higher": "höher als die Stadt",
        "lower": "niedriger als die Stadt",
        "same": "kein Unterschied zur Stadt gezeigt",
        "untested": row.note or "nicht prüfbar",
        "weighting": row.note,
    }.get(row.comparison or "", "")
    return (
        f"{row.name}: {value_text(row, table.statistic)} "
        f"(95-%-Intervall {interval_text(row, table.statistic)}), "
        f"n = {n_text(row, min_n)}" + (f", {verdict}" if verdict else "")
    )


def chart_svg(table: IndicatorTable, title_id: str, min_n: int = 5) -> Markup:
    """Every district (code order) with estimate and 95 % interval; the city value
    as a vertical line with its interval as a band."""
    low, high, ticks = _axis(table)
    rows = [table.city, *table.districts]
    top = 24
    height = top + ROW * len(rows) + 24
    width = LABEL_WIDTH + PLOT_WIDTH + RIGHT

    def x(value: float) -> float:
        share = (value - low) / (high - low) if high > low else 0.5
        return LABEL_WIDTH + min(max(share, 0.0), 1.0) * PLOT_WIDTH

    parts: list[str] = [
        f'<svg class="ci-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(title_id)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    bottom = top + ROW * len(rows)
    for index in range(1, len(rows), 2):
        parts.append(
            f'<rect class="stripe" x="0" y="{top + index * ROW}" width="{width}" '
            f'height="{ROW}"/>'
        )
    for tick in ticks:
        parts.append(
            f'<line class="grid" x1="{x(tick):.1f}" y1="{top - 4}" '
            f'x2="{x(tick):.1f}" y2="{bottom}"/>'
            f'<text class="tick" x="{x(tick):.1f}" y="{top - 8}">'
            f"{escape(_tick(tick, table))}</text>"
            f'<text class="tick" x="{x(tick):.1f}" y="{bottom + 14}">'
            f"{escape(_tick(tick, table))}</text>"
        )
    city = table.city
    if (
        not city.suppressed
        and math.isfinite(city.estimate)
        and math.isfinite(city.ci_lower)
        and math.isfinite(city.ci_upper)
    ):
        left = x(city.ci_lower)
        parts.append(
            f'<rect class="city-band" x="{left:.1f}" y="{top}" '
            f'width="{max(x(city.ci_upper) - left, 1):.1f}" height="{bottom - top}"/>'
            f'<line class="city-line" x1="{x(city.estimate):.1f}" y1="{top}" '
            f'x2="{x(city.estimate):.1f}" y2="{bottom}"/>'
        )
    for index, row in enumerate(rows):
        y = top + index * ROW + ROW / 2
        css = "row city" if row.code is None else "row"
        parts.append(
            f'<g class="{css}"><title>{escape(_row_text(row, table, min_n))}</title>'
        )
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 4:.1f}">'
            f"{escape(_short(row.name, 34))}</text>"
        )
        if row.suppressed or not math.isfinite(row.estimate):
            parts.append(
                f'<text class="suppressed" x="{LABEL_WIDTH + 4}" y="{y + 4:.1f}">'
                f". ({escape(row.reason)})</text>"
            )
        else:
            if math.isfinite(row.ci_lower) and math.isfinite(row.ci_upper):
                parts.append(
                    f'<line class="whisker" x1="{x(row.ci_lower):.1f}" y1="{y:.1f}" '
                    f'x2="{x(row.ci_upper):.1f}" y2="{y:.1f}"/>'
                )
            differs = row.comparison in ("higher", "lower") or row.code is None
            parts.append(
                f'<circle class="{"dot differs" if differs else "dot"}" '
                f'cx="{x(row.estimate):.1f}" cy="{y:.1f}" r="4"/>'
            )
            parts.append(
                f'<text class="value" x="{width - 4}" y="{y + 4:.1f}">'
                f"{escape(value_text(row, table.statistic))}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def map_legend(table: IndicatorTable) -> list[tuple[str, str]]:
    """``(colour, text)`` pairs of the choropleth classes."""
    breaks = class_breaks(
        [r.estimate for r in table.districts if not r.suppressed], table.statistic
    )
    colours = _colours(len(breaks))
    legend = []
    for (low, high), colour in zip(breaks, colours, strict=True):
        legend.append(
            (
                colour,
                f"{format_estimate(low, table.statistic)} bis unter "
                f"{format_estimate(high, table.statistic)}",
            )
        )
    legend.append((NO_VALUE_COLOUR, "„.“ nicht ausgewiesen"))
    return legend


def _colours(count: int) -> list[str]:
    if count >= len(MAP_COLOURS):
        return list(MAP_COLOURS)
    if count <= 1:
        return [MAP_COLOURS[2]] * count
    picks = [round(i * (len(MAP_COLOURS) - 1) / (count - 1)) for i in range(count)]
    return [MAP_COLOURS[i] for i in picks]


def map_svg(drawn: Any, table: IndicatorTable, title_id: str, min_n: int = 5) -> Markup:
    """The layer's map (``teilnahme.district_map``) coloured by estimate class."""
    breaks = class_breaks(
        [r.estimate for r in table.districts if not r.suppressed], table.statistic
    )
    colours = _colours(len(breaks))
    rows = {r.code: r for r in table.districts}
    parts = [
        f'<svg class="choropleth" viewBox="{escape(drawn.view_box)}" role="img" '
        f'aria-labelledby="{escape(title_id)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for x, y, w, h in drawn.insets:
        parts.append(f'<rect class="inset" x="{x}" y="{y}" width="{w}" height="{h}"/>')
    for district in drawn.districts:
        row = rows.get(district.code)
        colour = NO_VALUE_COLOUR
        if row is not None and not row.suppressed and math.isfinite(row.estimate):
            colour = colours[_class_of(row.estimate, breaks)]
        text = (
            _row_text(row, table, min_n)
            if row is not None
            else f"{district.name}: keine Daten"
        )
        parts.append(
            f'<path d="{escape(district.path)}" fill="{colour}">'
            f"<title>{escape(text)}</title></path>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _class_of(value: float, breaks: Sequence[tuple[float, float]]) -> int:
    for index, (_low, high) in enumerate(breaks):
        if value < high - 1e-12:
            return index
    return len(breaks) - 1


def histogram_svg(bins: Sequence[tuple[float, float, int]], title_id: str) -> Markup:
    """Bars of how many respondents have a weight in each range (relative to the
    mean weight)."""
    if not bins:
        return Markup("")
    largest = max(count for _, _, count in bins) or 1
    bar = 66
    height = 150
    width = bar * len(bins) + 20
    parts = [
        f'<svg class="histogram" viewBox="0 0 {width} {height + 40}" role="img" '
        f'aria-labelledby="{escape(title_id)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (low, high, count) in enumerate(bins):
        h = height * count / largest
        x = 10 + index * bar
        label = (
            f"{_decimal(low)}–{_decimal(high)}"
            if math.isfinite(high)
            else f"≥ {_decimal(low)}"
        )
        parts.append(
            f"<g><title>{escape(f'{count} Antworten mit Gewicht {label} × Mittelwert')}"
            f'</title><rect class="hist-bar" x="{x + 4}" y="{height - h:.1f}" '
            f'width="{bar - 8}" height="{h:.1f}"/>'
            f'<text class="count" x="{x + bar / 2}" y="{max(height - h - 4, 10):.1f}">'
            f"{count}</text>"
            f'<text class="tick" x="{x + bar / 2}" y="{height + 16}">'
            f"{escape(label)}</text></g>"
        )
    parts.append(
        f'<text class="tick" x="{width / 2}" y="{height + 34}">'
        "Gewicht relativ zum mittleren Gewicht</text></svg>"
    )
    return Markup("".join(parts))


def _decimal(value: float) -> str:
    """``0,25`` in German, ``0.25`` in English: two decimals as the locale writes."""
    return str(format_decimal(value, "0.00"))


#: Fill colours of merged groups (repeating); unmerged districts stay light grey.
GROUP_COLOURS = ("#1b6fa8", "#c2571a", "#2e8540", "#7b3f98", "#b8860b", "#0f7c7c")


def groups_map_svg(drawn: Any, merges: Sequence[Any], title_id: str) -> Markup:
    """The layer's map with each proposed group of districts in one colour and
    its number at each member (the numbers of the table beside it)."""
    group_of = {code: m for m in merges for code in m.codes}
    parts = [
        f'<svg class="choropleth groups-map" viewBox="{escape(drawn.view_box)}" '
        f'role="img" aria-labelledby="{escape(title_id)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    labels = []
    for district in drawn.districts:
        merge = group_of.get(district.code)
        colour = (
            GROUP_COLOURS[(merge.number - 1) % len(GROUP_COLOURS)]
            if merge is not None
            else NO_VALUE_COLOUR
        )
        text = (
            f"{district.name} ({district.code}): Gruppe {merge.number}"
            if merge is not None
            else f"{district.name} ({district.code})"
        )
        parts.append(
            f'<path d="{escape(district.path)}" fill="{colour}">'
            f"<title>{escape(text)}</title></path>"
        )
        if merge is not None and district.label_x:
            labels.append(
                f'<text class="group-number" x="{district.label_x}" '
                f'y="{district.label_y}">{merge.number}</text>'
            )
    parts.extend(labels)
    parts.append("</svg>")
    return Markup("".join(parts))
