"""The expression language of relevance conditions and constraints.

A small, XLSForm-compatible subset of XPath::

    ${kinder_anzahl} > 0 and selected(${angebote}, 'kita')

Expressions are tokenised and parsed into an immutable tree of whitelisted nodes; they
are never handed to ``eval``. :func:`evaluate` is pure. Unanswered references are
empty, as in XLSForm/ODK: ``${x} > 0`` is false and ``${x} = ''`` is true when ``x``
is unanswered. The grammar is documented in ``docs/fragebogen-format.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from fragebogen.errors import ExpressionError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "BinaryOperation",
    "Call",
    "Choice",
    "Current",
    "Expression",
    "Literal",
    "Negation",
    "Reference",
    "evaluate",
    "evaluate_bool",
    "parse",
    "references",
]

#: Longest expression accepted, in characters.
MAX_LENGTH = 2000
#: Deepest nesting of parentheses, function calls and prefix operators accepted.
MAX_DEPTH = 40
#: Most levels of the parsed tree (long chains such as 1+1+…+1 count too).
MAX_TREE_DEPTH = 200

#: Function name -> (least, most) number of arguments.
FUNCTIONS: dict[str, tuple[int, int]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "if": (3, 3),
    "coalesce": (2, 2),
    "number": (1, 1),
}

_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
_KEYWORDS = frozenset({"and", "or", "div", "mod"})


# --------------------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Expression:
    """A node of a parsed expression; ``position`` is its offset in the source."""

    position: int


@dataclass(frozen=True)
class Literal(Expression):
    """A string or number literal."""

    value: str | float


@dataclass(frozen=True)
class Reference(Expression):
    """``${name}``: the answer to a question."""

    name: str


@dataclass(frozen=True)
class Current(Expression):
    """``.``: the answer being checked by a constraint."""


@dataclass(frozen=True)
class Negation(Expression):
    """Unary minus."""

    operand: Expression


@dataclass(frozen=True)
class BinaryOperation(Expression):
    """``left operator right`` for comparisons, ``and``/``or`` and arithmetic."""

    operator: str
    left: Expression
    right: Expression


@dataclass(frozen=True)
class Call(Expression):
    """A call of one of the :data:`FUNCTIONS`."""

    function: str
    arguments: tuple[Expression, ...]


@dataclass(frozen=True)
class Choice:
    """A chosen option as seen by expressions.

    Compared with a string it is its ``value`` (``${haushaltstyp} = 'paar'``), compared
    with a number or in arithmetic it is its ``code`` (``${zufriedenheit} >= 4``).
    """

    code: int
    value: str


# ----------------------------------------------------------------------- tokenizer


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, ref, name, op, (, ), ",", ".", end
    text: str
    position: int


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_][A-Za-z0-9_]*)\s*\})
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|=|<|>|\+|-|\*)
  | (?P<punct>[(),.])
    """,
    re.VERBOSE,
)


def _error(
    code: str, template: str, text: str, position: int, **params: str | int
) -> ExpressionError:
    """An error whose message is ``template`` filled with the 1-based position.

    User text goes only into ``params``, never into ``template``.
    """
    return ExpressionError(
        code,
        template.format(position=position + 1, **params),
        expression=text,
        position=position,
        params=params,
    )


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text.startswith("==", position):
            raise _error(
                "unexpected_character",
                "Unerwartetes '==' an Stelle {position}: "
                "Gleichheit wird mit '=' geschrieben.",
                text,
                position,
            )
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            if text.startswith("${", position):
                raise _error(
                    "bad_reference",
                    "Ungültiger Verweis an Stelle {position}: erwartet wird "
                    "${{name}} mit einem Variablennamen.",
                    text,
                    position,
                )
            if char in "'\"":
                raise _error(
                    "unterminated_string",
                    "Die Zeichenkette ab Stelle {position} ist nicht abgeschlossen.",
                    text,
                    position,
                )
            raise _error(
                "unexpected_character",
                "Unerwartetes Zeichen {character!r} an Stelle {position}.",
                text,
                position,
                character=char,
            )
        kind = match.lastgroup or ""
        if kind == "refname":  # pragma: no cover - the outer group wins
            kind = "ref"
        if kind == "ref":
            tokens.append(_Token("ref", match.group("refname"), position))
        elif kind == "punct":
            tokens.append(_Token(match.group(), match.group(), position))
        elif kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# -------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.token
        if token.kind != kind:
            return False
        return text is None or token.text == text

    def at_keyword(self, word: str) -> bool:
        return self.at("name", word)

    def fail_here(self, expected: str) -> ExpressionError:
        token = self.token
        if token.kind == "end":
            return _error(
                "unexpected_end",
                "Der Ausdruck endet unerwartet (an Stelle {position}); "
                "erwartet wird {expected}.",
                self.text,
                token.position,
                expected=expected,
            )
        return _error(
            "unexpected_token",
            "Unerwartet {token!r} an Stelle {position}; erwartet wird {expected}.",
            self.text,
            token.position,
            token=token.text,
            expected=expected,
        )

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(
                "too_deep",
                "Der Ausdruck ist zu tief verschachtelt (mehr als {limit} "
                "Ebenen, an Stelle {position}).",
                self.text,
                self.token.position,
                limit=MAX_DEPTH,
            )

    def leave(self) -> None:
        self.depth -= 1

    def parse(self) -> Expression:
        if self.at("end"):
            raise _error(
                "empty", "Der Ausdruck ist leer.", self.text, self.token.position
            )
        expression = self.parse_or()
        if not self.at("end"):
            raise self.fail_here("ein Operator oder das Ende des Ausdrucks")
        return expression

    def parse_or(self) -> Expression:
        left = self.parse_and()
        while self.at_keyword("or"):
            token = self.advance()
            right = self.parse_and()
            left = BinaryOperation(token.position, "or", left, right)
        return left

    def parse_and(self) -> Expression:
        left = self.parse_not()
        while self.at_keyword("and"):
            token = self.advance()
            right = self.parse_not()
            left = BinaryOperation(token.position, "and", left, right)
        return left

    def parse_not(self) -> Expression:
        # "not x" as a prefix; "not(x)" is the XPath function (see parse_primary).
        if self.at_keyword("not") and self.tokens[self.index + 1].kind != "(":
            self.enter()
            token = self.advance()
            operand = self.parse_not()
            self.leave()
            return Call(token.position, "not", (operand,))
        return self.parse_comparison()

    def parse_comparison(self) -> Expression:
        left = self.parse_additive()
        if self.at("op") and self.token.text in _COMPARISONS:
            token = self.advance()
            right = self.parse_additive()
            left = BinaryOperation(token.position, token.text, left, right)
            if self.at("op") and self.token.text in _COMPARISONS:
                raise _error(
                    "chained_comparison",
                    "Vergleiche können nicht aneinandergereiht werden (Stelle "
                    "{position}); verbinden Sie sie mit 'and'.",
                    self.text,
                    self.token.position,
                )
        return left

    def parse_additive(self) -> Expression:
        left = self.parse_multiplicative()
        while self.at("op", "+") or self.at("op", "-"):
            token = self.advance()
            right = self.parse_multiplicative()
            left = BinaryOperation(token.position, token.text, left, right)
        return left

    def parse_multiplicative(self) -> Expression:
        left = self.parse_unary()
        while self.at("op", "*") or self.at_keyword("div") or self.at_keyword("mod"):
            token = self.advance()
            right = self.parse_unary()
            left = BinaryOperation(token.position, token.text, left, right)
        return left

    def parse_unary(self) -> Expression:
        if self.at("op", "-"):
            self.enter()
            token = self.advance()
            operand = self.parse_unary()
            self.leave()
            return Negation(token.position, operand)
        return self.parse_primary()

    def parse_primary(self) -> Expression:
        token = self.token
        if token.kind == "number":
            self.advance()
            return Literal(token.position, _number_literal(token.text))
        if token.kind == "string":
            self.advance()
            return Literal(token.position, token.text[1:-1])
        if token.kind == "ref":
            self.advance()
            return Reference(token.position, token.text)
        if token.kind == ".":
            self.advance()
            return Current(token.position)
        if token.kind == "(":
            self.enter()
            self.advance()
            inner = self.parse_or()
            if not self.at(")"):
                raise self.fail_here("')'")
            self.advance()
            self.leave()
            return inner
        if token.kind == "name":
            return self.parse_call()
        raise self.fail_here("ein Wert, ein Verweis ${…} oder '('")

    def parse_call(self) -> Expression:
        token = self.advance()
        name = token.text
        if name in _KEYWORDS or (name == "not" and not self.at("(")):
            self.index -= 1
            raise self.fail_here("ein Wert, ein Verweis ${…} oder '('")
        if name not in FUNCTIONS:
            if self.at("("):
                raise _error(
                    "unknown_function",
                    "Unbekannte Funktion {function!r} an Stelle {position}.",
                    self.text,
                    token.position,
                    function=name,
                )
            raise _error(
                "bare_name",
                "Unbekannter Name {name!r} an Stelle {position}; Verweise auf "
                "Antworten schreiben Sie als ${{{name}}}, Text in Anführungszeichen.",
                self.text,
                token.position,
                name=name,
            )
        if not self.at("("):
            raise self.fail_here("'(' nach " + name)
        self.enter()
        self.advance()
        arguments: list[Expression] = []
        if not self.at(")"):
            arguments.append(self.parse_or())
            while self.at(","):
                self.advance()
                arguments.append(self.parse_or())
        if not self.at(")"):
            raise self.fail_here("',' oder ')'")
        self.advance()
        self.leave()
        least, most = FUNCTIONS[name]
        if not least <= len(arguments) <= most:
            wanted = str(least) if least == most else f"{least} bis {most}"
            raise _error(
                "wrong_argument_count",
                "{function}() erwartet {wanted} Argument(e), nicht {count} "
                "(Stelle {position}).",
                self.text,
                token.position,
                function=name,
                wanted=wanted,
                count=len(arguments),
            )
        return Call(token.position, name, tuple(arguments))


def _number_literal(text: str) -> float:
    try:
        return float(text)
    except OverflowError:  # pragma: no cover - float() returns inf instead
        return math.inf


def _tree_depth(node: Expression) -> tuple[int, int]:
    """The depth of the tree and the position of its deepest node."""
    deepest, position = 0, node.position
    stack: list[tuple[Expression, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > deepest:
            deepest, position = depth, current.position
        if isinstance(current, Negation):
            stack.append((current.operand, depth + 1))
        elif isinstance(current, BinaryOperation):
            stack.extend(((current.left, depth + 1), (current.right, depth + 1)))
        elif isinstance(current, Call):
            stack.extend((argument, depth + 1) for argument in current.arguments)
    return deepest, position


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Expression:
    expression = _Parser(text).parse()
    depth, position = _tree_depth(expression)
    if depth > MAX_TREE_DEPTH:
        raise _error(
            "too_complex",
            "Der Ausdruck ist zu verschachtelt (mehr als {limit} Ebenen, "
            "an Stelle {position}).",
            text,
            position,
            limit=MAX_TREE_DEPTH,
        )
    return expression


def parse(text: str) -> Expression:
    """Parse ``text`` into an expression tree.

    Raises :class:`~fragebogen.errors.ExpressionError` (with the position) for any
    malformed or unsupported input; never anything else.
    """
    if not isinstance(text, str):
        raise ExpressionError(
            "not_text",
            "Der Ausdruck muss ein Text sein.",
            expression=repr(text),
            position=0,
        )
    if len(text) > MAX_LENGTH:
        raise _error(
            "too_long",
            "Der Ausdruck ist zu lang (höchstens {limit} Zeichen; Stelle {position}).",
            text,
            MAX_LENGTH,
            limit=MAX_LENGTH,
        )
    return _parse_cached(text)


def references(expression: Expression | str) -> set[str]:
    """The names referred to as ``${name}``."""
    node = parse(expression) if isinstance(expression, str) else expression
    found: set[str] = set()
    stack: list[Expression] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Reference):
            found.add(current.name)
        elif isinstance(current, Negation):
            stack.append(current.operand)
        elif isinstance(current, BinaryOperation):
            stack.extend((current.left, current.right))
        elif isinstance(current, Call):
            stack.extend(current.arguments)
    return found


def uses_current(expression: Expression | str) -> bool:
    """Whether the expression uses ``.`` (the answer being checked)."""
    node = parse(expression) if isinstance(expression, str) else expression
    stack: list[Expression] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Current):
            return True
        if isinstance(current, Negation):
            stack.append(current.operand)
        elif isinstance(current, BinaryOperation):
            stack.extend((current.left, current.right))
        elif isinstance(current, Call):
            stack.extend(current.arguments)
    return False


def iter_calls(expression: Expression) -> list[Call]:
    """All function calls in the tree (for definition checks)."""
    calls: list[Call] = []
    stack: list[Expression] = [expression]
    while stack:
        current = stack.pop()
        if isinstance(current, Call):
            calls.append(current)
            stack.extend(current.arguments)
        elif isinstance(current, Negation):
            stack.append(current.operand)
        elif isinstance(current, BinaryOperation):
            stack.extend((current.left, current.right))
    return calls


# ------------------------------------------------------------------------ semantics

_NUMERIC = re.compile(r"^\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*$")


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) == 0
    return False


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def to_number(value: object) -> float:
    """XPath ``number()``: numbers, codes of choices, numeric strings; else NaN."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, Choice):
        return float(value.code)
    if isinstance(value, str):
        if _NUMERIC.match(value):
            return float(value)
        return math.nan
    if isinstance(value, list | tuple) and len(value) == 1:
        return to_number(value[0])
    return math.nan


def _format_number(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == int(number):
        return str(int(number))
    return repr(number)


def to_string(value: object) -> str:
    """XPath ``string()``: choices give their value name, lists are space-separated."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _format_number(to_number(value))
    if isinstance(value, Choice):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return " ".join(to_string(element) for element in value)
    return str(value)


def to_bool(value: object) -> bool:
    """XPath ``boolean()``: empty, zero, NaN and false are false."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        number = to_number(value)
        return not (number == 0 or math.isnan(number))
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) > 0
    return True


def _equals(left: object, right: object) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return to_bool(left) == to_bool(right)
    if isinstance(left, Choice) and isinstance(right, Choice):
        return left == right
    if isinstance(left, Choice) or isinstance(right, Choice):
        choice, other = (left, right) if isinstance(left, Choice) else (right, left)
        assert isinstance(choice, Choice)
        if _is_number(other):
            return float(choice.code) == to_number(other)
        return to_string(other) in (choice.value, str(choice.code))
    if _is_number(left) or _is_number(right):
        return to_number(left) == to_number(right)
    return to_string(left) == to_string(right)


def _order(operator: str, left: object, right: object) -> bool:
    if _is_empty(left) or _is_empty(right):
        return False
    if (
        isinstance(left, str)
        and isinstance(right, str)
        and not (_NUMERIC.match(left) and _NUMERIC.match(right))
    ):
        a_text, b_text = left, right
        if operator == "<":
            return a_text < b_text
        if operator == "<=":
            return a_text <= b_text
        if operator == ">":
            return a_text > b_text
        return a_text >= b_text
    a, b = to_number(left), to_number(right)
    if math.isnan(a) or math.isnan(b):
        return False
    if operator == "<":
        return a < b
    if operator == "<=":
        return a <= b
    if operator == ">":
        return a > b
    return a >= b


def _arithmetic(operator: str, left: object, right: object) -> float:
    a, b = to_number(left), to_number(right)
    try:
        if operator == "+":
            return a + b
        if operator == "-":
            return a - b
        if operator == "*":
            return a * b
        if operator == "div":
            if b == 0:
                if a == 0 or math.isnan(a):
                    return math.nan
                return math.copysign(math.inf, a) * math.copysign(1.0, b)
            return a / b
        return math.fmod(a, b)  # mod: the sign follows the dividend, as in XPath
    except (ValueError, ZeroDivisionError, OverflowError):
        return math.nan


def _elements(value: object) -> list[object]:
    if _is_empty(value):
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    if isinstance(value, str):
        return list(value.split())
    return [value]


def _selected(value: object, wanted: object) -> bool:
    wanted_text = to_string(wanted).strip()
    for element in _elements(value):
        if isinstance(element, Choice):
            if wanted_text in (element.value, str(element.code)):
                return True
        elif _is_number(element):
            if to_number(element) == to_number(wanted_text):
                return True
        elif to_string(element) == wanted_text:
            return True
    return False


class _Evaluator:
    def __init__(self, answers: Mapping[str, object], current: object) -> None:
        self.answers = answers
        self.current = current

    def run(self, node: Expression) -> object:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Reference):
            return self.answers.get(node.name)
        if isinstance(node, Current):
            return self.current
        if isinstance(node, Negation):
            return -to_number(self.run(node.operand))
        if isinstance(node, BinaryOperation):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(f"unknown node {node!r}")  # pragma: no cover

    def binary(self, node: BinaryOperation) -> object:
        operator = node.operator
        if operator == "and":
            return to_bool(self.run(node.left)) and to_bool(self.run(node.right))
        if operator == "or":
            return to_bool(self.run(node.left)) or to_bool(self.run(node.right))
        left, right = self.run(node.left), self.run(node.right)
        if operator == "=":
            return _equals(left, right)
        if operator == "!=":
            return not _equals(left, right)
        if operator in ("<", "<=", ">", ">="):
            return _order(operator, left, right)
        return _arithmetic(operator, left, right)

    def call(self, node: Call) -> object:
        name = node.function
        args = node.arguments
        if name == "true":
            return True
        if name == "false":
            return False
        if name == "not":
            return not to_bool(self.run(args[0]))
        if name == "if":
            chosen = args[1] if to_bool(self.run(args[0])) else args[2]
            return self.run(chosen)
        if name == "coalesce":
            first = self.run(args[0])
            return self.run(args[1]) if _is_empty(first) else first
        if name == "selected":
            return _selected(self.run(args[0]), self.run(args[1]))
        if name == "count-selected":
            return float(len(_elements(self.run(args[0]))))
        if name == "string-length":
            return float(len(to_string(self.run(args[0]))))
        if name == "number":
            return to_number(self.run(args[0]))
        raise TypeError(f"unknown function {name!r}")  # pragma: no cover


def evaluate(
    expression: Expression | str,
    answers: Mapping[str, object],
    *,
    current: object = None,
) -> object:
    """Evaluate an expression against answers (pure).

    ``answers`` maps variable names to values: numbers, strings, booleans, lists (for
    multiple choice) or :class:`Choice` objects (see
    :func:`fragebogen.validation.expression_values`, which turns stored option codes
    into choices). Missing names are unanswered. ``current`` is the value of ``.``.
    The result is a bool, float or str (or the referenced value itself for an
    expression that is a bare reference).
    """
    node = parse(expression) if isinstance(expression, str) else expression
    return _Evaluator(answers, current).run(node)


def evaluate_bool(
    expression: Expression | str,
    answers: Mapping[str, object],
    *,
    current: object = None,
) -> bool:
    """:func:`evaluate`, converted to a truth value as XPath ``boolean()`` does."""
    return to_bool(evaluate(expression, answers, current=current))
