"""Data exports: layout from the questionnaire, CSV/Excel/XLSX/SPSS/Stata, codebook,
findings tables, formula neutralisation, German number format."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from auswertung import export
from auswertung import findings as findings_table
from auswertung.findings import IndicatorTable, ResultRow
from fragebogen.demo import load_demo


@pytest.fixture(scope="module")
def variables() -> list[export.Variable]:
    return [
        *export.STANDARD_VARIABLES,
        *export.variables_of(load_demo("familienbefragung")),
    ]


@pytest.fixture
def frame(variables: list[export.Variable]) -> pd.DataFrame:
    """Three responses with every kind of value, one free text with a formula."""
    data: dict[str, list[object]] = {}
    for variable in variables:
        if variable.kind == "text":
            data[variable.name] = ["a", None, "b"]
        else:
            data[variable.name] = [1.0, np.nan, 2.0]
    data["case_id"] = [1, 2, 3]
    data["district"] = ["0101", None, "0202"]
    data["wuensche"] = ['=HYPERLINK("x")', "+49 40", "@SUM(A1)"]
    data["sprachen_zuhause_other"] = ["-2+3", "Plattdeutsch", None]
    data["zufriedenheit_kultur"] = [4.0, 9.0, np.nan]
    data["weight"] = [120.5, 80.25, 99.0]
    return pd.DataFrame(data)


def test_layout_follows_the_questionnaire(variables: list[export.Variable]) -> None:
    by_name = {v.name: v for v in variables}
    assert [v.name for v in variables[:4]] == [
        "case_id",
        "district",
        "district_name",
        "language",
    ]
    angebote = [v for v in variables if v.question == "angebote"]
    assert [v.name for v in angebote] == [f"angebote_{c}" for c in range(1, 7)]
    assert angebote[2].label.endswith(": Familienzentrum")
    assert angebote[2].value_labels == ((0, "nicht genannt"), (1, "genannt"))
    kultur = by_name["zufriedenheit_kultur"]
    assert kultur.missing_codes == (9,)
    assert (5, "Sehr zufrieden") in kultur.value_labels
    assert kultur.measure == "ordinal"
    assert by_name["wuensche"].free_text
    assert by_name["sprachen_zuhause_other"].free_text
    assert "sozialraum" not in by_name  # the district columns hold it
    assert "einleitung" not in by_name  # info texts have no answer


def test_csv_neutralises_formulas(
    frame: pd.DataFrame, variables: list[export.Variable]
) -> None:
    text = export.to_csv(frame, variables).decode("utf-8")
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(table["wuensche"]) == ['\'=HYPERLINK("x")', "'+49 40", "'@SUM(A1)"]
    assert list(table["sprachen_zuhause_other"]) == ["'-2+3", "Plattdeutsch", ""]
    assert list(table["zufriedenheit_kultur"]) == ["4", "9", ""]
    assert list(table["weight"]) == ["120.5", "80.25", "99.0"]
    assert not text.startswith("\ufeff")


def test_excel_csv_has_bom_semicolon_and_decimal_comma(
    frame: pd.DataFrame, variables: list[export.Variable]
) -> None:
    content = export.to_csv(frame, variables, excel=True)
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("case_id;district;district_name;language;")
    assert "\r\n" in text
    table = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    assert list(table["weight"]) == ["120,5", "80,25", "99,0"]
    assert table["wuensche"][0].startswith("'=")


def test_xlsx_has_data_and_codebook(
    frame: pd.DataFrame, variables: list[export.Variable]
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(frame, variables)))
    assert book.sheetnames == ["Daten", "Codebuch"]
    sheet = book["Daten"]
    header = [c.value for c in sheet[1]]
    column = header.index("wuensche") + 1
    values = [sheet.cell(row=r, column=column).value for r in (2, 3, 4)]
    assert values == ['\'=HYPERLINK("x")', "'+49 40", "'@SUM(A1)"]
    assert all(sheet.cell(row=r, column=column).data_type == "s" for r in (2, 3, 4))
    weight = [
        sheet.cell(row=r, column=header.index("weight") + 1).value for r in (2, 3, 4)
    ]
    assert weight == [120.5, 80.25, 99.0]
    codebook = book["Codebuch"]
    names = [row[0].value for row in codebook.iter_rows(min_row=2)]
    assert "zufriedenheit_kultur" in names
    assert "weight" in names


def test_sav_keeps_labels_missing_codes_and_weights(
    frame: pd.DataFrame, variables: list[export.Variable], tmp_path: Path
) -> None:
    path = tmp_path / "daten.sav"
    path.write_bytes(export.to_sav(frame, variables, file_label="Familienbefragung"))
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    labels = meta.column_names_to_labels
    assert labels["weight"] == "Gewicht"
    assert labels["angebote_3"].endswith(": Familienzentrum")
    assert meta.variable_value_labels["zufriedenheit_kultur"][5.0] == "Sehr zufrieden"
    assert meta.variable_value_labels["angebote_3"] == {
        0.0: "nicht genannt",
        1.0: "genannt",
    }
    assert meta.missing_ranges["zufriedenheit_kultur"] == [{"lo": 9.0, "hi": 9.0}]
    assert list(data["weight"]) == [120.5, 80.25, 99.0]
    assert data["wuensche"][0] == '=HYPERLINK("x")'  # SPSS does not run formulas
    assert meta.file_label == "Familienbefragung"


def test_dta_keeps_labels_and_weights(
    frame: pd.DataFrame, variables: list[export.Variable], tmp_path: Path
) -> None:
    path = tmp_path / "daten.dta"
    path.write_bytes(export.to_dta(frame, variables))
    data, meta = pyreadstat.read_dta(str(path))
    assert meta.column_names_to_labels["weight"] == "Gewicht"
    assert meta.variable_value_labels["haushaltstyp"][2] == "Alleinerziehend"
    assert list(data["weight"]) == [120.5, 80.25, 99.0]


def test_exports_of_an_empty_table_work(variables: list[export.Variable]) -> None:
    empty = pd.DataFrame({v.name: [] for v in variables})
    empty["weight"] = []
    for writer in (export.to_csv, export.to_xlsx, export.to_sav, export.to_dta):
        assert writer(empty, variables)


def test_codebook_lists_codes_and_missing_codes(
    variables: list[export.Variable],
) -> None:
    book = export.codebook_frame(variables).set_index("Variable")
    assert "9 = Nicht genutzt / weiß nicht" in book.loc["zufriedenheit_kultur", "Codes"]
    assert book.loc["zufriedenheit_kultur", "Fehlende Werte"] == "9"
    assert book.loc["wuensche", "Freitext"] == "ja"
    assert book.loc["weight", "Beschriftung"] == "Gewicht"
    text = export.to_codebook_csv(variables).decode("utf-8")
    assert text.startswith("Variable,Beschriftung,")


@pytest.mark.parametrize(
    ("value", "statistic", "expected"),
    [
        (3.14159, "mean", "3,14"),
        (1234.5, "mean", "1.234,50"),
        (0.4567, "share", "45,7 %"),
        (1.0, "share", "100,0 %"),
        (math.nan, "mean", "."),
    ],
)
def test_german_number_format(value: float, statistic: str, expected: str) -> None:
    assert findings_table.format_estimate(value, statistic) == expected


def test_ci_and_integer_format() -> None:
    assert findings_table.format_ci(0.25, 0.3051, "share") == "25,0–30,5 %"
    assert findings_table.format_ci(2.9, 3.1, "mean") == "2,90–3,10"
    assert findings_table.format_ci(math.nan, 3.1, "mean") == "."
    assert findings_table.format_number(1147, 0) == "1.147"


def _table() -> IndicatorTable:
    return IndicatorTable(
        key="top2:x",
        question="=Frage",
        label="Anteil",
        statistic="share",
        scale=(0.0, 1.0),
        city=ResultRow(None, "Stadt insgesamt", 100, 0.4, 0.3, 0.5),
        districts=(
            ResultRow("01", "Nord", 60, 0.5, 0.4, 0.6, 0.1, 0.01, "higher"),
            ResultRow(
                "02",
                "Süd",
                3,
                math.nan,
                math.nan,
                math.nan,
                suppressed=True,
                reason="weniger als 5 Antworten",
            ),
        ),
    )


def test_findings_table_marks_suppressed_cells() -> None:
    frame = findings_table.findings_frame([_table()])
    assert list(frame["Sozialraum"]) == ["Stadt insgesamt", "Nord", "Süd"]
    assert frame["Schätzwert"].iloc[1] == pytest.approx(50.0)
    assert frame["Schätzwert"].iloc[2] == "."
    assert frame["Vergleich mit der Stadt"].iloc[1] == "höher"
    assert frame["Unterdrückt"].iloc[2] == "weniger als 5 Antworten"
    text = findings_table.findings_csv([_table()]).decode("utf-8")
    assert "'=Frage" in text
    book = openpyxl.load_workbook(io.BytesIO(findings_table.findings_xlsx([_table()])))
    assert book["Ergebnisse"]["B2"].value == "'=Frage"


def test_dta_declares_missing_codes_as_extended_missing_values(
    frame: pd.DataFrame, variables: list[export.Variable], tmp_path: Path
) -> None:
    """Issue 14: "weiß nicht" (9) is .a in Stata, labelled, left out of every
    computation, as SPSS has it as a user-missing value."""
    path = tmp_path / "daten.dta"
    path.write_bytes(export.to_dta(frame, variables))
    kept, meta = pyreadstat.read_dta(str(path), user_missing=True)
    assert list(kept["zufriedenheit_kultur"][:2]) == [4.0, "a"]
    assert meta.missing_user_values["zufriedenheit_kultur"] == ["a"]
    labels = meta.variable_value_labels["zufriedenheit_kultur"]
    kultur = next(v for v in variables if v.name == "zufriedenheit_kultur")
    assert labels["a"] == dict(kultur.value_labels)[9]
    assert labels[5] == "Sehr zufrieden"
    assert 9 not in labels
    plain, _meta = pyreadstat.read_dta(str(path))
    assert plain["zufriedenheit_kultur"][0] == 4.0
    assert math.isnan(plain["zufriedenheit_kultur"][1])
    assert plain["zufriedenheit_kultur"].mean() == 4.0


def test_integer_codes_get_integer_formats(
    frame: pd.DataFrame, variables: list[export.Variable], tmp_path: Path
) -> None:
    sav = tmp_path / "daten.sav"
    sav.write_bytes(export.to_sav(frame, variables))
    _data, meta = pyreadstat.read_sav(str(sav), metadataonly=True)
    formats = meta.original_variable_types
    assert formats["zufriedenheit_kultur"] == "F1.0"
    assert formats["angebote_3"] == "F1.0"
    assert formats["weight"] == "F8.2"
    dta = tmp_path / "daten.dta"
    dta.write_bytes(export.to_dta(frame, variables))
    _data, meta = pyreadstat.read_dta(str(dta), metadataonly=True)
    assert meta.original_variable_types["haushaltstyp"] == "%1.0f"
    assert meta.original_variable_types["weight"] != "%1.0f"


def test_xlsx_header_is_frozen_and_filterable(
    frame: pd.DataFrame, variables: list[export.Variable]
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(frame, variables)))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert (
            sheet.auto_filter.ref
            == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        )
    findings = openpyxl.load_workbook(
        io.BytesIO(findings_table.findings_xlsx([_table()]))
    )
    sheet = findings["Ergebnisse"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")


def test_large_xlsx_keeps_every_row_and_neutralises_formulas(
    variables: list[export.Variable],
) -> None:
    """5,000 rows: every row arrives, in the frame's order, with formulas
    neutralised, markup escaped, characters XML forbids dropped, numbers as
    numbers and missing values as empty cells."""
    count = 5_000
    data: dict[str, object] = {}
    for variable in variables:
        data[variable.name] = (
            ["x"] * count if variable.kind == "text" else [1.0] * count
        )
    data["case_id"] = list(range(count, 0, -1))  # not in case order
    data["wuensche"] = [f"=SUM(A{i})" if i % 2 else "a < b & c" for i in range(count)]
    data["sprachen_zuhause_other"] = ["@cmd\x01|x", *([None] * (count - 1))]
    data["zufriedenheit_kultur"] = [np.nan, *([4.0] * (count - 1))]
    data["weight"] = np.linspace(0.5, 3.25, count)
    frame = pd.DataFrame(data)
    book = openpyxl.load_workbook(
        io.BytesIO(export.to_xlsx(frame, variables, title="Gross")), read_only=True
    )
    assert book.properties.title == "Gross"
    rows = list(book["Daten"].iter_rows(values_only=True))
    assert len(rows) == count + 1
    header = list(rows[0])
    assert header[:2] == ["case_id", "district"]
    column = {name: header.index(name) for name in header}
    assert [r[column["case_id"]] for r in rows[1:]] == list(range(count, 0, -1))
    assert rows[1][column["wuensche"]] == "a < b & c"
    assert rows[2][column["wuensche"]] == "'=SUM(A1)"
    assert rows[-1][column["wuensche"]] == f"'=SUM(A{count - 1})"
    assert rows[1][column["sprachen_zuhause_other"]] == "'@cmd|x"
    assert rows[2][column["sprachen_zuhause_other"]] is None
    assert rows[1][column["zufriedenheit_kultur"]] is None
    assert rows[2][column["zufriedenheit_kultur"]] == 4
    weights = [r[column["weight"]] for r in rows[1:]]
    assert weights == pytest.approx(list(np.linspace(0.5, 3.25, count)), abs=0)
    codebook = list(book["Codebuch"].iter_rows(values_only=True))
    assert codebook[0][0] == "Variable"
    assert len(codebook) == len(variables) + 2  # header, variables, weight
