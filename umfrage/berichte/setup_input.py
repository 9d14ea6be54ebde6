"""The analyst's weighting set-up as typed and uploaded: variable mappings,
collapsed levels, bounds, margins from a CSV file or the district layer's
population table, checked into a :class:`WeightingSpec`."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from auswertung import (
    AnalysisError,
    read_margins,
)
from fragebogen.model import Questionnaire, QuestionType

DISTRICT = "district"
DOMAIN = "_domain"
BASE_WEIGHT = "_base_weight"
METHODS = ("poststratify", "rake", "none")
SOURCES = ("layer", "upload")
MARGIN_COLUMNS = ("variable", "level", "population_total")
#: Readable names of population levels that the demo city and registers use.
LEVEL_LABELS = {
    "single_parent": "Alleinerziehende",
    "couple_family": "Paarfamilien",
}
VARIABLE_LABELS = {DISTRICT: "Sozialraum", "family_type": "Familienform"}


class SetupError(Exception):
    """Bad weighting input; ``problems`` are ``(field, German message)`` pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(message for _, message in self.problems))


# ---------------------------------------------------------------------- set-up
@dataclass(frozen=True)
class VariableMapping:
    """A questionnaire variable mapped to a population variable."""

    question: str
    variable: str
    codes: Mapping[str, str]


@dataclass(frozen=True)
class WeightingSpec:
    """A weighting set-up as plain data (from ``WeightingSetup``)."""

    method: str = "none"
    source: str = "layer"
    mappings: tuple[VariableMapping, ...] = ()
    cross_with_district: bool = True
    bounds: tuple[float, float] | None = None
    min_cell_size: int = 5
    collapse: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    margins: tuple[Mapping[str, Any], ...] = ()


_ARROW = re.compile(r"\s*(?:->|→|=>)\s*")


def parse_mappings(
    text: str, questionnaire: Questionnaire, known_levels: Mapping[str, set[str]]
) -> list[dict[str, Any]]:
    """Parse lines ``haushaltstyp -> family_type: 1,3 = couple_family; 2 =
    single_parent``. Raises :class:`SetupError` naming the line."""
    result: list[dict[str, Any]] = []
    problems: list[tuple[str, str]] = []
    questions = {q.name: q for q in questionnaire.questions()}
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"Zeile {number}"
        head, colon, body = line.partition(":")
        parts = _ARROW.split(head.strip())
        if not colon or len(parts) != 2 or not all(parts):
            problems.append(
                (
                    "mappings",
                    f"{where}: erwartet „frage -> bevölkerungsvariable: 1,3 = "
                    "stufe; 2 = stufe“.",
                )
            )
            continue
        question_name, variable = parts[0].strip(), parts[1].strip()
        question = questions.get(question_name)
        if question is None or question.type not in (
            QuestionType.SINGLE_CHOICE,
            QuestionType.LIKERT,
        ):
            problems.append(
                (
                    "mappings",
                    f"{where}: „{question_name}“ ist keine Einfachauswahl-Frage "
                    "des Fragebogens.",
                )
            )
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_]*", variable) or variable == DISTRICT:
            problems.append(
                (
                    "mappings",
                    f"{where}: „{variable}“ ist kein gültiger Name einer "
                    "Bevölkerungsvariablen (klein, ohne Leerzeichen, nicht "
                    "„district“).",
                )
            )
            continue
        if variable in seen or variable in questions:
            problems.append(
                (
                    "mappings",
                    f"{where}: „{variable}“ ist schon vergeben (doppelte Zuordnung "
                    "oder Name einer Frage).",
                )
            )
            continue
        seen.add(variable)
        levels = known_levels.get(variable)
        option_codes = {str(o.code) for o in question.options}
        codes: dict[str, str] = {}
        for group in body.split(";"):
            if not group.strip():
                continue
            left, equals, level = group.partition("=")
            level = level.strip()
            if not equals or not level:
                problems.append(
                    ("mappings", f"{where}: „{group.strip()}“: erwartet „1,3 = stufe“.")
                )
                continue
            if levels is not None and level not in levels:
                known = ", ".join(sorted(levels))
                problems.append(
                    (
                        "mappings",
                        f"{where}: die Stufe „{level}“ gibt es bei „{variable}“ "
                        f"nicht (bekannt: {known}).",
                    )
                )
                continue
            for code in left.split(","):
                code = code.strip()
                if code not in option_codes:
                    problems.append(
                        (
                            "mappings",
                            f"{where}: den Code „{code}“ gibt es bei "
                            f"„{question_name}“ nicht (Codes: "
                            f"{', '.join(sorted(option_codes, key=_code_order))}).",
                        )
                    )
                elif code in codes:
                    problems.append(
                        ("mappings", f"{where}: Code „{code}“ ist doppelt zugeordnet.")
                    )
                else:
                    codes[code] = level
        if not codes and not any(p[1].startswith(where) for p in problems):
            problems.append(("mappings", f"{where}: keine Codes zugeordnet."))
        result.append({"question": question_name, "variable": variable, "codes": codes})
    if problems:
        raise SetupError(problems)
    return result


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (10**9, code)


def mappings_text(mappings: Iterable[Mapping[str, Any]]) -> str:
    """The mappings in the form :func:`parse_mappings` reads."""
    lines = []
    for item in mappings:
        by_level: dict[str, list[str]] = {}
        for code, level in item.get("codes", {}).items():
            by_level.setdefault(str(level), []).append(str(code))
        groups = "; ".join(
            f"{','.join(sorted(codes, key=_code_order))} = {level}"
            for level, codes in by_level.items()
        )
        lines.append(f"{item['question']} -> {item['variable']}: {groups}")
    return "\n".join(lines)


def parse_collapse(
    text: str, known_levels: Mapping[str, set[str]]
) -> dict[str, dict[str, str]]:
    """Parse lines ``district: 0105 -> 0104, 0106 -> 0104``."""
    result: dict[str, dict[str, str]] = {}
    problems: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"Zeile {number}"
        variable, colon, body = line.partition(":")
        variable = variable.strip()
        if not colon or variable not in known_levels:
            problems.append(
                (
                    "collapse",
                    f"{where}: erwartet „variable: alt -> neu, …“ mit einer "
                    f"Variablen aus {', '.join(sorted(known_levels))}.",
                )
            )
            continue
        mapping = result.setdefault(variable, {})
        for pair in body.split(","):
            if not pair.strip():
                continue
            parts = _ARROW.split(pair.strip())
            if len(parts) != 2 or not all(p.strip() for p in parts):
                problems.append(
                    ("collapse", f"{where}: „{pair.strip()}“: erwartet „alt -> neu“.")
                )
                continue
            old, new = parts[0].strip(), parts[1].strip()
            unknown = [x for x in (old, new) if x not in known_levels[variable]]
            if unknown:
                problems.append(
                    (
                        "collapse",
                        f"{where}: „{unknown[0]}“ ist keine Stufe von „{variable}“.",
                    )
                )
                continue
            if old != new:
                mapping[old] = new
    if problems:
        raise SetupError(problems)
    return {k: v for k, v in result.items() if v}


def collapse_text(collapse: Mapping[str, Mapping[str, str]]) -> str:
    """The collapse mapping in the form :func:`parse_collapse` reads."""
    return "\n".join(
        f"{variable}: " + ", ".join(f"{old} -> {new}" for old, new in mapping.items())
        for variable, mapping in collapse.items()
        if mapping
    )


def parse_bound(text: str | None, field_name: str) -> float | None:
    """``"0,3"`` or ``"0.3"`` → 0.3; empty → None."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise SetupError([(field_name, f"„{text.strip()}“ ist keine Zahl.")]) from None
    if not math.isfinite(value) or value < 0:
        raise SetupError([(field_name, f"„{text.strip()}“ muss ≥ 0 sein.")])
    return value


def parse_margins_csv(
    content: bytes, known_levels: Mapping[str, set[str]]
) -> list[dict[str, Any]]:
    """Read an uploaded margins file ``variable,level,population_total``.

    ``known_levels`` gives the levels each variable may have (``district``: the
    layer's codes). Every problem names its line and column; nothing is kept
    unless the whole file is right.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SetupError(
            [
                (
                    "file",
                    "Die Datei ist nicht in UTF-8 kodiert (als CSV UTF-8 speichern).",
                )
            ]
        ) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise SetupError([("file", "Die Datei ist leer.")])
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    if header != list(MARGIN_COLUMNS):
        raise SetupError(
            [
                (
                    "file",
                    f"Zeile 1: die Spalten müssen genau {', '.join(MARGIN_COLUMNS)} "
                    f"heißen, gefunden: {', '.join(header) or '(keine)'}.",
                )
            ]
        )
    rows: list[dict[str, Any]] = []
    problems: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        where = f"Zeile {number}"
        if len(record) != len(MARGIN_COLUMNS):
            problems.append(("file", f"{where}: {len(record)} statt 3 Spalten."))
            continue
        variable, level, total_text = (cell.strip() for cell in record)
        parts = variable.split(":")
        if not variable or any(p not in known_levels for p in parts):
            problems.append(
                (
                    "file",
                    f"{where}, Spalte variable: „{variable}“ ist unbekannt "
                    f"(bekannt: {', '.join(sorted(known_levels))}; gekreuzt mit „:“).",
                )
            )
            continue
        level_parts = level.split(":")
        if len(level_parts) != len(parts):
            problems.append(
                (
                    "file",
                    f"{where}, Spalte level: „{level}“ passt nicht zu „{variable}“ "
                    f"({len(parts)} Teil(e) mit „:“ getrennt).",
                )
            )
            continue
        bad = [
            (v, lv)
            for v, lv in zip(parts, level_parts, strict=True)
            if lv not in known_levels[v]
        ]
        if bad:
            problems.append(
                (
                    "file",
                    f"{where}, Spalte level: die Stufe „{bad[0][1]}“ gibt es bei "
                    f"„{bad[0][0]}“ nicht.",
                )
            )
            continue
        total = _number(total_text, german=delimiter == ";")
        if total is None or total < 0:
            problems.append(
                (
                    "file",
                    f"{where}, Spalte population_total: „{total_text}“ ist keine "
                    "nicht-negative Zahl.",
                )
            )
            continue
        if (variable, level) in seen:
            problems.append(
                (
                    "file",
                    f"{where}: „{variable}“ = „{level}“ steht doppelt in der Datei.",
                )
            )
            continue
        seen.add((variable, level))
        rows.append({"variable": variable, "level": level, "population_total": total})
    if not rows and not problems:
        problems.append(("file", "Die Datei enthält keine Zeilen mit Zahlen."))
    if problems:
        raise SetupError(problems[:20])
    try:
        read_margins(pd.DataFrame(rows, columns=list(MARGIN_COLUMNS)))
    except AnalysisError as error:
        raise SetupError([("file", str(error))]) from None
    return rows


def _number(text: str, *, german: bool) -> float | None:
    cleaned = text.replace(" ", "").replace("\xa0", "")
    if german:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# ---------------------------------------------------------------------- margins
def layer_margins(population: pd.DataFrame, spec: WeightingSpec) -> pd.DataFrame:
    """Margins from the layer's population table (columns ``district, variable,
    level, count``) for the set-up's method and mappings."""
    variables = [m.variable for m in spec.mappings]
    available = set(population["variable"]) if len(population) else set()
    if not available:
        raise SetupError(
            [("source", "Der Gebietslayer hat keine Bevölkerungstabelle.")]
        )
    for variable in variables:
        if variable not in available:
            raise SetupError(
                [
                    (
                        "mappings",
                        f"Die Bevölkerungstabelle des Gebietslayers hat keine "
                        f"Variable „{variable}“ (vorhanden: "
                        f"{', '.join(sorted(available))}).",
                    )
                ]
            )
    base = variables[0] if variables else sorted(available)[0]
    rows: list[tuple[str, str, float]] = []

    def district_totals() -> None:
        sums = population[population["variable"] == base].groupby("district")["count"]
        for code, total in sums.sum().items():
            rows.append((DISTRICT, str(code), float(total)))

    if spec.method == "poststratify":
        if len(variables) > 1:
            raise SetupError(
                [
                    (
                        "method",
                        "Nachschichtung mit der Bevölkerungstabelle des Layers geht "
                        "mit höchstens einer Zuordnung; für mehrere Merkmale Raking "
                        "wählen.",
                    )
                ]
            )
        if variables and spec.cross_with_district:
            _crossed_rows(population, variables[0], rows)
        elif variables:
            raise SetupError(
                [
                    (
                        "cross_with_district",
                        "Nachschichtung braucht eine Randverteilung: „mit Sozialraum "
                        "kreuzen“ einschalten oder Raking wählen.",
                    )
                ]
            )
        else:
            district_totals()
    else:
        if spec.cross_with_district and variables:
            for variable in variables:
                _crossed_rows(population, variable, rows)
        else:
            district_totals()
            for variable in variables:
                sums = population[population["variable"] == variable].groupby("level")[
                    "count"
                ]
                for level, total in sums.sum().items():
                    rows.append((variable, str(level), float(total)))
    return pd.DataFrame(rows, columns=list(MARGIN_COLUMNS))


def _crossed_rows(
    population: pd.DataFrame, variable: str, rows: list[tuple[str, str, float]]
) -> None:
    part = population[population["variable"] == variable]
    for code, level, count in zip(
        part["district"], part["level"], part["count"], strict=True
    ):
        rows.append((f"{DISTRICT}:{variable}", f"{code}:{level}", float(count)))
