"""Answer options of a LimeSurvey question: our value names and numeric codes.

LimeSurvey answer codes (``A1``, ``1``, ``01``, ``sq-1`` …) become an option ``value``
(``a1``, ``c1``, ``c01``, ``sq_1``) and a numeric ``code``: a numeric answer code keeps
its number, so ``${frage} >= 4`` means what ``frage >= 4`` meant in LimeSurvey; other
codes are numbered by position. Codes that would give the same value or number (``A``
and ``a``, ``1`` and ``01``) are kept as separate options with a changed value or
number, never merged; :func:`option_keys` says which were changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fragebogen.model import Option, Text

__all__ = ["OptionKey", "option_keys", "other_option"]

_NUMERIC = re.compile(r"-?\d+")


@dataclass(frozen=True)
class OptionKey:
    """Our value and numeric code of one LimeSurvey answer code."""

    code: str  # the LimeSurvey answer code
    value: str
    number: int
    changed: bool  # True if value or number had to differ from the usual one


def _value(code: str) -> str:
    if _NUMERIC.fullmatch(code):
        return f"c{code}".replace("-", "m")
    value = re.sub(r"[^a-z0-9_]+", "_", code.lower()).strip("_")
    return value if value[:1].isalpha() else f"o_{value}"


def option_keys(codes: Sequence[str]) -> list[OptionKey]:
    """Unique values and numbers for the answer codes of one question, in order.

    Numeric codes claim their own number first; the others take their position
    (1-based) or, when that is taken, the next free number.
    """
    numbers: dict[int, int] = {}  # index in codes -> number
    taken: set[int] = set()
    for index, code in enumerate(codes):
        if _NUMERIC.fullmatch(code) and int(code) not in taken:
            numbers[index] = int(code)
            taken.add(int(code))
    keys: list[OptionKey] = []
    values: set[str] = set()
    for index, code in enumerate(codes):
        changed = False
        number = numbers.get(index)
        if number is None:
            number = index + 1
            changed = bool(_NUMERIC.fullmatch(code))
            while number in taken:
                number += 1
            taken.add(number)
        value = base = _value(code)
        suffix = 2
        while value in values:
            value, suffix, changed = f"{base}_{suffix}", suffix + 1, True
        values.add(value)
        keys.append(OptionKey(code, value, number, changed))
    return keys


def other_option(
    options: Sequence[Option], label: str, languages: Sequence[str]
) -> Option:
    """The "other" option after ``options``, labelled ``label`` or Sonstiges/Other."""
    texts = {
        lang: label or ("Sonstiges" if lang.startswith("de") else "Other")
        for lang in languages
    }
    code = max((o.code for o in options), default=0) + 1
    value = "other" if "other" not in {o.value for o in options} else "other_1"
    return Option(code=code, value=value, label=Text(texts), other=True)
