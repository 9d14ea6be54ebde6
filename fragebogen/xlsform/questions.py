"""Rows of the survey and choices sheets -> pages, questions and options."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fragebogen.definition import APPEARANCES
from fragebogen.model import (
    NAME_PATTERN,
    MatrixItem,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)
from fragebogen.xlsform.choices import FALSE, TRUE, read_choices
from fragebogen.xlsform.columns import Column, TypeSpec, ascii_name, column_of
from fragebogen.xlsform.notices import Notices
from fragebogen.xlsform.write import OTHER_TEXT, PLEASE_SPECIFY

if TYPE_CHECKING:
    from fragebogen.xlsform.read import _Languages
    from fragebogen.xlsform.sheets import Row, Sheet

__all__ = ["QuestionReader", "combine"]

_NAME = re.compile(NAME_PATTERN)
_SIMPLE = {
    "note": QuestionType.INFO,
    "acknowledge": QuestionType.CONSENT,
    "trigger": QuestionType.CONSENT,
    "integer": QuestionType.NUMBER,
    "decimal": QuestionType.NUMBER,
    "range": QuestionType.NUMBER,
    "text": QuestionType.TEXT,
    "date": QuestionType.DATE,
}
#: Types taken over as a free text question.
_AS_TEXT = frozenset({"time", "datetime", "barcode"})
_METADATA = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "device id",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "start-geopoint",
        "imei",
        "start time",
        "end time",
        "get device id",
        "get start time",
        "get end time",
        "get today",
        "get subscriber id",
        "get sim id",
        "get phone number",
        "sim id",
        "subscriber id",
        "phone number",
        "uri:deviceid",
        "uri:email",
        "uri:phonenumber",
        "uri:simserial",
        "uri:subscriberid",
        "uri:username",
        "background-geopoint",
        "background-audio",
    }
)
_QUESTION_KEYS = frozenset(
    {
        "type",
        "name",
        "label",
        "hint",
        "required",
        "relevant",
        "constraint",
        "constraint_message",
        "appearance",
        "question_type",
        "minimum",
        "maximum",
        "decimals",
        "unit",
    }
)
_GROUP_KEYS = frozenset(
    {"type", "name", "label", "hint", "relevant", "appearance", "question_type"}
)
_COLUMN_REASONS = {
    "required_message": "Eigene Meldungen für Pflichtfragen kennt Umfrage nicht",
    "guidance_hint": "Zusätzliche Hinweise für Interviewer kennt Umfrage nicht",
    "default": "Vorgabewerte werden nicht übernommen",
    "choice_filter": "Gefilterte Auswahllisten (choice_filter) kennt Umfrage nicht; "
    "alle Optionen werden gezeigt",
    "calculation": "Berechnungen kennt Umfrage nicht",
    "read_only": "Schreibgeschützte Fragen kennt Umfrage nicht",
    "repeat_count": "Wiederholungen kennt Umfrage nicht",
    "parameters": "Die Parameter dieses Typs kennt Umfrage nicht",
}


def combine(*expressions: str | None) -> str | None:
    """The ``and`` of the given conditions (None when there is none)."""
    present = [text.strip() for text in expressions if text and text.strip()]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return " and ".join(f"({text})" for text in present)


@dataclass
class _Frame:
    kind: str  # page, flat, matrix
    row: Row
    relevant: str | None
    questions: list[Question] = field(default_factory=list)
    items: list[tuple[Row, str | None]] = field(default_factory=list)
    closes_parent: bool = False
    split: bool = False


@dataclass
class _Origin:
    """Where the parts of the questionnaire come from, to place its problems."""

    pages: dict[str, Row] = field(default_factory=dict)
    questions: dict[str, Row] = field(default_factory=dict)
    options: dict[tuple[str, str], Row] = field(default_factory=dict)


class QuestionReader:
    """Reads the survey and choices sheets; collects notices on the way."""

    def __init__(
        self, sheets: Mapping[str, Sheet], notices: Notices, languages: _Languages
    ) -> None:
        self.notices = notices
        self.langs = languages
        self.columns: dict[tuple[str, str], Column | None] = {}
        for sheet in sheets.values():
            self.check_headers(sheet)
        self.used: set[str] = set()
        self.renamed: dict[str, str] = {}
        self.option_renamed: dict[tuple[str, str], str] = {}
        self.list_of: dict[str, str] = {}
        self.origin = _Origin()
        self.original_name: dict[str, str] = {}
        self.questionnaire: Questionnaire | None = None
        self.title = Text({languages.plain: "Fragebogen"})
        self.choice_rows: dict[tuple[str, str], Row] = {}
        self.lists = read_choices(self, sheets.get("choices"))

    # -- cells

    def check_headers(self, sheet: Sheet) -> None:
        seen: dict[tuple[str, str | None, bool], str] = {}
        for header in sheet.headers:
            if not header:
                continue
            column = column_of(header)
            key = (column.key, column.language, column.media)
            if key in seen:
                self.notices.add(
                    "duplicate_column",
                    sheet.name,
                    1,
                    header,
                    f"Die Spalte {header!r} bedeutet dasselbe wie die Spalte "
                    f"{seen[key]!r} davor; sie wird",
                    "skipped",
                )
                if header != seen[key]:
                    self.columns[(sheet.name, header)] = None
                continue
            seen[key] = header
            self.columns[(sheet.name, header)] = column

    def column(self, row: Row, header: str) -> Column | None:
        if (row.sheet, header) not in self.columns:
            self.columns[(row.sheet, header)] = column_of(header)
        return self.columns[(row.sheet, header)]

    def get(self, row: Row, key: str) -> str:
        return self.header_value(row, key)[1]

    def header_value(self, row: Row, key: str) -> tuple[str, str]:
        for header, value in row.values.items():
            column = self.column(row, header)
            if (
                column is not None
                and column.key == key
                and column.language is None
                and not column.media
            ):
                return header, value.strip()
        return key, ""

    def text(self, row: Row, key: str) -> Text | None:
        plain: dict[str, str] = {}
        texts: dict[str, str] = {}
        for header, value in row.values.items():
            column = self.column(row, header)
            if column is None or column.key != key or column.media or not value:
                continue
            if column.language is None:
                plain[self.langs.plain] = value.strip()
            else:
                code = self.langs.code(column.language, row.sheet, header)
                if code is None:
                    continue
                texts[code] = value.strip()
        merged = {**plain, **texts}
        return Text(merged) if merged else None

    def leftovers(self, row: Row, used: Iterable[str]) -> None:
        """Notices for the columns of ``row`` that were not taken over."""
        used = set(used)
        for header, value in row.values.items():
            column = self.column(row, header)
            if column is None or not value.strip():
                continue  # duplicate column: reported once
            if column.key in used and not column.media:
                continue
            if column.media:
                reason = "Bilder, Töne und Videos übernimmt Umfrage nicht"
            else:
                reason = _COLUMN_REASONS.get(
                    column.key, f"Die Spalte {header!r} kennt Umfrage nicht"
                )
            self.notices.add_to_column(
                "unsupported_column",
                row.sheet,
                row.number,
                header,
                f"{reason}; die Spalte wird in allen genannten Zeilen",
                "skipped",
            )

    def valid_name(self, written: str, row: Row | None, what: str = "name") -> str:
        """``written`` if it is a valid, unused name, else a valid new one."""
        if _NAME.match(written) and written not in self.used:
            self.used.add(written)
            return written
        fixed = ascii_name(written)[:60] or "frage"
        if not fixed[0].isalpha():
            fixed = f"f_{fixed}"
        base, number = fixed, 2
        while fixed in self.used:
            fixed, number = f"{base}_{number}", number + 1
        self.used.add(fixed)
        if row is not None:
            self.renamed.setdefault(written, fixed)
            header = self.header_value(row, what)[0]
            self.notices.add(
                "name_changed",
                row.sheet,
                row.number,
                header,
                f"Der Name {written!r} ist kein gültiger oder ein doppelter "
                f"Variablenname; er heißt jetzt {fixed!r} und die Bedingungen werden "
                "angepasst",
                "changed",
                name=written,
                new_name=fixed,
            )
        return fixed

    def number(self, row: Row, key: str) -> float | None:
        header, text = self.header_value(row, key)
        if not text:
            return None
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            number = float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            self.notices.add(
                "not_a_number",
                row.sheet,
                row.number,
                header,
                f"{text!r} ist keine Zahl; der Wert wird",
                "skipped",
            )
            return None
        return number

    # -- survey

    def read_survey(self, rows: list[Row]) -> list[Page]:
        from fragebogen.xlsform.structure import SurveyReader

        return SurveyReader(self).read(rows)

    # -- one question

    def question(
        self, row: Row, spec: TypeSpec, relevant: str | None
    ) -> Question | None:
        """The question of a row, or None (with a notice) if it cannot be taken over."""
        kind = spec.kind
        written_name = self.get(row, "name")
        type_header = self.header_value(row, "type")[0]
        label_text = self.text(row, "label")
        shown = (
            label_text.get_text(self.langs.plain, self.langs.plain)
            if label_text
            else ""
        )
        options: tuple[Option, ...] = ()
        decimals = 0
        used = set(_QUESTION_KEYS)
        question_type: QuestionType | None
        if kind in ("select_one", "select_multiple"):
            found = self.lists.get(spec.list_name)
            if found is None:
                self.notices.add(
                    "unknown_list",
                    row.sheet,
                    row.number,
                    type_header,
                    f"Die Auswahlliste {spec.list_name!r} fehlt im Blatt choices; die "
                    "Frage wird ohne Optionen",
                    "check",
                    name=written_name,
                )
                found = []
            options = tuple(found)
            if spec.or_other and not any(option.value == "other" for option in options):
                options = (*options, self.or_other_option(options))
            question_type = (
                QuestionType.SINGLE_CHOICE
                if kind == "select_one"
                else QuestionType.MULTIPLE_CHOICE
            )
        elif kind in _SIMPLE:
            question_type = _SIMPLE[kind]
            decimals = 2 if kind == "decimal" else 0
        elif kind in _AS_TEXT:
            question_type = QuestionType.TEXT
            self.notices.add(
                "type_as_text",
                row.sheet,
                row.number,
                type_header,
                f"Den Fragetyp {kind!r} kennt Umfrage nicht; die Frage "
                f"{written_name!r} wird",
                "as_text",
                name=written_name,
                type=kind,
            )
        else:
            self.skip_type(row, kind, written_name, shown, type_header)
            return None
        if not written_name and question_type is QuestionType.INFO:
            written_name = f"hinweis_{row.number}"  # a note needs no name
        if not written_name:
            self.notices.add(
                "missing_name",
                row.sheet,
                row.number,
                "name",
                "Der Frage fehlt ein Name (name); die Zeile wird",
                "skipped",
            )
            return None
        name = self.valid_name(written_name, row)
        self.original_name[name] = written_name
        appearance = self.appearance(row, question_type)
        if question_type is QuestionType.TEXT and appearance == "multiline":
            question_type, appearance = QuestionType.LONG_TEXT, None
        if question_type is QuestionType.SINGLE_CHOICE and appearance == "likert":
            question_type, appearance = QuestionType.LIKERT, None
        minimum, maximum = self.number(row, "minimum"), self.number(row, "maximum")
        if kind == "range":
            used.add("parameters")
            minimum, maximum = self.range_bounds(row, written_name)
        declared_header, declared = self.header_value(row, "question_type")
        if declared and declared not in ("likert_matrix_item", OTHER_TEXT):
            try:
                question_type = QuestionType(declared)
            except ValueError:
                self.notices.add(
                    "unknown_question_type",
                    row.sheet,
                    row.number,
                    declared_header,
                    f"Den Umfrage-Fragetyp {declared!r} gibt es nicht; die Angabe wird",
                    "skipped",
                )
            else:
                number = self.number(row, "decimals")
                decimals = int(number) if number is not None else 0
        self.origin.questions[name] = row
        if options:
            self.list_of[name] = spec.list_name
        self.leftovers(row, used)
        return Question(
            name=name,
            type=question_type,
            label=label_text or Text({self.langs.plain: ""}),
            hint=self.text(row, "hint"),
            options=options,
            required=self.required(row, written_name),
            relevant=combine(relevant, self.get(row, "relevant")),
            constraint=self.get(row, "constraint") or None,
            constraint_message=self.text(row, "constraint_message"),
            appearance=appearance,
            minimum=minimum,
            maximum=maximum,
            decimals=decimals,
            unit=self.text(row, "unit"),
        )

    def skip_type(
        self, row: Row, kind: str, name: str, label: str, type_header: str
    ) -> None:
        if not kind:
            reason = "Die Zeile hat keinen Typ (type)"
        elif kind in _METADATA:
            reason = (
                f"Metadaten wie {kind!r} (Gerätekennung, Zeitstempel, Ort) "
                "widersprechen der Anonymität der Antworten"
            )
        elif kind == "calculate":
            reason = "Berechnungen (calculate) kennt Umfrage nicht"
        elif kind in ("begin_repeat", "end_repeat"):
            reason = "Wiederholungen kennt Umfrage nicht"
        else:
            reason = f"Den Fragetyp {kind!r} kennt Umfrage nicht"
        what = f"die Frage {name!r}" if name else "die Zeile"
        self.notices.add(
            "unsupported_type",
            row.sheet,
            row.number,
            type_header,
            f"{reason}; {what} wird",
            "skipped",
            name=name,
            type=kind,
            label=label,
        )

    def appearance(self, row: Row, kind: QuestionType) -> str | None:
        header, written = self.header_value(row, "appearance")
        kept: str | None = None
        for word in written.split():
            word_lower = word.lower()
            allowed = APPEARANCES.get(kind, frozenset())
            if kept is None and (
                word_lower in allowed
                or (kind is QuestionType.TEXT and word_lower == "multiline")
                or (kind is QuestionType.SINGLE_CHOICE and word_lower == "likert")
            ):
                kept = word_lower
                continue
            self.notices.add_to_column(
                "unsupported_appearance",
                row.sheet,
                row.number,
                header,
                f"Die Darstellung {word!r} kennt Umfrage für diesen Fragetyp nicht; "
                "sie wird",
                "skipped",
                value=word,
            )
        return kept

    def required(self, row: Row, name: str) -> bool:
        header, written = self.header_value(row, "required")
        if written.lower() in TRUE:
            return True
        if written.lower() not in FALSE:
            self.notices.add(
                "conditional_required",
                row.sheet,
                row.number,
                header,
                f"Bedingte Pflichtfragen ({written!r}) kennt Umfrage nicht; die Frage "
                f"{name!r} wird als freiwillige Frage",
                "changed",
                name=name,
            )
        return False

    def range_bounds(self, row: Row, name: str) -> tuple[float | None, float | None]:
        header, written = self.header_value(row, "parameters")
        found = dict(re.findall(r"(\w+)\s*=\s*(-?[\d.]+)", written))
        bounds: list[float | None] = []
        for key in ("start", "end"):
            try:
                bounds.append(float(found[key]))
            except (KeyError, ValueError):
                bounds.append(None)
        self.notices.add(
            "range_as_number",
            row.sheet,
            row.number,
            self.header_value(row, "type")[0],
            f"Schieberegler (range) kennt Umfrage nicht; die Frage {name!r} wird als "
            "Zahlenfrage mit den Grenzen aus parameters",
            "changed",
            name=name,
        )
        low, high = bounds
        return (
            low if low is None or high is None or low <= high else high,
            high if low is None or high is None or low <= high else low,
        )

    def or_other_option(self, options: Iterable[Option]) -> Option:
        from fragebogen.xlsform.write import OTHER_LABEL

        code = max((option.code for option in options), default=0) + 1
        label = Text(
            {
                language: OTHER_LABEL.get(language, "Other")
                for language in self.langs.languages
            }
        )
        return Option(code=code, value="other", label=label, other=True)

    def please_specify(self) -> set[str]:
        return set(PLEASE_SPECIFY.values()) | {"Specify other.", "Specify other"}

    def matrix_items(self, rows: list[Row]) -> list[MatrixItem]:
        items = []
        for row in rows:
            written = self.get(row, "name")
            name = self.valid_name(written, row)
            self.original_name[name] = written
            self.origin.questions[name] = row
            label = self.text(row, "label") or Text({self.langs.plain: ""})
            items.append(MatrixItem(name=name, label=label))
            self.leftovers(row, _QUESTION_KEYS)
        return items
