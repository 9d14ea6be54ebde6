"""Groups of the survey sheet -> pages; ``table-list`` groups -> Likert matrices.

A top-level group is a page. Nested groups and repeats are dissolved: their questions
go onto the enclosing page and their conditions are joined to each question's own. A
``table-list`` group becomes a matrix when its rows share one list and the same
required/constraint and have no conditions of their own; otherwise its rows become
single questions (the group's label an info text), so no row's setting is applied to
another.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from fragebogen.model import Page, Question, QuestionType, Text
from fragebogen.xlsform.columns import type_of
from fragebogen.xlsform.questions import _GROUP_KEYS, QuestionReader, _Frame, combine
from fragebogen.xlsform.write import OTHER_TEXT

if TYPE_CHECKING:
    from fragebogen.xlsform.sheets import Row

__all__ = ["SurveyReader"]


class SurveyReader:
    """Walks the survey sheet once, keeping a stack of open groups."""

    def __init__(self, reader: QuestionReader) -> None:
        self.reader = reader
        self.notices = reader.notices
        self.pages: list[Page] = []
        self.loose: list[Question] = []
        self.stack: list[_Frame] = []
        self.last_written: dict[int, str] = {}

    def read(self, rows: list[Row]) -> list[Page]:
        for row in rows:
            spec = type_of(self.reader.get(row, "type"))
            if spec.kind in ("begin_group", "begin_repeat"):
                self.begin(row, spec.kind == "begin_repeat")
            elif spec.kind in ("end_group", "end_repeat"):
                self.end(row)
            else:
                self.row(row, spec)
        if self.stack:
            first = self.stack[0].row
            self.notices.add(
                "unbalanced_group",
                first.sheet,
                first.number,
                self.reader.header_value(first, "type")[0],
                "Die Gruppe wird nicht mit end_group geschlossen; sie wird am Ende "
                "des Blatts geschlossen",
                "changed",
            )
            while self.stack:
                self.close(self.stack.pop())
        self.flush_loose()
        return self.pages

    # -- groups

    def page_frame(self) -> _Frame | None:
        return next((frame for frame in self.stack if frame.kind == "page"), None)

    def matrix_frame(self) -> _Frame | None:
        return next((frame for frame in self.stack if frame.kind == "matrix"), None)

    def begin(self, row: Row, repeat: bool) -> None:
        reader = self.reader
        header, appearance = reader.header_value(row, "appearance")
        words = appearance.lower().split()
        table = "table-list" in words or reader.get(row, "question_type") == (
            "likert_matrix"
        )
        if repeat:
            self.notices.add(
                "repeat_flattened",
                row.sheet,
                row.number,
                reader.header_value(row, "type")[0],
                "Wiederholungen (repeat) kennt Umfrage nicht; die Fragen darin werden "
                "nur einmal gestellt, die Gruppe wird als einfache Gruppe",
                "changed",
                name=reader.get(row, "name"),
            )
        relevant = reader.get(row, "relevant") or None
        matrix = self.matrix_frame()
        if matrix is not None:
            matrix.split = True
        if not self.stack:
            self.flush_loose()
            self.stack.append(_Frame("page", row, relevant))
            if table:
                self.stack.append(_Frame("matrix", row, None, closes_parent=True))
            for word in words:
                if word not in ("field-list", "table-list"):
                    reader.notices.add_to_column(
                        "unsupported_appearance",
                        row.sheet,
                        row.number,
                        header,
                        f"Die Darstellung {word!r} kennt Umfrage für Seiten nicht; "
                        "sie wird",
                        "skipped",
                        value=word,
                    )
        elif table and matrix is None:
            self.stack.append(_Frame("matrix", row, relevant))
        else:
            label = reader.text(row, "label")
            self.notices.add(
                "group_dissolved",
                row.sheet,
                row.number,
                reader.header_value(row, "type")[0],
                "Gruppen in Gruppen kennt Umfrage nicht; die Fragen kommen auf die "
                "Seite der äußeren Gruppe, die Bedingung der Gruppe gilt für jede "
                "ihrer Fragen"
                + (", ihre Überschrift entfällt" if label else "")
                + ". Die Gruppe wird",
                "changed",
                name=reader.get(row, "name"),
            )
            self.stack.append(_Frame("flat", row, relevant))
        if not repeat:
            reader.leftovers(row, _GROUP_KEYS)
        else:
            reader.leftovers(row, _GROUP_KEYS | {"repeat_count"})

    def end(self, row: Row) -> None:
        if not self.stack:
            self.notices.add(
                "unbalanced_group",
                row.sheet,
                row.number,
                self.reader.header_value(row, "type")[0],
                "end_group ohne passendes begin_group; die Zeile wird",
                "skipped",
            )
            return
        frame = self.stack.pop()
        self.close(frame)
        if frame.closes_parent and self.stack:
            self.close(self.stack.pop())

    def close(self, frame: _Frame) -> None:
        if frame.kind == "page":
            self.pages.append(self.page(frame))
        elif frame.kind == "matrix":
            self.target().extend(self.matrix(frame))

    def target(self) -> list[Question]:
        page = self.page_frame()
        return page.questions if page is not None else self.loose

    def relevant_prefix(self, inside_matrix: bool = False) -> str | None:
        kinds = ("flat",) if inside_matrix else ("flat", "matrix")
        if not inside_matrix:
            return combine(
                *(frame.relevant for frame in self.stack if frame.kind in kinds)
            )
        matrix = self.matrix_frame()
        assert matrix is not None
        start = self.stack.index(matrix) + 1
        return combine(*(frame.relevant for frame in self.stack[start:]))

    def page(self, frame: _Frame) -> Page:
        reader = self.reader
        written = reader.get(frame.row, "name") or f"seite_{len(self.pages) + 1}"
        name = reader.valid_name(written, frame.row)
        reader.origin.pages[name] = frame.row
        title = reader.text(frame.row, "label")
        if title is None:
            title = Text(dict.fromkeys(reader.langs.languages, written))
        questions = list(frame.questions)
        hint = reader.text(frame.row, "hint")
        if hint is not None:
            info = reader.valid_name(f"{name}_hinweis", None)
            reader.origin.questions[info] = frame.row
            questions.insert(0, Question(info, QuestionType.INFO, hint))
        return Page(
            name=name, title=title, questions=tuple(questions), relevant=frame.relevant
        )

    def flush_loose(self) -> None:
        if not self.loose:
            return
        name = self.reader.valid_name(f"seite_{len(self.pages) + 1}", None)
        self.pages.append(
            Page(name=name, title=self.reader.title, questions=tuple(self.loose))
        )
        self.loose = []

    # -- rows

    def row(self, row: Row, spec: object) -> None:
        from fragebogen.xlsform.columns import TypeSpec

        assert isinstance(spec, TypeSpec)
        matrix = self.matrix_frame()
        if matrix is not None:
            matrix.items.append((row, self.relevant_prefix(inside_matrix=True)))
            return
        target = self.target()
        if target and self.absorbs_other(row, target[-1]):
            return
        question = self.reader.question(row, spec, self.relevant_prefix())
        if question is not None:
            target.append(question)

    def absorbs_other(self, row: Row, previous: Question) -> bool:
        """A "please specify" text row right after its select question."""
        reader = self.reader
        if previous.type not in (
            QuestionType.SINGLE_CHOICE,
            QuestionType.MULTIPLE_CHOICE,
        ):
            return False
        kind = type_of(reader.get(row, "type")).kind
        written_previous = reader.original_name.get(previous.name, previous.name)
        name = reader.get(row, "name")
        if kind != "text" or name not in (
            f"{written_previous}_other",
            f"{previous.name}_other",
        ):
            return False
        if reader.get(row, "question_type") == OTHER_TEXT and any(
            option.other for option in previous.options
        ):
            return True
        pattern = (
            r"^\s*selected\(\s*\$\{\s*(?:"
            + re.escape(written_previous)
            + "|"
            + re.escape(previous.name)
            + r")\s*\}\s*,\s*['\"]([^'\"]+)['\"]\s*\)\s*$"
        )
        match = re.match(pattern, reader.get(row, "relevant"))
        if match is None:
            return False
        wanted = match.group(1)
        options = previous.options
        hit = next(
            (
                option
                for option in options
                if wanted in (option.value, str(option.code))
                or reader.option_renamed.get(
                    (reader.list_of.get(previous.name, ""), wanted)
                )
                == option.value
            ),
            None,
        )
        if hit is None:
            return False
        marked = tuple(
            replace(option, other=True) if option is hit else option
            for option in options
        )
        target = self.target()
        target[-1] = replace(previous, options=marked)
        dropped = []
        label = reader.text(row, "label")
        if label is not None and not set(label.values()) <= reader.please_specify():
            dropped.append(
                reader.header_value(row, "label")[0]
                if "label" in row.values
                else "label"
            )
        for key in ("hint", "required", "constraint", "constraint_message"):
            if reader.get(row, key) or reader.text(row, key):
                dropped.append(key)
        if dropped:
            self.notices.add(
                "other_details_dropped",
                row.sheet,
                row.number,
                dropped[0],
                f"Das Textfeld {name!r} wird als Feld „Sonstiges, bitte angeben“ der "
                f"Frage {previous.name!r} übernommen; seine eigenen Angaben "
                f"({', '.join(dropped)}) kennt Umfrage dort nicht, sie werden",
                "skipped",
                name=name,
                columns=dropped,
            )
        reader.origin.questions.setdefault(f"{previous.name}_other", row)
        reader.leftovers(
            row,
            {
                "type",
                "name",
                "label",
                "relevant",
                "question_type",
                "hint",
                "required",
                "constraint",
                "constraint_message",
            },
        )
        return True

    # -- matrices

    def matrix(self, frame: _Frame) -> list[Question]:
        reader = self.reader
        rows = [row for row, _ in frame.items]
        specs = [type_of(reader.get(row, "type")) for row in rows]
        lists = {spec.list_name for spec in specs}
        settings = {
            (
                reader.get(row, "required").lower() in ("yes", "true", "true()", "1"),
                reader.get(row, "constraint"),
                reader.get(row, "constraint_message"),
                tuple(sorted((reader.text(row, "constraint_message") or {}).items())),
            )
            for row in rows
        }
        fits = (
            not frame.split
            and rows
            and all(spec.kind == "select_one" and not spec.or_other for spec in specs)
            and len(lists) == 1
            and len(settings) == 1
            and all(extra is None for _, extra in frame.items)
            and not any(
                reader.get(row, "relevant") or reader.text(row, "hint") for row in rows
            )
            and next(iter(lists)) in reader.lists
        )
        group_relevant = combine(
            self.relevant_prefix(), None if frame.closes_parent else frame.relevant
        )
        row = frame.row
        if fits:
            list_name = next(iter(lists))
            written = reader.get(row, "name") or "matrix"
            name = reader.valid_name(written, row)
            reader.origin.questions[name] = row
            reader.list_of[name] = list_name
            first = rows[0]
            items = reader.matrix_items(rows)
            appearance = reader.get(row, "appearance").lower().replace("table-list", "")
            return [
                Question(
                    name=name,
                    type=QuestionType.LIKERT_MATRIX,
                    label=reader.text(row, "label") or Text({reader.langs.plain: ""}),
                    hint=reader.text(row, "hint"),
                    options=tuple(reader.lists[list_name]),
                    items=tuple(items),
                    required=reader.required(first, name),
                    relevant=group_relevant,
                    constraint=reader.get(first, "constraint") or None,
                    constraint_message=reader.text(first, "constraint_message"),
                    appearance=appearance.strip() or None,
                )
            ]
        questions: list[Question] = []
        label = reader.text(row, "label")
        if rows:
            self.notices.add(
                "matrix_split",
                row.sheet,
                row.number,
                reader.header_value(row, "appearance")[0],
                "Die Zeilen dieser Tabelle (table-list) unterscheiden sich in Liste, "
                "Pflicht, Prüfregel oder Bedingung; sie werden als einzelne Fragen "
                "übernommen"
                + (", die Überschrift als Hinweistext" if label else "")
                + ". Die Tabelle wird",
                "changed",
                name=reader.get(row, "name"),
            )
        if label is not None:
            written = reader.get(row, "name") or "tabelle"
            name = reader.valid_name(written, row)
            reader.origin.questions[name] = row
            questions.append(
                Question(
                    name,
                    QuestionType.INFO,
                    label,
                    hint=reader.text(row, "hint"),
                    relevant=group_relevant,
                )
            )
        for (item_row, extra), spec in zip(frame.items, specs, strict=True):
            if questions and self.absorbs_other_in(item_row, questions):
                continue
            question = reader.question(item_row, spec, combine(group_relevant, extra))
            if question is not None:
                questions.append(question)
        return questions

    def absorbs_other_in(self, row: Row, questions: list[Question]) -> bool:
        saved = self.stack
        self.stack = []
        try:
            self.loose, loose = questions, self.loose
            return self.absorbs_other(row, questions[-1])
        finally:
            self.loose = loose
            self.stack = saved
