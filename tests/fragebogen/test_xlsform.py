"""XLSForm export and import."""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert

from fragebogen.demo import DEMO_NAMES, load_demo
from fragebogen.errors import DefinitionError, Problem
from fragebogen.expressions import evaluate_bool
from fragebogen.model import Questionnaire, QuestionType, Text
from fragebogen.validation import expression_values, validate_page
from fragebogen.xlsform import from_xlsform, import_xlsform, to_xlsform
from fragebogen.yaml_format import dump_yaml


def workbook(
    survey: list[list[object]],
    choices: list[list[object]] | None = None,
    settings: list[list[object]] | None = None,
    extra_sheets: dict[str, list[list[object]]] | None = None,
) -> bytes:
    """An XLSForm workbook from rows (the first row of each sheet is the header)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    for title, rows in (
        ("choices", choices),
        ("settings", settings),
        *(extra_sheets or {}).items(),
    ):
        if rows is not None:
            other = book.create_sheet(title)
            for row in rows:
                other.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def problems_of(data: bytes) -> list[Problem]:
    with pytest.raises(DefinitionError) as info:
        from_xlsform(data)
    return info.value.problems


# ----------------------------------------------------------------------- round trip


def test_round_trip_all_types(all_types: Questionnaire) -> None:
    back = from_xlsform(to_xlsform(all_types))
    assert back == all_types
    assert dump_yaml(back) == dump_yaml(all_types)


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_round_trip_demos(name: str) -> None:
    q = load_demo(name)
    assert from_xlsform(to_xlsform(q)) == q


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_export_is_a_valid_xlsform_for_pyxform(name: str) -> None:
    warnings: list[str] = []
    result = convert(to_xlsform(load_demo(name)), warnings=warnings)
    assert "<h:html" in result.xform
    assert warnings == []


def test_export_all_types_converts(all_types: Questionnaire) -> None:
    warnings: list[str] = []
    result = convert(to_xlsform(all_types), warnings=warnings)
    assert "tennis_jahre" in result.xform
    assert warnings == []


def test_export_layout(all_types: Questionnaire) -> None:
    book = load_workbook(BytesIO(to_xlsform(all_types)))
    assert book.sheetnames == ["survey", "choices", "settings"]
    survey = [list(row) for row in book["survey"].iter_rows(values_only=True)]
    header = survey[0]
    assert header[:4] == ["type", "name", "label::de", "label::en"]
    types = [row[0] for row in survey[1:]]
    assert types[0] == "begin_group"
    assert "select_one farbe" in types
    assert "select_multiple sport" in types
    assert "acknowledge" in types
    assert "note" in types
    assert "decimal" in types
    assert types.count("end_group") == 3  # two pages and the matrix
    settings = list(book["settings"].iter_rows(values_only=True))
    assert settings[1][:3] == ("alle_typen", "Alle Fragetypen", "de")


def test_export_never_writes_formulas(all_types: Questionnaire) -> None:
    page = all_types.pages[0]
    question = replace(page.questions[4], label=Text(de="=HYPERLINK(1)", en="=1+1"))
    q = replace(
        all_types,
        pages=(
            replace(page, questions=(*page.questions[:4], question)),
            all_types.pages[1],
        ),
    )
    data = to_xlsform(q)
    sheet = load_workbook(BytesIO(data))["survey"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
    formulas = [cell for cell in cells if cell.data_type == "f"]
    assert formulas == []
    assert from_xlsform(data).question("tennis_jahre").label["de"] == "=HYPERLINK(1)"


# ------------------------------------------------------------------ foreign import


def test_import_plain_xlsform() -> None:
    data = workbook(
        [
            [
                "type",
                "name",
                "label::Deutsch (de)",
                "label::English (en)",
                "relevant",
                "required",
                "appearance",
                "constraint",
            ],
            ["begin_group", "eins", "Seite 1", "Page 1", None, None, "field-list"],
            ["select_one ja_nein", "kinder", "Kinder?", "Children?", None, "yes"],
            [
                "integer",
                "anzahl",
                "Wie viele?",
                "How many?",
                "${kinder} = '1'",
                "yes",
                None,
                ". > 0 and . < 13",
            ],
            [
                "select_one skala",
                "zufrieden",
                "Zufrieden?",
                "Satisfied?",
                None,
                None,
                "likert",
            ],
            ["text", "anmerkung", "Anmerkung", "Remark", None, None, "multiline"],
            ["end_group", "eins"],
            ["select_multiple angebote or_other", "angebote", "Angebote", "Offers"],
            ["decimal", "gewicht", "Gewicht", "Weight"],
        ],
        [
            ["list_name", "name", "label::Deutsch (de)", "label::English (en)"],
            ["ja_nein", "1", "Ja", "Yes"],
            ["ja_nein", "2", "Nein", "No"],
            ["skala", "gut", "Gut", "Good"],
            ["skala", "schlecht", "Schlecht", "Bad"],
            ["angebote", "kita", "Kita", "Day care"],
            ["angebote", "sport", "Sport", "Sport"],
        ],
        [
            ["form_id", "form_title", "default_language", "version"],
            ["import_test", "Import", "Deutsch (de)", "2024010101"],
        ],
    )
    q = from_xlsform(data)
    assert q.name == "import_test"
    assert q.languages == ("de", "en")
    assert [page.name for page in q.pages] == ["eins", "seite_2"]
    kinder = q.question("kinder")
    assert kinder.type is QuestionType.SINGLE_CHOICE
    assert [(o.code, o.value) for o in kinder.options] == [(1, "c1"), (2, "c2")]
    assert kinder.required
    anzahl = q.question("anzahl")
    assert (anzahl.type, anzahl.decimals) == (QuestionType.NUMBER, 0)
    # XLSForm compares choice names; numeric names still work
    values = expression_values(q, {"kinder": 1})
    assert evaluate_bool(anzahl.relevant or "", values)
    assert q.question("zufrieden").type is QuestionType.LIKERT
    assert q.question("zufrieden").appearance is None
    assert q.question("anmerkung").type is QuestionType.LONG_TEXT
    angebote = q.question("angebote")
    assert angebote.type is QuestionType.MULTIPLE_CHOICE
    assert angebote.options[-1].other
    assert angebote.options[-1].label == Text(de="Andere", en="Other")
    assert q.question("gewicht").decimals == 2
    assert validate_page(q, 0, {"kinder": "1", "anzahl": "3"}, {}) == {
        "kinder": 1,
        "anzahl": 3,
    }


def test_import_other_text_field_after_select() -> None:
    data = workbook(
        [
            ["type", "name", "label", "relevant"],
            ["select_one farben", "farbe", "Farbe"],
            ["text", "farbe_other", "Welche?", "selected(${farbe}, 'andere')"],
        ],
        [
            ["list_name", "name", "label"],
            ["farben", "rot", "Rot"],
            ["farben", "andere", "Andere"],
        ],
    )
    result = import_xlsform(data, default_language="de")
    q = result.questionnaire
    farbe = q.question("farbe")
    assert farbe.option_by_value("andere").other
    assert [x.name for x in q.questions()] == ["farbe"]
    assert q.languages == ("de",)
    # the text field's own label cannot be kept: named, not dropped silently
    assert [n.code for n in result.notices] == ["other_details_dropped"]


def test_import_reports_definition_problems_too() -> None:
    data = workbook(
        [
            ["type", "name", "label", "relevant"],
            ["text", "a", "A", "${b} = 1"],
            ["text", "b", "B", "${a} == 1"],
            ["select_one fehlt", "c", "C"],
        ],
    )
    codes = [p.code for p in problems_of(data)]
    assert "unknown_list" in codes
    assert "later_reference" in codes
    assert "invalid_expression" in codes


def test_unreadable_and_empty_files() -> None:
    with pytest.raises(DefinitionError) as info:
        from_xlsform(b"PK\x03\x04 kaputt")
    assert info.value.problems[0].code in ("unreadable_file", "missing_sheet")
    with pytest.raises(DefinitionError) as info:
        from_xlsform(workbook([["type", "name", "label"]]))
    assert info.value.problems[0].code == "missing_sheet"


def test_unknown_language_name_is_reported() -> None:
    data = workbook(
        [["type", "name", "label::Klingonisch"], ["text", "a", "A"]],
    )
    assert "unknown_language" in [p.code for p in problems_of(data)]


def test_unbalanced_groups_are_reported() -> None:
    data = workbook(
        [["type", "name", "label"], ["begin_group", "g", "G"], ["text", "a", "A"]],
    )
    assert "unbalanced_group" in [p.code for p in problems_of(data)]
