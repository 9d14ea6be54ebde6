"""LimeSurvey import (``.lss``, the XML export of LimeSurvey 3-6).

Groups become pages, questions ours (see :data:`TYPES`), sub-questions matrix rows or
options, answer options keep their codes; mandatory, relevance (translated by
:mod:`fragebogen.expressionscript` where it can be), all survey languages, and the
attributes that matter (min/max of numbers, suffix as unit, "other"). Everything else
is named in a notice whose ``params`` hold ``sheet`` (the LimeSurvey table, such as
``questions``), ``row`` (the question's qid), ``column`` (the field or attribute) and
``name`` (the question code). The file is checked first by
:func:`fragebogen.limesurvey.document.survey_document`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from xml.etree.ElementTree import Element

from fragebogen.definition import validate_definition
from fragebogen.errors import Problem
from fragebogen.expressionscript import translate
from fragebogen.limesurvey.document import refuse, survey_document
from fragebogen.limesurvey.notices import locate, notice
from fragebogen.limesurvey.options import option_keys, other_option
from fragebogen.limesurvey.tables import (
    FIXED,
    MEANINGFUL,
    as_int,
    as_number,
    languages,
    plain,
    table,
)
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
from fragebogen.xlsform.read import ImportResult

__all__ = ["import_lss"]

_NAME = re.compile(NAME_PATTERN)
#: ExpressionScript in a text: ``{`` followed by no white space, up to ``}``.
_PIPING = re.compile(r"\{[^\s{}][^{}]*\}")


class _Reader:
    def __init__(self, root: Element) -> None:
        self.notices: list[Problem] = []
        self.languages = languages(root)
        self.base = self.languages[0]
        self.used: set[str] = set()
        self.names: dict[str, str] = {}  # LimeSurvey code -> our name (first one)
        self.qid_names: dict[str, str] = {}  # qid -> our name
        self.subcodes: dict[str, tuple[str, str]] = {}
        self.values: dict[tuple[str, str], str] = {}  # (our name, answer code)
        self.origin: dict[str, tuple[str, str]] = {}  # our name -> (qid, code)
        questions = table(root, "questions") + table(root, "subquestions")
        self.l10n: dict[str, dict[str, tuple[str, str]]] = {}
        for row in table(root, "question_l10ns") + questions:
            if "question" in row and row.get("language"):
                texts = self.l10n.setdefault(row["qid"], {})
                texts[row["language"].lower()] = (row["question"], row.get("help", ""))
        by_qid: dict[str, dict[str, str]] = {}
        for row in questions:
            by_qid.setdefault(row["qid"], row)
        self.questions = list(by_qid.values())
        self.children: dict[str, list[dict[str, str]]] = {}
        for row in self.questions:
            parent = row.get("parent_qid", "0") or "0"
            if parent != "0":
                self.children.setdefault(parent, []).append(row)
        answer_text: dict[str, dict[str, str]] = {}
        for row in table(root, "answer_l10ns"):
            answer_text.setdefault(row["aid"], {})[row["language"].lower()] = row[
                "answer"
            ]
        self.answers: dict[tuple[str, str], list[tuple[str, dict[str, str]]]] = {}
        seen: dict[tuple[str, str, str], dict[str, str]] = {}
        for row in sorted(
            table(root, "answers"), key=lambda r: as_int(r.get("sortorder"))
        ):
            key = (row["qid"], row.get("scale_id", "0") or "0", row["code"])
            labels = seen.get(key)
            if labels is None:
                labels = seen[key] = {}
                self.answers.setdefault(key[:2], []).append((row["code"], labels))
            if "answer" in row:
                labels[(row.get("language") or self.base).lower()] = row["answer"]
            labels.update(answer_text.get(row.get("aid", ""), {}))
        self.attributes: dict[str, dict[str, str]] = {}
        for row in table(root, "question_attributes"):
            language = (row.get("language") or "").lower()
            if language and language != self.base:
                continue
            self.attributes.setdefault(row["qid"], {})[row["attribute"]] = row.get(
                "value", ""
            )
        self.groups = sorted(
            table(root, "groups"), key=lambda r: as_int(r.get("group_order"))
        )
        self.group_text: dict[str, dict[str, tuple[str, str]]] = {}
        for row in table(root, "group_l10ns") + self.groups:
            if "group_name" in row:
                self.group_text.setdefault(row["gid"], {})[
                    (row.get("language") or self.base).lower()
                ] = (row["group_name"], row.get("description", ""))
        unique: dict[str, dict[str, str]] = {}
        for row in self.groups:
            unique.setdefault(row["gid"], row)
        self.groups = list(unique.values())
        self.settings = table(root, "surveys_languagesettings")
        self.conditions = {row.get("qid", "") for row in table(root, "conditions")}

    # -- helpers

    def notice(
        self, code: str, row: dict[str, str], column: str, message: str, action: str
    ) -> None:
        self.notices.append(notice(code, row, column, message, action))

    def name(self, code: str, taken: bool = True) -> str:
        name = code if _NAME.match(code) else re.sub(r"[^a-z0-9_]+", "_", code.lower())
        name = name.strip("_") or "frage"
        if not name[0].isalpha():
            name = f"q_{name}"
        base, number = name, 2
        while name in self.used:
            name, number = f"{base}_{number}", number + 1
        if taken:
            self.used.add(name)
        return name

    def text(self, texts: dict[str, str]) -> Text:
        return Text(
            {
                lang: plain(texts.get(lang, ""))
                for lang in self.languages
                if texts.get(lang)
            }
        )

    def piping(self, row: dict[str, str], column: str, texts: Sequence[str]) -> None:
        """Name ExpressionScript in texts (``{Q1}``, ``{if(...)}``): it stays text."""
        found = next((m.group() for t in texts for m in _PIPING.finditer(t)), None)
        if found is not None:
            self.notice(
                "text_expression",
                row,
                column,
                f"Der Text enthält LimeSurvey-Ausdrücke wie {found[:60]!r}; Umfrage "
                "zeigt sie nicht als Antworten an. Ersetzen Sie sie im Editor. Der "
                "Text wird",
                "as_text",
            )

    def question_texts(self, qid: str) -> tuple[Text, Text | None]:
        texts = self.l10n.get(qid, {})
        label = self.text({lang: value[0] for lang, value in texts.items()})
        hint = self.text({lang: value[1] for lang, value in texts.items() if value[1]})
        return label, hint or None

    def options(
        self,
        row: dict[str, str],
        question: str,
        entries: Sequence[tuple[str, dict[str, str]]],
    ) -> tuple[Option, ...]:
        options: list[Option] = []
        keys = option_keys([code for code, _ in entries])
        for key, (code, texts) in zip(keys, entries, strict=True):
            if key.changed:
                self.notice(
                    "option_code_changed",
                    row,
                    "answers",
                    f"Der Antwortcode {code!r} ergibt denselben Namen oder dieselbe "
                    f"Zahl wie ein anderer; er wird als {key.value!r} ({key.number}) "
                    "übernommen und",
                    "changed",
                )
            self.values.setdefault((question, code), key.value)
            label = self.text(texts) or Text({self.base: code})
            options.append(Option(code=key.number, value=key.value, label=label))
        return tuple(options)

    def entries(self, row: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
        """Answer codes and texts of a question: its fixed scale or its answers."""
        kind = row.get("type", "")
        if kind in FIXED:
            return [
                (
                    code,
                    {lang: text.get(lang[:2], text["en"]) for lang in self.languages},
                )
                for code, text in FIXED[kind]
            ]
        return self.answers.get((row["qid"], "0"), [])

    def sub_rows(self, row: dict[str, str], scale: str = "0") -> list[dict[str, str]]:
        rows = [
            r
            for r in self.children.get(row["qid"], [])
            if (r.get("scale_id") or "0") == scale
        ]
        return sorted(rows, key=lambda r: as_int(r.get("question_order")))

    # -- reading

    def read(self) -> Questionnaire:
        tops = sorted(
            (r for r in self.questions if (r.get("parent_qid") or "0") == "0"),
            key=lambda r: as_int(r.get("question_order")),
        )
        # names first, so relevance can point to later and earlier questions alike
        for row in tops:
            code = row.get("title", "")
            name = self.name(code or f"q{row['qid']}")
            self.qid_names[row["qid"]] = name
            self.origin[name] = (row["qid"], code)
            if code in self.names:
                self.notice(
                    "duplicate_question_code",
                    row,
                    "title",
                    f"Der Fragecode {code!r} kommt mehrfach vor; Bedingungen, die ihn "
                    f"nennen, beziehen sich auf die erste Frage. Diese Frage heißt "
                    f"{name!r} und wird",
                    "changed",
                )
                continue
            self.names[code] = name
            for key in option_keys([answer for answer, _ in self.entries(row)]):
                self.values.setdefault((name, key.code), key.value)
            if row.get("type") in ("M", "P"):
                subs = [sub.get("title", "") for sub in self.sub_rows(row)]
                for key in option_keys(subs):
                    self.subcodes.setdefault(f"{code}_{key.code}", (name, key.value))
        pages = []
        for group in self.groups:
            texts = self.group_text.get(group["gid"], {})
            self.piping(
                group, "group_name", [t for pair in texts.values() for t in pair]
            )
            title = self.text({lang: value[0] for lang, value in texts.items()})
            description = self.text({lang: v[1] for lang, v in texts.items() if v[1]})
            questions: list[Question] = []
            if description:
                info = self.name(f"gruppe_{group['gid']}_hinweis")
                questions.append(Question(info, QuestionType.INFO, description))
            for row in tops:
                if row.get("gid") == group["gid"]:
                    questions.extend(self.question(row))
            relevant = self.expression(group, "grelevance", group.get("grelevance", ""))
            pages.append(
                Page(
                    name=self.name(f"gruppe_{group['gid']}"),
                    title=title or Text({self.base: f"Gruppe {group['gid']}"}),
                    questions=tuple(questions),
                    relevant=relevant,
                )
            )
        gids = {group["gid"] for group in self.groups}
        for row in tops:
            if row.get("gid") not in gids:
                self.notice(
                    "question_without_group",
                    row,
                    "gid",
                    f"Die Frage gehört zu keiner Gruppe des Exports (gid "
                    f"{row.get('gid', '')!r}) und damit auf keine Seite; sie wird",
                    "skipped",
                )
        titles = {(r.get("surveyls_language") or "").lower(): r for r in self.settings}
        title = self.text(
            {lang: r.get("surveyls_title", "") for lang, r in titles.items()}
        )
        description = self.text(
            {lang: r.get("surveyls_description", "") for lang, r in titles.items()}
        )
        return Questionnaire(
            name="limesurvey",
            title=title or Text({self.base: "LimeSurvey"}),
            languages=tuple(self.languages),
            pages=tuple(pages),
            description=description or None,
        )

    def expression(self, row: dict[str, str], column: str, text: str) -> str | None:
        if text.strip() in ("", "1"):
            return None
        result = translate(text, self.names.get, self.subcodes.get, self.values)
        if result is None:
            what = "die Frage" if "title" in row else "die Seite (Gruppe)"
            self.notice(
                "relevance_not_translated",
                row,
                column,
                f"Die Bedingung {text[:200]!r} lässt sich nicht in Umfrages Ausdrücke "
                f"übersetzen; {what} wird ohne Bedingung gezeigt. Tragen Sie sie im "
                "Editor nach. Sie wird",
                "skipped",
            )
        return result

    def subquestion_relevance(self, row: dict[str, str]) -> None:
        """Conditions on single subquestions (or answer columns): Umfrage shows
        every option and matrix item of a question, so each is named."""
        seen: set[str] = set()
        for sub in self.children.get(row["qid"], []):
            relevance = (sub.get("relevance") or "").strip()
            if relevance in ("", "1") or sub["qid"] in seen:
                continue
            seen.add(sub["qid"])
            self.notice(
                "subquestion_relevance",
                row,
                "relevance",
                f"Die Bedingung {relevance[:200]!r} der Teilfrage "
                f"{sub.get('title', '')!r} kennt Umfrage nicht (Bedingungen gelten "
                "für ganze Fragen); die Teilfrage wird immer gezeigt, die Bedingung "
                "wird",
                "skipped",
            )

    def question(self, row: dict[str, str]) -> list[Question]:
        kind = row.get("type", "")
        code = row.get("title", "")
        name = self.qid_names[row["qid"]]
        label, hint = self.question_texts(row["qid"])
        texts = self.l10n.get(row["qid"], {}).values()
        self.piping(row, "question", [t for pair in texts for t in pair])
        attributes = self.attributes.get(row["qid"], {})
        mandatory = row.get("mandatory", "N")
        if mandatory == "S":
            self.notice(
                "soft_mandatory",
                row,
                "mandatory",
                "„Weiche“ Pflichtfragen kennt Umfrage nicht; die Frage wird als "
                "freiwillige Frage",
                "changed",
            )
        base = Question(
            name,
            QuestionType.TEXT,
            label or Text({self.base: code}),
            hint=hint,
            required=mandatory == "Y",
            relevant=self.expression(row, "relevance", row.get("relevance", "")),
        )
        if row["qid"] in self.conditions and row.get("relevance", "").strip() in (
            "",
            "1",
        ):
            self.notice(
                "conditions_not_translated",
                row,
                "conditions",
                "Alte Bedingungen (conditions) ohne Relevanzgleichung werden nicht "
                "übersetzt; sie werden",
                "skipped",
            )
        self.subquestion_relevance(row)
        if row.get("preg"):
            self.notice(
                "unsupported_attribute",
                row,
                "preg",
                "Reguläre Ausdrücke zur Prüfung kennt Umfrage nicht; die Prüfung wird",
                "skipped",
            )
        for attribute, value in attributes.items():
            if attribute in MEANINGFUL and value not in ("", "0", "N"):
                self.notice(
                    "unsupported_attribute",
                    row,
                    attribute,
                    f"Die Einstellung {attribute} = {value[:60]!r} kennt Umfrage "
                    "nicht; sie wird",
                    "skipped",
                )
        other = row.get("other") == "Y"
        questions: list[Question]
        if kind in ("L", "!", "O", "Y", "G", "5"):
            options = self.options(row, name, self.entries(row))
            if kind == "O":
                self.notice(
                    "comment_skipped",
                    row,
                    "type",
                    "Das Kommentarfeld der Liste kennt Umfrage nicht; es wird",
                    "skipped",
                )
            questions = [
                replace(
                    base,
                    type=QuestionType.LIKERT
                    if kind == "5"
                    else QuestionType.SINGLE_CHOICE,
                    options=self.with_other(options, other, attributes),
                    appearance="dropdown" if kind == "!" else None,
                )
            ]
        elif kind in ("M", "P"):
            subs = self.sub_rows(row)
            entries = [
                (
                    s.get("title", ""),
                    {lang: t[0] for lang, t in self.l10n.get(s["qid"], {}).items()},
                )
                for s in subs
            ]
            if kind == "P":
                self.notice(
                    "comment_skipped",
                    row,
                    "type",
                    "Die Kommentarfelder der Mehrfachauswahl kennt Umfrage nicht; sie "
                    "werden",
                    "skipped",
                )
            questions = [
                replace(
                    base,
                    type=QuestionType.MULTIPLE_CHOICE,
                    options=self.with_other(
                        self.options(row, name, entries), other, attributes
                    ),
                )
            ]
        elif kind in ("F", "A", "B", "C", "E", "H", "1"):
            if kind == "H":
                self.notice(
                    "matrix_by_column",
                    row,
                    "type",
                    "Die Matrix nach Spalten wird als Matrix nach Zeilen",
                    "changed",
                )
            if kind == "1":
                self.notice(
                    "dual_scale",
                    row,
                    "type",
                    "Von der Matrix mit zwei Skalen wird nur die erste übernommen; die "
                    "zweite wird",
                    "skipped",
                )
            options = self.options(row, name, self.entries(row))
            items = []
            for sub in self.sub_rows(row):
                item = self.name(f"{name}_{sub.get('title', '')}")
                self.origin[item] = (row["qid"], code)
                sub_label, _ = self.question_texts(sub["qid"])
                items.append(
                    MatrixItem(
                        item, sub_label or Text({self.base: sub.get("title", "")})
                    )
                )
            questions = [
                replace(
                    base,
                    type=QuestionType.LIKERT_MATRIX,
                    options=options,
                    items=tuple(items),
                )
            ]
        elif kind in ("K", "Q"):
            self.notice(
                "split_subquestions",
                row,
                "type",
                "Umfrage kennt keine Fragen mit mehreren Zahl- oder Textfeldern; "
                "jede Teilfrage wird eine eigene Frage. Die Frage wird",
                "changed",
            )
            questions = []
            for sub in self.sub_rows(row):
                sub_name = self.name(f"{name}_{sub.get('title', '')}")
                self.origin[sub_name] = (row["qid"], code)
                sub_label, _ = self.question_texts(sub["qid"])
                label_text = Text(
                    {
                        lang: " – ".join(
                            part
                            for part in (base.label.get(lang), sub_label.get(lang))
                            if part
                        )
                        for lang in self.languages
                    }
                )
                questions.append(
                    Question(
                        sub_name,
                        QuestionType.NUMBER if kind == "K" else QuestionType.TEXT,
                        label_text,
                        hint=hint,
                        required=base.required,
                        relevant=base.relevant,
                        decimals=2 if kind == "K" else 0,
                    )
                )
        elif kind in ("N", "S", "T", "U", "D", "X"):
            question_type = {
                "N": QuestionType.NUMBER,
                "S": QuestionType.TEXT,
                "T": QuestionType.LONG_TEXT,
                "U": QuestionType.LONG_TEXT,
                "D": QuestionType.DATE,
                "X": QuestionType.INFO,
            }[kind]
            questions = [replace(base, type=question_type)]
            if kind == "N":
                questions = [
                    replace(
                        questions[0],
                        minimum=as_number(attributes.get("min_num_value_n")),
                        maximum=as_number(attributes.get("max_num_value_n")),
                        decimals=0
                        if attributes.get("num_value_int_only") == "1"
                        else 2,
                    )
                ]
            suffix = attributes.get("suffix")
            if suffix and kind in ("N", "S"):
                questions = [replace(questions[0], unit=Text({self.base: suffix}))]
        else:
            what = {
                "R": "Rangfolgen (R)",
                "|": "Datei-Uploads (|)",
                "*": "Gleichungen (*)",
                ";": "Text-Matrizen (;)",
                ":": "Zahlen-Matrizen (:)",
                "I": "Sprachwechsel (I)",
            }.get(kind, f"den Fragetyp {kind!r}")
            self.notice(
                "unsupported_type",
                row,
                "type",
                f"{what} kennt Umfrage nicht; die Frage {code!r} wird",
                "skipped",
            )
            return []
        return questions

    def with_other(
        self, options: tuple[Option, ...], other: bool, attributes: dict[str, str]
    ) -> tuple[Option, ...]:
        if not other:
            return options
        label = attributes.get("other_replace_text") or ""
        return (*options, other_option(options, label, self.languages))


def import_lss(source: bytes) -> ImportResult:
    """Read a LimeSurvey survey export (``.lss``), forgivingly.

    Raises :class:`~fragebogen.errors.DefinitionError` only when the file is too
    large, is not a LimeSurvey survey export or is not well-formed (or declares
    entities).
    """
    root = survey_document(source)
    try:
        reader = _Reader(root)
        questionnaire = reader.read()
    except KeyError as missing:
        # a row without qid, gid, code … : the export is incomplete
        raise refuse(
            f"Der LimeSurvey-Export ist unvollständig: einer Zeile fehlt das Feld "
            f"{str(missing.args[0])!r}."
        ) from None
    problems = [
        locate(p, questionnaire, reader.origin)
        for p in validate_definition(questionnaire)
    ]
    return ImportResult(
        questionnaire=questionnaire,
        notices=(*reader.notices, *problems),
        renamed={code: name for code, name in reader.names.items() if code != name},
        unknown_languages=(),
    )
