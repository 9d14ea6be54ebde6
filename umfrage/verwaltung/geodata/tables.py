"""Tables for a layer: population counts and street directories."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .limits import MAX_COUNT, MAX_LABEL_LENGTH, MAX_NAME_LENGTH
from .problems import _fail, _Problems

# -- tables: population and streets ---------------------------------------------------


DISTRICT_COLUMNS = (
    "district_id",
    "district",
    "district_code",
    "code",
    "id",
    "gebiet",
    "gebiet_id",
    "gebietsnummer",
    "gebietskennung",
    "kennung",
    "sozialraum",
    "nr",
)
POPULATION_COLUMNS = {
    "district": DISTRICT_COLUMNS,
    "variable": ("variable", "merkmal", "gruppe", "group"),
    "level": ("level", "auspraegung", "kategorie", "category", "wert", "value"),
    "count": ("count", "anzahl", "n", "personen", "einwohner", "haushalte"),
}
_STREET_COLUMNS = {
    "street": ("street", "strasse", "strassenname", "name", "street_name"),
    "district": DISTRICT_COLUMNS,
}


@dataclass(frozen=True)
class PopulationRow:
    code: str
    variable: str
    level: str
    count: int


@dataclass(frozen=True)
class StreetTable:
    rows: tuple[tuple[str, str], ...]  # (street name, district code)
    duplicates: int  # identical lines merged


def parse_population_csv(
    data: bytes, known_codes: Iterable[str]
) -> list[PopulationRow]:
    """Population counts per district × group variable × level.

    Columns (by header name, any order): district id, variable, level, count.
    Refuses unknown district ids, counts that are not whole numbers ≥ 0 and
    duplicate (district, variable, level) lines, naming each line.
    """
    known = set(known_codes)
    lines, columns = _read_table(data, POPULATION_COLUMNS)
    problems = _Problems("bad_population")
    seen: dict[tuple[str, str, str], int] = {}
    result = []
    for number, row in lines:
        place = f"Zeile {number}"
        code = row[columns["district"]].strip()
        variable = " ".join(row[columns["variable"]].split())
        level = " ".join(row[columns["level"]].split())
        text = row[columns["count"]].strip()
        ok = True
        if code not in known:
            problems.add(
                place,
                f"Das Gebiet {code!r} gibt es in dieser Gebietsgliederung nicht."
                if code
                else "Die Gebietskennung fehlt.",
            )
            ok = False
        for label, value in (("Merkmal", variable), ("Ausprägung", level)):
            if not value:
                problems.add(place, f"{label} fehlt.")
                ok = False
            elif len(value) > MAX_LABEL_LENGTH:
                problems.add(
                    place, f"{label} ist länger als {MAX_LABEL_LENGTH} Zeichen."
                )
                ok = False
        if not re.fullmatch(r"\d+", text) or int(text) > MAX_COUNT:
            problems.add(
                place,
                f"Die Anzahl {text!r} ist keine ganze Zahl ≥ 0 "
                "(ohne Tausenderpunkte und Nachkommastellen)."
                if text
                else "Die Anzahl fehlt.",
            )
            ok = False
        key = (code, variable, level)
        if ok and key in seen:
            problems.add(
                place,
                f"Gebiet {code}, {variable} = {level} steht schon in Zeile "
                f"{seen[key]}.",
            )
            ok = False
        if ok:
            seen[key] = number
            result.append(PopulationRow(code, variable, level, int(text)))
    problems.raise_if_any()
    return result


def parse_street_csv(data: bytes, known_codes: Iterable[str]) -> StreetTable:
    """A street directory: street name and district id per line (a street in
    several districts has several lines). Identical lines are merged."""
    known = set(known_codes)
    lines, columns = _read_table(data, _STREET_COLUMNS)
    problems = _Problems("bad_streets")
    rows: dict[tuple[str, str], int] = {}
    duplicates = 0
    for number, row in lines:
        place = f"Zeile {number}"
        street = " ".join(row[columns["street"]].split())
        code = row[columns["district"]].strip()
        ok = True
        if not street:
            problems.add(place, "Der Straßenname fehlt.")
            ok = False
        elif len(street) > MAX_NAME_LENGTH:
            problems.add(
                place, f"Der Straßenname ist länger als {MAX_NAME_LENGTH} Zeichen."
            )
            ok = False
        if code not in known:
            problems.add(
                place,
                f"Das Gebiet {code!r} gibt es in dieser Gebietsgliederung nicht."
                if code
                else "Die Gebietskennung fehlt.",
            )
            ok = False
        if ok:
            if (street, code) in rows:
                duplicates += 1
            else:
                rows[(street, code)] = number
    problems.raise_if_any()
    return StreetTable(tuple(rows), duplicates)


def _read_table(
    data: bytes, wanted: Mapping[str, Sequence[str]]
) -> tuple[list[tuple[int, list[str]]], dict[str, int]]:
    """Data lines (line number, fields) and the index of each wanted column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _fail(
            "not_utf8",
            f"Zeile {line}",
            "Die Datei ist nicht UTF-8-kodiert. Speichern Sie sie als „CSV UTF-8“.",
        ) from error
    if not text.strip():
        raise _fail("empty_file", "Datei", "Die Datei ist leer.")
    first = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    if first.count(delimiter) == 0:
        raise _fail(
            "no_separator",
            "Zeile 1",
            "Die Kopfzeile hat kein Trennzeichen (Komma oder Semikolon).",
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        keys = [_column_key(name) for name in header]
        columns: dict[str, int] = {}
        for column, aliases in wanted.items():
            matches = [i for i, key in enumerate(keys) if key in aliases]
            if not matches:
                raise _fail(
                    "missing_column",
                    "Zeile 1",
                    f"Die Spalte für {_COLUMN_LABELS[column]} fehlt; mögliche "
                    f"Überschriften: {', '.join(aliases[:4])}. Gefunden: "
                    f"{', '.join(header)}.",
                )
            columns[column] = matches[0]
        lines = []
        width = len(header)
        problems = _Problems("bad_table")
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                problems.add(
                    f"Zeile {number}",
                    f"{len(row)} statt {width} Felder (Trennzeichen {delimiter!r}).",
                )
                continue
            lines.append((number, row))
        problems.raise_if_any()
    except csv.Error as error:
        raise _fail(
            "bad_csv",
            f"Zeile {reader.line_num}",
            f"Die CSV-Datei ist fehlerhaft ({error}).",
        ) from error
    if not lines:
        raise _fail("no_rows", "Datei", "Die Datei enthält nur die Kopfzeile.")
    return lines, columns


_COLUMN_LABELS = {
    "district": "die Gebietskennung",
    "variable": "das Merkmal",
    "level": "die Ausprägung",
    "count": "die Anzahl",
    "street": "den Straßennamen",
}


def _column_key(name: str) -> str:
    text = unicodedata.normalize("NFC", name).strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")
