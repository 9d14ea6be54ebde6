"""The errors of designer actions: ``DesignError`` and its stale-form case."""

from __future__ import annotations

from collections.abc import Iterable

from fragebogen.errors import Problem


class DesignError(Exception):
    """A designer action cannot be done; ``message`` says why (German)."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class StaleVersionError(DesignError):
    """The form was made for an older state of the draft."""
