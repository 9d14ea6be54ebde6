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

Fonts, colours, page and styles are in :mod:`auswertung.pdf_style`, the maps in
:mod:`auswertung.pdf_choropleth`, the interval charts in :mod:`auswertung.pdf_charts`,
pages with header, footer and bookmarks in :mod:`auswertung.pdf_document`.

Numbers are written in the German format (decimal comma); suppressed cells show
``"."``. All text is set in the embedded DejaVu Sans (Latin, Turkish, Greek,
Cyrillic). reportlab does no Arabic shaping, so reports are written in the
questionnaire's default language. Text from questionnaires is escaped before it
reaches reportlab's paragraph markup parser; free-text answers are never given to
this module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.units import mm  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import (  # type: ignore[import-untyped, unused-ignore]
    Flowable,
    KeepInFrame,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from auswertung import pdf_small_area
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
from auswertung.pdf_charts import _MiniWhisker
from auswertung.pdf_choropleth import _LocatorMap
from auswertung.pdf_document import _Bookmark, _build, _date
from auswertung.pdf_small_area import ModelTable
from auswertung.pdf_style import (
    _BOX,
    _FRAME_HEIGHT,
    _FRAME_WIDTH,
    _RULE,
    _p,
    _styles,
    _table_style,
)
from auswertung.terms import AreaTerm

__all__ = [
    "District",
    "MapData",
    "MapShape",
    "ReportInfo",
    "city_report",
    "district_profile",
    "district_profiles",
]


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


# ---------------------------------------------------------------------- formats
def _percent(value: float) -> str:
    return f"{format_number(100 * value, 1)} %"


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


# ---------------------------------------------------------------------- reports
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
