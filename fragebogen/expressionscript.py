"""LimeSurvey's ExpressionScript -> our expression language, where it translates.

Handles what relevance equations usually say: question codes (``Q1``, ``Q1.NAOK``,
``{Q1}``), sub-question codes of multiple-choice questions (``Q2_SQ001 == "Y"`` ->
``selected(${q2}, 'sq001')``), comparisons (``==``, ``eq``, ``!=``, ``<`` …), ``and``,
``or``, ``&&``, ``||``, ``!``, ``is_empty()``, strings, numbers and parentheses.
Anything else (other functions, assignments, ``.shown``, tokens of other surveys)
gives None, and the caller names the question in a notice. The result is parsed with
:func:`fragebogen.expressions.parse`, so its depth and length are limited there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from fragebogen.errors import ExpressionError
from fragebogen.expressions import parse

__all__ = ["translate"]

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<string>'[^']*'|\"[^\"]*\")"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!(),+\-*/])"
    r"|(?P<name>\{?[A-Za-z_][A-Za-z0-9_]*(?:\.NAOK|\.code|\.value)?\}?))",
)
_WORDS = {
    "and": "and",
    "or": "or",
    "eq": "=",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
}
_OPERATORS = {"==": "=", "&&": "and", "||": "or"}


def translate(
    text: str,
    question_name: Callable[[str], str | None],
    subquestion: Callable[[str], tuple[str, str] | None],
    value_of: Mapping[tuple[str, str], str] | None = None,
) -> str | None:
    """``text`` in our expression language, or None if it cannot be translated.

    ``question_name(code)`` gives our name of a LimeSurvey question code (None if
    unknown); ``subquestion(code)`` gives (question name, option value) for a
    multiple-choice sub-question code such as ``Q2_SQ001``.
    """
    text = text.strip()
    if text in ("", "1"):
        return None
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip() == "":
                break
            return None
        position = match.end()
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
    out: list[str] = []
    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
        if kind == "name":
            word = value.strip("{}")
            lower = word.lower()
            if lower in _WORDS:
                out.append(_WORDS[lower])
            elif lower == "is_empty" and following == ("op", "("):
                close = tokens[index + 2 : index + 4]
                if len(close) < 2 or close[0][0] != "name" or close[1] != ("op", ")"):
                    return None
                name = question_name(close[0][1].strip("{}").split(".")[0])
                if name is None:
                    return None
                out.append(f"(${{{name}}} = '')")
                index += 4
                continue
            elif following == ("op", "("):
                return None  # other functions do not translate
            else:
                code = word.split(".")[0]
                sub = subquestion(code)
                name = question_name(code)
                if sub is not None and name is None:
                    # Q2_SQ001 == "Y" / != "" -> selected(${q2}, 'sq001')
                    compare = tokens[index + 1 : index + 3]
                    if (
                        len(compare) == 2
                        and compare[0][1] in ("==", "!=")
                        and compare[1][0] == "string"
                    ):
                        chosen = (compare[0][1] == "==") == (compare[1][1][1:-1] != "")
                        call = f"selected(${{{sub[0]}}}, '{sub[1]}')"
                        out.append(call if chosen else f"not({call})")
                        index += 3
                        continue
                    return None
                if name is None:
                    return None
                out.append(f"${{{name}}}")
        elif kind == "string":
            literal = value[1:-1].replace("'", "")
            if len(out) >= 2 and out[-1] in ("=", "!=") and out[-2].startswith("${"):
                literal = (value_of or {}).get((out[-2][2:-1], literal), literal)
            out.append(f"'{literal}'")
        elif kind == "op":
            if value == "!":
                if following == ("op", "(") or (
                    following[0] == "name" and following[1].lower() == "is_empty"
                ):
                    out.append("not")
                else:
                    return None
            else:
                out.append(_OPERATORS.get(value, value))
        else:
            out.append(value)
        index += 1
    result = " ".join(out).replace("( ", "(").replace(" )", ")")
    result = re.sub(r"\bnot \(", "not(", result)
    try:
        parse(result)
    except ExpressionError:
        return None
    return result
