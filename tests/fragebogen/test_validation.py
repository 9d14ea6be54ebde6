"""Validation of answers page by page, relevance and page navigation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fragebogen.errors import AnswerError, Problem, QuestionnaireError
from fragebogen.model import Questionnaire
from fragebogen.routing import next_page_index, previous_page_index, relevant_answers
from fragebogen.validation import (
    LONG_TEXT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    answer_fields,
    expression_values,
    page_is_relevant,
    question_is_relevant,
    relevant_questions,
    validate_page,
)

DISTRICTS = ("101", "102", "203")
PAGE_ONE_OK = {"zustimmung": "on", "farbe": "1"}


def problems_of(
    q: Questionnaire,
    page: int,
    raw: dict[str, object],
    previous: dict[str, object] | None = None,
) -> list[Problem]:
    with pytest.raises(AnswerError) as info:
        validate_page(q, page, raw, previous or {}, DISTRICTS)
    assert isinstance(info.value, QuestionnaireError)
    assert info.value.code == "invalid_answers"
    return info.value.problems


def one_problem(
    q: Questionnaire,
    page: int,
    raw: dict[str, object],
    previous: dict[str, object] | None = None,
) -> Problem:
    problems = problems_of(q, page, raw, previous)
    assert len(problems) == 1, problems
    return problems[0]


def page_two(q: Questionnaire, raw: dict[str, object]) -> dict[str, object]:
    base: dict[str, object] = {"m_eins": "1", "m_zwei": "2"}
    base.update(raw)
    return validate_page(q, 1, base, {"farbe": 1}, DISTRICTS)


# ---------------------------------------------------------------- answer fields


def test_answer_fields(all_types: Questionnaire) -> None:
    fields = {q.name: answer_fields(q) for q in all_types.questions()}
    assert fields["hinweis"] == []
    assert fields["zustimmung"] == ["zustimmung"]
    assert fields["farbe"] == ["farbe", "farbe_other"]
    assert fields["sport"] == ["sport", "sport_other"]
    assert fields["matrix"] == ["m_eins", "m_zwei"]
    assert fields["gewicht"] == ["gewicht"]
    assert fields["bezirk"] == ["bezirk"]


# ---------------------------------------------------------------- every type


def test_consent(all_types: Questionnaire) -> None:
    for value in ("on", "1", "true", "ja", True, 1, ["on"]):
        answers = validate_page(all_types, 0, {**PAGE_ONE_OK, "zustimmung": value}, {})
        assert answers["zustimmung"] is True
    for value in (None, "", False, "off", "0", []):
        problem = one_problem(all_types, 0, {**PAGE_ONE_OK, "zustimmung": value})
        assert problem == Problem(
            "required", "zustimmung", "Bitte stimmen Sie zu, um fortzufahren."
        )
    problem = one_problem(all_types, 0, {**PAGE_ONE_OK, "zustimmung": "vielleicht"})
    assert problem.code == "invalid_value"


def test_single_choice_by_code_value_or_typed(all_types: Questionnaire) -> None:
    for value in ("2", 2, " 2 ", "blau", 2.0):
        answers = validate_page(all_types, 0, {**PAGE_ONE_OK, "farbe": value}, {})
        assert answers == {"zustimmung": True, "farbe": 2}
    for value in ("5", 5, "gruen", True, {"a": 1}, ["1", "2"]):
        problem = one_problem(all_types, 0, {**PAGE_ONE_OK, "farbe": value})
        assert problem.place == "farbe"
        assert problem.code in ("invalid_option", "invalid_value")
    problem = one_problem(all_types, 0, {"zustimmung": "on"})
    assert problem == Problem("required", "farbe", "Bitte beantworten Sie diese Frage.")


def test_single_choice_other_text(all_types: Questionnaire) -> None:
    raw = {**PAGE_ONE_OK, "farbe": "3", "farbe_other": "  Grün "}
    answers = validate_page(all_types, 0, raw, {})
    assert answers["farbe"] == 3
    assert answers["farbe_other"] == "Grün"
    # the other text is dropped when "other" is not chosen
    raw = {**PAGE_ONE_OK, "farbe": "1", "farbe_other": "Grün"}
    assert "farbe_other" not in validate_page(all_types, 0, raw, {})


def test_multiple_choice(all_types: Questionnaire) -> None:
    answers = validate_page(
        all_types, 0, {**PAGE_ONE_OK, "sport": ["andere", "1", "1"]}, {}
    )
    assert answers["sport"] == [1, 3]  # option order, no duplicates
    answers = validate_page(all_types, 0, {**PAGE_ONE_OK, "sport": "1"}, {})
    assert answers["sport"] == [1]
    answers = validate_page(all_types, 0, {**PAGE_ONE_OK, "sport": [4]}, {})
    assert answers["sport"] == [4]
    answers = validate_page(all_types, 0, {**PAGE_ONE_OK, "sport": []}, {})
    assert "sport" not in answers
    raw = {**PAGE_ONE_OK, "sport": ["3"], "sport_other": "Rudern"}
    assert validate_page(all_types, 0, raw, {})["sport_other"] == "Rudern"
    problem = one_problem(all_types, 0, {**PAGE_ONE_OK, "sport": ["1", "7"]})
    assert problem.code == "invalid_option"
    assert problem.message == "Bitte wählen Sie eine der angebotenen Antworten."


def test_exclusive_option(all_types: Questionnaire) -> None:
    problem = one_problem(all_types, 0, {**PAGE_ONE_OK, "sport": ["1", "keiner"]})
    assert problem.code == "exclusive_option"
    assert problem.place == "sport"
    assert problem.message == (
        "„Keiner“ kann nicht zusammen mit anderen Antworten gewählt werden."
    )


def test_relevance_on_the_same_page(all_types: Questionnaire) -> None:
    # tennis_jahre is required only when tennis is selected on the same page
    assert "tennis_jahre" not in validate_page(all_types, 0, PAGE_ONE_OK, {})
    problem = one_problem(all_types, 0, {**PAGE_ONE_OK, "sport": ["2"]})
    assert problem == Problem(
        "required", "tennis_jahre", "Bitte beantworten Sie diese Frage."
    )
    answers = validate_page(
        all_types, 0, {**PAGE_ONE_OK, "sport": ["2"], "tennis_jahre": "4"}, {}
    )
    assert answers["tennis_jahre"] == 4
    # answers to irrelevant questions are dropped
    answers = validate_page(all_types, 0, {**PAGE_ONE_OK, "tennis_jahre": "4"}, {})
    assert "tennis_jahre" not in answers


def test_integer_number(all_types: Questionnaire) -> None:
    base = {**PAGE_ONE_OK, "sport": ["2"]}
    for value, expected in (("4", 4), (" 80 ", 80), (0, 0), ("+3", 3), ("5,0", 5)):
        answers = validate_page(all_types, 0, {**base, "tennis_jahre": value}, {})
        assert answers["tennis_jahre"] == expected
        assert type(answers["tennis_jahre"]) is int
    message = "Bitte geben Sie eine ganze Zahl zwischen 0 und 80 ein."
    for value, code in (
        ("81", "out_of_range"),
        ("-1", "out_of_range"),
        ("2.5", "not_an_integer"),
        ("zwei", "not_a_number"),
        ("1e3", "not_a_number"),
        ("nan", "not_a_number"),
        (float("inf"), "not_a_number"),
        (True, "not_a_number"),
    ):
        problem = one_problem(all_types, 0, {**base, "tennis_jahre": value})
        assert (problem.code, problem.place, problem.message) == (
            code,
            "tennis_jahre",
            message,
        )


def test_decimal_number(all_types: Questionnaire) -> None:
    assert page_two(all_types, {"gewicht": "72,5"})["gewicht"] == 72.5
    assert page_two(all_types, {"gewicht": "72"})["gewicht"] == 72.0
    assert page_two(all_types, {"gewicht": 72.5})["gewicht"] == 72.5
    assert page_two(all_types, {"gewicht": "72.50"})["gewicht"] == 72.5
    message = (
        "Bitte geben Sie eine Zahl mit höchstens einer Nachkommastelle zwischen "
        "0,5 und 200 ein."
    )
    for value, code in (
        ("72.55", "too_many_decimals"),
        ("0.4", "out_of_range"),
        ("abc", "not_a_number"),
    ):
        with pytest.raises(AnswerError) as info:
            page_two(all_types, {"gewicht": value})
        assert [(p.code, p.place, p.message) for p in info.value.problems] == [
            (code, "gewicht", message)
        ]


def test_likert(all_types: Questionnaire) -> None:
    assert page_two(all_types, {"gefallen": "3"})["gefallen"] == 3
    assert page_two(all_types, {"gefallen": "k_a"})["gefallen"] == 9
    with pytest.raises(AnswerError) as info:
        page_two(all_types, {"gefallen": "4"})
    assert info.value.problems[0].code == "invalid_option"


def test_likert_matrix(all_types: Questionnaire) -> None:
    answers = validate_page(
        all_types, 1, {"m_eins": "2", "m_zwei": "9"}, {"farbe": 1}, DISTRICTS
    )
    assert answers == {"m_eins": 2, "m_zwei": 9}
    assert "matrix" not in answers
    problems = problems_of(all_types, 1, {"m_eins": "5"}, {"farbe": 1})
    assert [(p.code, p.place) for p in problems] == [
        ("invalid_option", "m_eins"),
        ("required", "m_zwei"),
    ]


def test_texts(all_types: Questionnaire) -> None:
    answers = page_two(
        all_types,
        {"beruf": " Lehrerin\nim Dienst\x00 ", "kommentar": "Zeile 1\r\nZeile 2\t!"},
    )
    assert answers["beruf"] == "Lehrerin im Dienst"
    assert answers["kommentar"] == "Zeile 1\nZeile 2 !"
    assert "beruf" not in page_two(all_types, {"beruf": "   "})
    with pytest.raises(AnswerError) as info:
        page_two(all_types, {"beruf": "x" * (TEXT_MAX_LENGTH + 1)})
    assert info.value.problems[0].code == "too_long"
    assert info.value.problems[0].message == (
        f"Bitte kürzen Sie Ihre Antwort auf höchstens {TEXT_MAX_LENGTH} Zeichen."
    )
    long_text = "x" * LONG_TEXT_MAX_LENGTH
    assert page_two(all_types, {"kommentar": long_text})["kommentar"] == long_text


def test_date(all_types: Questionnaire) -> None:
    for value in ("2024-02-29", "29.02.2024", "29.2.2024", date(2024, 2, 29)):
        assert page_two(all_types, {"datum": value})["datum"] == "2024-02-29"
    for value in ("2023-02-29", "31.04.2024", "gestern", "20240101", 20240101):
        with pytest.raises(AnswerError) as info:
            page_two(all_types, {"datum": value})
        problem = info.value.problems[0]
        assert (problem.code, problem.place) == ("invalid_date", "datum")
        assert problem.message == "Bitte geben Sie ein gültiges Datum ein (TT.MM.JJJJ)."


def test_year(all_types: Questionnaire) -> None:
    assert page_two(all_types, {"geburtsjahr": "1985"})["geburtsjahr"] == 1985
    assert page_two(all_types, {"geburtsjahr": 2025})["geburtsjahr"] == 2025
    for value in ("1899", "85", "neunzehn", "2026"):
        with pytest.raises(AnswerError) as info:
            page_two(all_types, {"geburtsjahr": value})
        problem = info.value.problems[0]
        assert problem.place == "geburtsjahr"
        assert problem.message == (
            "Bitte geben Sie eine Jahreszahl zwischen 1900 und 2025 ein."
        )


def test_district(all_types: Questionnaire) -> None:
    assert page_two(all_types, {"bezirk": "102"})["bezirk"] == "102"
    assert page_two(all_types, {"bezirk": "weiss_nicht"})["bezirk"] == "weiss_nicht"
    assert page_two(all_types, {"bezirk": "99"})["bezirk"] == "weiss_nicht"
    with pytest.raises(AnswerError) as info:
        page_two(all_types, {"bezirk": "999"})
    assert info.value.problems[0] == Problem(
        "invalid_district",
        "bezirk",
        "Bitte wählen Sie einen Sozialraum aus der Karte oder der Liste.",
    )


def test_district_codes_are_required_to_accept_districts(
    all_types: Questionnaire,
) -> None:
    with pytest.raises(AnswerError):
        validate_page(
            all_types, 1, {"m_eins": 1, "m_zwei": 1, "bezirk": "101"}, {"farbe": 1}
        )


def test_constraint_with_message_in_language(all_types: Questionnaire) -> None:
    q = all_types
    raw = {"m_eins": 1, "m_zwei": 1, "geburtsjahr": "2025"}
    assert validate_page(q, 1, raw, {"farbe": 1}, language="en")["geburtsjahr"] == 2025


# ------------------------------------------------------------- all problems at once


def test_all_problems_are_listed(all_types: Questionnaire) -> None:
    problems = problems_of(
        all_types,
        1,
        {"gewicht": "schwer", "datum": "morgen", "bezirk": "x"},
        {"farbe": 1},
    )
    assert [p.place for p in problems] == [
        "m_eins",
        "m_zwei",
        "gewicht",
        "datum",
        "bezirk",
    ]
    error = AnswerError(problems)
    assert set(error.by_place()) == {"m_eins", "m_zwei", "gewicht", "datum", "bezirk"}
    assert "5 Antworten sind ungültig" in str(error)


def test_typed_answers_revalidate_to_themselves(all_types: Questionnaire) -> None:
    raw = {
        **PAGE_ONE_OK,
        "sport": ["2", "andere"],
        "sport_other": "Rudern",
        "tennis_jahre": "3",
    }
    first = validate_page(all_types, 0, raw, {})
    assert validate_page(all_types, 0, first, {}) == first
    second = page_two(
        all_types,
        {
            "gefallen": "ja",
            "gewicht": "70,5",
            "beruf": "Koch",
            "kommentar": "a\nb",
            "datum": "1.1.2020",
            "geburtsjahr": "1990",
            "bezirk": "203",
        },
    )
    assert validate_page(all_types, 1, second, {"farbe": 1}, DISTRICTS) == second


def test_previous_answers_of_the_same_page_are_ignored(
    all_types: Questionnaire,
) -> None:
    previous = {"sport": [2], "tennis_jahre": 5}
    answers = validate_page(all_types, 0, PAGE_ONE_OK, previous)
    assert "tennis_jahre" not in answers


# -------------------------------------------------------------- page relevance


def test_irrelevant_page_returns_nothing(all_types: Questionnaire) -> None:
    assert validate_page(all_types, 1, {"gewicht": "x"}, {"farbe": 9}) == {}


def test_page_navigation(all_types: Questionnaire) -> None:
    assert page_is_relevant(all_types, 0, {})
    assert page_is_relevant(all_types, 1, {"farbe": 1})
    assert page_is_relevant(all_types, 1, {})  # '' != 'weiss_nicht'
    assert not page_is_relevant(all_types, 1, {"farbe": 9})
    assert next_page_index(all_types, 0, {"farbe": 1}) == 1
    assert next_page_index(all_types, 0, {"farbe": 9}) is None
    assert next_page_index(all_types, 1, {"farbe": 1}) is None
    assert previous_page_index(all_types, 1, {"farbe": 1}) == 0
    assert previous_page_index(all_types, 0, {}) is None
    assert next_page_index(all_types, -1, {}) == 0


def test_question_relevance_helpers(all_types: Questionnaire) -> None:
    tennis = all_types.question("tennis_jahre")
    assert not question_is_relevant(all_types, tennis, {"sport": [1]})
    assert question_is_relevant(all_types, tennis, {"sport": [1, 2]})
    names = [q.name for q in relevant_questions(all_types, 0, {"sport": [2]})]
    assert "tennis_jahre" in names
    names = [q.name for q in relevant_questions(all_types, 0, {})]
    assert "tennis_jahre" not in names


def test_relevant_answers_drops_answers_that_lost_their_relevance(
    all_types: Questionnaire,
) -> None:
    answers = {
        "zustimmung": True,
        "farbe": 9,
        "sport": [1],
        "tennis_jahre": 4,
        "gewicht": 70.0,
        "unbekannt": 1,
    }
    assert relevant_answers(all_types, answers) == {
        "zustimmung": True,
        "farbe": 9,
        "sport": [1],
    }


def test_expression_values_turn_codes_into_choices(
    all_types: Questionnaire,
) -> None:
    values = expression_values(
        all_types, {"farbe": 3, "farbe_other": "Grün", "sport": [1, 4], "m_eins": 2}
    )
    assert repr(values["farbe"]) == "Choice(code=3, value='sonst')"
    assert values["farbe_other"] == "Grün"
    assert [getattr(v, "value", None) for v in values["sport"]] == [  # type: ignore[attr-defined]
        "fussball",
        "keiner",
    ]
    assert getattr(values["m_eins"], "value", None) == "gut"


def test_page_index_out_of_range(all_types: Questionnaire) -> None:
    with pytest.raises(IndexError):
        validate_page(all_types, -1, {}, {})
    with pytest.raises(IndexError):
        validate_page(all_types, 2, {}, {})
    with pytest.raises(IndexError):
        page_is_relevant(all_types, 5, {})


RAW_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["1", "2", "9", "rot", "keiner", "2024-02-30", "1,5", "101"]),
    st.lists(st.one_of(st.text(max_size=5), st.integers(0, 10)), max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # immutable
)
@given(
    page=st.integers(0, 1),
    raw=st.dictionaries(
        st.sampled_from(
            [
                "zustimmung",
                "farbe",
                "farbe_other",
                "sport",
                "sport_other",
                "tennis_jahre",
                "gefallen",
                "m_eins",
                "m_zwei",
                "gewicht",
                "beruf",
                "kommentar",
                "datum",
                "geburtsjahr",
                "bezirk",
            ]
        ),
        RAW_VALUES,
    ),
)
def test_any_raw_values_give_answers_or_answer_error(
    all_types: Questionnaire, page: int, raw: dict[str, object]
) -> None:
    try:
        answers = validate_page(all_types, page, raw, {"farbe": 1}, DISTRICTS)
    except AnswerError as error:
        problems = error.problems
        answers = None
    else:
        problems = []
    if answers is None:
        assert problems
    else:
        # clean answers validate to themselves
        again = validate_page(all_types, page, answers, {"farbe": 1}, DISTRICTS)
        assert again == answers


def test_huge_numbers_are_rejected_not_crashing(all_types: Questionnaire) -> None:
    base = {**PAGE_ONE_OK, "sport": ["2"]}
    for value in (10**400, "9" * 400, -(10**20), 1e300):
        problem = one_problem(all_types, 0, {**base, "tennis_jahre": value})
        assert problem.place == "tennis_jahre"
    with pytest.raises(AnswerError):
        page_two(all_types, {"geburtsjahr": 10**400})
