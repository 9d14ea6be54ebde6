"""``${name}`` in texts: where answers may be shown, and which answers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fragebogen import piping
from fragebogen.definition import validate_definition
from fragebogen.model import MatrixItem, Option, Page, Question, QuestionType, Text
from tests.fragebogen.test_definition import codes, page, questionnaire, single, t


def test_references_and_segments() -> None:
    text = "Wie alt ist ${ kind }? ${kind} und ${a_2}${x}"
    assert piping.references(text) == ["kind", "a_2", "x"]
    assert list(piping.segments(text)) == [
        ("Wie alt ist ", "kind"),
        ("? ", "kind"),
        (" und ", "a_2"),
        ("", "x"),
        ("", None),
    ]
    assert list(piping.segments("ohne")) == [("ohne", None)]
    # not references: no name, a dollar alone, an expression
    assert piping.references("$5, ${}, ${1a}, ${a + b}, $ {a}") == []


@pytest.mark.parametrize(
    ("place", "allowed"),
    [
        ("pages[0].title", True),
        ("pages[2].questions[1].label", True),
        ("pages[2].questions[1].hint", True),
        ("pages[2].questions[1].items[3].label", True),
        ("pages[2].questions[1].options[0].label", True),
        ("title", False),
        ("description", False),
        ("pages[2].questions[1].unit", False),
        ("pages[2].questions[1].constraint_message", False),
    ],
)
def test_texts_that_may_show_answers(place: str, allowed: bool) -> None:
    assert piping.may_show_answers(place) is allowed


def test_valid_references_have_no_problems() -> None:
    matrix = Question(
        "zufrieden",
        QuestionType.LIKERT_MATRIX,
        t("Zufrieden mit ${kita}?"),
        options=(Option(1, "ja", t("Ja")), Option(2, "nein", t("Nein"))),
        items=(MatrixItem("z_kita", t("Kita ${a}")),),
    )
    q = questionnaire(
        page("eins", single("a"), single("b", hint=t("Sie sagten ${a}."))),
        Page(
            "zwei",
            t("Zu ${b}", "About ${b}"),
            (
                replace(single("kita"), label=t("Kita? (${a}, ${z_kita})")),
                matrix,
            ),
        ),
    )
    assert validate_definition(q) == []


def test_reference_problems_name_their_place() -> None:
    later = replace(single("c"), label=t("Vorher: ${d}"))
    own = replace(single("d"), label=t("Sie: ${d}"))
    unknown = single("e", hint=t("Hinweis", "Hint ${nix}"))
    unit = Question(
        "n", QuestionType.NUMBER, t("Zahl"), unit=t("${c}"), constraint_message=None
    )
    option = replace(
        single("f"),
        options=(Option(1, "ja", t("Ja, ${d}")), Option(2, "nein", t("Nein"))),
    )
    q = replace(
        questionnaire(page("eins", later), page("zwei", own, unknown, unit, option)),
        description=t("Für ${c}"),
    )
    assert codes(validate_definition(q)) == [
        ("answer_not_here", "description"),
        ("later_shown_answer", "pages[0].questions[0].label"),
        ("own_shown_answer", "pages[1].questions[0].label"),
        ("unknown_shown_answer", "pages[1].questions[1].hint"),
        ("answer_not_here", "pages[1].questions[2].unit"),
    ]
    problems = validate_definition(q)
    assert "'nix'" in problems[3].message
    assert problems[3].params == {"name": "nix", "language": "en"}


def test_matrix_item_cannot_show_its_own_matrix() -> None:
    matrix = Question(
        "m",
        QuestionType.LIKERT_MATRIX,
        t("M"),
        options=(Option(1, "ja", t("Ja")), Option(2, "nein", t("Nein"))),
        items=(MatrixItem("m1", t("Eins")), MatrixItem("m2", t("Zwei: ${m1}"))),
    )
    assert codes(validate_definition(questionnaire(page("eins", matrix)))) == [
        ("own_shown_answer", "pages[0].questions[0].items[1].label")
    ]


def test_title_text_is_plain_text_only() -> None:
    q = replace(questionnaire(page("eins", single("a"))), title=Text(de="${a}", en="a"))
    assert codes(validate_definition(q)) == [("answer_not_here", "title")]
