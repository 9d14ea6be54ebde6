"""Errors raised by the questionnaire package.

Every error carries a machine-readable ``code``, the ``place`` it refers to (such as
``pages[2].questions[0].relevant`` or, for answers, the answer field name), parameters
for the message and a German default ``message``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AnswerError",
    "DefinitionError",
    "ExpressionError",
    "Problem",
    "QuestionnaireError",
]


@dataclass(frozen=True)
class Problem:
    """One problem found in a definition or in answers.

    ``place`` is a path into the definition (``pages[0].questions[1].label``) or, for
    answers, the answer field name (``kinder_anzahl``).
    """

    code: str
    place: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


class QuestionnaireError(Exception):
    """Base class of all errors of the ``fragebogen`` package."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        place: str = "",
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.place = place
        self.params: dict[str, Any] = dict(params or {})
        self.message = message
        super().__init__(f"{place}: {message}" if place else message)


def _summary(problems: Sequence[Problem], singular: str, plural: str) -> str:
    lines = [singular if len(problems) == 1 else plural.format(n=len(problems))]
    lines.extend(f"- {problem}" for problem in problems)
    return "\n".join(lines)


class DefinitionError(QuestionnaireError):
    """A questionnaire definition is invalid; ``problems`` lists all problems."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        first = self.problems[0] if self.problems else None
        super().__init__(
            "invalid_definition",
            _summary(
                self.problems,
                "Der Fragebogen enthält einen Fehler:",
                "Der Fragebogen enthält {n} Fehler:",
            ),
            place=first.place if first else "",
            params={"count": len(self.problems)},
        )

    def __str__(self) -> str:
        return self.message


class ExpressionError(QuestionnaireError):
    """An expression cannot be parsed.

    ``position`` is the 0-based character offset in ``expression``; ``place`` is filled
    in when the error is reported for a definition.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        expression: str,
        position: int,
        place: str = "",
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.expression = expression
        self.position = position
        all_params = {"position": position, "expression": expression}
        all_params.update(params or {})
        super().__init__(code, message, place=place, params=all_params)


class AnswerError(QuestionnaireError):
    """Answers to a page are invalid; ``problems`` lists all of them.

    The ``place`` of each problem is the answer field name.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        first = self.problems[0] if self.problems else None
        super().__init__(
            "invalid_answers",
            _summary(
                self.problems,
                "Eine Antwort ist ungültig:",
                "{n} Antworten sind ungültig:",
            ),
            place=first.place if first else "",
            params={"count": len(self.problems)},
        )

    def __str__(self) -> str:
        return self.message

    def by_place(self) -> dict[str, list[Problem]]:
        """The problems grouped by answer field name."""
        grouped: dict[str, list[Problem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.place, []).append(problem)
        return grouped
