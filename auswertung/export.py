"""Data exports for analysts: responses and codebook as files.

Plain data in, bytes out. The layout of the response table is defined here from the
questionnaire (:func:`variables_of`): one column per answer variable, a matrix item
per column, a multiple-choice question as one 0/1 column per option (``angebote_3``),
free texts as text columns. The web application fills that table from its database;
this module writes it as

* CSV (UTF-8, comma, decimal point) and a German Excel variant (``;``, decimal
  comma, byte order mark),
* XLSX (a data sheet and a codebook sheet),
* SPSS ``.sav`` and Stata ``.dta`` with variable and value labels (pyreadstat),

always with the weight column. Text cells starting with ``=``, ``+``, ``-``, ``@``
(or a tab or carriage return) are neutralised with a leading apostrophe so that
spreadsheet programs do not run them as formulas (OWASP, "CSV injection").

The findings tables (:class:`~auswertung.findings.IndicatorTable`), shared with
:mod:`auswertung.pdf`, live in :mod:`auswertung.findings`.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from fragebogen.model import Question, Questionnaire, QuestionType

__all__ = [
    "FORMULA_PREFIXES",
    "STANDARD_VARIABLES",
    "Variable",
    "WEIGHTING_VARIABLE",
    "WEIGHT_VARIABLE",
    "codebook_frame",
    "neutralise",
    "to_codebook_csv",
    "to_codebook_xlsx",
    "to_csv",
    "to_dta",
    "to_sav",
    "to_xlsx",
    "variables_of",
]

#: First characters that make a spreadsheet cell a formula (plus tab and CR).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Kind = Literal["numeric", "text"]
Measure = Literal["nominal", "ordinal", "scale"]


# ---------------------------------------------------------------------- variables
@dataclass(frozen=True)
class Variable:
    """One column of the response table.

    Attributes
    ----------
    name
        Column name (``haushaltstyp``, ``angebote_3``).
    label
        Variable label (the question text, in the questionnaire's default language).
    kind
        ``"numeric"`` or ``"text"``.
    value_labels
        ``(code, label)`` pairs.
    missing_codes
        Declared missing codes (``9`` = "weiß nicht").
    question
        Name of the question the column belongs to (empty for design columns).
    source
        Answer key the value comes from.
    option_code
        For a multiple-choice column: the option's code (1 = chosen, 0 = not).
    free_text
        Free text written by respondents (never shown in reports).
    measure
        Level of measurement for SPSS.
    """

    name: str
    label: str
    kind: Kind = "numeric"
    value_labels: tuple[tuple[int, str], ...] = ()
    missing_codes: tuple[int, ...] = ()
    question: str = ""
    source: str = ""
    option_code: int | None = None
    free_text: bool = False
    measure: Measure = "nominal"


#: Columns before the answers: case number, district, language; the weight last.
STANDARD_VARIABLES: tuple[Variable, ...] = (
    Variable("case_id", "Laufende Nummer", measure="scale"),
    Variable("district", "Sozialraum (Code)", kind="text"),
    Variable("district_name", "Sozialraum", kind="text"),
    Variable("language", "Sprache des Fragebogens", kind="text"),
)
#: The weight column, written last.
WEIGHT_VARIABLE = Variable("weight", "Gewicht", measure="scale")
#: Stata's extended missing values .a to .z, for declared missing codes.
STATA_MISSING_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Which weighting set-up the weights come from ("ungewichtet: …" when none).
WEIGHTING_VARIABLE = Variable(
    "weighting", "Gewichtung (verwendete Einstellung)", kind="text"
)

_CHOSEN_LABELS: tuple[tuple[int, str], ...] = ((0, "nicht genannt"), (1, "genannt"))


def variables_of(questionnaire: Questionnaire) -> list[Variable]:
    """The answer columns of a questionnaire, in question order.

    Labels are in the questionnaire's default language. District questions are
    left out: the standard columns ``district`` and ``district_name`` hold them.
    """
    language = questionnaire.default_language
    result: list[Variable] = []
    for question in questionnaire.questions():
        result.extend(_question_variables(question, language))
    names = [v.name for v in result] + [v.name for v in STANDARD_VARIABLES]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate column names: {', '.join(duplicates)}")
    return result


def _text(question: Question, language: str) -> str:
    return question.label.get_text(language, language)


def _question_variables(question: Question, language: str) -> list[Variable]:
    kind = question.type
    name = question.name
    label = _text(question, language)
    options = tuple(
        (o.code, o.label.get_text(language, language)) for o in question.options
    )
    missing = question.missing_codes
    if kind in (QuestionType.INFO, QuestionType.DISTRICT):
        return []
    if kind is QuestionType.CONSENT:
        return [
            Variable(
                name,
                label,
                value_labels=((0, "nein"), (1, "ja")),
                question=name,
                source=name,
            )
        ]
    if kind is QuestionType.LIKERT_MATRIX:
        return [
            Variable(
                item.name,
                f"{label} – {item.label.get_text(language, language)}",
                value_labels=options,
                missing_codes=missing,
                question=name,
                source=item.name,
                measure="ordinal",
            )
            for item in question.items
        ]
    variables: list[Variable] = []
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.LIKERT):
        variables.append(
            Variable(
                name,
                label,
                value_labels=options,
                missing_codes=missing,
                question=name,
                source=name,
                measure="ordinal" if kind is QuestionType.LIKERT else "nominal",
            )
        )
    elif kind is QuestionType.MULTIPLE_CHOICE:
        for option in question.options:
            variables.append(
                Variable(
                    f"{name}_{option.code}",
                    f"{label}: {option.label.get_text(language, language)}",
                    value_labels=_CHOSEN_LABELS,
                    question=name,
                    source=name,
                    option_code=option.code,
                )
            )
    elif kind in (QuestionType.NUMBER, QuestionType.YEAR):
        variables.append(
            Variable(name, label, question=name, source=name, measure="scale")
        )
    else:  # text, long text, date
        variables.append(
            Variable(
                name,
                label,
                kind="text",
                question=name,
                source=name,
                free_text=kind in (QuestionType.TEXT, QuestionType.LONG_TEXT),
            )
        )
    if any(option.other for option in question.options):
        other = next(o for o in question.options if o.other)
        variables.append(
            Variable(
                f"{name}_other",
                f"{label}: {other.label.get_text(language, language)} (Text)",
                kind="text",
                question=name,
                source=f"{name}_other",
                free_text=True,
            )
        )
    return variables


# ---------------------------------------------------------------------- formats
def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _columns(frame: pd.DataFrame, variables: Sequence[Variable]) -> list[Variable]:
    known = {v.name: v for v in (*variables, WEIGHT_VARIABLE, WEIGHTING_VARIABLE)}
    result = []
    for column in frame.columns:
        variable = known.get(str(column))
        if variable is None:
            kind: Kind = "numeric"
            if not pd.api.types.is_numeric_dtype(frame[column].dtype):
                kind = "text"
            variable = Variable(str(column), str(column), kind=kind)
        result.append(variable)
    return result


def _prepared(frame: pd.DataFrame, variables: Sequence[Variable]) -> pd.DataFrame:
    """Numeric columns as numbers (whole numbers as nullable integers), text
    columns neutralised; missing text stays missing."""
    out: dict[str, pd.Series] = {}
    for variable in _columns(frame, variables):
        series = frame[variable.name]
        if variable.kind == "numeric":
            values = pd.to_numeric(series, errors="coerce").astype("float64")
            finite = values.dropna().to_numpy()
            whole = bool(np.all(np.mod(finite, 1) == 0))
            if whole and variable.name != WEIGHT_VARIABLE.name:
                out[variable.name] = values.astype("Int64")
            else:
                out[variable.name] = values
        else:
            out[variable.name] = series.map(
                lambda v: None if _is_missing(v) else neutralise(str(v))
            ).astype(object)
    return pd.DataFrame(out, index=frame.index)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def to_csv(
    frame: pd.DataFrame, variables: Sequence[Variable], *, excel: bool = False
) -> bytes:
    """The response table as CSV.

    Parameters
    ----------
    frame
        One row per response; columns as described by ``variables`` (plus
        ``weight``).
    variables
        The column descriptions (:data:`STANDARD_VARIABLES`,
        :func:`variables_of`).
    excel
        German Excel variant: ``;`` as separator, decimal comma, UTF-8 with byte
        order mark (so that Excel recognises the encoding) and CRLF line ends.
    """
    table = _prepared(frame, variables)
    return _csv_bytes(table, excel=excel)


def _csv_bytes(table: pd.DataFrame, *, excel: bool) -> bytes:
    buffer = io.StringIO()
    if excel:
        table.to_csv(
            buffer,
            sep=";",
            decimal=",",
            index=False,
            lineterminator="\r\n",
            quoting=csv.QUOTE_MINIMAL,
        )
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def to_xlsx(
    frame: pd.DataFrame,
    variables: Sequence[Variable],
    *,
    title: str = "",
) -> bytes:
    """The response table as an Excel workbook: sheet "Daten" and "Codebuch"."""
    table = _prepared(frame, variables)
    book = codebook_frame(_columns(frame, variables))
    return _xlsx_bytes([("Daten", table), ("Codebuch", book)], title=title)


def _xlsx_bytes(sheets: Iterable[tuple[str, pd.DataFrame]], *, title: str) -> bytes:
    from .xlsx import workbook_bytes

    return workbook_bytes(sheets, title=title, neutralise=neutralise)


def _stat_names(variables: Sequence[Variable]) -> dict[str, str]:
    """Column names that fit Stata (32 characters, unique)."""
    result: dict[str, str] = {}
    used: set[str] = set()
    for variable in variables:
        name = variable.name[:32]
        counter = 1
        while name in used:
            suffix = f"_{counter}"
            name = variable.name[: 32 - len(suffix)] + suffix
            counter += 1
        used.add(name)
        result[variable.name] = name
    return result


def _readstat_frame(
    frame: pd.DataFrame, variables: Sequence[Variable]
) -> tuple[pd.DataFrame, list[Variable]]:
    columns = _columns(frame, variables)
    out: dict[str, pd.Series] = {}
    for variable in columns:
        series = frame[variable.name]
        if variable.kind == "numeric":
            out[variable.name] = pd.to_numeric(series, errors="coerce").astype(
                "float64"
            )
        else:
            out[variable.name] = series.map(
                lambda v: "" if _is_missing(v) else str(v)
            ).astype(object)
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True), columns


def _integer_widths(table: pd.DataFrame, columns: Sequence[Variable]) -> dict[str, int]:
    """Digits of the numeric columns that hold whole numbers only (codes, counts),
    by column of ``table``, so that they get a format like ``F1.0`` rather than
    the default ``F8.2``; the weight keeps its decimals."""
    widths: dict[str, int] = {}
    for variable, name in zip(columns, table.columns, strict=True):
        if variable.kind != "numeric" or variable.name == WEIGHT_VARIABLE.name:
            continue
        values = table[name].dropna().to_numpy(dtype="float64")
        codes = [float(code) for code, _label in variable.value_labels]
        codes += [float(code) for code in variable.missing_codes]
        every = np.concatenate([values, np.asarray(codes, dtype="float64")])
        if every.size == 0 or not np.all(np.isfinite(every)):
            continue
        if not np.all(every == np.round(every)):
            continue
        widths[name] = max(len(str(int(value))) for value in (every.min(), every.max()))
    return widths


def to_sav(
    frame: pd.DataFrame,
    variables: Sequence[Variable],
    *,
    file_label: str = "",
) -> bytes:
    """The response table as an SPSS ``.sav`` file.

    Variable labels, value labels, declared missing codes (as user-missing values)
    and the level of measurement are written; the weight is the column
    ``weight`` (switch it on in SPSS with ``WEIGHT BY weight.``).
    """
    import pyreadstat  # type: ignore[import-untyped, unused-ignore]

    table, columns = _readstat_frame(frame, variables)
    value_labels = {
        v.name: {float(code): label for code, label in v.value_labels}
        for v in columns
        if v.value_labels and v.kind == "numeric"
    }
    missing: dict[str, list[Any]] = {
        v.name: [float(code) for code in v.missing_codes]
        for v in columns
        if v.missing_codes and v.kind == "numeric"
    }
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "daten.sav"
        pyreadstat.write_sav(
            table,
            str(path),
            file_label=file_label[:64],
            column_labels={v.name: v.label[:255] for v in columns},
            variable_value_labels=value_labels,
            missing_ranges=missing,
            variable_measure={v.name: v.measure for v in columns},
            variable_format={
                name: f"F{width}.0"
                for name, width in _integer_widths(table, columns).items()
            },
        )
        return path.read_bytes()


def to_dta(
    frame: pd.DataFrame,
    variables: Sequence[Variable],
    *,
    file_label: str = "",
) -> bytes:
    """The response table as a Stata ``.dta`` file with variable and value labels.

    Stata allows 32 characters per name and 80 per variable label; longer ones are
    shortened. Declared missing codes ("weiß nicht" = 9) become Stata's extended
    missing values ``.a``, ``.b``, … in the order of the codes, labelled like the
    codes, as SPSS gets them as user-missing values; Stata then leaves them out of
    every computation.
    """
    import pyreadstat  # type: ignore[import-untyped, unused-ignore]

    table, columns = _readstat_frame(frame, variables)
    names = _stat_names(columns)
    table = table.rename(columns=names)
    formats = {
        name: f"%{width}.0f" for name, width in _integer_widths(table, columns).items()
    }
    value_labels: dict[str, dict[Any, str]] = {
        names[v.name]: {int(code): label[:32000] for code, label in v.value_labels}
        for v in columns
        if v.value_labels and v.kind == "numeric"
    }
    extended: dict[str, list[str]] = {}
    for variable in columns:
        if variable.kind != "numeric" or not variable.missing_codes:
            continue
        name = names[variable.name]
        letters = STATA_MISSING_LETTERS[: len(variable.missing_codes)]
        column = table[name].astype(object)
        labels = value_labels.setdefault(name, {})
        for code, letter in zip(variable.missing_codes, letters, strict=False):
            column[table[name] == float(code)] = letter
            labels[letter] = labels.pop(int(code), str(code))[:32000]
        table[name] = column
        extended[name] = list(letters)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "daten.dta"
        pyreadstat.write_dta(
            table,
            str(path),
            file_label=file_label[:80],
            column_labels={names[v.name]: v.label[:80] for v in columns},
            variable_value_labels=value_labels,
            missing_user_values=extended,
            variable_format=formats,
        )
        return path.read_bytes()


# ---------------------------------------------------------------------- codebook
def codebook_frame(variables: Sequence[Variable]) -> pd.DataFrame:
    """The codebook: one row per column with its label, type, codes and missing
    codes (German headers, for people)."""
    rows: list[dict[str, str]] = []
    for variable in (*variables, WEIGHT_VARIABLE):
        if (
            rows
            and variable is WEIGHT_VARIABLE
            and any(r["Variable"] == "weight" for r in rows)
        ):
            continue
        rows.append(
            {
                "Variable": variable.name,
                "Beschriftung": variable.label,
                "Typ": "Zahl" if variable.kind == "numeric" else "Text",
                "Codes": "; ".join(f"{c} = {t}" for c, t in variable.value_labels),
                "Fehlende Werte": ", ".join(str(c) for c in variable.missing_codes),
                "Frage": variable.question,
                "Freitext": "ja" if variable.free_text else "",
            }
        )
    return pd.DataFrame(rows)


def to_codebook_csv(variables: Sequence[Variable], *, excel: bool = False) -> bytes:
    """The codebook as CSV (``excel``: German Excel variant)."""
    table = codebook_frame(variables).map(neutralise)
    return _csv_bytes(table, excel=excel)


def to_codebook_xlsx(variables: Sequence[Variable], *, title: str = "") -> bytes:
    """The codebook as an Excel workbook."""
    return _xlsx_bytes([("Codebuch", codebook_frame(variables))], title=title)
