"""The city report: what a council member reads.

* page 1: the key findings in words (sentences generated from the estimates and
  the same comparison flags the charts show) and one labelled map;
* the method, an overview of the key indicators and the key of district codes;
* one page per key indicator: a labelled map and a forest plot of the districts
  that differ from the city plus the highest and lowest values (all districts
  where there are few enough to be read);
* model estimates, if enabled;
* a compact appendix: per question one table of the published values of every
  district that has any; a question without any published district value is
  one line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase.pdfmetrics import (  # type: ignore[import-untyped, unused-ignore]
    stringWidth,
)
from reportlab.platypus import (  # type: ignore[import-untyped, unused-ignore]
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
)

from auswertung import pdf_small_area
from auswertung.disclosure import SUPPRESSION_MARK
from auswertung.findings import (
    IMPRECISE_LEGEND,
    IndicatorTable,
    ResultRow,
    cv_limit_text,
    format_number,
    interval_text,
    n_text,
    value_text,
)
from auswertung.pdf import (
    District,
    MapData,
    ReportInfo,
    _city_sentence,
    _counts,
    _method_box,
)
from auswertung.pdf_choropleth import _ChoroplethMap
from auswertung.pdf_document import _Bookmark, _build
from auswertung.pdf_forest import ROW_HEIGHT, ForestPlot, forest_rows
from auswertung.pdf_small_area import ModelTable
from auswertung.pdf_style import (
    _BOX,
    _FRAME_HEIGHT,
    _FRAME_WIDTH,
    FONT,
    FONT_BOLD,
    _p,
    _styles,
    _table_style,
    markup,
)
from auswertung.terms import AreaTerm

__all__ = ["city_report", "indicator_title", "summary"]

_NAMES_IN_SENTENCE = 5
#: Indicator columns per appendix table.
_APPENDIX_COLUMNS = 7
_NAME_WIDTH = 122.0
_HIGHER, _LOWER = "▲", "▼"
#: Column heads of the appendix, hyphenated (German) where a word is too long.
_HEAD = ParagraphStyle(
    "appendix_head",
    fontName=FONT,
    fontSize=7,
    leading=8.4,
    hyphenationLang="de_DE",
    embeddedHyphenation=1,
)


def indicator_title(table: IndicatorTable) -> str:
    """Question and statistic without repeating a matrix item: the item is part
    of the label (``"Kultur: Mittelwert …"``), the question is the group."""
    return f"{table.group or table.question} – {table.label}"


def _column_label(table: IndicatorTable) -> str:
    """The short label without a closing list of option texts:
    ``"Kultur: Anteil 4 oder 5 („Eher …“ oder „Sehr …“)"`` → ``"Kultur: Anteil
    4 oder 5"``."""
    text = table.short_label or table.label
    if text.endswith(")") and "(" in text:
        head, _sep, tail = text.rpartition(" (")
        if "„" in tail and head:
            return head
    return text


def _names(rows: Sequence[ResultRow]) -> str:
    names = [r.name for r in rows[:_NAMES_IN_SENTENCE]]
    more = len(rows) - len(names)
    return ", ".join(names) + (f" und {more} weitere" if more > 0 else "")


def summary(
    table: IndicatorTable, term: AreaTerm, min_n: int, *, with_city: bool = True
) -> str:
    """The findings of one indicator in sentences (plain text), consistent with
    the flags: "In 7 von 104 Stadtteilen liegt der Anteil signifikant über dem
    Stadtdurchschnitt (…), in 2 darunter (…)."."""
    higher, lower, _same, suppressed = _counts(table)
    total = len(table.districts)
    what = "der Anteil" if table.statistic == "share" else "der Mittelwert"
    city = table.city
    if city.suppressed or not math.isfinite(city.estimate):
        return (
            f"Für die Stadt wird kein Wert ausgewiesen (weniger als {min_n} Antworten)."
        )
    parts = []
    if with_city:
        parts.append(
            f"Stadt: {value_text(city, table.statistic)}"
            + (
                f" (95-%-Intervall {interval_text(city, table.statistic)})."
                if not city.fixed
                else " (Registerwert der Gewichtung)."
            )
        )
    if city.fixed:
        parts.append(
            "Gewichtungsmerkmal: durch die Bevölkerungsstatistik festgelegt, "
            "nicht verglichen."
        )
        return " ".join(parts)
    up = [r for r in table.districts if r.comparison == "higher" and not r.suppressed]
    down = [r for r in table.districts if r.comparison == "lower" and not r.suppressed]
    if higher or lower:
        # the side with flags first; "nirgends" for the other (no gender needed)
        first, other = (up, down) if higher else (down, up)
        side, other_side = ("über", "darunter") if higher else ("unter", "darüber")
        sentence = (
            f"In {len(first)} von {total} {term.dative_plural} liegt {what} "
            f"signifikant {side} dem Stadtdurchschnitt ({_names(first)})"
        )
        if other:
            sentence += f", in {len(other)} {other_side} ({_names(other)})"
        else:
            sentence += f", nirgends {other_side}"
        parts.append(sentence + ".")
    elif total - suppressed:
        parts.append(
            f"Bei allen {total - suppressed} {term.dative_plural} mit ausgewiesenem "
            "Wert zeigt sich kein signifikanter Unterschied zum Stadtdurchschnitt."
        )
    if suppressed:
        parts.append(
            f"Für {term.count(suppressed)} wird kein Wert ausgewiesen (weniger "
            f"als {min_n} Antworten oder zum Schutz anderer Werte)."
        )
    return " ".join(parts)


def _map(
    map_data: MapData | None,
    table: IndicatorTable,
    names: Mapping[str, str],
    styles: Mapping[str, ParagraphStyle],
    max_height: float,
) -> _ChoroplethMap | None:
    if map_data is None or not map_data.shapes:
        return None
    return _ChoroplethMap(
        map_data,
        table,
        _FRAME_WIDTH,
        0.62 * _FRAME_WIDTH,
        styles,
        names=names,
        max_height=max_height,
    )


def _height(flowables: Sequence[Flowable]) -> float:
    return float(sum(f.wrap(_FRAME_WIDTH, _FRAME_HEIGHT)[1] for f in flowables))


def _indicator_page(
    table: IndicatorTable,
    info: ReportInfo,
    term: AreaTerm,
    map_data: MapData | None,
    names: Mapping[str, str],
    styles: Mapping[str, ParagraphStyle],
) -> list[Flowable]:
    head: list[Flowable] = [
        _Bookmark(f"key-{table.key}", indicator_title(table)),
        _p(table.group or table.question, styles["h1"]),
        _p(table.label, styles["base"]),
        Spacer(1, 2),
        _p(_city_sentence(table), styles["base"], bold=True),
        _p(summary(table, term, info.min_n, with_city=False), styles["small"]),
        Spacer(1, 6),
    ]
    story = list(head)
    used = _height(head)
    choropleth = _map(map_data, table, names, styles, 0.42 * _FRAME_HEIGHT)
    if choropleth is not None:
        story += [choropleth, Spacer(1, 8)]
        used += choropleth.height + 8
    room = _FRAME_HEIGHT - used - 36 - 40
    limit = max(5, int(room // ROW_HEIGHT) - 1)
    rows, note = forest_rows(table, limit)
    story.append(ForestPlot(table, rows, _FRAME_WIDTH))
    if note:
        story += [Spacer(1, 2), _p(note, styles["small"])]
    return story


def _code_key(
    districts: Sequence[District], term: AreaTerm, styles: Mapping[str, ParagraphStyle]
) -> list[Flowable]:
    """Code → name of every district, in four columns (three where the names
    are long)."""
    cells = [f"{d.code} {d.name}" for d in sorted(districts, key=lambda d: d.code)]
    longest = max((stringWidth(c, FONT, 7) for c in cells), default=0.0)
    columns = 4 if longest <= _FRAME_WIDTH / 4 - 6 else 3
    per_column = math.ceil(len(districts) / columns)
    data = [
        [
            cells[c * per_column + r] if c * per_column + r < len(cells) else ""
            for c in range(columns)
        ]
        for r in range(per_column)
    ]
    width = _FRAME_WIDTH / columns
    for row in data:
        for index, text in enumerate(row):
            row[index] = _fit_text(text, width - 4)
    return [
        CondPageBreak(120),
        _p(f"Kennziffern der {term.plural} (Schlüssel zu den Karten)", styles["h2"]),
        Table(
            data,
            colWidths=[width] * columns,
            style=_table_style(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 7),
                    ("ALIGN", (0, 0), (-1, -1), "LEFT"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0, colors.white),
                    ("TOPPADDING", (0, 0), (-1, -1), 0.4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.4),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
        ),
    ]


def _fit_text(text: str, width: float, size: float = 7) -> str:
    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def _overview(
    tables: Sequence[IndicatorTable],
    term: AreaTerm,
    styles: Mapping[str, ParagraphStyle],
) -> Table:
    """Per question a heading row, per indicator its short label (a matrix item
    is named once, not again with the question)."""
    head = styles["cell_bold"]
    header = [
        _p(text, head)
        for text in (
            "Merkmal",
            "n",
            "Stadt",
            "95-%-Intervall",
            "höher",
            "niedriger",
            "kein Unterschied",
            "ohne Wert",
        )
    ]
    data: list[list[Any]] = [header]
    commands: list[tuple[Any, ...]] = []
    for title, group in _group_tables(tables):
        data.append([_p(title, styles["cell_bold"])] + [""] * 7)
        index = len(data) - 1
        commands += [
            ("SPAN", (0, index), (-1, index)),
            ("BACKGROUND", (0, index), (-1, index), _BOX),
        ]
        for table in group:
            higher, lower, same, suppressed = _counts(table)
            data.append(
                [
                    _p(table.short_label or table.label, styles["cell"]),
                    format_number(table.city.n, 0),
                    value_text(table.city, table.statistic),
                    interval_text(table.city, table.statistic),
                    str(higher),
                    str(lower),
                    str(same),
                    str(suppressed),
                ]
            )
    widths = [_FRAME_WIDTH - 320, 34, 40, 72, 34, 44, 54, 42]
    return Table(data, colWidths=widths, repeatRows=1, style=_table_style(commands))


def _group_tables(
    tables: Sequence[IndicatorTable],
) -> list[tuple[str, list[IndicatorTable]]]:
    groups: dict[str, list[IndicatorTable]] = {}
    for table in tables:
        groups.setdefault(table.group or table.question, []).append(table)
    return list(groups.items())


def _cell(row: ResultRow | None, statistic: str) -> str:
    if row is None or row.suppressed or not math.isfinite(row.estimate):
        return SUPPRESSION_MARK
    mark = {"higher": f" {_HIGHER}", "lower": f" {_LOWER}"}.get(row.comparison or "")
    return value_text(row, statistic) + (mark or "")


def _appendix_group(
    title: str,
    tables: Sequence[IndicatorTable],
    districts: Sequence[District],
    term: AreaTerm,
    min_n: int,
    styles: Mapping[str, ParagraphStyle],
) -> list[Flowable]:
    """One question: a table of the districts with any published value, or one
    line where no district value is published."""
    with_values = [
        d
        for d in districts
        if any(
            (row := t.row_of(d.code)) is not None
            and not row.suppressed
            and math.isfinite(row.estimate)
            for t in tables
        )
    ]
    if not with_values:
        return [
            _p(
                f"{title}: kein Wert für einzelne {term.plural} ausgewiesen "
                f"(überall weniger als {min_n} Antworten oder gesperrt).",
                styles["small"],
            ),
            Spacer(1, 4),
        ]
    story: list[Flowable] = []
    parts = math.ceil(len(tables) / _APPENDIX_COLUMNS)
    size = math.ceil(len(tables) / parts)  # balanced: 8 columns as 4 + 4
    for start in range(0, len(tables), size):
        chunk = list(tables[start : start + size])
        head = _HEAD
        header = [_p(term.singular, head), _p("n", head)] + [
            _p(_column_label(t), head) for t in chunk
        ]
        data: list[list[Any]] = [header]
        data.append(
            ["Stadt insgesamt", format_number(chunk[0].city.n, 0)]
            + [value_text(t.city, t.statistic) for t in chunk]
        )
        for district in with_values:
            rows = [t.row_of(district.code) for t in chunk]
            counted = [r for r in rows if r is not None]
            largest = max(counted, key=lambda r: r.n) if counted else None
            data.append(
                [
                    _fit_text(f"{district.name} ({district.code})", _NAME_WIDTH - 4),
                    n_text(largest, min_n) if largest is not None else "0",
                ]
                + [_cell(r, t.statistic) for r, t in zip(rows, chunk, strict=True)]
            )
        value_width = (_FRAME_WIDTH - _NAME_WIDTH - 30) / len(chunk)
        story.append(
            Table(
                data,
                colWidths=[_NAME_WIDTH, 30] + [value_width] * len(chunk),
                repeatRows=1,
                style=_table_style(
                    [
                        ("FONT", (0, 1), (-1, 1), FONT_BOLD, 7.5),
                        ("FONT", (0, 2), (-1, -1), FONT, 7),
                        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                        ("TOPPADDING", (0, 1), (-1, -1), 0.6),
                        ("BOTTOMPADDING", (0, 1), (-1, -1), 0.6),
                    ]
                ),
            )
        )
        story.append(Spacer(1, 4))
    missing = len(districts) - len(with_values)
    if missing:
        story.append(
            _p(
                f"Ohne ausgewiesenen Wert: {term.count(missing)} (weniger als "
                f"{min_n} Antworten oder gesperrt).",
                styles["tiny"],
            )
        )
    story.append(Spacer(1, 6))
    return story


def _appendix(
    info: ReportInfo,
    tables: Sequence[IndicatorTable],
    districts: Sequence[District],
    term: AreaTerm,
    styles: Mapping[str, ParagraphStyle],
) -> list[Flowable]:
    story: list[Flowable] = [
        PageBreak(),
        _Bookmark("appendix", "Tabellenanhang"),
        _p("Tabellenanhang", styles["h1"]),
        _p(
            f"Alle Merkmale für die Stadt und jede Kennziffer der {term.plural}, "
            f"die einen ausgewiesenen Wert hat. {_HIGHER}/{_LOWER}: höher/niedriger "
            "als die Stadt nach der Regel im Methodenkasten (mit Korrektur für "
            "viele Vergleiche); ohne Zeichen: kein Unterschied gezeigt, nicht "
            f"prüfbar oder Registerwert. „.“: nicht ausgewiesen (weniger als "
            f"{info.min_n} Antworten oder zum Schutz anderer Werte). n: Antworten "
            "auf die Frage (größte Zahl der Spalten). "
            + (
                IMPRECISE_LEGEND.format(limit=cv_limit_text(info.cv_limit)) + ". "
                if math.isfinite(info.cv_limit)
                else ""
            )
            + "Intervalle und Fallzahlen jedes Werts: Ergebnistabelle (CSV/XLSX).",
            styles["small"],
        ),
        Spacer(1, 4),
    ]
    for title, group in _group_tables(tables):
        story.append(CondPageBreak(90))
        story.append(_p(title, styles["h2"]))
        story.extend(_appendix_group(title, group, districts, term, info.min_n, styles))
    return story


def city_report(
    info: ReportInfo,
    tables: Sequence[IndicatorTable],
    districts: Sequence[District],
    map_data: MapData | None,
    models: Sequence[ModelTable] = (),
) -> bytes:
    """The city report as PDF bytes (see the module docstring)."""
    styles = _styles()
    term = info.term
    names = {d.code: d.name for d in districts}
    key_tables = [t for t in tables if t.key_indicator]
    story: list[Flowable] = [
        _p(info.survey_title, styles["title"]),
        Spacer(1, 3),
        _p(f"Ergebnisbericht für die Stadt und ihre {term.plural}", styles["h2"]),
        _p(info.organisation, styles["muted"]),
        Spacer(1, 8),
    ]
    if not tables:
        story.append(
            _p("Es liegen noch keine auswertbaren Antworten vor.", styles["base"])
        )
    else:
        shown = key_tables or list(tables)[:6]
        choropleth = _map(map_data, shown[0], names, styles, 0.34 * _FRAME_HEIGHT)
        if choropleth is not None:
            story += [
                _p(f"Karte: {indicator_title(shown[0])}", styles["small"], bold=True),
                Spacer(1, 3),
                choropleth,
                Spacer(1, 6),
            ]
        story.append(_p("Das Wichtigste in Kürze", styles["h2"]))
        for title, group in _group_tables(shown):
            story.append(_p(title, styles["small"], bold=True))
            for table in group:
                story.append(
                    Paragraph(
                        f"<b>{markup(_column_label(table))}:</b> "
                        + markup(summary(table, term, info.min_n)),
                        styles["small"],
                        bulletText="•",
                    )
                )
            story.append(Spacer(1, 3))
        story.append(
            _p(
                f"Verglichen wird jeder Wert mit der Stadt insgesamt, nicht die "
                f"{term.plural} untereinander; „signifikant“ heißt: nach der Regel im "
                "Methodenkasten (mit Korrektur für viele Vergleiche) verschieden.",
                styles["muted"],
            )
        )
    story.append(PageBreak())
    story += [
        _p("Methode", styles["h2"]),
        _method_box(info, styles),
        Spacer(1, 6),
        _p(
            f"Lesehilfe: Die {term.plural} stehen in der Reihenfolge ihrer "
            "Kennziffer, nicht nach ihren Werten geordnet. Jeder Wert ist eine "
            "Schätzung mit Unsicherheit; das 95-%-Intervall gibt den Bereich an, in "
            "dem der wahre Wert mit hoher Wahrscheinlichkeit liegt. Kleine "
            f"Unterschiede zwischen {term.dative_plural} sind oft nicht "
            "aussagekräftig.",
            styles["small"],
        ),
    ]
    if tables:
        story += [
            Spacer(1, 6),
            _p("Überblick", styles["h2"]),
            _p(
                f"Je Merkmal: Wert der Stadt und wie viele {term.plural} nach der "
                "Regel im Methodenkasten höher oder niedriger sind.",
                styles["small"],
            ),
            Spacer(1, 3),
            _overview(key_tables or list(tables), term, styles),
        ]
        if map_data is not None and map_data.shapes:
            story += [Spacer(1, 6), *_code_key(districts, term, styles)]
    for table in key_tables:
        story.append(PageBreak())
        story.extend(_indicator_page(table, info, term, map_data, names, styles))
    story.extend(
        pdf_small_area.city_section(
            models,
            styles,
            term=term.singular,
            plural=term.plural,
            min_n=info.min_n,
            width=_FRAME_WIDTH,
        )
    )
    if tables:
        story.extend(_appendix(info, tables, districts, term, styles))
    return _build(
        story,
        info,
        title="Ergebnisbericht",
        subject=f"{info.survey_title}: Ergebnisse nach {term.plural}",
    )
