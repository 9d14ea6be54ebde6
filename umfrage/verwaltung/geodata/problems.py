"""Problems with an upload and the error that refuses it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .limits import MAX_PROBLEMS

# -- errors -----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload: where (``Objekt 3 (STT_NR 010)``,
    ``Zeile 7``, ``Datei``) and what, in German."""

    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class GeodataError(Exception):
    """An upload is refused; ``problems`` name each thing wrong and where."""

    def __init__(self, code: str, problems: Sequence[Problem]) -> None:
        self.code = code
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def _fail(code: str, place: str, message: str) -> GeodataError:
    return GeodataError(code, [Problem(place, message)])


class _Problems:
    """Collects problems; raises them together (the first ``MAX_PROBLEMS``)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.items: list[Problem] = []
        self.more = 0

    def add(self, place: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(place, message))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if not self.items:
            return
        problems = list(self.items)
        if self.more:
            problems.append(
                Problem("Datei", f"… und {self.more} weitere Probleme dieser Art.")
            )
        raise GeodataError(self.code, problems)
