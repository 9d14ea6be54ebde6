"""Maps in the PDF reports: the classes and colours of a choropleth
(:func:`class_breaks`, :data:`MAP_COLOURS`; the web map uses them too), the
choropleth map of an indicator with its legend and the small locator map of a
district profile, both drawn from :class:`~auswertung.pdf.MapData`. Names on the
maps are placed by :mod:`auswertung.pdf_maps`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import Flowable  # type: ignore[import-untyped, unused-ignore]

from auswertung import pdf_maps
from auswertung.findings import IndicatorTable, format_number
from auswertung.pdf_style import _CITY, _INK, _MUTED, _RULE, FONT, FONT_BOLD

if TYPE_CHECKING:
    from auswertung.pdf import MapData, MapShape

__all__ = ["MAP_COLOURS", "NO_VALUE_COLOUR", "class_breaks"]

#: Sequential colours of the choropleth classes (ColorBrewer "Blues", 5 classes).
MAP_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
#: Fill of districts without a published value.
NO_VALUE_COLOUR = "#e6e6e6"


def class_breaks(
    values: Sequence[float],
    statistic: str,
    classes: int = len(MAP_COLOURS),
    upper: float | None = None,
) -> list[tuple[float, float]]:
    """Equal-interval classes between the smallest and largest value, with limits
    rounded to 0.1 (means) or one percentage point (shares). No class reaches
    beyond ``upper`` (the end of the scale; 100 % for shares).

    Returns ``(lower, upper)`` pairs; empty when there are no values.
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return []
    step = 0.01 if statistic == "share" else 0.1
    low = math.floor(min(finite) / step + 1e-9) * step
    high = math.ceil(max(finite) / step - 1e-9) * step
    if high - low < step * classes:
        count = max(1, round((high - low) / step))
        width = step
    else:
        count = classes
        width = math.ceil((high - low) / classes / step - 1e-9) * step
    count = max(1, min(count, classes))
    if upper is None and statistic == "share":
        upper = 1.0
    result = [(low + i * width, low + (i + 1) * width) for i in range(count)]
    if upper is not None and upper > low:
        result = [(a, min(b, upper)) for a, b in result if a < upper - 1e-9]
    return result


def _class_of(value: float, breaks: Sequence[tuple[float, float]]) -> int:
    for index, (_low, high) in enumerate(breaks):
        if value < high - 1e-12:
            return index
    return len(breaks) - 1


def _class_colours(count: int) -> list[str]:
    if count >= len(MAP_COLOURS):
        return list(MAP_COLOURS)
    if count == 1:
        return [MAP_COLOURS[2]]
    picks = [round(i * (len(MAP_COLOURS) - 1) / (count - 1)) for i in range(count)]
    return [MAP_COLOURS[i] for i in picks]


def _break_label(low: float, high: float, statistic: str, last: bool = False) -> str:
    """``"20 bis unter 40 %"``; the last class includes its upper limit."""
    link = "bis" if last else "bis unter"
    if statistic == "share":
        return f"{format_number(100 * low, 0)} {link} {format_number(100 * high, 0)} %"
    return f"{format_number(low, 1)} {link} {format_number(high, 1)}"


class _MapFlowable(Flowable):  # type: ignore[misc]
    """Base for maps: scales :class:`MapData` into a box."""

    def __init__(self, data: MapData, width: float, height: float) -> None:
        super().__init__()
        self.data = data
        self.width = width
        self.height = height
        self.scale = min(width / data.width, height / data.height)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def _path(self, canv: Canvas, shape: MapShape, scale: float, top: float) -> Any:
        path = canv.beginPath()
        for ring in shape.rings:
            first = True
            for x, y in ring:
                px, py = x * scale, top - y * scale
                if first:
                    path.moveTo(px, py)
                    first = False
                else:
                    path.lineTo(px, py)
            path.close()
        return path


class _ChoroplethMap(_MapFlowable):
    """Districts coloured by class of their estimate, legend to the right;
    with ``names`` every district that has room is labelled (see
    :mod:`auswertung.pdf_maps`)."""

    def __init__(
        self,
        data: MapData,
        table: IndicatorTable,
        width: float,
        map_width: float,
        styles: Mapping[str, ParagraphStyle],
        names: Mapping[str, str] | None = None,
        max_height: float | None = None,
    ) -> None:
        if max_height is not None:
            map_width = min(map_width, max_height * data.width / data.height)
        height = map_width * data.height / data.width
        super().__init__(data, width, height)
        self.map_width = map_width
        self.scale = map_width / data.width
        self.table = table
        values = [r.estimate for r in table.districts if not r.suppressed and r.code]
        self.breaks = class_breaks(values, table.statistic, upper=table.scale[1])
        self.colours = _class_colours(len(self.breaks))
        self.styles = styles
        self.labels: list[pdf_maps.MapLabel] = []
        if names is not None:
            self.labels = pdf_maps.place_labels(
                [(s.code, s.rings) for s in data.shapes],
                self.scale,
                names,
                width=map_width,
                height=height,
            )
        # the legend may reach below a flat map
        self.height = max(height, self._legend_height())

    def _legend_height(self) -> float:
        return 10 + 13 + 12 * len(self.breaks) + 10 + 16 + 4 * 9 + 31 * self.coded

    @property
    def coded(self) -> bool:
        """Whether some district is labelled by its code (needs the key)."""
        return any(label.by_code for label in self.labels)

    def draw(self) -> None:
        canv: Canvas = self.canv
        table = self.table
        fills: dict[str, str] = {}
        for row in table.districts:
            if row.code is None:
                continue
            if row.suppressed or not math.isfinite(row.estimate):
                fills[row.code] = NO_VALUE_COLOUR
            else:
                fills[row.code] = self.colours[_class_of(row.estimate, self.breaks)]
        # the outlines go into a form XObject of their own: text stays in the
        # page's content stream (quick to check for overlaps)
        form = f"umfrage_map_{id(self)}"
        canv.beginForm(form, 0, 0, self.map_width, self.height)
        canv.setStrokeColor(colors.white)
        canv.setLineWidth(0.35)
        canv.setLineJoin(1)
        for shape in self.data.shapes:
            canv.setFillColor(colors.HexColor(fills.get(shape.code, NO_VALUE_COLOUR)))
            canv.drawPath(
                self._path(canv, shape, self.scale, self.height),
                fill=1,
                stroke=1,
                fillMode=0,
            )
        canv.setStrokeColor(_RULE)
        canv.setLineWidth(0.5)
        for x, y, w, h in self.data.insets:
            canv.rect(
                x * self.scale,
                self.height - (y + h) * self.scale,
                w * self.scale,
                h * self.scale,
                fill=0,
                stroke=1,
            )
        canv.endForm()
        canv.saveState()
        canv.doForm(form)
        dark = {c for c in self.colours[-2:]} if len(self.colours) > 2 else set()
        for label in self.labels:
            light = fills.get(label.code) in dark
            canv.setFillColor(colors.white if light else _INK)
            canv.setFont(FONT, label.size)
            canv.drawCentredString(label.x, self.height - label.y, label.text)
        self._legend(canv)
        canv.restoreState()

    def _legend(self, canv: Canvas) -> None:
        x0 = self.map_width + 12
        y = self.height - 10
        canv.setFillColor(_INK)
        canv.setFont(FONT_BOLD, 7.5)
        canv.drawString(x0, y, "Schätzwert")
        y -= 13
        canv.setFont(FONT, 7.5)
        last = len(self.breaks) - 1
        for index, ((low, high), colour) in enumerate(
            zip(self.breaks, self.colours, strict=True)
        ):
            canv.setFillColor(colors.HexColor(colour))
            canv.setStrokeColor(_RULE)
            canv.rect(x0, y - 2, 12, 8, fill=1, stroke=1)
            canv.setFillColor(_INK)
            canv.drawString(
                x0 + 17,
                y,
                _break_label(low, high, self.table.statistic, index == last),
            )
            y -= 12
        canv.setFillColor(colors.HexColor(NO_VALUE_COLOUR))
        canv.rect(x0, y - 2, 12, 8, fill=1, stroke=1)
        canv.setFillColor(_INK)
        canv.drawString(x0 + 17, y, "„.“ nicht ausgewiesen")
        y -= 10
        canv.setFillColor(_MUTED)
        canv.setFont(FONT, 7)
        canv.drawString(x0 + 17, y, "(zu wenige Antworten)")
        y -= 16
        for line in (
            "Die Farbe zeigt den Schätzwert,",
            "nicht, ob er sich sicher von der",
            "Stadt unterscheidet; dafür",
            "die Grafik mit den Intervallen.",
        ):
            canv.drawString(x0, y, line)
            y -= 9
        if self.coded:
            y -= 4
            for line in (
                "Zahlen in der Karte:",
                "Kennziffern (Schlüssel",
                "vorn im Bericht)",
            ):
                canv.drawString(x0, y, line)
                y -= 9


_LOCATOR_FORM = "umfrage_locator_base"


class _LocatorMap(_MapFlowable):
    """A small map of all districts in grey with one district highlighted."""

    def __init__(self, data: MapData, code: str, width: float) -> None:
        super().__init__(data, width, width * data.height / data.width)
        self.code = code

    def draw(self) -> None:
        canv: Canvas = self.canv
        data = self.data
        if not canv.hasForm(_LOCATOR_FORM):
            canv.beginForm(_LOCATOR_FORM, 0, 0, data.width, data.height)
            canv.setFillColor(colors.HexColor("#dfe4ea"))
            canv.setStrokeColor(colors.white)
            canv.setLineWidth(1.2)
            for shape in data.shapes:
                canv.drawPath(
                    self._path(canv, shape, 1.0, data.height), fill=1, stroke=1
                )
            canv.endForm()
        canv.saveState()
        canv.scale(self.scale, self.scale)
        canv.doForm(_LOCATOR_FORM)
        canv.restoreState()
        canv.saveState()
        canv.setFillColor(_CITY)
        canv.setStrokeColor(_CITY)
        canv.setLineWidth(0.6)
        for shape in data.shapes:
            if shape.code == self.code:
                canv.drawPath(
                    self._path(canv, shape, self.scale, self.height), fill=1, stroke=1
                )
        canv.restoreState()
