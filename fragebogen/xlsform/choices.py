"""The choices sheet -> answer options per list."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fragebogen.model import NAME_PATTERN, Option, Text
from fragebogen.xlsform.columns import ascii_name

if TYPE_CHECKING:
    from fragebogen.xlsform.questions import QuestionReader
    from fragebogen.xlsform.sheets import Row, Sheet

__all__ = ["FALSE", "TRUE", "read_choices"]

_NAME = re.compile(NAME_PATTERN)
#: Spellings of yes and no in flag columns.
TRUE = frozenset({"yes", "true", "true()", "1", "ja", "y"})
FALSE = frozenset({"no", "false", "false()", "0", "nein", "n", ""})


def read_choices(
    reader: QuestionReader, sheet: Sheet | None
) -> dict[str, list[Option]]:
    lists: dict[str, list[Option]] = {}
    for row in sheet.rows if sheet else ():
        list_name = reader.get(row, "list_name")
        written = reader.get(row, "name")
        if not list_name or not written:
            reader.notices.add(
                "incomplete_choice",
                row.sheet,
                row.number,
                "",
                "Der Zeile fehlt list_name oder name; sie wird",
                "skipped",
            )
            continue
        options = lists.setdefault(list_name, [])
        code_text = reader.get(row, "code")
        code = None
        if re.fullmatch(r"-?\d+(\.0+)?", code_text):
            code = int(float(code_text))
        elif re.fullmatch(r"-?\d+", written):
            code = int(written)
        taken = {option.code for option in options}
        if code is None or code in taken:
            code = max(taken, default=0) + 1
        value = _option_value(reader, row, list_name, written, options)
        if value is None:
            continue
        label = reader.text(row, "label") or Text({reader.langs.plain: written})
        options.append(
            Option(
                code=code,
                value=value,
                label=label,
                missing=_flag(reader, row, "missing"),
                exclusive=_flag(reader, row, "exclusive"),
                other=_flag(reader, row, "other"),
            )
        )
        reader.choice_rows[(list_name, value)] = row
        reader.leftovers(
            row,
            {"list_name", "name", "label", "code", "missing", "exclusive", "other"},
        )
    return lists


def _option_value(
    reader: QuestionReader,
    row: Row,
    list_name: str,
    written: str,
    options: list[Option],
) -> str | None:
    values = {option.value for option in options}
    if re.fullmatch(r"-?\d+", written):
        value = f"c{written}".replace("-", "m")
    elif _NAME.match(written):
        value = written
    else:
        value = ascii_name(written) or "option"
        if not value[0].isalpha():
            value = f"o_{value}"
    if value in values and value == written:
        reader.notices.add(
            "duplicate_choice",
            row.sheet,
            row.number,
            reader.header_value(row, "name")[0],
            f"Die Liste {list_name!r} hat die Option {written!r} schon; diese "
            "Zeile wird",
            "skipped",
            list_name=list_name,
        )
        return None
    base, number = value, 2
    while value in values:
        value, number = f"{base}_{number}", number + 1
    if value != written and not re.fullmatch(r"-?\d+", written):
        reader.option_renamed[(list_name, written)] = value
        reader.notices.add(
            "option_renamed",
            row.sheet,
            row.number,
            reader.header_value(row, "name")[0],
            f"Der Optionsname {written!r} ist kein gültiger Name; er heißt jetzt "
            f"{value!r} und die Bedingungen werden angepasst",
            "changed",
            name=written,
            new_name=value,
        )
    return value


def _flag(reader: QuestionReader, row: Row, key: str) -> bool:
    header, value = reader.header_value(row, key)
    if value.lower() in TRUE:
        return True
    if value.lower() not in FALSE:
        reader.notices.add(
            "invalid_flag",
            row.sheet,
            row.number,
            header,
            f"Erwartet wird yes oder no, nicht {value!r}; der Wert wird",
            "skipped",
        )
    return False
