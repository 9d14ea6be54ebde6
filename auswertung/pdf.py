"""PDF summaries with reportlab: the city report and district profiles.

Plain data in, bytes out: :class:`ReportInfo` (what the method box says),
:class:`~auswertung.findings.IndicatorTable` per indicator (estimates of the city and
every district), the districts and, for maps, :class:`MapData` (district outlines
already projected to a plane, y pointing down as in SVG).

* :func:`city_report` – the key findings in words with a map, method and overview,
  one page per key indicator with a labelled map and a forest plot, a compact table
  appendix (built in :mod:`auswertung.pdf_city`, map labels in
  :mod:`auswertung.pdf_maps`).
* :func:`district_profile` – one district against the city on every indicator, with
  a small locator map, on exactly one page (a headline instead of a table where the
  district has fewer answers than the minimum); :func:`district_profiles` – all of
  them in one file.

Numbers are written in the German format (decimal comma); suppressed cells show
``"."``. All text is set in the embedded DejaVu Sans (Latin, Turkish, Greek,
Cyrillic). reportlab does no Arabic shaping, so reports are written in the
questionnaire's default language. Text from questionnaires is escaped before it
reaches reportlab's paragraph markup parser; free-text answers are never given to
this module.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.enums import TA_LEFT  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.units import mm  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import (  # type: ignore[import-untyped, unused-ignore]
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from auswertung import pdf_maps, pdf_small_area
from auswertung.comparison import RULE_TEXT
from auswertung.disclosure import SUPPRESSION_MARK
from auswertung.findings import (
    IMPRECISE_LEGEND,
    IndicatorTable,
    ResultRow,
    cv_limit_text,
    format_estimate,
    format_number,
    interval_text,
    n_text,
    value_text,
)
from auswertung.pdf_small_area import ModelTable
from auswertung.terms import AreaTerm

__all__ = [
    "FONT",
    "FONT_BOLD",
    "MAP_COLOURS",
    "District",
    "MapData",
    "MapShape",
    "ReportInfo",
    "city_report",
    "class_breaks",
    "district_profile",
    "district_profiles",
    "markup",
]

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
#: Sequential colours of the choropleth classes (ColorBrewer "Blues", 5 classes).
MAP_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
#: Fill of districts without a published value.
NO_VALUE_COLOUR = "#e6e6e6"
_INK = colors.HexColor("#1a1a1a")
_MUTED = colors.HexColor("#555555")
_ACCENT = colors.HexColor("#08519c")
_CITY = colors.HexColor("#c0392b")
_BOX = colors.HexColor("#f2f5f9")
_RULE = colors.HexColor("#b8c2cc")

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN_X = 18 * mm
_MARGIN_TOP = 20 * mm
_MARGIN_BOTTOM = 18 * mm
_FRAME_WIDTH = _PAGE_WIDTH - 2 * _MARGIN_X
_FRAME_HEIGHT = _PAGE_HEIGHT - _MARGIN_TOP - _MARGIN_BOTTOM


# ---------------------------------------------------------------------- input
@dataclass(frozen=True)
class MapShape:
    """A district outline: rings of ``(x, y)`` points (y downwards)."""

    code: str
    rings: tuple[tuple[tuple[float, float], ...], ...]


@dataclass(frozen=True)
class MapData:
    """District outlines in a ``width`` × ``height`` plane (as an SVG viewBox).

    ``insets`` are frames ``(x, y, width, height)`` around districts drawn apart
    from the others (e.g. an island far out).
    """

    width: float
    height: float
    shapes: tuple[MapShape, ...]
    insets: tuple[tuple[float, float, float, float], ...] = ()


@dataclass(frozen=True)
class District:
    """A district as reports name it; ``responses``: complete responses from it."""

    code: str
    name: str
    parent_name: str | None = None
    responses: int = 0


@dataclass(frozen=True)
class ReportInfo:
    """What the reports say about the survey and the method.

    Attributes
    ----------
    survey_title
        Title of the survey.
    organisation
        Who publishes the report.
    extraction_date
        Date the data were taken from the database ("Datenstand").
    field_period
        Field period as text.
    n_responses
        Complete responses.
    n_analysed
        Responses in the (weighted) analysis.
    response_rate
        Share of the invited who answered; ``None`` where unknown.
    weighting
        How the responses were weighted (a sentence).
    ci_method
        How the confidence intervals were computed.
    min_n
        Minimum number of respondents behind every figure.
    alpha
        Significance level of intervals and comparisons.
    notes
        Further remarks for the method box (e.g. responses left out).
    attribution
        Source of the district map.
    cv_limit
        Values with a larger coefficient of variation are printed in parentheses.
    district_term, district_term_plural
        The layer's word for its areas ("Stadtteil", "Stadtteile"); an empty
        plural is proposed by :func:`auswertung.terms.plural_of`.
    """

    survey_title: str
    organisation: str
    extraction_date: date
    field_period: str
    n_responses: int
    n_analysed: int
    weighting: str
    ci_method: str
    min_n: int = 5
    alpha: float = 0.05
    response_rate: float | None = None
    notes: tuple[str, ...] = ()
    attribution: str = ""
    district_term: str = field(default="Sozialraum")
    cv_limit: float = math.inf
    district_term_plural: str = ""

    @property
    def term(self) -> AreaTerm:
        """The area term with its plural (proposed where none is stored)."""
        return AreaTerm.of(self.district_term, self.district_term_plural)


# ---------------------------------------------------------------------- fonts
_FONTS_READY: list[bool] = []


def _register_fonts() -> None:
    if _FONTS_READY:
        return
    folder = resources.files("auswertung").joinpath("fonts")
    for name, filename in (
        (FONT, "DejaVuSans.ttf"),
        (FONT_BOLD, "DejaVuSans-Bold.ttf"),
    ):
        with resources.as_file(folder.joinpath(filename)) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )
    _FONTS_READY.append(True)


def markup(text: str) -> str:
    """Escape plain text for reportlab's paragraph markup (``<``, ``>``, ``&``).

    Questionnaire texts may contain anything, also ``<b>`` or ``</para>``; they are
    shown literally, never interpreted.
    """
    return escape(str(text))


def _styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    base = ParagraphStyle(
        "base",
        fontName=FONT,
        fontSize=9,
        leading=12,
        textColor=_INK,
        alignment=TA_LEFT,
    )
    return {
        "base": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=7.5, leading=9.5, bulletFontName=FONT
        ),
        "tiny": ParagraphStyle("tiny", parent=base, fontSize=6.5, leading=8),
        "muted": ParagraphStyle(
            "muted", parent=base, fontSize=8, leading=10.5, textColor=_MUTED
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=25
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=18,
            spaceAfter=4,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=13.5,
            spaceBefore=6,
            spaceAfter=3,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9
        ),
    }


def _p(text: str, style: ParagraphStyle, *, bold: bool = False) -> Paragraph:
    """A paragraph of plain text (escaped)."""
    content = markup(text)
    if bold:
        content = f"<b>{content}</b>"
    return Paragraph(content, style)


# ---------------------------------------------------------------------- formats
def _date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _percent(value: float) -> str:
    return f"{format_number(100 * value, 1)} %"


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


def _finite_or(value: float, fallback: float) -> float:
    """``value``, or ``fallback`` where it is NaN (register values have no
    interval)."""
    return value if math.isfinite(value) else fallback


def _comparison_text(row: ResultRow) -> str:
    if row.suppressed:
        return SUPPRESSION_MARK
    return {
        "higher": "höher",
        "lower": "niedriger",
        "same": "–",
        "untested": "n. p.",
        "weighting": "Reg.",
    }.get(row.comparison or "", "–")


def _fit(canv: Canvas, text: str, font: str, size: float, width: float) -> str:
    """Shorten ``text`` with an ellipsis so that it fits ``width``."""
    if canv.stringWidth(text, font, size) <= width:
        return text
    while text and canv.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


# ---------------------------------------------------------------------- drawings
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


class _Bookmark(Flowable):  # type: ignore[misc]
    """An outline entry (PDF bookmark) at this place."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__()
        self.key = key
        self.title = title
        self.width = 0
        self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=0, closed=True)


# ---------------------------------------------------------------------- document
class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Draws header and footer with "Seite X von Y" once all pages are known."""

    def __init__(
        self, *args: Any, header: str, footer: str, stamp: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._header = header
        self._footer = footer
        self._stamp = stamp

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        self.saveState()
        self.setFont(FONT, 7.5)
        self.setFillColor(_MUTED)
        top = _PAGE_HEIGHT - 12 * mm
        self.drawString(_MARGIN_X, top, _shorten(self._header, 90))
        self.drawRightString(_PAGE_WIDTH - _MARGIN_X, top, self._stamp)
        self.setStrokeColor(_RULE)
        self.setLineWidth(0.4)
        self.line(_MARGIN_X, top - 3, _PAGE_WIDTH - _MARGIN_X, top - 3)
        bottom = 10 * mm
        self.line(_MARGIN_X, bottom + 9, _PAGE_WIDTH - _MARGIN_X, bottom + 9)
        self.drawString(_MARGIN_X, bottom, _shorten(self._footer, 90))
        self.drawRightString(
            _PAGE_WIDTH - _MARGIN_X, bottom, f"Seite {number} von {total}"
        )
        self.restoreState()


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _build(
    story: list[Flowable], info: ReportInfo, *, title: str, subject: str
) -> bytes:
    _register_fonts()
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN_X,
        rightMargin=_MARGIN_X,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=title,
        author=info.organisation,
        subject=subject,
        creator="Umfrage",
        lang="de-DE",
    )
    frame = Frame(
        _MARGIN_X,
        _MARGIN_BOTTOM,
        _FRAME_WIDTH,
        _FRAME_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    maker: Callable[..., Canvas] = partial(
        _NumberedCanvas,
        header=f"{info.survey_title} – {title}",
        footer=info.organisation,
        stamp=f"Datenstand: {_date(info.extraction_date)}",
    )
    document.build(story, canvasmaker=maker)
    return buffer.getvalue()


def _table_style(extra: Sequence[tuple[Any, ...]] = ()) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), _INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, _INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.2, _RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    commands.extend(extra)
    return TableStyle(commands)


def _method_box(info: ReportInfo, styles: Mapping[str, ParagraphStyle]) -> Table:
    confidence = format_number(100 * (1 - info.alpha), 0)
    rows = [
        ("Feldzeit", info.field_period or "nicht angegeben"),
        ("Vollständige Antworten", format_number(info.n_responses, 0)),
        ("In der Auswertung", format_number(info.n_analysed, 0)),
        (
            "Rücklaufquote",
            _percent(info.response_rate)
            if info.response_rate is not None
            else "nicht bekannt (offene Befragung ohne feste Stichprobe)",
        ),
        ("Gewichtung", info.weighting),
        ("Konfidenzintervalle", f"{confidence} %; {info.ci_method}"),
        (
            "Vergleich mit der Stadt",
            f"Alle {info.term.plural} werden mit der Stadt insgesamt verglichen, "
            f"nicht untereinander. {RULE_TEXT}",
        ),
        (
            "Genauigkeit",
            IMPRECISE_LEGEND.format(limit=cv_limit_text(info.cv_limit))
            + ". Merkmale, nach denen gewichtet wird, sind durch die Gewichtung "
            "festgelegt (Registerwert, ohne Intervall) und werden nicht verglichen."
            if math.isfinite(info.cv_limit)
            else "Merkmale, nach denen gewichtet wird, sind durch die Gewichtung "
            "festgelegt (Registerwert, ohne Intervall) und werden nicht verglichen.",
        ),
        (
            "Geheimhaltung",
            f"Werte, denen weniger als {info.min_n} Antworten zugrunde liegen, "
            "werden nicht ausgewiesen und mit „.“ gekennzeichnet, die Fallzahl "
            f"dann als „< {info.min_n}“. Ebenso gesperrt: Anteile von 0 % oder "
            f"100 % in kleinen {info.term.dative_plural} (Dominanzregel) und weitere "
            "Zellen, "
            "damit sich gesperrte Werte nicht aus Stadtwert und übrigen Werten "
            "zurückrechnen lassen (Sekundärsperrung; ihre Fallzahl: „.“).",
        ),
        ("Datenstand", _date(info.extraction_date)),
    ]
    rows.extend(("Hinweis", note) for note in info.notes)
    if info.attribution:
        rows.append(("Kartengrundlage", info.attribution))
    data = [
        [_p(label, styles["small"], bold=True), _p(text, styles["small"])]
        for label, text in rows
    ]
    table = Table(
        data,
        colWidths=[38 * mm, _FRAME_WIDTH - 38 * mm],
        style=TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), _BOX),
                ("BOX", (0, 0), (-1, -1), 0.6, _RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ]
        ),
    )
    return table


def _city_sentence(table: IndicatorTable) -> str:
    city = table.city
    if city.suppressed or not math.isfinite(city.estimate):
        return f"Stadt insgesamt: {SUPPRESSION_MARK} (n = {format_number(city.n, 0)})"
    return (
        f"Stadt insgesamt: {value_text(city, table.statistic)} "
        + (
            "(durch die Gewichtung festgelegt, Registerwert, "
            if city.fixed
            else f"(95-%-Intervall {interval_text(city, table.statistic)}, "
        )
        + f"n = {format_number(city.n, 0)})"
    )


def _counts(table: IndicatorTable) -> tuple[int, int, int, int]:
    higher = sum(
        1 for r in table.districts if r.comparison == "higher" and not r.suppressed
    )
    lower = sum(
        1 for r in table.districts if r.comparison == "lower" and not r.suppressed
    )
    suppressed = sum(1 for r in table.districts if r.suppressed)
    same = len(table.districts) - higher - lower - suppressed
    return higher, lower, same, suppressed


def city_report(
    info: ReportInfo,
    tables: Sequence[IndicatorTable],
    districts: Sequence[District],
    map_data: MapData | None,
    models: Sequence[ModelTable] = (),
) -> bytes:
    """The city report as PDF bytes: key findings in words with a map, method
    and overview, one page per key indicator (``key_indicator``) with a labelled
    map and a forest plot, model estimates (``models``, labelled
    "Modellschätzung"), and a compact table appendix; see
    :mod:`auswertung.pdf_city`. ``map_data`` ``None`` leaves out the maps."""
    from auswertung import pdf_city

    return pdf_city.city_report(info, tables, districts, map_data, models)


def _profile_story(
    info: ReportInfo,
    tables: Sequence[IndicatorTable],
    district: District,
    map_data: MapData | None,
    styles: Mapping[str, ParagraphStyle],
    models: Sequence[ModelTable] = (),
) -> list[Flowable]:
    term = info.term
    few = district.responses < info.min_n
    heading: list[Flowable] = [
        _p(f"{term.singular}-Profil: {district.name}", styles["h1"]),
        _p(
            f"Kennziffer {district.code}"
            + (f" · {district.parent_name}" if district.parent_name else ""),
            styles["muted"],
        ),
        Spacer(1, 4),
    ]
    if few:
        # the exact small n is never published, only that it is below the limit
        shown = "n = 0" if district.responses == 0 else f"n < {info.min_n}"
        heading += [
            _p(
                f"Für {term.singular} {district.name} liegen zu wenige Antworten "
                f"vor ({shown}; veröffentlicht wird ab n = {info.min_n}).",
                styles["h2"],
            ),
            _p(
                "Deshalb stehen hier keine Werte. Die Werte der Stadt insgesamt "
                "und der übrigen Gebiete stehen im Stadtbericht.",
                styles["small"],
            ),
        ]
    else:
        heading.append(
            _p(
                f"Vollständige Antworten: {format_number(district.responses, 0)}. "
                "Jeder Wert wird mit der Stadt insgesamt verglichen (rote Linie und "
                "Fläche: Wert der Stadt mit 95-%-Intervall; blau: der Wert hier mit "
                "seinem Intervall; gefüllter Punkt: höher oder niedriger nach der "
                "Regel des Stadtberichts, mit Korrektur für viele Vergleiche).",
                styles["small"],
            )
        )
    locator_width = 46 * mm
    if map_data is not None and any(s.code == district.code for s in map_data.shapes):
        top: Flowable = Table(
            [[heading, _LocatorMap(map_data, district.code, locator_width)]],
            colWidths=[_FRAME_WIDTH - locator_width - 6, locator_width + 6],
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
        )
    else:
        top = KeepTogether(heading)
    header = [
        _p(text, styles["cell_bold"])
        for text in (
            "Merkmal",
            "n",
            term.singular,
            "95-%-Intervall",
            "Stadt",
            "Vergleich",
        )
    ] + [""]
    data: list[list[Any]] = [header]
    commands: list[tuple[Any, ...]] = []
    group = None
    chart_width = 80.0
    for table in tables:
        title = table.group or table.question
        if title != group:
            group = title
            data.append([_p(title, styles["cell_bold"]), "", "", "", "", "", ""])
            index = len(data) - 1
            commands.extend(
                [
                    ("SPAN", (0, index), (-1, index)),
                    ("BACKGROUND", (0, index), (-1, index), _BOX),
                ]
            )
        row = table.row_of(district.code)
        if row is None:
            row = ResultRow(
                district.code,
                district.name,
                0,
                math.nan,
                math.nan,
                math.nan,
                suppressed=True,
                reason="keine Antworten",
            )
        label: Any = table.short_label or table.label
        if len(label) > 48:
            label = _p(label, styles["cell"])
        data.append(
            [
                label,
                n_text(row, info.min_n),
                value_text(row, table.statistic),
                interval_text(row, table.statistic),
                format_estimate(table.city.estimate, table.statistic),
                _comparison_text(row),
                _MiniWhisker(row, table.city, table, chart_width),
            ]
        )
    widths = [
        _FRAME_WIDTH - (28 + 52 + 72 + 40 + 48 + chart_width + 8),
        28,
        52,
        72,
        40,
        48,
        chart_width + 8,
    ]
    story: list[Flowable] = [top, Spacer(1, 8)]
    if few:
        pass
    elif len(data) == 1:
        story.append(
            _p("Es liegen noch keine auswertbaren Antworten vor.", styles["base"])
        )
    else:
        story.append(
            Table(
                data,
                colWidths=widths,
                repeatRows=1,
                style=_table_style(
                    [
                        *commands,
                        ("ALIGN", (5, 0), (5, -1), "LEFT"),
                        ("TOPPADDING", (0, 1), (-1, -1), 1.1),
                        ("BOTTOMPADDING", (0, 1), (-1, -1), 1.1),
                    ]
                ),
            )
        )
        story.append(Spacer(1, 4))
        story.append(
            _p(
                f"„.“: nicht ausgewiesen, weil weniger als {info.min_n} Antworten "
                "vorliegen, oder gesperrt (Dominanzregel, Sekundärsperrung). „–“: kein "
                "Unterschied zur Stadt gezeigt; „n. p.“: nicht prüfbar; „Reg.“: "
                "Registerwert der Gewichtung; ( ): Aussagewert eingeschränkt. "
                f"Gewichtung: {info.weighting}",
                styles["tiny"],
            )
        )
    story.extend(
        pdf_small_area.profile_section(
            models, district.code, styles, min_n=info.min_n, width=_FRAME_WIDTH
        )
    )
    # exactly one page: a long questionnaire is set smaller, never continued
    return [
        _Bookmark(f"district-{district.code}", f"{district.name} ({district.code})"),
        KeepInFrame(_FRAME_WIDTH, _FRAME_HEIGHT - 2, story, mode="shrink"),
    ]


def district_profile(
    info: ReportInfo,
    tables: Sequence[IndicatorTable],
    district: District,
    map_data: MapData | None,
    models: Sequence[ModelTable] = (),
) -> bytes:
    """The profile of one district compared with the city, as PDF bytes."""
    styles = _styles()
    story = _profile_story(info, tables, district, map_data, styles, models)
    return _build(
        story,
        info,
        title=f"{info.term.singular}-Profil {district.name}",
        subject=f"{info.survey_title}: {district.name} im Vergleich mit der Stadt",
    )


def district_profiles(
    info: ReportInfo,
    tables: Sequence[IndicatorTable],
    districts: Sequence[District],
    map_data: MapData | None,
    models: Sequence[ModelTable] = (),
) -> bytes:
    """The profiles of all districts (each from a new page) in one PDF."""
    styles = _styles()
    story: list[Flowable] = []
    for index, district in enumerate(districts):
        if index:
            story.append(PageBreak())
        story.extend(_profile_story(info, tables, district, map_data, styles, models))
    if not story:
        story.append(_p("Keine Gebiete.", styles["base"]))
    return _build(
        story,
        info,
        title=f"{info.term.singular}-Profile",
        subject=(
            f"{info.survey_title}: alle {info.term.plural} im Vergleich mit der Stadt"
        ),
    )
