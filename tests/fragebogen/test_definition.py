"""Checks of whole definitions: all problems at once, with their places."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fragebogen.definition import check_definition, validate_definition
from fragebogen.errors import DefinitionError, Problem
from fragebogen.model import (
    MatrixItem,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)


def t(de: str, en: str | None = None) -> Text:
    return Text(de=de, en=en if en is not None else f"{de} (en)")


YES_NO = (Option(1, "ja", t("Ja")), Option(2, "nein", t("Nein")))


def questionnaire(*pages: Page) -> Questionnaire:
    return Questionnaire(
        name="test", title=t("Test"), languages=("de", "en"), pages=tuple(pages)
    )


def page(name: str, *questions: Question, relevant: str | None = None) -> Page:
    return Page(name, t(name), tuple(questions), relevant)


def single(name: str, **kwargs: object) -> Question:
    return Question(
        name,
        QuestionType.SINGLE_CHOICE,
        t(name),
        options=YES_NO,
        **kwargs,  # type: ignore[arg-type]
    )


def codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.place) for p in problems]


def test_valid_definition_has_no_problems(all_types: Questionnaire) -> None:
    assert validate_definition(all_types) == []
    check_definition(all_types)


def test_names_and_duplicates() -> None:
    q = questionnaire(
        page("eins", single("a"), single("Kinder"), single("a")),
        page("eins", single("b_other"), single("b")),
    )
    assert codes(validate_definition(q)) == [
        ("duplicate_name", "pages[0].questions[2].name"),
        ("invalid_name", "pages[0].questions[1].name"),
        ("duplicate_name", "pages[1].name"),
    ]


def test_other_field_collides_with_a_question_name() -> None:
    with_other = Question(
        "b",
        QuestionType.MULTIPLE_CHOICE,
        t("b"),
        options=(*YES_NO, Option(3, "sonst", t("Sonst"), other=True)),
    )
    q = questionnaire(page("eins", single("b_other"), with_other))
    assert ("duplicate_name", "pages[0].questions[1].name") in codes(
        validate_definition(q)
    )


def test_missing_and_unknown_translations() -> None:
    q = questionnaire(
        page(
            "eins",
            Question("a", QuestionType.TEXT, Text(de="Frage")),
            Question("b", QuestionType.TEXT, Text(de="B", en="B", fr="B")),
            single("c", hint=Text(de="Hinweis", en="")),
        )
    )
    problems = validate_definition(q)
    assert codes(problems) == [
        ("missing_translation", "pages[0].questions[0].label"),
        ("unknown_language", "pages[0].questions[1].label"),
        ("missing_translation", "pages[0].questions[2].hint"),
    ]
    assert problems[0].params == {"language": "en"}
    assert problems[0].message == "Der Text in der Sprache 'en' fehlt."


def test_options() -> None:
    q = questionnaire(
        page(
            "eins",
            Question("a", QuestionType.SINGLE_CHOICE, t("a")),
            Question(
                "b",
                QuestionType.MULTIPLE_CHOICE,
                t("b"),
                options=(
                    Option(1, "x", t("x")),
                    Option(1, "x", t("y")),
                    Option(2, "Y", t("z"), other=True),
                    Option(3, "z", t("z"), other=True),
                ),
            ),
            Question(
                "c",
                QuestionType.LIKERT,
                t("c"),
                options=(Option(1, "x", t("x"), exclusive=True),),
            ),
            Question("d", QuestionType.NUMBER, t("d"), options=YES_NO),
            Question(
                "e", QuestionType.DISTRICT, t("e"), options=(Option(1, "x", t("x")),)
            ),
        )
    )
    assert codes(validate_definition(q)) == [
        ("no_options", "pages[0].questions[0].options"),
        ("duplicate_value", "pages[0].questions[1].options[1].value"),
        ("duplicate_code", "pages[0].questions[1].options[1].code"),
        ("invalid_name", "pages[0].questions[1].options[2].value"),
        ("several_other_options", "pages[0].questions[1].options"),
        ("no_options", "pages[0].questions[2].options"),
        ("not_applicable", "pages[0].questions[2].options[0].exclusive"),
        ("not_applicable", "pages[0].questions[3].options"),
        ("district_option_not_missing", "pages[0].questions[4].options[0]"),
    ]


def test_matrix_items_and_numbers() -> None:
    q = questionnaire(
        page(
            "eins",
            Question("m", QuestionType.LIKERT_MATRIX, t("m"), options=YES_NO),
            Question(
                "n",
                QuestionType.NUMBER,
                t("n"),
                minimum=5,
                maximum=1,
                decimals=9,
            ),
            Question("y", QuestionType.YEAR, t("y"), minimum=1990.5),
            Question(
                "s",
                QuestionType.TEXT,
                t("s"),
                minimum=1,
                items=(MatrixItem("i", t("i")),),
                appearance="dropdown",
            ),
        )
    )
    assert codes(validate_definition(q)) == [
        ("no_items", "pages[0].questions[0].items"),
        ("empty_range", "pages[0].questions[1].minimum"),
        ("invalid_decimals", "pages[0].questions[1].decimals"),
        ("invalid_number", "pages[0].questions[2].minimum"),
        ("not_applicable", "pages[0].questions[3].items"),
        ("not_applicable", "pages[0].questions[3].minimum"),
        ("unsupported_appearance", "pages[0].questions[3].appearance"),
    ]


def test_district_question_needs_a_district_layer() -> None:
    q = questionnaire(page("eins", Question("s", QuestionType.DISTRICT, t("s"))))
    assert validate_definition(q) == []
    problems = validate_definition(q, has_district_layer=False)
    assert codes(problems) == [("no_district_layer", "pages[0].questions[0]")]
    with pytest.raises(DefinitionError) as info:
        check_definition(q, has_district_layer=False)
    assert info.value.problems == problems


def test_expression_problems() -> None:
    q = questionnaire(
        page(
            "eins",
            single("a", relevant="${a} = 1"),
            single("b", relevant="${c} = 1"),
            single("c", relevant="${x} > 1 and"),
            single("d", relevant="${nope} = 1"),
            single("e", relevant="selected(${b}, 'vielleicht')"),
            single("f", relevant=". = 1"),
            single("g", constraint=". = 1 or ${g} = 2 or ${h} = 1"),
            single("h"),
        ),
        page("zwei", single("i"), relevant="${a} = 1 and ${i} = 1"),
    )
    problems = validate_definition(q)
    assert codes(problems) == [
        ("cycle", "pages[0].questions[0].relevant"),
        ("later_reference", "pages[0].questions[1].relevant"),
        ("invalid_expression", "pages[0].questions[2].relevant"),
        ("unknown_reference", "pages[0].questions[3].relevant"),
        ("unknown_option_value", "pages[0].questions[4].relevant"),
        ("current_not_allowed", "pages[0].questions[5].relevant"),
        ("later_reference", "pages[0].questions[6].constraint"),
        ("later_reference", "pages[1].relevant"),
    ]
    syntax = problems[2]
    assert syntax.params["position"] == 12  # the end of "${x} > 1 and"
    assert "Stelle 13" in syntax.message
    assert problems[1].params["position"] == 0
    assert problems[4].params["position"] == 15


def test_cycles_are_reported() -> None:
    q = questionnaire(
        page(
            "eins",
            single("a", relevant="${b} = 1"),
            single("b", relevant="${a} = 1"),
        )
    )
    problems = validate_definition(q)
    assert ("cycle", "pages[0].questions[0].relevant") in codes(problems)
    cycle = next(p for p in problems if p.code == "cycle")
    assert "a → b → a" in cycle.message


def test_questionnaire_level_problems() -> None:
    q = Questionnaire(
        name="Test-1",
        title=Text(de="Test"),
        languages=("de", "de", "Deutsch"),
        pages=(),
    )
    assert codes(validate_definition(q)) == [
        ("invalid_name", "name"),
        ("duplicate_language", "languages[1]"),
        ("invalid_language", "languages[2]"),
        ("missing_translation", "title"),
        ("no_pages", "pages"),
    ]


def test_empty_page_and_info_constraint() -> None:
    info = Question("i", QuestionType.INFO, t("i"), constraint=". = 1")
    q = questionnaire(page("eins"), page("zwei", info))
    assert codes(validate_definition(q)) == [
        ("empty_page", "pages[0]"),
        ("not_applicable", "pages[1].questions[0].constraint"),
    ]


def test_long_names_are_rejected() -> None:
    q = questionnaire(page("eins", single("a" * 65)))
    assert codes(validate_definition(q)) == [
        ("name_too_long", "pages[0].questions[0].name")
    ]


def test_definition_error_lists_all_problems(all_types: Questionnaire) -> None:
    broken = replace(all_types, name="X", languages=("de", "en", "tr"))
    with pytest.raises(DefinitionError) as info:
        check_definition(broken)
    error = info.value
    assert error.code == "invalid_definition"
    assert len(error.problems) > 10
    assert str(error).startswith(f"Der Fragebogen enthält {len(error.problems)} Fehler")
    assert error.problems[0].place == "name"
