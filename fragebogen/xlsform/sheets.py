"""Reading the sheets of an XLSForm within bounded time and memory.

An ``.xlsx`` file is a zip archive: before openpyxl reads anything, the entries'
declared uncompressed sizes and compression ratios are checked, so a small file that
inflates to gigabytes is refused at once. Rows and columns are limited per sheet.
``.xls`` files are read with xlrd, CSV and markdown XLSForms with pyxform's readers,
each after a size check. Every refusal is a
:class:`~fragebogen.errors.DefinitionError` with a German message; no exception text of
a reader reaches the user.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from os import PathLike
from pathlib import Path
from typing import Any

from fragebogen.errors import DefinitionError, Problem

__all__ = [
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "Row",
    "Sheet",
    "check_zip",
    "read_sheets",
]

#: Largest file accepted, in bytes.
MAX_FILE_BYTES = 5_000_000
#: Largest total uncompressed size of the entries of an ``.xlsx`` file.
MAX_UNPACKED_BYTES = 50_000_000
#: Highest compression ratio of an entry bigger than :data:`_RATIO_FROM` bytes.
MAX_RATIO = 100
_RATIO_FROM = 1_000_000
#: Most entries of an ``.xlsx`` file.
MAX_ENTRIES = 1000
#: Most rows per sheet (the header row not counted).
MAX_ROWS = 5000
#: Most columns per sheet.
MAX_COLUMNS = 200

#: The sheets an XLSForm may have; others are reported and skipped.
KNOWN_SHEETS = ("survey", "choices", "settings", "external_choices", "entities", "osm")


@dataclass
class Row:
    """One row of a sheet; ``number`` is the row as shown in a spreadsheet."""

    sheet: str
    number: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "").strip()


@dataclass
class Sheet:
    """A sheet's headers (as written) and non-empty rows."""

    name: str
    headers: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    #: Rows with cells right of :data:`MAX_COLUMNS` (which are not read).
    cut_rows: list[int] = field(default_factory=list)


def _refuse(code: str, message: str, **params: Any) -> DefinitionError:
    return DefinitionError([Problem(code, "", message, params)])


def check_zip(data: bytes) -> None:
    """Refuse a zip archive whose entries would inflate beyond the limits."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse(
            "unreadable_file",
            "Die Datei ist keine lesbare Excel-Datei (xlsx).",
        ) from None
    if len(entries) > MAX_ENTRIES:
        raise _refuse(
            "hostile_file",
            f"Die Excel-Datei hat {len(entries)} Bestandteile; erlaubt sind höchstens "
            f"{MAX_ENTRIES}.",
            count=len(entries),
            limit=MAX_ENTRIES,
        )
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _RATIO_FROM and ratio > MAX_RATIO:
            raise _refuse(
                "hostile_file",
                f"Der Bestandteil {entry.filename!r} der Excel-Datei ist "
                f"{ratio:.0f}-fach komprimiert (erlaubt ist höchstens "
                f"{MAX_RATIO}-fach); die Datei wird nicht gelesen.",
                entry=entry.filename,
                ratio=round(ratio),
                limit=MAX_RATIO,
            )
    if total > MAX_UNPACKED_BYTES:
        raise _refuse(
            "hostile_file",
            f"Die Excel-Datei ist entpackt {total // 1_000_000} MB groß; erlaubt sind "
            f"höchstens {MAX_UNPACKED_BYTES // 1_000_000} MB.",
            size=total,
            limit=MAX_UNPACKED_BYTES,
        )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\xa0", " ").strip()


def _too_many_rows(sheet: str) -> DefinitionError:
    return _refuse(
        "too_many_rows",
        f"Das Blatt {sheet!r} hat mehr als {MAX_ROWS} Zeilen; so große Fragebögen "
        "werden nicht eingelesen.",
        sheet=sheet,
        limit=MAX_ROWS,
    )


def _sheet(name: str, rows: Iterable[tuple[int, list[str]]]) -> Sheet:
    """A sheet from (row number, cells) pairs; the first non-empty row is the header."""
    sheet = Sheet(name)
    headers: list[str] | None = None
    for number, cells in rows:
        if len(cells) > MAX_COLUMNS:
            if any(cells[MAX_COLUMNS:]):
                sheet.cut_rows.append(number)
            cells = cells[:MAX_COLUMNS]
        if headers is None:
            if any(cells):
                headers = [re.sub(r"\s+", " ", cell) for cell in cells]
                sheet.headers = headers
            continue
        if len(sheet.rows) >= MAX_ROWS and any(cells):
            raise _too_many_rows(name)
        values: dict[str, str] = {}
        for header, cell in zip(headers, cells, strict=False):
            if header and cell and header not in values:
                values[header] = cell
        if values:
            sheet.rows.append(Row(name, number, values))
    return sheet


def _xlsx_rows(book: Any, worksheet: Any) -> Iterator[tuple[int, list[str]]]:
    """The rows present in the sheet's XML with their numbers.

    openpyxl's own row iterator fills every gap with empty rows, up to the declared
    dimension (often ``A1:AMJ1048576``), which takes minutes for a short sheet.
    """
    from openpyxl.worksheet._reader import (  # type: ignore[import-untyped]
        WorkSheetParser,
    )

    with worksheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            texts: dict[int, str] = {}
            for cell in cells:
                text = _cell_text(cell["value"])
                if text:
                    # all cells right of the limit count as one: reported, skipped
                    texts[min(int(cell["column"]), MAX_COLUMNS + 1)] = text
            if texts:
                yield number, [texts.get(c, "") for c in range(1, max(texts) + 1)]


def _read_xlsx(data: bytes) -> list[Sheet]:
    # openpyxl warns about parts of a workbook it does not read (data validation,
    # conditional formatting extensions); they never hold questionnaire content
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        return _read_xlsx_quietly(data)


def _read_xlsx_quietly(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    check_zip(data)
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        raise _refuse(
            "unreadable_file", "Die Datei ist keine lesbare Excel-Datei (xlsx)."
        ) from None
    try:
        sheets = []
        for worksheet in book.worksheets:
            rows = _xlsx_rows(book, worksheet)
            sheets.append(_sheet(worksheet.title, rows))
        return sheets
    except (ValueError, TypeError, KeyError):
        raise _refuse(
            "unreadable_file", "Die Excel-Datei (xlsx) ist beschädigt."
        ) from None
    finally:
        book.close()


def _read_xls(data: bytes) -> list[Sheet]:
    import xlrd  # type: ignore[import-untyped]

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True)
    except (xlrd.XLRDError, ValueError, KeyError, IndexError, AssertionError, OSError):
        raise _refuse(
            "unreadable_file", "Die Datei ist keine lesbare Excel-Datei (xls)."
        ) from None
    try:
        sheets = []
        for index in range(book.nsheets):
            worksheet = book.sheet_by_index(index)

            def texts(row: int, worksheet: Any = worksheet) -> list[str]:
                cells = []
                for cell in worksheet.row_slice(row, 0, MAX_COLUMNS + 1):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            value: object = xlrd.xldate_as_datetime(
                                cell.value, book.datemode
                            )
                        except (ValueError, OverflowError):
                            value = cell.value
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        value = bool(cell.value)
                    else:
                        value = cell.value
                    cells.append(_cell_text(value))
                return cells

            rows = ((row + 1, texts(row)) for row in range(worksheet.nrows))
            sheets.append(_sheet(worksheet.name, rows))
        return sheets
    finally:
        book.release_resources()


def _read_text(data: bytes, kind: str) -> list[Sheet]:
    from pyxform.errors import PyXFormError  # type: ignore[import-untyped]
    from pyxform.xls2json_backends import (  # type: ignore[import-untyped]
        csv_to_dict,
        md_to_dict,
    )

    try:
        book = (md_to_dict if kind == "md" else csv_to_dict)(BytesIO(data))
    except (PyXFormError, UnicodeDecodeError, ValueError, TypeError, AttributeError):
        raise _refuse(
            "unreadable_file",
            "Die Datei ist kein lesbares XLSForm (xlsx, xls, csv oder Markdown).",
        ) from None
    sheets = []
    for name in book.get("sheet_names", []):
        key = str(name).lower()
        rows = book.get(key) or []
        if len(rows) > MAX_ROWS:
            raise _too_many_rows(key)
        header_rows = book.get(f"{key}_header") or [{}]
        headers = [str(header) for header in header_rows[0]]
        sheet = Sheet(str(name), headers)
        for index, values in enumerate(rows):
            cleaned = {
                re.sub(r"\s+", " ", str(header).strip()): _cell_text(value)
                for header, value in values.items()
                if _cell_text(value)
            }
            if cleaned:
                sheet.rows.append(Row(str(name), index + 2, cleaned))
        sheets.append(sheet)
    return sheets


def _kind(data: bytes, suffix: str) -> str:
    if data.startswith(b"PK"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix == ".csv":
        return "csv"
    head = data[:4096].lstrip()
    return "md" if head.startswith(b"|") or b"\n|" in head[:400] else "csv"


def read_sheets(
    source: bytes | str | PathLike[str], filename: str = ""
) -> dict[str, Sheet]:
    """The sheets of an XLSForm by lower-case name (xlsx, xls, csv or markdown).

    Raises :class:`~fragebogen.errors.DefinitionError` for files that are too large,
    would inflate beyond the limits, or cannot be read.
    """
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _file_too_large(size)
        data = path.read_bytes()
        filename = filename or path.name
    if len(data) > MAX_FILE_BYTES:
        raise _file_too_large(len(data))
    if not data.strip():
        raise _refuse("empty_file", "Die Datei ist leer.")
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = _kind(data, suffix)
    if kind == "xlsx":
        sheets = _read_xlsx(data)
    elif kind == "xls":
        sheets = _read_xls(data)
    else:
        sheets = _read_text(data, kind)
    found: dict[str, Sheet] = {}
    for sheet in sheets:
        found.setdefault(sheet.name.strip().lower(), sheet)
    if len(found) == 1 and "survey" not in found:
        # pyxform reads a single sheet of any name as the survey
        only = next(iter(found.values()))
        found = {"survey": only}
    return found


def _file_too_large(size: int) -> DefinitionError:
    return _refuse(
        "file_too_large",
        f"Die Datei ist {size / 1_000_000:.1f} MB groß; erlaubt sind höchstens "
        f"{MAX_FILE_BYTES // 1_000_000} MB.",
        size=size,
        limit=MAX_FILE_BYTES,
    )


def sheet_names(sheets: Mapping[str, Sheet]) -> list[str]:
    """The sheets that are not part of XLSForm, by their written names."""
    return [sheet.name for key, sheet in sheets.items() if key not in KNOWN_SHEETS]
