"""Notices of an import: what was not taken over, changed or must be checked.

Every notice is a :class:`~fragebogen.errors.Problem` whose ``params`` hold ``sheet``,
``row`` (as shown in a spreadsheet; 1 is the header row) and ``column`` (the header
as written, empty for a whole row), and ``action``: ``skipped`` (übersprungen),
``as_text`` (als Text übernommen), ``changed`` (angepasst), ``check`` (bitte prüfen).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fragebogen.errors import Problem

__all__ = ["ACTIONS", "Notices", "place_of"]

#: What happens to the part named by a notice, in German.
ACTIONS = {
    "skipped": "übersprungen",
    "as_text": "als Text übernommen",
    "changed": "angepasst",
    "check": "bitte prüfen",
}


def place_of(sheet: str, row: int, column: str) -> str:
    """``Blatt survey, Zeile 7, Spalte 'relevant'`` (German)."""
    place = f"Blatt {sheet}" if sheet else ""
    if row:
        place += f", Zeile {row}"
    if column:
        place += f", Spalte {column!r}"
    return place.lstrip(", ")


@dataclass
class Notices:
    """Collects notices; column notices are merged over the rows they occur in."""

    items: list[Problem] = field(default_factory=list)
    _merged: dict[tuple[str, str, str, str], Problem] = field(default_factory=dict)

    def add(
        self,
        code: str,
        sheet: str,
        row: int,
        column: str,
        message: str,
        action: str,
        **params: Any,
    ) -> None:
        full = {
            "sheet": sheet,
            "row": row,
            "column": column,
            "action": action,
            **params,
        }
        joint = " " if message.endswith((" wird", " werden")) else " – "
        text = f"{message}{joint}{ACTIONS[action]}."
        self.items.append(Problem(code, place_of(sheet, row, column), text, full))

    def add_to_column(
        self,
        code: str,
        sheet: str,
        row: int,
        column: str,
        message: str,
        action: str,
        **params: Any,
    ) -> None:
        """One notice per sheet, column and code, listing all its rows."""
        key = (code, sheet, column, str(params.get("value", "")))
        known = self._merged.get(key)
        if known is not None:
            rows = known.params["rows"]
            if row not in rows:
                rows.append(row)
            return
        self.add(code, sheet, row, column, message, action, rows=[row], **params)
        self._merged[key] = self.items[-1]
