"""The forgiving XLSForm import: issue 12's cases 1-5 and round trips."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest

from fragebogen.definition import validate_definition
from fragebogen.errors import DefinitionError, Problem
from fragebogen.expressions import evaluate_bool
from fragebogen.model import QuestionType, Text
from fragebogen.validation import expression_values
from fragebogen.xlsform import ImportResult, from_xlsform, import_xlsform, to_xlsform
from fragebogen.xlsform.sheets import MAX_ROWS
from tests.fragebogen.test_xlsform import workbook


def notices(result: ImportResult, code: str | None = None) -> list[Problem]:
    return [n for n in result.notices if code is None or n.code == code]


def assert_placed(notice: Problem) -> None:
    """Every notice names sheet, row and column, in German, without exception text."""
    assert {"sheet", "row", "column", "action"} <= set(notice.params)
    assert notice.params["sheet"]
    assert "Error" not in notice.message
    assert "__init__" not in notice.message
    assert notice.message.endswith(
        ("übersprungen.", "als Text übernommen.", "angepasst.", "bitte prüfen.")
    )


CHOICES = [
    ["LIST_NAME", "NAME", "LABEL:English"],
    ["yn", "yes", "Yes"],
    ["yn", "no", "No"],
    ["fruit", "apple", "Apple"],
    ["fruit", "pear", "Pear"],
]


# ------------------------------------------------------------ 1: accepted spellings


def test_accepted_spellings_are_understood() -> None:
    data = workbook(
        [
            ["TYPE", "NAME", "LABEL:English", "bind:relevant", "bind::required"],
            ["select one from yn", "likes", "Do you like fruit?", None, "yes"],
            [
                "select_one fruit or specify other",
                "fruit",
                "Which fruit?",
                "${likes} = 'yes'",
                "true",
            ],
            ["select all that apply from fruit", "more", "More?", None, "no"],
        ],
        CHOICES,
    )
    result = import_xlsform(data)
    assert notices(result) == []
    q = result.questionnaire
    assert q.languages == ("en",)
    likes, fruit, more = q.questions()
    assert (likes.type, likes.required) == (QuestionType.SINGLE_CHOICE, True)
    assert likes.label == Text(en="Do you like fruit?")
    assert fruit.relevant == "${likes} = 'yes'"
    assert fruit.required
    assert [o.value for o in fruit.options] == ["apple", "pear", "other"]
    assert fruit.options[-1].other
    assert more.type is QuestionType.MULTIPLE_CHOICE
    # the strict variant accepts the same file
    assert from_xlsform(data) == q


# ------------------------------------------------------------------ 2: languages


def test_language_columns_by_name_and_non_language_columns() -> None:
    data = workbook(
        [
            [
                "type",
                "name",
                "label::English",
                "label::chinese",
                "label::Türkçe",
                "bind::saveIncomplete",
                "media::image",
            ],
            ["text", "a", "Name?", "名字?", "Adınız?", "true", "a.png"],
        ],
    )
    result = import_xlsform(data)
    q = result.questionnaire
    assert q.languages == ("en", "zh", "tr")
    assert q.question("a").label == Text(en="Name?", zh="名字?", tr="Adınız?")
    skipped = {n.params["column"] for n in notices(result, "unsupported_column")}
    assert skipped == {"bind::saveIncomplete", "media::image"}
    assert notices(result, "unknown_language") == []
    for notice in result.notices:
        assert_placed(notice)


def test_plain_label_in_english_is_english_and_unknown_languages_ask() -> None:
    data = workbook(
        [
            ["type", "name", "label", "label::Klingonisch"],
            ["text", "name", "What is your name?", "nuq"],
            ["integer", "age", "How old are you? Please enter the age.", "nuq"],
        ],
    )
    result = import_xlsform(data)
    assert result.questionnaire.languages == ("en",)
    assumed = notices(result, "language_assumed")[0]
    assert (assumed.params["language"], assumed.params["guessed"]) == ("en", True)
    assert result.unknown_languages == ("Klingonisch",)
    unknown = notices(result, "unknown_language")[0]
    assert (unknown.params["sheet"], unknown.params["column"]) == (
        "survey",
        "label::Klingonisch",
    )
    # the designer's answer maps the language
    again = import_xlsform(
        data, languages={"Klingonisch": "tlh"}, default_language="en"
    )
    assert again.questionnaire.languages == ("en", "tlh")
    assert again.questionnaire.question("age").label["tlh"] == "nuq"
    assert notices(again, "language_assumed") == []


def test_no_label_column_does_not_invent_a_language_problem() -> None:
    data = workbook([["type", "name"], ["note", "n"], ["text", "t"]])
    result = import_xlsform(data, default_language="en")
    assert result.questionnaire.languages == ("en",)
    assert {n.code for n in result.notices} <= {"missing_translation"}
    assert all(n.params["column"] == "label::en" for n in result.notices)


# ------------------------------------------------------ 3: sheet, row and column


def test_definition_problems_name_sheet_row_and_column() -> None:
    data = workbook(
        [
            ["type", "name", "label", "relevant", "label"],
            ["begin_group", "g1", "Seite eins"],
            ["text", "a", "Wie heißen Sie?", "${b} = 1"],
            ["text", "b", "Wer sind Sie?", "${a} == 1"],
            ["end_group"],
        ],
        settings=[["default_language"], ["Deutsch (de)"]],
    )
    result = import_xlsform(data)
    by_code = {n.code: n for n in result.notices}
    later = by_code["later_reference"]
    assert (later.params["sheet"], later.params["row"], later.params["column"]) == (
        "survey",
        3,
        "relevant",
    )
    assert later.place == "Blatt survey, Zeile 3, Spalte 'relevant'"
    assert by_code["invalid_expression"].params["row"] == 4
    duplicate = by_code["duplicate_column"]
    assert (duplicate.params["row"], duplicate.params["column"]) == (1, "label")
    for notice in result.notices:
        assert_placed(notice)
        assert "pages[" not in notice.place


def test_unsupported_rows_columns_and_sheets_are_named() -> None:
    data = workbook(
        [
            ["type", "name", "label", "calculation", "choice_filter", "media::image"],
            ["start", "start"],
            ["deviceid", "geraet"],
            ["text", "a", "A", None, None, "bild.png"],
            ["calculate", "summe", None, "1 + 1"],
            ["geopoint", "ort", "Ort"],
            ["begin_repeat", "kinder", "Kinder"],
            ["text", "kind_name", "Name"],
            ["end_repeat", "kinder"],
            ["select_one_from_file orte.csv", "stadt", "Stadt"],
            ["select_one l", "b", "B", None, "filter = 1"],
            ["time", "uhrzeit", "Uhrzeit"],
        ],
        [["list_name", "name", "label", "filter"], ["l", "x", "X", "1"]],
        [["form_id", "public_key"], ["f", "abc"]],
        {"external_choices": [["list_name", "name"], ["e", "x"]]},
    )
    result = import_xlsform(data)
    skipped = {n.params.get("name") for n in notices(result, "unsupported_type")}
    assert skipped == {"start", "geraet", "summe", "ort", "stadt"}
    deviceid = next(n for n in result.notices if n.params.get("name") == "geraet")
    assert deviceid.place == "Blatt survey, Zeile 3, Spalte 'type'"
    assert "Anonymität" in deviceid.message
    columns = {n.params["column"] for n in notices(result, "unsupported_column")}
    assert {"media::image", "choice_filter", "filter", "public_key"} <= columns
    assert notices(result, "unsupported_sheet")[0].params["sheet"] == "external_choices"
    assert notices(result, "repeat_flattened")[0].params["row"] == 7
    assert notices(result, "type_as_text")[0].params["name"] == "uhrzeit"
    q = result.questionnaire
    assert [x.name for x in q.questions()] == ["a", "kind_name", "b", "uhrzeit"]
    assert q.question("uhrzeit").type is QuestionType.TEXT
    for notice in result.notices:
        assert_placed(notice)


def test_unreadable_files_get_a_german_message() -> None:
    for data in (b"PK\x03\x04 kaputt", b"\xd0\xcf\x11\xe0 kaputt"):
        with pytest.raises(DefinitionError) as info:
            import_xlsform(data)
        problem = info.value.problems[0]
        assert problem.code == "unreadable_file"
        assert "Excel-Datei" in problem.message
    with pytest.raises(DefinitionError) as info:
        import_xlsform(workbook([["type", "name", "label"]]))
    assert info.value.problems[0].code == "missing_sheet"


# ---------------------------------------------------------------- 4: silent losses


def test_numeric_choice_names_keep_their_meaning_and_other_text() -> None:
    data = workbook(
        [
            ["type", "name", "label", "relevant", "required"],
            ["select_one angebot", "angebot", "Welches Angebot?"],
            [
                "text",
                "angebot_other",
                "Welches andere Angebot nutzen Sie?",
                "selected(${angebot}, '99')",
                "yes",
            ],
            ["text", "warum", "Warum?", "${angebot} = '99'"],
        ],
        [
            ["list_name", "name", "label"],
            ["angebot", "1", "Kita"],
            ["angebot", "2", "Sportverein"],
            ["angebot", "99", "Sonstiges"],
        ],
        settings=[["default_language"], ["de"]],
    )
    result = import_xlsform(data)
    q = result.questionnaire
    angebot = q.question("angebot")
    assert [o.code for o in angebot.options] == [1, 2, 99]
    assert angebot.option_by_code(99).other
    assert [x.name for x in q.questions()] == ["angebot", "warum"]
    values = expression_values(q, {"angebot": 99})
    assert evaluate_bool(q.question("warum").relevant or "", values)
    assert not evaluate_bool(
        q.question("warum").relevant or "", expression_values(q, {"angebot": 1})
    )
    dropped = notices(result, "other_details_dropped")[0]
    assert dropped.params["row"] == 3
    assert dropped.params["columns"] == ["label", "required"]
    assert validate_definition(q) == []


def test_table_list_rows_with_own_settings_are_not_merged() -> None:
    choices = [
        ["list_name", "name", "label"],
        ["s", "1", "gut"],
        ["s", "2", "schlecht"],
    ]
    same = [
        ["type", "name", "label", "appearance", "required"],
        ["begin_group", "seite", "Seite", "field-list"],
        ["begin_group", "tab", "Wie zufrieden?", "table-list"],
        ["select_one s", "kita", "Kita", None, "yes"],
        ["select_one s", "schule", "Schule", None, "yes"],
        ["end_group"],
        ["end_group"],
    ]
    result = import_xlsform(workbook(same, choices), default_language="de")
    matrix = result.questionnaire.question("tab")
    assert matrix.type is QuestionType.LIKERT_MATRIX
    assert [item.name for item in matrix.items] == ["kita", "schule"]
    assert matrix.required
    differing = [list(row) for row in same]
    differing[4][4] = None
    result = import_xlsform(workbook(differing, choices), default_language="de")
    q = result.questionnaire
    assert [(x.name, x.type, x.required) for x in q.questions()] == [
        ("tab", QuestionType.INFO, False),
        ("kita", QuestionType.SINGLE_CHOICE, True),
        ("schule", QuestionType.SINGLE_CHOICE, False),
    ]
    assert notices(result, "matrix_split")[0].params["row"] == 3


def test_references_in_labels_and_nested_groups_are_named() -> None:
    data = workbook(
        [
            ["type", "name", "label", "relevant"],
            ["begin_group", "s", "Seite"],
            ["text", "kind", "Wie heißt Ihr Kind?"],
            ["begin_group", "inner", "Innen", "${kind} != ''"],
            ["integer", "alter", "Wie alt ist ${kind}?", "${kind} != 'x'"],
            ["end_group"],
            ["end_group"],
        ],
        settings=[["default_language"], ["de"]],
    )
    result = import_xlsform(data)
    assert notices(result, "group_dissolved")[0].params["row"] == 4
    alter = result.questionnaire.question("alter")
    assert alter.relevant == "(${kind} != '') and (${kind} != 'x')"


def test_invalid_names_are_renamed_together_with_their_references() -> None:
    data = workbook(
        [
            ["type", "name", "label", "relevant"],
            ["select_one yn", "Q-1", "Eins"],
            ["text", "q2", "Zwei", "selected(${Q-1}, 'Ja!')"],
        ],
        [["list_name", "name", "label"], ["yn", "Ja!", "Ja"], ["yn", "nein", "Nein"]],
        settings=[["default_language"], ["de"]],
    )
    result = import_xlsform(data)
    assert result.renamed == {"Q-1": "q_1"}
    q = result.questionnaire
    assert q.question("q2").relevant == "selected(${q_1}, 'ja')"
    assert validate_definition(q) == []
    assert {n.code for n in result.notices} == {"name_changed", "option_renamed"}


def test_texts_show_answers_under_new_names_and_name_what_they_cannot_show() -> None:
    data = workbook(
        [
            ["type", "name", "label::Deutsch (de)", "hint::Deutsch (de)"],
            ["integer", "Kinder-Zahl", "Wie viele Kinder?"],
            ["calculate", "summe", None, None],
            ["text", "name", "Name des ältesten von ${Kinder-Zahl}?", None],
            ["text", "wohnort", "Wo?", "Sie haben ${summe} gesagt."],
        ],
    )
    result = import_xlsform(data)
    q = result.questionnaire
    assert result.renamed == {"Kinder-Zahl": "kinder_zahl"}
    assert q.question("name").label["de"] == "Name des ältesten von ${kinder_zahl}?"
    unknown = notices(result, "unknown_shown_answer")
    assert [(n.params["row"], n.params["column"]) for n in unknown] == [
        (5, "hint::Deutsch (de)")
    ]
    assert "'summe'" in unknown[0].message
    assert unknown[0].params["action"] == "check"


# -------------------------------------------------------------- 5: hostile files


def test_long_chains_of_conditions_import_without_recursion() -> None:
    rows: list[list[object]] = [["type", "name", "label", "relevant"]]
    rows.append(["text", "q0", "Frage 0"])
    for index in range(1, 1200):
        rows.append(["text", f"q{index}", f"Frage {index}", f"${{q{index - 1}}} != ''"])
    result = import_xlsform(workbook(rows), default_language="de")
    assert len(list(result.questionnaire.questions())) == 1200
    assert [n.code for n in result.notices] == []


def test_missing_translation_makes_a_draft_not_a_refusal() -> None:
    data = workbook(
        [
            ["type", "name", "label::de", "label::en", "hint::de"],
            ["text", "a", "A", "A", "Hinweis"],
        ],
    )
    result = import_xlsform(data)
    problem = notices(result, "missing_translation")[0]
    assert (problem.params["row"], problem.params["column"]) == (2, "hint::en")
    assert result.questionnaire.question("a").hint == Text(de="Hinweis")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_bombs_are_refused_before_parsing() -> None:
    bomb = _zip({"xl/sharedStrings.xml": b"<a>" + b" " * 5_000_000 + b"</a>"})
    assert len(bomb) < 20_000
    with pytest.raises(DefinitionError) as info:
        import_xlsform(bomb)
    problem = info.value.problems[0]
    assert problem.code == "hostile_file"
    assert problem.params["entry"] == "xl/sharedStrings.xml"


def test_too_many_rows_are_refused() -> None:
    lines = ["survey,type,name,label"] + [
        f",text,q{index},Frage {index}" for index in range(MAX_ROWS + 1)
    ]
    with pytest.raises(DefinitionError) as info:
        import_xlsform("\n".join(lines).encode(), filename="gross.csv")
    assert info.value.problems[0].code == "too_many_rows"


# -------------------------------------------------------------- round trips


def test_foreign_xlsform_round_trips_through_the_model() -> None:
    data = workbook(
        [
            ["type", "name", "label::English", "label::Deutsch", "relevant"],
            ["begin group", "p", "Page", "Seite"],
            ["select_one yn", "likes", "Like?", "Gern?"],
            ["text", "why", "Why?", "Warum?", "${likes} = 'yes'"],
            ["end group"],
        ],
        [
            ["list_name", "name", "label::English", "label::Deutsch"],
            ["yn", "yes", "Yes", "Ja"],
            ["yn", "no", "No", "Nein"],
        ],
    )
    first = import_xlsform(data)
    assert first.notices == ()
    assert from_xlsform(to_xlsform(first.questionnaire)) == first.questionnaire
