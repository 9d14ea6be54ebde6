"""The city report at the size of a real city (104 districts on a grid map):
one page per key indicator, labelled maps, readable forest plots, legends that
end at 100 %, a compact appendix, no overlapping text; district profiles on one
page with a headline where a district has too few answers; the area term's
plural."""

from __future__ import annotations

import io
import math
import re
from datetime import date

import pytest
from pypdf import PdfReader

from auswertung import pdf, pdf_choropleth, pdf_forest
from auswertung.findings import IndicatorTable, ResultRow
from auswertung.terms import AreaTerm, plural_of, singular_of
from tests.pdf_layout import overlaps, text_lines

COLUMNS, ROWS = 13, 8
DISTRICTS = [
    pdf.District(f"{i + 1:04d}", f"Langer Ortsname Nummer {i + 1}", None, i % 9)
    for i in range(COLUMNS * ROWS)
]
#: Small squares: names never fit, codes do.
GRID = pdf.MapData(
    COLUMNS * 10.0,
    ROWS * 10.0,
    tuple(
        pdf.MapShape(
            d.code,
            (
                (
                    ((i % COLUMNS) * 10.0, (i // COLUMNS) * 10.0),
                    ((i % COLUMNS) * 10.0 + 10, (i // COLUMNS) * 10.0),
                    ((i % COLUMNS) * 10.0 + 10, (i // COLUMNS) * 10.0 + 10),
                    ((i % COLUMNS) * 10.0, (i // COLUMNS) * 10.0 + 10),
                ),
            ),
        )
        for i, d in enumerate(DISTRICTS)
    ),
)


def _row(index: int, statistic: str, suppressed: bool) -> ResultRow:
    district = DISTRICTS[index]
    if suppressed:
        return ResultRow(
            district.code,
            district.name,
            district.responses,
            math.nan,
            math.nan,
            math.nan,
            suppressed=True,
            reason="weniger als 5 Antworten",
        )
    if statistic == "share":
        estimate = 0.04 + 0.96 * index / (len(DISTRICTS) - 1)  # 4 % … 100 %
        half = 0.05
    else:
        estimate = 1.5 + 3 * index / (len(DISTRICTS) - 1)
        half = 0.4
    comparison = "higher" if index % 15 == 1 else "lower" if index % 15 == 2 else "same"
    return ResultRow(
        district.code,
        district.name,
        20,
        estimate,
        max(estimate - half, 0.0),
        min(estimate + half, 1.0 if statistic == "share" else 5.0),
        comparison=comparison,
    )


def _table(
    key: str, statistic: str, *, key_indicator: bool, all_suppressed: bool = False
) -> IndicatorTable:
    rows = tuple(
        _row(i, statistic, all_suppressed or DISTRICTS[i].responses < 5)
        for i in range(len(DISTRICTS))
    )
    city = ResultRow(
        None,
        "Stadt insgesamt",
        1500,
        0.5 if statistic == "share" else 3.0,
        0.47 if statistic == "share" else 2.9,
        0.53 if statistic == "share" else 3.1,
    )
    return IndicatorTable(
        key=key,
        question=f"Frage {key}",
        label="Anteil „ja“"
        if statistic == "share"
        else "Mittelwert (1 = nie … 5 = oft)",
        statistic="share" if statistic == "share" else "mean",
        scale=(0.0, 1.0) if statistic == "share" else (1.0, 5.0),
        city=city,
        districts=rows,
        key_indicator=key_indicator,
        group=f"Frage {key}",
        short_label="Anteil „ja“" if statistic == "share" else "Mittelwert",
    )


TABLES = [
    _table("a", "mean", key_indicator=True),
    _table("b", "share", key_indicator=True),
    _table("c", "share", key_indicator=False),
    _table("d", "share", key_indicator=False, all_suppressed=True),
]
INFO = pdf.ReportInfo(
    survey_title="Familienbefragung",
    organisation="Stadt Musterstadt",
    extraction_date=date(2026, 11, 26),
    field_period="01.10.2026–30.11.2026",
    n_responses=1500,
    n_analysed=1500,
    weighting="Nachschichtung.",
    ci_method="t- und Logit-Intervalle",
    district_term="Planungsraum",
)


@pytest.fixture(scope="module")
def report() -> bytes:
    return pdf.city_report(INFO, TABLES, DISTRICTS, GRID)


@pytest.fixture(scope="module")
def lines(report: bytes) -> list[list]:
    return text_lines(report)


def _page_texts(content: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages]


def test_no_two_text_lines_overlap(lines: list[list]) -> None:
    assert overlaps(lines) == []


def test_summary_page_states_the_findings_in_words(report: bytes) -> None:
    first = " ".join(_page_texts(report)[0].split())
    table = TABLES[0]
    higher = sum(r.comparison == "higher" and not r.suppressed for r in table.districts)
    lower = sum(r.comparison == "lower" and not r.suppressed for r in table.districts)
    suppressed = sum(r.suppressed for r in table.districts)
    assert "Das Wichtigste in Kürze" in first
    assert (
        f"In {higher} von 104 Planungsräumen liegt der Mittelwert signifikant über "
        "dem Stadtdurchschnitt" in first
    )
    assert f"in {lower} darunter" in first
    assert f"Für {suppressed} Planungsräume wird kein Wert ausgewiesen" in first
    assert "Ergebnisbericht für die Stadt und ihre Planungsräume" in first
    assert "Planungsraume" not in " ".join(_page_texts(report))


def test_every_map_page_is_labelled(report: bytes, lines: list[list]) -> None:
    texts = _page_texts(report)
    map_pages = [i for i, t in enumerate(texts) if "Schätzwert" in t and "Farbe" in t]
    assert len(map_pages) == 3  # summary and the two key indicators
    codes = {d.code for d in DISTRICTS}
    for index in map_pages:
        words = {line.text for line in lines[index]}
        assert len(codes & words) >= 90, index
    # the key of codes is in the report
    assert "0104 Langer Ortsname Nummer 104" in " ".join(" ".join(texts).split())


def test_forest_plot_is_readable_and_says_what_it_shows(report: bytes) -> None:
    assert pdf_forest.FOREST_FONT >= 7
    page = next(
        " ".join(t.split())
        for t in _page_texts(report)
        if "Gezeigt:" in t and "Mittelwert" in t
    )
    flagged = sum(
        r.comparison in ("higher", "lower") and not r.suppressed
        for r in TABLES[0].districts
    )
    assert f"Gezeigt: die {flagged} von 104, die sich" in page
    assert "je 3 mit dem höchsten und niedrigsten Schätzwert" in page


def test_share_legends_end_at_100_percent(report: bytes) -> None:
    for text in _page_texts(report):
        for number in re.findall(r"bis (?:unter )?(\d+) %", text):
            assert int(number) <= 100
    breaks = pdf_choropleth.class_breaks([0.04, 1.0], "share")
    assert breaks[-1][1] == pytest.approx(1.0)


def test_appendix_lists_values_and_collapses_suppressed_tables(report: bytes) -> None:
    texts = _page_texts(report)
    start = next(i for i, t in enumerate(texts) if "Tabellenanhang" in t)
    appendix = " ".join(" ".join(t.split()) for t in texts[start:])
    assert (
        "Frage d: kein Wert für einzelne Planungsräume ausgewiesen (überall weniger "
        "als 5 Antworten oder gesperrt)." in appendix
    )
    published = [d for d in DISTRICTS if d.responses >= 5]
    assert (
        f"Ohne ausgewiesenen Wert: {len(DISTRICTS) - len(published)} Planungsräume"
        in appendix
    )
    assert f"{published[0].name} ({published[0].code})" in appendix
    hidden = next(d for d in DISTRICTS if d.responses < 5)
    assert f"{hidden.name} ({hidden.code})" not in appendix


def test_report_of_a_large_city_stays_short(report: bytes) -> None:
    # summary, method with the key of codes, two key indicators, appendix
    assert len(PdfReader(io.BytesIO(report)).pages) <= 8


def test_profile_of_a_district_without_answers_is_one_page_with_headline() -> None:
    empty = pdf.District("0009", "Leerfeld", None, 0)
    content = pdf.district_profile(INFO, TABLES, empty, GRID)
    texts = _page_texts(content)
    assert len(texts) == 1
    text = " ".join(texts[0].split())
    assert (
        "Für Planungsraum Leerfeld liegen zu wenige Antworten vor (n = 0; "
        "veröffentlicht wird ab n = 5)." in text
    )
    few = pdf.District("0010", "Kleinfeld", None, 3)
    text = " ".join(
        _page_texts(pdf.district_profile(INFO, TABLES, few, GRID))[0].split()
    )
    assert "(n < 5; veröffentlicht wird ab n = 5)" in text  # never the exact n


def test_long_profile_stays_on_one_page() -> None:
    many = [
        _table(f"q{i}", "share" if i % 2 else "mean", key_indicator=False)
        for i in range(60)
    ]
    district = DISTRICTS[10]
    content = pdf.district_profile(INFO, many, district, GRID)
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    assert overlaps(text_lines(content)) == []


@pytest.mark.parametrize(
    ("singular", "plural", "dative"),
    [
        ("Sozialraum", "Sozialräume", "Sozialräumen"),
        ("Stadtteil", "Stadtteile", "Stadtteilen"),
        ("Planungsraum", "Planungsräume", "Planungsräumen"),
        ("Bezirk", "Bezirke", "Bezirken"),
        ("Ortsteil", "Ortsteile", "Ortsteilen"),
        ("Bezirksregion", "Bezirksregionen", "Bezirksregionen"),
        ("district", "districts", "districts"),
    ],
)
def test_plural_of_area_terms(singular: str, plural: str, dative: str) -> None:
    assert plural_of(singular) == plural
    term = AreaTerm.of(singular)
    assert (term.plural, term.dative_plural) == (plural, dative)
    assert AreaTerm.of("Kiez", "Kieze").count(1) == "1 Kiez"


def test_area_term_from_a_layer_name() -> None:
    assert singular_of("Hamburg – Stadtteile") == "Stadtteil"
    assert singular_of("LOR Planungsräume 2021") == "Planungsraum"
    assert singular_of("Berlin 2021") is None
