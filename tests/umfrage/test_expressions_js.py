"""One expression language, two evaluators: the browser's JavaScript mirror
(umfrage/static/teilnahme/expressions.js) gives the same results as
fragebogen.expressions for >= 2,000 generated expressions and answers, including
the same parse errors. Runs the JavaScript in node (or, without node, in chromium).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fragebogen.errors import ExpressionError
from fragebogen.expressions import Choice, evaluate, evaluate_bool

JS = Path(__file__).parents[2] / "umfrage" / "static" / "teilnahme" / "expressions.js"
CASES = 2000
NAMES = ("a", "b", "c", "d", "e", "f", "g")

# What the JavaScript side runs for one case: decode, evaluate, encode.
_RUNNER = """
const E = globalThis.UmfrageExpressions;
function decode(v) {
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === "object") return E.choice(v.c[0], v.c[1]);
  return v;
}
function encode(v) {
  if (v === null || v === undefined) return ["null"];
  if (typeof v === "boolean") return ["b", v];
  if (typeof v === "number") {
    if (Number.isNaN(v)) return ["n", "NaN"];
    if (!Number.isFinite(v)) return ["n", v > 0 ? "Infinity" : "-Infinity"];
    return ["n", v];
  }
  if (typeof v === "string") return ["s", v];
  if (Array.isArray(v)) return ["l", v.map(encode)];
  return ["c", v.code, v.value];
}
function runCase(item) {
  const answers = {};
  for (const [k, v] of Object.entries(item.answers)) answers[k] = decode(v);
  const current = decode(item.current);
  try {
    const value = E.evaluate(item.expression, answers, current);
    const bool = E.evaluateBool(item.expression, answers, current);
    return {value: encode(value), bool: bool, text: E.toString(value)};
  } catch (error) {
    if (error instanceof E.ExpressionError) return {error: true};
    return {crash: String(error)};
  }
}
"""

_NODE_LOOP = """
const readline = require("readline");
const lines = readline.createInterface({input: process.stdin});
lines.on("line", line => {
  process.stdout.write(JSON.stringify(runCase(JSON.parse(line))) + "\\n");
});
"""


# -- Python side ----------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return ["n", "NaN"]
        if math.isinf(number):
            return ["n", "Infinity" if number > 0 else "-Infinity"]
        return ["n", number]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, list | tuple):
        return ["l", [_encode(v) for v in value]]
    assert isinstance(value, Choice)
    return ["c", value.code, value.value]


def python_result(expression: str, answers: dict[str, Any], current: Any) -> Any:
    from fragebogen.expressions import to_string

    try:
        value = evaluate(expression, answers, current=current)
    except ExpressionError:
        return {"error": True}
    return {
        "value": _encode(value),
        "bool": evaluate_bool(expression, answers, current=current),
        "text": to_string(value),
    }


def _transport(value: Any) -> Any:
    if isinstance(value, Choice):
        return {"c": [value.code, value.value]}
    if isinstance(value, list):
        return [_transport(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


# -- generated cases ------------------------------------------------------------------

TEXT = st.one_of(
    st.text(alphabet=st.sampled_from(list("abAZ09 .-_'é\u00a0\t٣")), max_size=6),
    st.sampled_from(["paar", "kita", "12", "keines"]),
)
NUMERIC_TEXT = st.sampled_from(
    ["1", " 2 ", "-3", "1.", ".5", "-.5", "0", "007", "1.50", "٣", "1e3", "", " "]
)
CHOICE = st.builds(
    Choice,
    st.integers(min_value=-1, max_value=12),
    st.sampled_from(["paar", "kita", "keines", "1", "2", "ja"]),
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(min_value=-1e7, max_value=1e7, allow_nan=False),
    st.sampled_from([0.1, 1e-7, -2.5e-5, 0.0001, 1e16, 123456789.125, -0.0]),
    TEXT,
    NUMERIC_TEXT,
    CHOICE,
)
VALUE = st.one_of(SCALAR, st.lists(st.one_of(CHOICE, SCALAR), max_size=4))


def _literal() -> st.SearchStrategy[str]:
    number = st.one_of(
        st.integers(min_value=0, max_value=10**6).map(str),
        st.sampled_from(["1.5", ".5", "2.", "0.0001", "00", "3.25", "٣"]),
    )
    string = TEXT.filter(lambda t: "'" not in t).map(lambda t: f"'{t}'")
    double = st.sampled_from(['"kita"', '"paar"', '""', '" 1 "'])
    reference = st.sampled_from(NAMES).map(lambda n: "${" + n + "}")
    return st.one_of(
        number,
        string,
        double,
        reference,
        reference,
        st.just("."),
        st.sampled_from(["true()", "false()", "${ a }"]),
    )


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operator = st.sampled_from(
        [
            "=",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "+",
            "-",
            "*",
            " div ",
            " mod ",
            " and ",
            " or ",
        ]
    )
    binary = st.one_of(
        st.tuples(children, operator, children).map(lambda t: "".join(t)),
        st.tuples(children, operator, children).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
    )
    unary = st.one_of(
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"not {c}"),
        children.map(lambda c: f"({c})"),
    )
    one = st.sampled_from(["not", "count-selected", "string-length", "number"])
    calls = st.one_of(
        st.tuples(one, children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["selected", "coalesce"]), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        st.tuples(children, children, children).map(
            lambda t: f"if({t[0]}, {t[1]}, {t[2]})"
        ),
    )
    return st.one_of(binary, unary, calls)


VALID = st.recursive(_literal(), _combine, max_leaves=12)


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    """A valid expression with one character inserted or removed (parse errors)."""
    text = draw(VALID)
    position = draw(st.integers(min_value=0, max_value=len(text)))
    if draw(st.booleans()) and text:
        return text[:position] + text[position + 1 :]
    extra = draw(st.sampled_from(list("()=,'$.{}!<>-") + ["==", " and", "foo", "not"]))
    return text[:position] + extra + text[position:]


EXPRESSION = st.one_of(VALID, VALID, VALID, _mutated())
CASE = st.tuples(
    EXPRESSION,
    st.dictionaries(st.sampled_from(NAMES), VALUE, max_size=len(NAMES)),
    VALUE,
)


# -- the JavaScript side ---------------------------------------------------------------


@pytest.fixture
def javascript() -> Iterator[Callable[[dict[str, Any]], Any]]:
    node = shutil.which("node")
    source = JS.read_text(encoding="utf-8")
    if node is not None:
        with subprocess.Popen(
            [node, "-e", source + _RUNNER + _NODE_LOOP],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        ) as process:
            stdin, stdout = process.stdin, process.stdout
            assert stdin is not None
            assert stdout is not None

            def run(item: dict[str, Any]) -> Any:
                stdin.write(json.dumps(item) + "\n")
                stdin.flush()
                return json.loads(stdout.readline())

            try:
                yield run
            finally:
                stdin.close()
                process.wait(timeout=10)
        return
    page = pytest.importorskip("tests.conftest")  # chromium through playwright
    from playwright.sync_api import sync_playwright

    if not Path(page.CHROMIUM).exists():
        pytest.skip("neither node nor chromium to run the JavaScript evaluator")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=page.CHROMIUM, args=page.CHROMIUM_ARGS, headless=True
        )
        tab = browser.new_page()
        tab.add_script_tag(content=source + _RUNNER)
        try:
            yield lambda item: tab.evaluate("item => runCase(item)", item)
        finally:
            browser.close()


def test_javascript_mirror_agrees_with_python(
    javascript: Callable[[dict[str, Any]], Any],
) -> None:
    checked: list[str] = []
    errors = 0

    @settings(
        max_examples=CASES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(CASE)
    def agree(case: tuple[str, dict[str, Any], Any]) -> None:
        nonlocal errors
        expression, answers, current = case
        expected = python_result(expression, answers, current)
        item = {
            "expression": expression,
            "answers": {k: _transport(v) for k, v in answers.items()},
            "current": _transport(current),
        }
        got = javascript(item)
        assert _same(expected, got), (expression, answers, current, expected, got)
        checked.append(expression)
        errors += "error" in expected

    agree()
    assert len(checked) >= CASES
    # both kinds were exercised: valid expressions and parse errors
    assert CASES // 20 < errors < 0.6 * len(checked)


@pytest.mark.parametrize(
    ("expression", "answers"),
    [
        ("${kinder} > 1", {"kinder": 2}),
        ("selected(${angebote}, 'keines')", {"angebote": [Choice(9, "keines")]}),
        ("${typ} = 'paar' and ${n} >= 4", {"typ": Choice(1, "paar"), "n": "4"}),
        ("string-length('ä👨‍👩‍👧') = 6", {}),
        ("'ä' < 'z' and '😀' > 'ﬀ'", {}),
        ("1 div 0 = 1 div 0 and -1 mod 0 != -1 mod 0", {}),
        ("${x} = ''", {}),
        ("0.00001 * 3", {}),
        ("${n} + 1", {"n": "٣"}),
        ("count-selected(${w})", {"w": "a\u00a0b\u2003c"}),
        ("selected(' kita\u3000', ${c})", {"c": " kita\u3000"}),
    ],
)
def test_known_corners_agree(
    javascript: Callable[[dict[str, Any]], Any], expression: str, answers: dict
) -> None:
    item = {
        "expression": expression,
        "answers": {k: _transport(v) for k, v in answers.items()},
        "current": None,
    }
    expected = python_result(expression, answers, None)
    assert "error" not in expected
    assert _same(expected, javascript(item)), (expected, javascript(item))
