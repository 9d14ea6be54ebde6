"""Population tables as cities publish them: long or wide CSV (``;`` ``,`` or tab,
German or English numbers, UTF-8 with or without BOM or Windows-1252) and Excel
XLSX; read once, then mapped column by column and checked against a layer.

Read → map → report → confirm: :func:`read_table_file` keeps the raw cells,
:func:`guess_mapping` proposes which column is the area key and which columns are
which population level, :func:`check_mapping` names every value that cannot be
taken over (row and column) and every area that does not match the layer.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .geodata.limits import MAX_COUNT, MAX_LABEL_LENGTH
from .geodata.problems import GeodataError, Problem, _Problems
from .geodata.tables import DISTRICT_COLUMNS, POPULATION_COLUMNS

MAX_TABLE_BYTES = 8 * 1024 * 1024
MAX_XLSX_UNZIPPED = 48 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200
MAX_CELL_LENGTH = 200
SAMPLE_ROWS = 5

# the column names the long-format upload already knows, and two more for keys
_KEY_NAMES = (*DISTRICT_COLUMNS, "nummer", "schluessel")
_LONG_NAMES = {role: n for role, n in POPULATION_COLUMNS.items() if role != "district"}
_SHARE_WORDS = ("percent", "prozent", "anteil", "quote", "share", "rate")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _fail(code: str, place: str, message: str) -> GeodataError:
    return GeodataError(code, [Problem(place, message)])


# -- reading ----------------------------------------------------------------------


@dataclass(frozen=True)
class RawTable:
    """The cells of a table file as text, with the row number a person sees."""

    filename: str
    source_format: str  # "CSV (Semikolon)", "Excel (XLSX)" …
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    german_numbers: bool
    notes: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "format": self.source_format,
            "header": list(self.header),
            "rows": [[number, list(cells)] for number, cells in self.rows],
            "german_numbers": self.german_numbers,
            "notes": list(self.notes),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RawTable:
        return cls(
            filename=str(data["filename"]),
            source_format=str(data["format"]),
            header=tuple(str(h) for h in data["header"]),
            rows=tuple(
                (int(number), tuple(str(c) for c in cells))
                for number, cells in data["rows"]
            ),
            german_numbers=bool(data["german_numbers"]),
            notes=tuple(str(n) for n in data.get("notes", ())),
        )

    def column_label(self, index: int) -> str:
        """``Spalte C „inhabitants“`` – letter as in a spreadsheet, and header."""
        return f"Spalte {column_letter(index)} „{self.header[index]}“"

    def sample(self) -> list[tuple[int, tuple[str, ...]]]:
        return list(self.rows[:SAMPLE_ROWS])


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_table_file(data: bytes, filename: str) -> RawTable:
    """Read a CSV or XLSX population table; refuses empty, oversized, ragged and
    unreadable files naming the place. Raises :class:`GeodataError`."""
    if len(data) > MAX_TABLE_BYTES:
        raise _fail(
            "too_large",
            "Datei",
            f"Die Datei ist größer als {MAX_TABLE_BYTES // (1024 * 1024)} MB.",
        )
    if not data.strip():
        raise _fail("empty_file", "Datei", "Die Datei ist leer.")
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        header, rows, notes = _read_xlsx(data)
        source_format, german = "Excel (XLSX)", True
    else:
        header, rows, notes, source_format, german = _read_csv(data)
    if len(header) > MAX_COLUMNS:
        raise _fail("too_many_columns", "Zeile 1", f"Mehr als {MAX_COLUMNS} Spalten.")
    if len(header) < 2:
        raise _fail(
            "one_column",
            "Zeile 1",
            "Die Kopfzeile hat nur eine Spalte; erwartet werden eine Spalte mit der "
            "Gebietskennung und Spalten mit Zahlen (Trennzeichen Semikolon, Komma "
            "oder Tabulator).",
        )
    names = [" ".join(h.split()) for h in header]
    for index, name in enumerate(names):
        if not name:
            names[index] = f"Spalte {column_letter(index)}"
    if not rows:
        raise _fail("no_rows", "Datei", "Die Datei enthält nur die Kopfzeile.")
    return RawTable(
        filename=filename[:255],
        source_format=source_format,
        header=tuple(names),
        rows=tuple(rows),
        german_numbers=german,
        notes=tuple(notes),
    )


def _decode(data: bytes) -> tuple[str, list[str]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, [
        "Die Datei ist nicht UTF-8-kodiert; sie wurde als Windows-1252 "
        "(Westeuropäisch) gelesen. Bitte prüfen Sie Umlaute in der Vorschau."
    ]


def _read_csv(
    data: bytes,
) -> tuple[list[str], list[tuple[int, tuple[str, ...]]], list[str], str, bool]:
    text, notes = _decode(data)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    if first.count(delimiter) == 0:
        raise _fail(
            "no_separator",
            "Zeile 1",
            "Die Kopfzeile hat kein Trennzeichen (Semikolon, Komma oder Tabulator).",
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems = _Problems("bad_table")
    rows: list[tuple[int, tuple[str, ...]]] = []
    try:
        header = next(reader)
        width = len(header)
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) >= MAX_ROWS:
                raise _fail(
                    "too_many_rows", f"Zeile {number}", f"Mehr als {MAX_ROWS} Zeilen."
                )
            if len(row) != width:
                problems.add(
                    f"Zeile {number}",
                    f"{len(row)} statt {width} Felder (Trennzeichen {delimiter!r}).",
                )
                continue
            rows.append((number, tuple(_cell_text(c) for c in row)))
    except csv.Error as error:
        raise _fail(
            "bad_csv",
            f"Zeile {reader.line_num}",
            f"Die CSV-Datei ist fehlerhaft ({error}).",
        ) from error
    problems.raise_if_any()
    names = {";": "Semikolon", ",": "Komma", "\t": "Tabulator"}
    return (
        [_cell_text(h) for h in header],
        rows,
        notes,
        f"CSV ({names[delimiter]})",
        delimiter != ",",
    )


def _cell_text(value: str) -> str:
    return value.strip()[:MAX_CELL_LENGTH]


def _read_xlsx(
    data: bytes,
) -> tuple[list[str], list[tuple[int, tuple[str, ...]]], list[str]]:
    """The first non-empty sheet, read-only, after checking the unpacked size."""
    import openpyxl  # noqa: PLC0415 - only needed for Excel files

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise _fail(
            "bad_xlsx", "Datei", "Die Datei ist keine lesbare Excel-Datei (XLSX)."
        ) from error
    if unpacked > MAX_XLSX_UNZIPPED:
        raise _fail(
            "too_large",
            "Datei",
            "Die Excel-Datei ist entpackt größer als "
            f"{MAX_XLSX_UNZIPPED // (1024 * 1024)} MB.",
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on broken files
        raise _fail(
            "bad_xlsx", "Datei", "Die Datei ist keine lesbare Excel-Datei (XLSX)."
        ) from error
    notes: list[str] = []
    try:
        for sheet in book.worksheets:
            header: list[str] | None = None
            rows: list[tuple[int, tuple[str, ...]]] = []
            for number, values in enumerate(
                sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1
            ):
                cells = [_excel_text(v) for v in values]
                while cells and not cells[-1]:
                    cells.pop()
                if not any(cells):
                    continue
                if header is None:
                    header = cells
                    continue
                if len(rows) >= MAX_ROWS:
                    raise _fail(
                        "too_many_rows",
                        f"Blatt „{sheet.title}“, Zeile {number}",
                        f"Mehr als {MAX_ROWS} Zeilen.",
                    )
                cells += [""] * (len(header) - len(cells))
                rows.append((number, tuple(cells[: len(header)])))
            if header is not None:
                if len(book.worksheets) > 1:
                    notes.append(
                        f"Gelesen wurde das Blatt „{sheet.title}“ (das erste mit "
                        "Inhalt)."
                    )
                return header, rows, notes
    finally:
        book.close()
    raise _fail("empty_file", "Datei", "Die Excel-Datei enthält keine Zeilen.")


def _excel_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return _cell_text(str(value))


# -- numbers ----------------------------------------------------------------------


_GERMAN_GROUPED = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
_GERMAN_PLAIN = re.compile(r"-?\d+(,\d+)?")
_ENGLISH_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
_ENGLISH_PLAIN = re.compile(r"-?\d+(\.\d+)?")


def parse_number(text: str, german: bool) -> float | None:
    """A number as cities write it: ``1.234,5`` (German) or ``1,234.5`` / ``1234.5``
    (English); ``None`` if it is none."""
    value = text.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if german:
        if _GERMAN_GROUPED.fullmatch(value) or _GERMAN_PLAIN.fullmatch(value):
            return float(value.replace(".", "").replace(",", "."))
        if _ENGLISH_PLAIN.fullmatch(value):
            return float(value)
        return None
    if _ENGLISH_GROUPED.fullmatch(value):
        return float(value.replace(",", ""))
    if _ENGLISH_PLAIN.fullmatch(value):
        return float(value)
    if _GERMAN_PLAIN.fullmatch(value):
        return float(value.replace(",", "."))
    return None


# -- mapping ----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnUse:
    """What a wide file's column holds: ``variable`` = ``level`` (or unused)."""

    variable: str = ""
    level: str = ""

    @property
    def used(self) -> bool:
        return bool(self.variable and self.level)


@dataclass(frozen=True)
class TableMapping:
    """The admin's (or the proposed) reading of a table."""

    shape: str  # "wide" or "long"
    key_column: int
    columns: tuple[ColumnUse, ...] = ()  # wide: one per column
    variable_column: int | None = None  # long
    level_column: int | None = None  # long
    count_column: int | None = None  # long


def column_key(name: str) -> str:
    text = unicodedata.normalize("NFC", name).strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _name(text: str) -> str:
    key = column_key(text)
    if key and not key[0].isalpha():
        key = "v_" + key
    return key[:MAX_LABEL_LENGTH]


def guess_mapping(table: RawTable, codes: Iterable[str]) -> TableMapping:
    """Propose the key column (the one whose values match most of the layer's
    codes), long or wide, and for wide files variable and level per column from
    the header names: the largest group of count columns sharing a name prefix
    (``inhabitants_age_below_6`` … → ``inhabitants_age`` = ``below_6``)."""
    known = set(codes)
    keys = [column_key(h) for h in table.header]
    matches = [
        sum(1 for _, cells in table.rows if cells[i] in known)
        for i in range(len(table.header))
    ]
    key_column = max(
        range(len(keys)), key=lambda i: (matches[i], keys[i] in _KEY_NAMES, -i)
    )
    if not matches[key_column]:
        named = [i for i, k in enumerate(keys) if k in _KEY_NAMES]
        key_column = named[0] if named else 0
    long_columns = {
        role: next((i for i, k in enumerate(keys) if k in names), None)
        for role, names in _LONG_NAMES.items()
    }
    if all(v is not None for v in long_columns.values()):
        return TableMapping(
            shape="long",
            key_column=key_column,
            variable_column=long_columns["variable"],
            level_column=long_columns["level"],
            count_column=long_columns["count"],
        )
    counts = [
        i
        for i in range(len(keys))
        if i != key_column
        and not any(word in keys[i] for word in _SHARE_WORDS)
        and _numbers(table, i)
    ]
    prefixes = {
        i: _prefix(keys[i], [keys[j] for j in counts if j != i]) for i in counts
    }
    groups: dict[str, list[int]] = {}
    for i, prefix in prefixes.items():
        if prefix:
            groups.setdefault(prefix, []).append(i)
    chosen = max(groups.items(), key=lambda g: (len(g[1]), len(g[0])), default=None)
    uses = [ColumnUse() for _ in keys]
    if chosen is not None and len(chosen[1]) >= 2:
        prefix, members = chosen
        for i in members:
            uses[i] = ColumnUse(_name(prefix), keys[i][len(prefix) :].strip("_"))
    else:
        for i in counts:
            uses[i] = ColumnUse("merkmal", keys[i])
    return TableMapping(shape="wide", key_column=key_column, columns=tuple(uses))


def _prefix(key: str, others: Sequence[str]) -> str:
    """The longest proper ``_``-prefix of ``key`` that another column shares."""
    tokens = key.split("_")
    for size in range(len(tokens) - 1, 0, -1):
        prefix = "_".join(tokens[:size])
        if any(other.startswith(prefix + "_") for other in others):
            return prefix
    return ""


def _numbers(table: RawTable, index: int) -> bool:
    """Most of the column's first values are numbers (a stray bad value does not
    hide the column; the check names it)."""
    values = [cells[index] for _, cells in table.rows[:200] if cells[index]]
    whole = 0
    for text in values:
        number = parse_number(text, table.german_numbers)
        if number is not None:
            whole += 1
    return bool(values) and whole >= 0.5 * len(values)


# -- checking ---------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    code: str
    variable: str
    level: str
    count: int


@dataclass(frozen=True)
class Report:
    """What an import would take over, and what not (shown before confirming)."""

    figures: tuple[Figure, ...]
    matched: tuple[str, ...]  # layer codes with figures
    unknown: tuple[tuple[int, str], ...]  # (row number, key) not in the layer
    without: tuple[str, ...]  # layer codes without any figure
    variables: tuple[tuple[str, tuple[str, ...]], ...]  # variable, levels
    rounded: int = 0
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return bool(self.figures) and not self.problems


def check_mapping(
    table: RawTable, mapping: TableMapping, codes: Sequence[str]
) -> Report:
    """Apply a mapping: every value must be a number ≥ 0 (decimals are rounded),
    every (area, variable, level) once. Unknown areas and layer districts without
    figures are reported, not refused; bad values are problems (row and column)."""
    known = set(codes)
    problems = _Problems("bad_population")
    figures: dict[tuple[str, str, str], tuple[int, Figure]] = {}
    unknown: list[tuple[int, str]] = []
    rounded = 0

    def add(number: int, code: str, variable: str, level: str, index: int) -> None:
        nonlocal rounded
        place = f"Zeile {number}, {table.column_label(index)}"
        text = cells[index]
        value = parse_number(text, table.german_numbers) if text else None
        if value is None:
            problems.add(
                place,
                f"{text!r} ist keine Zahl." if text else "Der Wert fehlt.",
            )
            return
        if value < 0:
            problems.add(place, f"{text} ist negativ.")
            return
        if value > MAX_COUNT:
            problems.add(place, f"{text} ist zu groß.")
            return
        if not value.is_integer():
            rounded += 1
        item = (code, variable, level)
        if item in figures:
            problems.add(
                place,
                f"Gebiet {code}, {variable} = {level} steht schon in Zeile "
                f"{figures[item][0]}.",
            )
            return
        figures[item] = (number, Figure(code, variable, level, round(value)))

    for number, cells in table.rows:
        code = cells[mapping.key_column]
        if code not in known:
            unknown.append((number, code))
            continue
        if mapping.shape == "long":
            variable = _name(cells[mapping.variable_column or 0])
            level = " ".join(cells[mapping.level_column or 0].split())
            if not variable or not level:
                problems.add(
                    f"Zeile {number}",
                    "Merkmal oder Ausprägung fehlt.",
                )
                continue
            add(number, code, variable, level, mapping.count_column or 0)
        else:
            for index, use in enumerate(mapping.columns):
                if use.used and index != mapping.key_column:
                    add(number, code, use.variable, use.level, index)
    chosen = [f for _, f in figures.values()]
    matched = sorted({f.code for f in chosen})
    variables: dict[str, set[str]] = {}
    for figure in chosen:
        variables.setdefault(figure.variable, set()).add(figure.level)
    return Report(
        figures=tuple(chosen),
        matched=tuple(matched),
        unknown=tuple(unknown),
        without=tuple(c for c in codes if c not in set(matched)),
        variables=tuple((v, tuple(sorted(ls))) for v, ls in sorted(variables.items())),
        rounded=rounded,
        problems=tuple(problems.items)
        + (
            (Problem("Datei", f"… und {problems.more} weitere Probleme dieser Art."),)
            if problems.more
            else ()
        ),
    )


def mapping_problems(table: RawTable, mapping: TableMapping) -> list[tuple[str, str]]:
    """(field name, message) for a mapping that cannot be applied."""
    problems: list[tuple[str, str]] = []
    width = len(table.header)
    if not 0 <= mapping.key_column < width:
        problems.append(
            ("key_column", "Bitte die Spalte mit der Gebietskennung wählen.")
        )
        return problems
    if mapping.shape == "long":
        chosen = (mapping.variable_column, mapping.level_column, mapping.count_column)
        for name, index in zip(
            ("variable_column", "level_column", "count_column"), chosen, strict=True
        ):
            if index is None or not 0 <= index < width:
                problems.append((name, "Bitte eine Spalte wählen."))
            elif index == mapping.key_column:
                problems.append((name, "Das ist die Spalte mit der Gebietskennung."))
        return problems
    used = 0
    seen: dict[tuple[str, str], int] = {}
    for index, use in enumerate(mapping.columns):
        if index == mapping.key_column or not (use.variable or use.level):
            continue
        field_name = f"col-{index}"
        label = table.column_label(index)
        if not use.variable or not use.level:
            problems.append(
                (field_name, f"{label}: bitte Merkmal und Ausprägung angeben.")
            )
            continue
        if not _NAME.fullmatch(use.variable) or use.variable == "district":
            problems.append(
                (
                    field_name,
                    f"{label}: das Merkmal „{use.variable}“ muss mit einem "
                    "Kleinbuchstaben beginnen und darf nur a–z, 0–9 und _ enthalten "
                    "(nicht „district“).",
                )
            )
            continue
        if len(use.level) > MAX_LABEL_LENGTH:
            problems.append((field_name, f"{label}: die Ausprägung ist zu lang."))
            continue
        if (use.variable, use.level) in seen:
            other = table.column_label(seen[(use.variable, use.level)])
            problems.append(
                (
                    field_name,
                    f"{label}: {use.variable} = {use.level} ist schon {other}.",
                )
            )
            continue
        seen[(use.variable, use.level)] = index
        used += 1
    if not used:
        problems.append(
            ("columns", "Bitte mindestens eine Spalte einer Ausprägung zuordnen.")
        )
    return problems
