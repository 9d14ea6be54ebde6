"""The expression language: parsing, evaluation, errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fragebogen.errors import ExpressionError, QuestionnaireError
from fragebogen.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    BinaryOperation,
    Call,
    Choice,
    Literal,
    Reference,
    evaluate,
    evaluate_bool,
    parse,
    references,
)

PAAR = Choice(1, "paar")
KITA = Choice(1, "kita")
BERATUNG = Choice(3, "beratung")


# ------------------------------------------------------------------- truth tables

BOOLEANS = [(True, True), (True, False), (False, True), (False, False)]


@pytest.mark.parametrize(("a", "b"), BOOLEANS)
def test_and_or_truth_table(a: bool, b: bool) -> None:
    answers = {"a": a, "b": b}
    assert evaluate("${a} and ${b}", answers) is (a and b)
    assert evaluate("${a} or ${b}", answers) is (a or b)
    assert evaluate("not(${a})", answers) is (not a)
    assert evaluate("not ${a}", answers) is (not a)
    assert evaluate("not(${a} and ${b})", answers) is (not (a and b))
    assert evaluate("not ${a} or ${b}", answers) is ((not a) or b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 = 1", True),
        ("1 = 2", False),
        ("1 != 2", True),
        ("1 < 2", True),
        ("2 < 1", False),
        ("2 <= 2", True),
        ("3 > 2", True),
        ("2 >= 3", False),
        ("'a' = 'a'", True),
        ('"a" != "b"', True),
        ("'2' = 2", True),
        ("'2024-01-31' < '2024-02-01'", True),
        ("'10' > '9'", True),  # numeric strings compare as numbers
        ("true() and not(false())", True),
        ("1 = 1 and 2 = 2 or 1 = 2", True),
        ("1 = 2 or 2 = 2 and 3 = 4", False),  # and binds tighter than or
        ("(1 = 2 or 2 = 2) and 3 = 3", True),
    ],
)
def test_comparison_truth_table(text: str, expected: bool) -> None:
    assert evaluate(text, {}) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("7 div 2", 3.5),
        ("7 mod 3", 1.0),
        ("-7 mod 3", -1.0),
        ("2 - 3 - 4", -5.0),
        ("- 2 * 3", -6.0),
        ("1.5 + .5", 2.0),
        ("if(1 < 2, 'ja', 'nein')", "ja"),
        ("coalesce(${leer}, 5)", 5.0),
        ("string-length('Straße')", 6.0),
        ("number('12')", 12.0),
    ],
)
def test_arithmetic(text: str, expected: object) -> None:
    assert evaluate(text, {}) == expected


def test_division_by_zero_follows_xpath() -> None:
    assert evaluate("1 div 0", {}) == math.inf
    assert evaluate("-1 div 0", {}) == -math.inf
    assert math.isnan(float(str(evaluate("0 div 0", {}))))
    assert math.isnan(float(str(evaluate("5 mod 0", {}))))
    assert evaluate("1 div 0 > 5", {}) is True


# -------------------------------------------------------------- unanswered = empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${x} > 0", False),
        ("${x} < 0", False),
        ("${x} >= 0", False),
        ("${x} = 0", False),
        ("${x} != 0", True),
        ("${x} = ''", True),
        ("${x} != ''", False),
        ("not(${x})", True),
        ("${x}", False),
        ("${x} + 1 > 0", False),
        ("selected(${x}, 'kita')", False),
        ("count-selected(${x}) = 0", True),
        ("string-length(${x}) = 0", True),
    ],
)
def test_unanswered_references_are_empty(text: str, expected: bool) -> None:
    assert evaluate_bool(text, {}) is expected
    assert evaluate_bool(text, {"x": None}) is expected
    assert evaluate_bool(text, {"x": ""}) is expected


def test_empty_multiple_choice_is_empty() -> None:
    assert evaluate_bool("${x} = ''", {"x": []})
    assert evaluate_bool("count-selected(${x}) = 0", {"x": []})


# ------------------------------------------------------------- choices and lists


def test_choice_compares_by_value_and_by_code() -> None:
    answers = {"haushaltstyp": PAAR, "zufriedenheit": Choice(4, "eher_zufrieden")}
    assert evaluate("${haushaltstyp} = 'paar'", answers) is True
    assert evaluate("${haushaltstyp} = 1", answers) is True
    assert evaluate("${haushaltstyp} != 'alleinerziehend'", answers) is True
    assert evaluate("${zufriedenheit} >= 4", answers) is True
    assert evaluate("${zufriedenheit} > 4", answers) is False
    assert evaluate("${zufriedenheit} + 1", answers) == 5.0
    assert evaluate("selected(${haushaltstyp}, 'paar')", answers) is True
    assert evaluate("count-selected(${haushaltstyp})", answers) == 1.0


def test_selected_and_count_selected_on_lists() -> None:
    answers = {"angebote": [KITA, BERATUNG]}
    assert evaluate("selected(${angebote}, 'kita')", answers) is True
    assert evaluate("selected(${angebote}, 'beratung')", answers) is True
    assert evaluate("selected(${angebote}, 'sport')", answers) is False
    assert evaluate("selected(${angebote}, '3')", answers) is True  # by code
    assert evaluate("count-selected(${angebote})", answers) == 2.0
    assert evaluate("count-selected(${angebote}) > 1", answers) is True


def test_selected_on_plain_values() -> None:
    # XLSForm style: space-separated names, or raw codes
    assert evaluate("selected(${x}, 'b')", {"x": "a b"}) is True
    assert evaluate("count-selected(${x})", {"x": "a b c"}) == 3.0
    assert evaluate("selected(${x}, 2)", {"x": [1, 2]}) is True
    assert evaluate("selected(${x}, 3)", {"x": [1, 2]}) is False


def test_current_value() -> None:
    assert evaluate(". >= 1990", {}, current=2000) is True
    assert evaluate(". >= 1990", {}, current=1980) is False
    assert evaluate("count-selected(.) <= 3", {}, current=[KITA]) is True
    assert evaluate(". >= ${a}", {"a": 3}, current=5) is True


def test_booleans_compare_as_truth_values() -> None:
    assert evaluate("${ok} = true()", {"ok": True}) is True
    assert evaluate("${ok} = true()", {}) is False
    assert evaluate("${ok}", {"ok": True}) is True


# ------------------------------------------------------------------------ parsing


def test_parse_builds_a_tree() -> None:
    tree = parse("${a} > 1 and selected(${b}, 'x')")
    assert isinstance(tree, BinaryOperation)
    assert tree.operator == "and"
    assert isinstance(tree.left, BinaryOperation)
    assert tree.left.left == Reference(0, "a")
    assert tree.left.right == Literal(7, 1.0)
    assert isinstance(tree.right, Call)
    assert tree.right.function == "selected"


def test_references() -> None:
    assert references("${a} > 1 and (selected(${b}, 'x') or -${c} < 0)") == {
        "a",
        "b",
        "c",
    }
    assert references("1 = 1") == set()
    assert references(parse("${ a } = 1")) == {"a"}


def test_not_function_binds_like_xpath() -> None:
    # not(x) = 1 compares the result of not() with 1
    assert evaluate("not(${a}) = 1", {"a": False}) is True
    assert evaluate("not(${a}) = 1", {"a": True}) is False


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("", "empty", 0),
        ("   ", "empty", 3),
        ("${x} == 1", "unexpected_character", 5),
        ("${x} >", "unexpected_end", 6),
        ("kinder > 1", "bare_name", 0),
        ("${x} > 1 and foo(2)", "unknown_function", 13),
        ("${x", "bad_reference", 0),
        ("${1x} = 1", "bad_reference", 0),
        ("'abc", "unterminated_string", 0),
        ("1 < 2 < 3", "chained_comparison", 6),
        ("selected(${x})", "wrong_argument_count", 0),
        ("true(1)", "wrong_argument_count", 0),
        ("(1 + 2", "unexpected_end", 6),
        ("1 + 2)", "unexpected_token", 5),
        ("${x} > 1 ${y}", "unexpected_token", 9),
        ("__import__('os')", "unknown_function", 0),
        ("${x}.__class__", "unexpected_token", 4),
        ("1 ; 2", "unexpected_character", 2),
        ("a and", "bare_name", 0),
        ("1 and", "unexpected_end", 5),
        ("1 / 2", "unexpected_character", 2),
        ("1 ** 2", "unexpected_token", 3),
    ],
)
def test_parse_errors_name_code_and_position(
    text: str, code: str, position: int
) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    error = info.value
    assert error.code == code
    assert error.position == position
    assert error.params["position"] == position
    assert error.expression == text
    assert f"Stelle {position + 1}" in error.message or code == "empty"
    assert isinstance(error, QuestionnaireError)


def test_depth_and_length_limits() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    assert info.value.code == "too_deep"
    assert parse("(" * 10 + "1" + ")" * 10) == Literal(10, 1.0)
    with pytest.raises(ExpressionError) as info:
        parse("1" * (MAX_LENGTH + 1))
    assert info.value.code == "too_long"
    with pytest.raises(ExpressionError) as info:
        parse("+".join(["1"] * 300))
    assert info.value.code == "too_complex"
    with pytest.raises(ExpressionError) as info:
        parse("-" * 1000 + "1")
    assert info.value.code == "too_deep"


def test_parse_rejects_non_text() -> None:
    with pytest.raises(ExpressionError):
        parse(42)  # type: ignore[arg-type]


def test_user_text_in_messages_is_not_formatted() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("{position}")
    assert "{" in info.value.message


# --------------------------------------------------------------------- properties

ALPHABET = st.sampled_from(
    list("${}()'\"., =!<>+-*/abcdefnotrsl0123456789_ \t\n")
    + ["and", "or", "not", "div", "mod", "selected(", "count-selected(", "${x}"]
)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_string_parses_or_raises_expression_error(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionError as error:
        position = error.position
    else:
        position = 0
        evaluate(tree, {})
    assert 0 <= position <= len(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_expression_like_strings_parse_or_raise_expression_error(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionError as error:
        position = error.position
    else:
        position = 0
        evaluate(tree, {"x": [KITA], "a": 3, "b": "text"}, current=1)
        evaluate_bool(tree, {}, current=None)
    assert 0 <= position <= len(text)


def test_choice_also_matches_its_code_as_text() -> None:
    # XLSForm forms often use numeric choice names: ${x} = '1'
    answers = {"x": Choice(1, "c1")}
    assert evaluate("${x} = '1'", answers) is True
    assert evaluate("${x} = 'c1'", answers) is True
    assert evaluate("${x} = '2'", answers) is False
