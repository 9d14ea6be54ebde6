"""The analyst's computations, delegated to ``auswertung``: weighting set-up and its
diagnostics, the indicators of a questionnaire and their per-district tables.

No database and no HTTP here: ``services.py`` reads the rows and hands over plain
data (a response DataFrame, population tables, district neighbours); every number
comes from ``auswertung`` (weighting, estimation, comparison with the city).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from auswertung import (
    AnalysisError,
    Design,
    estimate_and_compare,
    poststratify,
    rake,
    read_margins,
    weight_diagnostics,
)
from auswertung.comparison import NOT_TESTED_REASONS
from auswertung.disclosure import DisclosureRules
from auswertung.findings import FIXED_NOTE, WEIGHTING_NOTE, IndicatorTable, ResultRow
from auswertung.weighting import CalibrationReport, WeightDiagnostics, level_key
from fragebogen.model import Question, Questionnaire, QuestionType

from .publication import district_counts, dominance_reason

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
ALPHA = 0.05


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


# ---------------------------------------------------------------------- weighting
@dataclass(frozen=True)
class Cell:
    """A weighting cell (a level of a margin) with its respondents."""

    margin: str
    level: str
    label: str
    population: float | None
    n: int
    status: str  # ok, tiny, empty, no_population


@dataclass(frozen=True)
class Diagnosis:
    """Everything the analyst sees before using a weighting set-up."""

    method: str
    ok: bool
    error: str | None = None
    error_place: str | None = None
    n_input: int = 0
    n_weighted: int = 0
    excluded: tuple[tuple[str, int], ...] = ()
    report: CalibrationReport | None = None
    diagnostics: WeightDiagnostics | None = None
    cells: tuple[Cell, ...] = ()
    histogram: tuple[tuple[float, float, int], ...] = ()
    suggestion: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    suggestion_groups: tuple[tuple[str, ...], ...] = ()
    current_groups: tuple[tuple[str, ...], ...] = ()
    unresolved: tuple[str, ...] = ()
    margin_names: tuple[str, ...] = ()

    @property
    def problem_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.status != "ok"]


@dataclass(frozen=True)
class Weighted:
    """The design to estimate with and how it came about."""

    design: Design | None
    diagnosis: Diagnosis
    weighted: bool
    margins: pd.DataFrame | None = None


def _weighting_frame(
    frame: pd.DataFrame, spec: WeightingSpec, labels: Mapping[str, str]
) -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    keep = np.array(frame[DISTRICT].notna().to_numpy(), dtype=bool)
    excluded = [("ohne Angabe des Sozialraums", int((~keep).sum()))]
    columns: dict[str, pd.Series] = {}
    for mapping in spec.mappings:
        source = frame.get(mapping.question)
        if source is None:
            values = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        else:
            values = source.map(
                lambda v, codes=mapping.codes: codes.get(level_key(v) or "", None)
            )
        ok = np.array(values.notna().to_numpy(), dtype=bool)
        missing = keep & ~ok
        name = labels.get(mapping.question, mapping.question)
        excluded.append((f"ohne zuordenbare Angabe zu „{name}“", int(missing.sum())))
        keep &= ok
        columns[mapping.variable] = values
    result = frame.loc[keep].copy()
    for name, values in columns.items():
        result[name] = values.loc[keep].astype(object)
    result[DISTRICT] = result[DISTRICT].astype(object)
    return result, [(text, count) for text, count in excluded if count]


def _key_series(
    data: pd.DataFrame,
    variables: Sequence[str],
    collapse: Mapping[str, Mapping[str, str]],
) -> pd.Series:
    parts = []
    for variable in variables:
        mapping = collapse.get(variable, {})
        parts.append(
            data[variable].map(
                lambda v, m=mapping: m.get(level_key(v) or "", level_key(v))
            )
        )
    if not parts:
        return pd.Series([], dtype=object)
    key = parts[0].astype(str)
    for part in parts[1:]:
        key = key + ":" + part.astype(str)
    return key


def _cells(
    data: pd.DataFrame,
    margins: pd.DataFrame,
    collapse: Mapping[str, Mapping[str, str]],
    min_cell_size: int,
    district_names: Mapping[str, str],
) -> list[Cell]:
    cells: list[Cell] = []
    for name in dict.fromkeys(margins["variable"]):
        variables = name.split(":")
        if any(v not in data.columns for v in variables):
            continue
        part = margins[margins["variable"] == name]
        totals: dict[str, float] = {}
        for level, total in zip(part["level"], part["population_total"], strict=True):
            pieces = str(level).split(":")
            mapped = ":".join(
                collapse.get(v, {}).get(p, p)
                for v, p in zip(variables, pieces, strict=False)
            )
            totals[mapped] = totals.get(mapped, 0.0) + float(total)
        counts = _key_series(data, variables, collapse).value_counts().to_dict()
        for level in sorted(set(totals) | set(counts)):
            population = totals.get(level)
            n = int(counts.get(level, 0))
            if population is None or population == 0:
                if n == 0:
                    continue
                status = "no_population"
            elif n == 0:
                status = "empty"
            elif n < min_cell_size:
                status = "tiny"
            else:
                status = "ok"
            cells.append(
                Cell(
                    margin=name,
                    level=level,
                    label=_level_label(variables, level, district_names),
                    population=population,
                    n=n,
                    status=status,
                )
            )
    return cells


def _level_label(
    variables: Sequence[str], level: str, district_names: Mapping[str, str]
) -> str:
    labels = []
    for variable, piece in zip(variables, level.split(":"), strict=False):
        if variable == DISTRICT:
            labels.append(f"{district_names.get(piece, piece)} ({piece})")
        else:
            labels.append(LEVEL_LABELS.get(piece, piece))
    return " × ".join(labels)


def suggest_collapse(
    data: pd.DataFrame,
    margins: pd.DataFrame,
    collapse: Mapping[str, Mapping[str, str]],
    min_cell_size: int,
    neighbours: Mapping[str, Sequence[str]],
    parents: Mapping[str, str | None],
) -> tuple[dict[str, dict[str, str]], list[tuple[str, ...]], list[str]]:
    """Merge districts whose weighting cells are empty or too small with a
    neighbouring district (same parent district first, then any neighbour),
    smallest first, until every cell has ``min_cell_size`` respondents.

    Returns the collapse mapping (on top of ``collapse``), the merged groups and
    the districts that could not be resolved.
    """
    district_margins = [
        name
        for name in dict.fromkeys(margins["variable"])
        if DISTRICT in name.split(":")
    ]
    if not district_margins:
        return {k: dict(v) for k, v in collapse.items()}, [], []
    base = dict(collapse.get(DISTRICT, {}))
    codes = sorted(set(parents) | {str(c) for c in data[DISTRICT].dropna().unique()})
    group = {code: base.get(code, code) for code in codes}
    unresolved: set[str] = set()
    counts = data[DISTRICT].map(lambda v: group.get(str(v), str(v))).value_counts()
    for _ in range(len(codes)):
        current = {
            **{k: dict(v) for k, v in collapse.items()},
            DISTRICT: dict(
                (code, target) for code, target in group.items() if code != target
            ),
        }
        cells = _cells(data, margins, current, min_cell_size, {})
        problems: dict[str, int] = {}
        for cell in cells:
            if cell.status == "ok" or cell.margin not in district_margins:
                continue
            position = cell.margin.split(":").index(DISTRICT)
            representative = cell.level.split(":")[position]
            if representative in unresolved:
                continue
            problems[representative] = cell.n
        if not problems:
            break
        counts = (
            data[DISTRICT]
            .map(lambda v: group.get(str(v), str(v)))
            .value_counts()
            .to_dict()
        )
        target = min(problems, key=lambda r: (counts.get(r, 0), r))
        members = [c for c, g in group.items() if g == target]
        parent = parents.get(target)
        candidates: set[str] = set()
        for member in members:
            for other in neighbours.get(member, ()):
                representative = group.get(other, other)
                if representative != target:
                    candidates.add(representative)
        same_parent = {c for c in candidates if parents.get(c) == parent}
        if same_parent:
            candidates = same_parent
        if not candidates:
            candidates = {
                g
                for c, g in group.items()
                if g != target and parents.get(c) == parent and parent is not None
            }
        if not candidates:
            unresolved.add(target)
            continue
        chosen = min(candidates, key=lambda r: (counts.get(r, 0), r))
        representative = min(chosen, target)
        for code, g in list(group.items()):
            if g in (chosen, target):
                group[code] = representative
    groups: dict[str, list[str]] = {}
    for code, g in group.items():
        groups.setdefault(g, []).append(code)
    merged = [tuple(sorted(m)) for g, m in sorted(groups.items()) if len(m) > 1]
    result = {k: dict(v) for k, v in collapse.items() if k != DISTRICT}
    district_map = {code: g for code, g in group.items() if code != g}
    if district_map:
        result[DISTRICT] = district_map
    return result, merged, sorted(unresolved)


def _differs(
    suggestion: Mapping[str, Mapping[str, str]],
    current: Mapping[str, Mapping[str, str]],
) -> bool:
    def normal(value: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
        return {k: dict(v) for k, v in value.items() if v}

    return normal(suggestion) != normal(current)


def _groups(mapping: Mapping[str, str]) -> list[tuple[str, ...]]:
    groups: dict[str, set[str]] = {}
    for old, new in mapping.items():
        groups.setdefault(new, {new}).add(old)
    return [tuple(sorted(members)) for _, members in sorted(groups.items())]


def _histogram(weights: np.ndarray) -> tuple[tuple[float, float, int], ...]:
    relative = weights / float(np.mean(weights))
    edges = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, math.inf]
    counts, _ = np.histogram(relative, bins=edges)
    return tuple(
        (edges[i], edges[i + 1], int(c)) for i, c in enumerate(counts.tolist())
    )


def weight_design(
    frame: pd.DataFrame,
    spec: WeightingSpec,
    *,
    population: pd.DataFrame,
    district_codes: Sequence[str],
    district_names: Mapping[str, str],
    neighbours: Mapping[str, Sequence[str]],
    parents: Mapping[str, str | None],
    labels: Mapping[str, str],
    use: bool,
) -> Weighted:
    """Weight the responses as ``spec`` says and describe the result.

    ``use`` false (set-up not confirmed) gives the unweighted design for
    estimation, with the diagnosis of the set-up all the same.
    """
    n_input = len(frame)
    unweighted = _design(frame, None, district_codes)
    if spec.method == "none":
        return Weighted(
            unweighted,
            Diagnosis(method="none", ok=True, n_input=n_input, n_weighted=n_input),
            False,
        )
    try:
        if spec.source == "upload":
            margins = pd.DataFrame(list(spec.margins), columns=list(MARGIN_COLUMNS))
            if margins.empty:
                raise SetupError(
                    [("file", "Es sind noch keine Randverteilungen hochgeladen.")]
                )
        else:
            margins = layer_margins(population, spec)
    except SetupError as error:
        return Weighted(
            unweighted,
            Diagnosis(
                method=spec.method,
                ok=False,
                error=str(error),
                error_place=error.problems[0][0] if error.problems else None,
                n_input=n_input,
            ),
            False,
        )
    data, excluded = _weighting_frame(frame, spec, labels)
    margin_names = tuple(dict.fromkeys(margins["variable"]))
    for name in margin_names:
        for variable in name.split(":"):
            if variable not in data.columns:
                return Weighted(
                    unweighted,
                    Diagnosis(
                        method=spec.method,
                        ok=False,
                        error=(
                            f"Die Randverteilung „{name}“ braucht eine Zuordnung "
                            f"einer Frage zur Bevölkerungsvariablen „{variable}“."
                        ),
                        error_place="mappings",
                        n_input=n_input,
                        excluded=tuple(excluded),
                        margin_names=margin_names,
                    ),
                    False,
                )
    cells = _cells(data, margins, spec.collapse, spec.min_cell_size, district_names)
    suggestion, groups, unresolved = suggest_collapse(
        data, margins, spec.collapse, spec.min_cell_size, neighbours, parents
    )
    common: dict[str, Any] = {
        "method": spec.method,
        "n_input": n_input,
        "n_weighted": len(data),
        "excluded": tuple(excluded),
        "cells": tuple(cells),
        "suggestion": suggestion if _differs(suggestion, spec.collapse) else {},
        "suggestion_groups": tuple(groups)
        if _differs(suggestion, spec.collapse)
        else (),
        "current_groups": tuple(_groups(spec.collapse.get(DISTRICT, {}))),
        "unresolved": tuple(unresolved),
        "margin_names": margin_names,
    }
    if len(data) < 2:
        return Weighted(
            unweighted,
            Diagnosis(
                ok=False, error="Zu wenige Antworten für eine Gewichtung.", **common
            ),
            False,
        )
    margin_list = read_margins(margins)
    total = float(margin_list[0].total)
    data[BASE_WEIGHT] = total / len(data)
    try:
        design = _design(data, BASE_WEIGHT, district_codes)
        collapse = {k: dict(v) for k, v in spec.collapse.items() if v} or None
        if spec.method == "poststratify" and spec.bounds is None:
            weighted = poststratify(design, margin_list, collapse=collapse)
        else:
            weighted = rake(design, margin_list, collapse=collapse, bounds=spec.bounds)
    except AnalysisError as error:
        return Weighted(
            unweighted,
            Diagnosis(ok=False, error=str(error), error_place=error.place, **common),
            False,
        )
    diagnostics = weight_diagnostics(weighted)
    diagnosis = Diagnosis(
        ok=True,
        report=weighted.calibration_report,
        diagnostics=diagnostics,
        histogram=_histogram(np.asarray(weighted.weights)),
        **common,
    )
    if not use:
        return Weighted(unweighted, diagnosis, False)
    return Weighted(weighted, diagnosis, True, margins)


# ---------------------------------------------------------------------- fixed
@dataclass(frozen=True)
class FixedValues:
    """An indicator the weighting fixed or co-determined.

    ``city`` and ``districts`` hold the register values (shares) the weighting
    made the estimate equal to; districts not in ``districts`` are still not
    tested (the item is a weighting variable), only estimated.
    """

    city: float | None
    districts: Mapping[str, float]


def fixed_by_weighting(
    definition: IndicatorDef, spec: WeightingSpec, weighted: Weighted
) -> FixedValues | None:
    """Whether ``definition`` measures a weighting variable, and its register
    values where the calibration fixes it exactly.

    A share of codes ``C`` of a mapped question is fixed when ``C`` is exactly
    the codes of some population levels: city-wide by any margin of the variable,
    per district by a margin ``district:variable`` for districts not collapsed.
    """
    if not weighted.weighted or weighted.margins is None:
        return None
    mapping = next(
        (m for m in spec.mappings if m.question == definition.question_name), None
    )
    if mapping is None:
        return None
    if definition.statistic != "share" or definition.key.startswith("mc:"):
        return FixedValues(None, {})
    codes = {str(c) for c in definition.codes}
    if not codes <= set(mapping.codes):
        return FixedValues(None, {})
    levels = {mapping.codes[c] for c in codes}
    if {c for c, level in mapping.codes.items() if level in levels} != codes:
        return FixedValues(None, {})
    if mapping.variable in spec.collapse:
        return FixedValues(None, {})
    margins = weighted.margins
    variable = mapping.variable
    crossed = margins[margins["variable"] == f"{DISTRICT}:{variable}"]
    plain = margins[margins["variable"] == variable]
    by_district: dict[str, dict[str, float]] = {}
    for level, total in zip(crossed["level"], crossed["population_total"], strict=True):
        code, _, piece = str(level).partition(":")
        by_district.setdefault(code, {})[piece] = float(total)
    city_totals: dict[str, float] = {}
    if len(plain):
        for level, total in zip(plain["level"], plain["population_total"], strict=True):
            city_totals[str(level)] = float(total)
    else:
        for totals in by_district.values():
            for piece, total in totals.items():
                city_totals[piece] = city_totals.get(piece, 0.0) + total

    def share(totals: Mapping[str, float]) -> float | None:
        whole = sum(totals.values())
        if whole <= 0:
            return None
        return sum(t for piece, t in totals.items() if piece in levels) / whole

    collapsed = set(spec.collapse.get(DISTRICT, {}))
    collapsed |= set(spec.collapse.get(DISTRICT, {}).values())
    districts = {
        code: value
        for code, totals in by_district.items()
        if code not in collapsed and (value := share(totals)) is not None
    }
    return FixedValues(share(city_totals) if city_totals else None, districts)


def _design(
    frame: pd.DataFrame, weights: str | None, district_codes: Sequence[str]
) -> Design | None:
    if len(frame) < 2:
        return None
    data = frame.copy()
    data[DOMAIN] = pd.Categorical(
        data[DISTRICT].astype(object), categories=list(district_codes)
    )
    return Design.from_frame(data, weights=weights)


def method_sentence(spec: WeightingSpec, weighted: Weighted) -> str:
    """How the responses were weighted, for reports."""
    diagnosis = weighted.diagnosis
    if not weighted.weighted:
        if spec.method == "none":
            return "Keine Gewichtung: jede Antwort zählt gleich."
        return (
            "Ungewichtet: die Gewichtung ist noch nicht bestätigt oder nicht "
            "durchführbar; jede Antwort zählt gleich."
        )
    name = "Nachschichtung" if spec.method == "poststratify" else "Raking"
    if spec.method == "poststratify" and spec.bounds is not None:
        name = "Nachschichtung mit begrenzten Gewichtungsfaktoren"
    margins = ", ".join(
        " × ".join(VARIABLE_LABELS.get(v, v) for v in m.split(":"))
        for m in diagnosis.margin_names
    )
    source = (
        "Bevölkerungstabelle des Gebietslayers"
        if spec.source == "layer"
        else "hochgeladene Randverteilungen"
    )
    parts = [f"{name} auf {margins} ({source})."]
    if spec.bounds is not None:
        parts.append(
            f"Gewichtungsfaktoren begrenzt auf {_german(spec.bounds[0])} bis "
            f"{_german(spec.bounds[1])}."
        )
    merged = len(spec.collapse.get(DISTRICT, {}))
    if merged:
        parts.append(
            f"{merged} Sozialräume mit zu wenigen Antworten wurden für die "
            "Gewichtung mit Nachbarn zusammengelegt."
        )
    if diagnosis.diagnostics is not None:
        d = diagnosis.diagnostics
        parts.append(
            f"Kish-Designeffekt der Gewichte {_german(d.kish_deff, 2)}, effektive "
            f"Fallzahl {_german(d.effective_n, 0)} von {d.n}."
        )
    return " ".join(parts)


def _german(value: float, decimals: int = 2) -> str:
    from auswertung.findings import format_number

    return format_number(value, decimals)


# ---------------------------------------------------------------------- indicators
@dataclass(frozen=True)
class IndicatorDef:
    """An indicator of a questionnaire: which column, which statistic."""

    key: str
    question: str
    group: str
    label: str
    statistic: str  # mean | share
    column: str
    codes: tuple[int, ...]
    missing: tuple[int, ...]
    scale: tuple[float, float]
    key_indicator: bool
    question_name: str
    short_label: str = ""


def indicators_of(questionnaire: Questionnaire) -> list[IndicatorDef]:
    """Likert means and top-2 shares, category shares, multiple-choice shares."""
    language = questionnaire.default_language
    result: list[IndicatorDef] = []
    for question in questionnaire.questions():
        title = question.label.get_text(language, language)
        if question.type is QuestionType.LIKERT:
            result.extend(
                _likert(question, question.name, title, title, "", language, short="")
            )
        elif question.type is QuestionType.LIKERT_MATRIX:
            for item in question.items:
                item_label = item.label.get_text(language, language)
                result.extend(
                    _likert(
                        question,
                        item.name,
                        f"{title} – {item_label}",
                        title,
                        f"{item_label}: ",
                        language,
                        short=_short_item(item_label),
                    )
                )
        elif question.type in (
            QuestionType.SINGLE_CHOICE,
            QuestionType.MULTIPLE_CHOICE,
        ):
            result.extend(_option_shares(question, title, language))
    return result


def _option_shares(question: Question, title: str, language: str) -> list[IndicatorDef]:
    """One share per substantive option: of the answer codes for single choice,
    of the 0/1 dummy column for multiple choice."""
    multiple = question.type is QuestionType.MULTIPLE_CHOICE
    shares = []
    for option in question.options:
        if option.missing:
            continue
        text = option.label.get_text(language, language)
        shares.append(
            IndicatorDef(
                key=f"{'mc' if multiple else 'share'}:{question.name}:{option.code}",
                question=title,
                group=title,
                label=f"Anteil „{text}“" + (" (Mehrfachnennung)" if multiple else ""),
                statistic="share",
                column=f"{question.name}_{option.code}" if multiple else question.name,
                codes=(1,) if multiple else (option.code,),
                missing=() if multiple else question.missing_codes,
                scale=(0.0, 1.0),
                key_indicator=False,
                question_name=question.name,
                short_label=text,
            )
        )
    return shares


def _likert(
    question: Question,
    column: str,
    title: str,
    group: str,
    prefix: str,
    language: str,
    *,
    short: str,
) -> list[IndicatorDef]:
    substantive = sorted(
        (o for o in question.options if not o.missing), key=lambda o: o.code
    )
    if len(substantive) < 2:
        return []
    low, high = substantive[0], substantive[-1]
    top = substantive[-2:]
    top_text = " oder ".join(f"„{o.label.get_text(language, language)}“" for o in top)
    return [
        IndicatorDef(
            key=f"mean:{column}",
            question=title,
            group=group,
            label=(
                f"{prefix}Mittelwert ({low.code} = "
                f"{low.label.get_text(language, language)} … {high.code} = "
                f"{high.label.get_text(language, language)})"
            ),
            statistic="mean",
            column=column,
            codes=(),
            missing=question.missing_codes,
            scale=(float(low.code), float(high.code)),
            key_indicator=True,
            question_name=question.name,
            short_label=f"{short}Mittelwert ({low.code}–{high.code})",
        ),
        IndicatorDef(
            key=f"top2:{column}",
            question=title,
            group=group,
            label=f"{prefix}Anteil {top_text}",
            statistic="share",
            column=column,
            codes=tuple(o.code for o in top),
            missing=question.missing_codes,
            scale=(0.0, 1.0),
            key_indicator=True,
            question_name=question.name,
            short_label=(
                f"{short}Anteil {' oder '.join(str(o.code) for o in top)} ({top_text})"
            ),
        ),
    ]


def _short_item(label: str) -> str:
    """``"Kultur (z. B. Bücherhalle)"`` → ``"Kultur: "``."""
    head = label.split("(")[0].strip().rstrip(":")
    return f"{head or label}: "


def indicator_table(
    design: Design | None,
    definition: IndicatorDef,
    districts: Sequence[tuple[str, str]],
    *,
    min_n: int,
    alpha: float = ALPHA,
    cv_limit: float = math.inf,
    fixed: FixedValues | None = None,
    rules: DisclosureRules | None = None,
) -> IndicatorTable:
    """Estimate an indicator for the city and every district and compare each
    district with the city (all numbers from ``auswertung``).

    Values whose coefficient of variation exceeds ``cv_limit`` are marked
    imprecise; ``fixed`` (see :func:`fixed_by_weighting`) turns the cells the
    weighting fixed into register values and leaves a weighting variable
    untested; ``rules`` adds the dominance rule (secondary suppression is
    :func:`~umfrage.berichte.publication.protect`)."""
    if design is None or definition.column not in design.data.columns:
        empty = tuple(
            ResultRow(
                code,
                name,
                0,
                math.nan,
                math.nan,
                math.nan,
                suppressed=True,
                reason="keine Antworten",
            )
            for code, name in districts
        )
        return IndicatorTable(
            key=definition.key,
            question=definition.question,
            label=definition.label,
            statistic="share" if definition.statistic == "share" else "mean",
            scale=definition.scale,
            city=ResultRow(
                None,
                "Stadt insgesamt",
                0,
                math.nan,
                math.nan,
                math.nan,
                suppressed=True,
                reason="keine Antworten",
            ),
            districts=empty,
            key_indicator=definition.key_indicator,
            group=definition.group,
            short_label=definition.short_label,
        )
    common: dict[str, Any] = {
        "by": DOMAIN,
        "missing": definition.missing,
        "alpha": alpha,
        "min_n": min_n,
    }
    estimate, comparison = estimate_and_compare(
        design,
        definition.column,
        codes=list(definition.codes) if definition.statistic == "share" else None,
        **common,
    )
    names = dict(districts)
    weight_totals, positives = district_counts(design, definition)
    # plain lists once instead of a pandas row lookup per cell (same values)
    records = [
        {
            "n": n,
            "suppressed": suppressed,
            "estimate": value,
            "se": se,
            "ci_lower": lower,
            "ci_upper": upper,
        }
        for n, suppressed, value, se, lower, upper in zip(
            estimate.n.tolist(),
            estimate.suppressed.tolist(),
            estimate.estimate.tolist(),
            estimate.se.tolist(),
            estimate.ci_lower.tolist(),
            estimate.ci_upper.tolist(),
            strict=True,
        )
    ]
    others = {
        str(code): {
            "difference": difference,
            "p_flag": p_flag,
            "p_flag_adjusted": p_adjusted,
            "flag": flag,
            "reason": reason,
        }
        for code, difference, p_flag, p_adjusted, flag, reason in zip(
            comparison.district,
            comparison.difference.tolist(),
            comparison.p_flag.tolist(),
            comparison.p_flag_adjusted.tolist(),
            comparison.flag.tolist(),
            comparison.reason,
            strict=True,
        )
    }

    def row(position: int, code: str | None) -> ResultRow:
        record = records[position]
        n = int(record["n"])
        suppressed = bool(record["suppressed"])
        reason = ""
        if suppressed:
            reason = "keine Antworten" if n == 0 else f"weniger als {min_n} Antworten"
        elif rules is not None and code is not None and code in others:
            why = dominance_reason(
                definition.statistic,
                n,
                positives.get(code, 0),
                str(others[code]["reason"]),
                rules,
            )
            if why:
                return ResultRow(
                    code=code,
                    name=names.get(code, code),
                    n=n,
                    estimate=math.nan,
                    ci_lower=math.nan,
                    ci_upper=math.nan,
                    suppressed=True,
                    reason=why,
                    weight_total=weight_totals.get(code, 0.0),
                )
        difference = math.nan
        p_value = math.nan
        p_adjusted = math.nan
        verdict: str | None = None
        note = ""
        if code is not None and not suppressed and code in others:
            other = others[code]
            difference = float(other["difference"])
            # the test the flag rests on (stricter than the plain t test)
            p_value = float(other["p_flag"])
            p_adjusted = float(other["p_flag_adjusted"])
            flag = int(other["flag"])
            if other["reason"]:
                verdict = "untested"
                note = NOT_TESTED_REASONS.get(str(other["reason"]), "")
            else:
                verdict = {1: "higher", -1: "lower"}.get(flag, "same")
        estimate_value = float(record["estimate"])
        se = float(record["se"])
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = se / abs(estimate_value) if estimate_value != 0 else math.nan
        name = "Stadt insgesamt" if code is None else names.get(code, code)
        if fixed is not None:
            register = fixed.city if code is None else fixed.districts.get(code)
            if register is not None:
                return ResultRow(
                    code=code,
                    name=name,
                    n=n,
                    estimate=register,
                    ci_lower=math.nan,
                    ci_upper=math.nan,
                    comparison=None if code is None else "weighting",
                    note=FIXED_NOTE,
                    fixed=True,
                )
            if code is not None and not suppressed:
                verdict, note = "weighting", WEIGHTING_NOTE
                difference = p_value = p_adjusted = math.nan
        return ResultRow(
            code=code,
            name=name,
            n=n,
            estimate=estimate_value,
            ci_lower=float(record["ci_lower"]),
            ci_upper=float(record["ci_upper"]),
            difference=difference,
            p_value=p_value,
            p_adjusted=p_adjusted,
            comparison=verdict,
            note=note,
            suppressed=suppressed,
            reason=reason,
            se=se,
            cv=cv,
            imprecise=bool(math.isfinite(cv) and cv > cv_limit),
            weight_total=weight_totals.get(code, 0.0) if code is not None else math.nan,
        )

    city = row(0, None)
    rows = tuple(
        row(position, str(code))
        for position, code in enumerate(estimate.district)
        if position > 0
    )
    return IndicatorTable(
        key=definition.key,
        question=definition.question,
        label=definition.label,
        statistic="share" if definition.statistic == "share" else "mean",
        scale=definition.scale,
        city=city,
        districts=rows,
        key_indicator=definition.key_indicator,
        group=definition.group,
        short_label=definition.short_label,
    )
