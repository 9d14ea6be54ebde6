"""PDF reports: pages, names, figures equal to the tables, suppression marks,
escaping of questionnaire text, fonts for German and Turkish text."""

from __future__ import annotations

import io
import math
from datetime import date

import pytest
from pypdf import PdfReader

from auswertung import pdf, pdf_choropleth, pdf_style
from auswertung.findings import IndicatorTable, ResultRow, format_estimate

DISTRICTS = [
    pdf.District(f"{i:02d}", name, "Bezirk Süd" if i % 2 else "Bezirk Nord", 10 + i)
    for i, name in enumerate(
        ["Altstadt", "Şişli-Ufer", "Groß Ödland", "Neustadt", "Hafen & Kai", "Üsküdar"]
    )
]
MARKUP = "Wie zufrieden </para> sind Sie mit <b>Angeboten</b> & Kursen?"


def _table(key: str, statistic: str, key_indicator: bool) -> IndicatorTable:
    rows = []
    for index, district in enumerate(DISTRICTS):
        n = 3 if index == 2 else 20 + index
        suppressed = n < 5
        estimate = (2.5 + 0.2 * index) if statistic == "mean" else 0.2 + 0.07 * index
        half = 0.3 if statistic == "mean" else 0.05
        rows.append(
            ResultRow(
                district.code,
                district.name,
                n,
                math.nan if suppressed else estimate,
                math.nan if suppressed else estimate - half,
                math.nan if suppressed else estimate + half,
                comparison=None if suppressed else ("higher" if index == 5 else "same"),
                suppressed=suppressed,
                reason="weniger als 5 Antworten" if suppressed else "",
            )
        )
    city = ResultRow(
        None,
        "Stadt insgesamt",
        150,
        3.0 if statistic == "mean" else 0.41,
        2.9 if statistic == "mean" else 0.38,
        3.1 if statistic == "mean" else 0.44,
    )
    return IndicatorTable(
        key=key,
        question=MARKUP if key == "a" else f"Frage {key} (ğüşİ)",
        label="Mittelwert (1–5)" if statistic == "mean" else "Anteil „ja“",
        statistic="mean" if statistic == "mean" else "share",
        scale=(1.0, 5.0) if statistic == "mean" else (0.0, 1.0),
        city=city,
        districts=tuple(rows),
        key_indicator=key_indicator,
    )


TABLES = [
    _table("a", "mean", True),
    _table("b", "share", True),
    _table("c", "share", False),
]
INFO = pdf.ReportInfo(
    survey_title="Familienbefragung <i>2026</i>",
    organisation="Stadt Musterstadt & Co",
    extraction_date=date(2026, 11, 26),
    field_period="01.10.2026–30.11.2026",
    n_responses=150,
    n_analysed=148,
    weighting="Nachschichtung auf Sozialraum × Familienform.",
    ci_method="t- und Logit-Intervalle",
)
SQUARES = pdf.MapData(
    60.0,
    10.0,
    tuple(
        pdf.MapShape(
            d.code,
            (
                (
                    (i * 10.0, 0.0),
                    (i * 10.0 + 9, 0.0),
                    (i * 10.0 + 9, 9.0),
                    (i * 10.0, 9.0),
                ),
            ),
        )
        for i, d in enumerate(DISTRICTS)
    ),
)


def _text(content: bytes) -> tuple[int, str, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    pages = [page.extract_text() or "" for page in reader.pages]
    return len(reader.pages), "\n".join(pages), pages


@pytest.fixture(scope="module")
def city() -> tuple[int, str, list[str]]:
    return _text(pdf.city_report(INFO, TABLES, DISTRICTS, SQUARES))


def test_city_report_pages(city: tuple[int, str, list[str]]) -> None:
    pages, _text_, page_texts = city
    # summary, method and overview, one page per key indicator, the appendix
    assert pages == 5
    assert "Das Wichtigste in Kürze" in page_texts[0]
    assert "Methode" in page_texts[1]
    assert "Überblick" in page_texts[1]
    assert "Tabellenanhang" in page_texts[4]
    for number, text in enumerate(page_texts, start=1):
        assert f"Seite {number} von {pages}" in text
        assert "Datenstand: 26.11.2026" in text


def test_city_report_shows_markup_literally(city: tuple[int, str, list[str]]) -> None:
    _pages, text, _ = city
    assert MARKUP in text
    assert "Familienbefragung <i>2026</i>" in text
    assert "Stadt Musterstadt & Co" in text


def test_every_district_and_figure_is_in_the_appendix(
    city: tuple[int, str, list[str]],
) -> None:
    _pages, text, page_texts = city
    appendix = page_texts[4]
    hidden = DISTRICTS[2]  # fewer than 5 answers everywhere: no row of its own
    assert f"{hidden.name} ({hidden.code})" not in appendix
    assert "Ohne ausgewiesenen Wert: 1 Sozialraum (weniger als 5" in appendix
    for table in TABLES:
        for row in table.districts:
            assert row.name in text
            if row.suppressed:
                continue
            shown = "< 5" if 0 < row.n < 5 else str(row.n)  # never the exact small n
            value = format_estimate(row.estimate, table.statistic)
            mark = " ▲" if row.comparison == "higher" else ""
            assert f"{row.name} ({row.code})\n{shown}\n" in appendix
            assert value + mark in appendix
    assert "3,30" in appendix  # Neustadt, mean, decimal comma
    assert "48,0 %" in appendix
    # the forest plots carry the intervals
    assert "3,30 (3,00–3,60)" in text


def test_turkish_and_german_letters_survive(city: tuple[int, str, list[str]]) -> None:
    _pages, text, _ = city
    for word in ("Şişli-Ufer", "Groß Ödland", "Üsküdar", "(ğüşİ)"):
        assert word in text


def test_fonts_are_embedded() -> None:
    reader = PdfReader(io.BytesIO(pdf.city_report(INFO, TABLES[:1], DISTRICTS, None)))
    fonts = set()
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            descriptor = font.get_object()
            fonts.add(str(descriptor["/BaseFont"]))
    assert any("DejaVuSans" in f for f in fonts)


def test_district_profile_compares_with_the_city() -> None:
    pages, text, _ = _text(pdf.district_profile(INFO, TABLES, DISTRICTS[5], SQUARES))
    assert pages == 1
    assert "Sozialraum-Profil: Üsküdar" in text
    # n, district value, interval, city value, comparison
    assert "25\n3,50\n3,20–3,80\n3,01\nhöher" not in text  # city is 3,00
    assert "25\n3,50\n3,20–3,80\n3,00\nhöher" in text
    assert MARKUP in text


def test_profile_of_a_suppressed_district_shows_the_mark() -> None:
    _pages, text, _ = _text(pdf.district_profile(INFO, TABLES, DISTRICTS[2], SQUARES))
    assert "Mittelwert (1–5)\n< 5\n.\n.\n3,00\n." in text  # n 3 shown as "< 5"


def test_all_profiles_in_one_file_with_bookmarks() -> None:
    content = pdf.district_profiles(INFO, TABLES, DISTRICTS, SQUARES)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == len(DISTRICTS)
    titles = [item.title for item in reader.outline]
    assert titles == [f"{d.name} ({d.code})" for d in DISTRICTS]
    assert "Seite 6 von 6" in (reader.pages[5].extract_text() or "")


def test_reports_without_findings() -> None:
    pages, text, _ = _text(pdf.city_report(INFO, [], DISTRICTS, None))
    assert pages == 2  # title page, method
    assert "keine auswertbaren Antworten" in text


@pytest.mark.parametrize(
    ("values", "statistic", "expected"),
    [
        (
            [2.04, 3.96],
            "mean",
            [(2.0, 2.4), (2.4, 2.8), (2.8, 3.2), (3.2, 3.6), (3.6, 4.0)],
        ),
        ([0.5, 0.5], "share", [(0.5, 0.51)]),
        ([], "mean", []),
    ],
)
def test_class_breaks(
    values: list[float], statistic: str, expected: list[tuple[float, float]]
) -> None:
    breaks = pdf_choropleth.class_breaks(values, statistic)
    assert len(breaks) == len(expected)
    for (low, high), (e_low, e_high) in zip(breaks, expected, strict=True):
        assert low == pytest.approx(e_low)
        assert high == pytest.approx(e_high)


def test_markup_escapes() -> None:
    assert pdf_style.markup("<b>&</para>") == "&lt;b&gt;&amp;&lt;/para&gt;"
