"""Checks of whole questionnaire definitions: names, languages and translations,
options, matrix items, number settings, appearances, expressions (syntax, unknown,
later and circular references, option values in ``selected()``), answers shown in
texts (``${name}``, :mod:`fragebogen.piping`) and district questions."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fragebogen import piping
from fragebogen.errors import DefinitionError, ExpressionError, Problem
from fragebogen.expressions import (
    BinaryOperation,
    Call,
    Expression,
    Literal,
    Negation,
    Reference,
    iter_calls,
    parse,
    references,
    uses_current,
)
from fragebogen.model import (
    CHOICE_TYPES,
    NAME_PATTERN,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)
from fragebogen.validation import answer_fields, other_field

__all__ = [
    "APPEARANCES",
    "MAX_DECIMALS",
    "MAX_NAME_LENGTH",
    "check_definition",
    "validate_definition",
]

#: Longest variable name (SPSS allows 64 bytes).
MAX_NAME_LENGTH = 64
#: Most decimal places of a number question.
MAX_DECIMALS = 6

#: The ``appearance`` values each question type supports.
APPEARANCES: dict[QuestionType, frozenset[str]] = {
    QuestionType.SINGLE_CHOICE: frozenset({"dropdown", "minimal", "horizontal"}),
    QuestionType.MULTIPLE_CHOICE: frozenset({"minimal", "horizontal"}),
    QuestionType.LIKERT: frozenset({"dropdown", "horizontal", "likert"}),
    QuestionType.LONG_TEXT: frozenset({"multiline"}),
    QuestionType.DISTRICT: frozenset({"map", "list"}),
}

_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_NAME = re.compile(NAME_PATTERN)


class _DefinitionChecker:
    def __init__(self, questionnaire: Questionnaire, has_district_layer: bool) -> None:
        self.questionnaire = questionnaire
        self.has_district_layer = has_district_layer
        self.problems: list[Problem] = []
        self.languages = tuple(questionnaire.languages)
        # field name -> (global question order, page index, question)
        self.fields: dict[str, tuple[int, int, Question]] = {}
        # the page (and question) whose texts are being checked, for ``${name}``
        self.position: tuple[int, Question | None] | None = None

    def problem(self, code: str, place: str, message: str, **params: Any) -> None:
        self.problems.append(Problem(code, place, message, params))

    def run(self) -> list[Problem]:
        questionnaire = self.questionnaire
        self.check_name(questionnaire.name, "name", "Der Name des Fragebogens")
        self.check_languages()
        self.check_text(questionnaire.title, "title")
        if questionnaire.description is not None:
            self.check_text(questionnaire.description, "description")
        if not questionnaire.pages:
            self.problem("no_pages", "pages", "Der Fragebogen hat keine Seiten.")
        self.collect_fields()
        page_names: dict[str, str] = {}
        order = 0
        for page_index, page in enumerate(questionnaire.pages):
            place = f"pages[{page_index}]"
            self.position = (page_index, None)
            self.check_page(page, place, page_names, order)
            for question_index, question in enumerate(page.questions):
                self.position = (page_index, question)
                self.check_question(
                    question, f"{place}.questions[{question_index}]", order, page_index
                )
                order += 1
        self.position = None
        self.check_cycles()
        return self.problems

    # -- names, languages, texts

    def check_name(self, name: str, place: str, what: str) -> bool:
        if not _NAME.match(name):
            self.problem(
                "invalid_name",
                place,
                f"{what} {name!r} ist ungültig: erlaubt sind Kleinbuchstaben a–z, "
                "Ziffern und _, beginnend mit einem Buchstaben.",
                name=name,
            )
            return False
        if len(name) > MAX_NAME_LENGTH:
            self.problem(
                "name_too_long",
                place,
                f"{what} {name!r} ist länger als {MAX_NAME_LENGTH} Zeichen.",
                name=name,
                limit=MAX_NAME_LENGTH,
            )
            return False
        return True

    def check_languages(self) -> None:
        if not self.languages:
            self.problem(
                "no_languages", "languages", "Der Fragebogen hat keine Sprache."
            )
        seen: set[str] = set()
        for index, language in enumerate(self.languages):
            place = f"languages[{index}]"
            if not _LANGUAGE.match(language):
                self.problem(
                    "invalid_language",
                    place,
                    f"{language!r} ist kein gültiges Sprachkürzel (zum Beispiel de, "
                    "en, tr, ar).",
                    language=language,
                )
            if language in seen:
                self.problem(
                    "duplicate_language",
                    place,
                    f"Die Sprache {language!r} ist doppelt angegeben.",
                    language=language,
                )
            seen.add(language)

    def check_text(self, text: Text, place: str) -> None:
        for language in self.languages:
            if not text.get(language, "").strip():
                self.problem(
                    "missing_translation",
                    place,
                    f"Der Text in der Sprache {language!r} fehlt.",
                    language=language,
                )
        for language in text:
            if language not in self.languages:
                self.problem(
                    "unknown_language",
                    place,
                    f"Der Text hat die Sprache {language!r}, die nicht zu den "
                    "Sprachen des Fragebogens gehört.",
                    language=language,
                )
        self.check_shown_answers(text, place)

    def check_shown_answers(self, text: Text, place: str) -> None:
        """``${name}`` in a text: allowed where the text is read beside the answers,
        for a field of an earlier page or of this page, not of the text's own
        question (:mod:`fragebogen.piping`)."""
        # each name with the first language whose text shows it (for the place)
        names: dict[str, str] = {}
        for language in (*self.languages, *text):
            for name in piping.references(text.get(language, "")):
                names.setdefault(name, language)
        if not names:
            return
        if self.position is None or not piping.may_show_answers(place):
            name, language = next(iter(names.items()))
            self.problem(
                "answer_not_here",
                place,
                f"Dieser Text kann keine Antwort zeigen (${{{name}}}): Antworten "
                "lassen sich nur in Seitentiteln, Fragetexten, Hinweisen, "
                "Matrix-Aussagen und Antwortoptionen einsetzen.",
                name=name,
                language=language,
            )
            return
        page_index, question = self.position
        own = set(answer_fields(question)) if question is not None else set()
        for name, language in names.items():
            if name not in self.fields:
                self.problem(
                    "unknown_shown_answer",
                    place,
                    f"Der Text zeigt die Antwort auf {name!r}, aber eine solche Frage "
                    "gibt es nicht.",
                    name=name,
                    language=language,
                )
            elif name in own:
                self.problem(
                    "own_shown_answer",
                    place,
                    f"Der Text der Frage zeigt ihre eigene Antwort (${{{name}}}).",
                    name=name,
                    language=language,
                )
            elif self.fields[name][1] > page_index:
                self.problem(
                    "later_shown_answer",
                    place,
                    f"Der Text zeigt die Antwort auf {name!r}, die erst auf einer "
                    "späteren Seite gegeben wird.",
                    name=name,
                    language=language,
                )

    # -- structure

    def collect_fields(self) -> None:
        seen: dict[str, str] = {}
        order = 0
        for page_index, page in enumerate(self.questionnaire.pages):
            for question_index, question in enumerate(page.questions):
                place = f"pages[{page_index}].questions[{question_index}]"
                names = [(question.name, f"{place}.name")]
                if question.type is QuestionType.LIKERT_MATRIX:
                    names.extend(
                        (item.name, f"{place}.items[{item_index}].name")
                        for item_index, item in enumerate(question.items)
                    )
                extra = other_field(question)
                if extra is not None:
                    names.append((extra, f"{place}.name"))
                for name, name_place in names:
                    if name in seen:
                        self.problem(
                            "duplicate_name",
                            name_place,
                            f"Der Variablenname {name!r} kommt mehrfach vor "
                            f"(zuerst bei {seen[name]}).",
                            name=name,
                            first=seen[name],
                        )
                        continue
                    seen[name] = name_place
                for name in answer_fields(question):
                    self.fields.setdefault(name, (order, page_index, question))
                order += 1

    def check_page(
        self, page: Page, place: str, page_names: dict[str, str], first_order: int
    ) -> None:
        if self.check_name(page.name, f"{place}.name", "Der Seitenname"):
            if page.name in page_names:
                self.problem(
                    "duplicate_name",
                    f"{place}.name",
                    f"Der Seitenname {page.name!r} kommt mehrfach vor "
                    f"(zuerst bei {page_names[page.name]}).",
                    name=page.name,
                    first=page_names[page.name],
                )
            else:
                page_names[page.name] = f"{place}.name"
        self.check_text(page.title, f"{place}.title")
        if not page.questions:
            self.problem("empty_page", place, "Die Seite enthält keine Fragen.")
        if page.relevant is not None:
            self.check_expression(
                page.relevant,
                f"{place}.relevant",
                earliest_forbidden=first_order,
                own_fields=(),
                allow_current=False,
                same_page_message=True,
            )

    def check_question(
        self, question: Question, place: str, order: int, page_index: int
    ) -> None:
        kind = question.type
        self.check_name(question.name, f"{place}.name", "Der Variablenname")
        self.check_text(question.label, f"{place}.label")
        if question.hint is not None:
            self.check_text(question.hint, f"{place}.hint")
        if question.unit is not None:
            self.check_text(question.unit, f"{place}.unit")
            if kind is not QuestionType.NUMBER:
                self.not_applicable(place, "unit", kind)
        if question.constraint_message is not None:
            self.check_text(question.constraint_message, f"{place}.constraint_message")
        self.check_options(question, place)
        self.check_items(question, place)
        self.check_numbers(question, place)
        if (
            question.appearance is not None
            and question.appearance not in APPEARANCES.get(kind, frozenset())
        ):
            allowed = sorted(APPEARANCES.get(kind, frozenset()))
            self.problem(
                "unsupported_appearance",
                f"{place}.appearance",
                f"Die Darstellung {question.appearance!r} wird für den Fragetyp "
                f"{kind.value} nicht unterstützt"
                + (f" (möglich: {', '.join(allowed)})." if allowed else "."),
                appearance=question.appearance,
            )
        if kind is QuestionType.DISTRICT and not self.has_district_layer:
            self.problem(
                "no_district_layer",
                place,
                f"Die Frage {question.name!r} fragt nach dem Sozialraum, aber der "
                "Umfrage ist keine Gebietsebene zugeordnet.",
                name=question.name,
            )
        if kind is QuestionType.INFO and question.constraint is not None:
            self.not_applicable(place, "constraint", kind)
        if question.relevant is not None:
            self.check_expression(
                question.relevant,
                f"{place}.relevant",
                earliest_forbidden=order,
                own_fields=(),
                allow_current=False,
                self_name=question.name,
                own=answer_fields(question),
            )
        if question.constraint is not None and kind is not QuestionType.INFO:
            self.check_expression(
                question.constraint,
                f"{place}.constraint",
                earliest_forbidden=order + 1,
                own_fields=answer_fields(question),
                allow_current=True,
            )

    def not_applicable(self, place: str, key: str, kind: QuestionType) -> None:
        self.problem(
            "not_applicable",
            f"{place}.{key}",
            f"{key!r} ist für den Fragetyp {kind.value} nicht vorgesehen.",
            key=key,
            type=kind.value,
        )

    def check_options(self, question: Question, place: str) -> None:
        kind = question.type
        options = question.options
        if options and kind not in CHOICE_TYPES and kind is not QuestionType.DISTRICT:
            self.not_applicable(place, "options", kind)
            return
        if kind in CHOICE_TYPES:
            substantive = [option for option in options if not option.missing]
            needed = (
                2 if kind in (QuestionType.LIKERT, QuestionType.LIKERT_MATRIX) else 1
            )
            if len(substantive) < needed:
                self.problem(
                    "no_options",
                    f"{place}.options",
                    "Die Frage hat keine Antwortoptionen."
                    if not substantive
                    else "Eine Skala braucht mindestens zwei Antwortoptionen.",
                    needed=needed,
                )
        codes: dict[int, int] = {}
        values: dict[str, int] = {}
        others = 0
        for index, option in enumerate(options):
            option_place = f"{place}.options[{index}]"
            self.check_text(option.label, f"{option_place}.label")
            if not _NAME.match(option.value):
                self.problem(
                    "invalid_name",
                    f"{option_place}.value",
                    f"Der Optionswert {option.value!r} ist ungültig: erlaubt sind "
                    "Kleinbuchstaben a–z, Ziffern und _, beginnend mit einem "
                    "Buchstaben.",
                    name=option.value,
                )
            if option.value in values:
                self.problem(
                    "duplicate_value",
                    f"{option_place}.value",
                    f"Der Optionswert {option.value!r} kommt mehrfach vor.",
                    value=option.value,
                )
            values.setdefault(option.value, index)
            if isinstance(option.code, bool) or not isinstance(option.code, int):
                self.problem(
                    "invalid_code",
                    f"{option_place}.code",
                    "Der Code einer Option muss eine ganze Zahl sein.",
                )
            elif not -(2**31) < option.code < 2**31:
                self.problem(
                    "invalid_code",
                    f"{option_place}.code",
                    f"Der Code {option.code} ist zu groß.",
                )
            elif option.code in codes:
                self.problem(
                    "duplicate_code",
                    f"{option_place}.code",
                    f"Der Code {option.code} kommt mehrfach vor.",
                    option_code=option.code,
                )
            else:
                codes[option.code] = index
            if option.exclusive and kind is not QuestionType.MULTIPLE_CHOICE:
                self.not_applicable(option_place, "exclusive", kind)
            if option.other:
                others += 1
                if kind not in (
                    QuestionType.SINGLE_CHOICE,
                    QuestionType.MULTIPLE_CHOICE,
                ):
                    self.not_applicable(option_place, "other", kind)
            if kind is QuestionType.DISTRICT and not option.missing:
                self.problem(
                    "district_option_not_missing",
                    option_place,
                    "Bei einer Sozialraum-Frage sind nur Optionen für fehlende "
                    "Angaben erlaubt (missing: true), zum Beispiel „Möchte ich nicht "
                    "angeben“.",
                )
        if others > 1:
            self.problem(
                "several_other_options",
                f"{place}.options",
                "Eine Frage kann nur eine Option „Sonstiges“ haben.",
            )

    def check_items(self, question: Question, place: str) -> None:
        if question.type is not QuestionType.LIKERT_MATRIX:
            if question.items:
                self.not_applicable(place, "items", question.type)
            return
        if not question.items:
            self.problem(
                "no_items", f"{place}.items", "Die Matrix hat keine Zeilen (items)."
            )
        for index, item in enumerate(question.items):
            item_place = f"{place}.items[{index}]"
            self.check_name(item.name, f"{item_place}.name", "Der Variablenname")
            self.check_text(item.label, f"{item_place}.label")

    def check_numbers(self, question: Question, place: str) -> None:
        kind = question.type
        numeric = kind in (QuestionType.NUMBER, QuestionType.YEAR)
        for key in ("minimum", "maximum"):
            value = getattr(question, key)
            if value is None:
                continue
            if not numeric:
                self.not_applicable(place, key, kind)
            elif not math.isfinite(value):
                self.problem(
                    "invalid_number", f"{place}.{key}", "Die Grenze ist keine Zahl."
                )
            elif kind is QuestionType.YEAR and value != int(value):
                self.problem(
                    "invalid_number",
                    f"{place}.{key}",
                    "Die Grenze einer Jahresfrage muss eine ganze Zahl sein.",
                )
        if (
            numeric
            and question.minimum is not None
            and question.maximum is not None
            and question.minimum > question.maximum
        ):
            self.problem(
                "empty_range",
                f"{place}.minimum",
                "Das Minimum ist größer als das Maximum.",
            )
        if question.decimals:
            if kind is not QuestionType.NUMBER:
                self.not_applicable(place, "decimals", kind)
            elif not 0 <= question.decimals <= MAX_DECIMALS:
                self.problem(
                    "invalid_decimals",
                    f"{place}.decimals",
                    f"Die Zahl der Nachkommastellen muss zwischen 0 und "
                    f"{MAX_DECIMALS} liegen.",
                )

    # -- expressions

    def check_expression(
        self,
        text: str,
        place: str,
        *,
        earliest_forbidden: int,
        own_fields: Iterable[str],
        allow_current: bool,
        same_page_message: bool = False,
        self_name: str | None = None,
        own: Iterable[str] = (),
    ) -> None:
        try:
            expression = parse(text)
        except ExpressionError as error:
            self.problem(
                "invalid_expression",
                place,
                error.message,
                position=error.position,
                detail=error.code,
                expression=text,
            )
            return
        if not allow_current and uses_current(expression):
            self.problem(
                "current_not_allowed",
                place,
                "'.' (die eigene Antwort) ist nur in Prüfregeln (constraint) erlaubt.",
                expression=text,
            )
        own_set = set(own_fields)
        self_fields = set(own)
        for name in sorted(references(expression)):
            if name in own_set:
                continue
            where = self.fields.get(name)
            if where is None:
                self.problem(
                    "unknown_reference",
                    place,
                    f"Der Verweis ${{{name}}} bezieht sich auf keine Frage mit "
                    "Antwort.",
                    name=name,
                    expression=text,
                    position=_reference_position(expression, name),
                )
            elif name in self_fields or (self_name is not None and name == self_name):
                self.problem(
                    "cycle",
                    place,
                    f"Der Filter verweist mit ${{{name}}} auf die eigene Frage.",
                    name=name,
                    expression=text,
                    position=_reference_position(expression, name),
                )
            elif where[0] >= earliest_forbidden:
                message = (
                    f"Der Verweis ${{{name}}} bezieht sich auf eine Frage derselben "
                    "oder einer späteren Seite; ein Seitenfilter darf nur frühere "
                    "Seiten verwenden."
                    if same_page_message
                    else f"Der Verweis ${{{name}}} bezieht sich auf eine spätere "
                    "Frage; es dürfen nur frühere Antworten verwendet werden."
                )
                self.problem(
                    "later_reference",
                    place,
                    message,
                    name=name,
                    expression=text,
                    position=_reference_position(expression, name),
                )
        self.check_option_values(expression, place, text)

    def check_option_values(
        self, expression: Expression, place: str, text: str
    ) -> None:
        for call in iter_calls(expression):
            if call.function != "selected":
                continue
            target, wanted = call.arguments
            if not isinstance(target, Reference) or not isinstance(wanted, Literal):
                continue
            where = self.fields.get(target.name)
            if where is None:
                continue
            question = where[2]
            if question.type not in CHOICE_TYPES and question.type is not (
                QuestionType.DISTRICT
            ):
                continue
            value = str(wanted.value) if isinstance(wanted.value, str) else None
            if value is None:
                continue
            known = {option.value for option in question.options} | {
                str(option.code) for option in question.options
            }
            if value not in known:
                self.problem(
                    "unknown_option_value",
                    place,
                    f"Die Frage {target.name!r} hat keine Option {value!r}.",
                    name=target.name,
                    value=value,
                    expression=text,
                    position=wanted.position,
                )

    def check_cycles(self) -> None:
        """Report relevance conditions that depend on each other in a circle."""
        graph: dict[str, set[str]] = {}
        for question in self.questionnaire.questions():
            if question.relevant is None:
                continue
            try:
                names = references(question.relevant)
            except ExpressionError:
                continue
            targets = {
                self.fields[name][2].name
                for name in names
                if name in self.fields and self.fields[name][2].name != question.name
            }
            if targets:
                graph[question.name] = targets
        reported: set[frozenset[str]] = set()
        done: set[str] = set()
        for start in graph:
            self.walk(start, graph, done, reported)

    def walk(
        self,
        start: str,
        graph: Mapping[str, set[str]],
        done: set[str],
        reported: set[frozenset[str]],
    ) -> None:
        """Depth-first search from ``start`` with an explicit stack (long chains of
        conditions must not exhaust Python's recursion limit)."""
        if start in done:
            return
        path: list[str] = [start]
        on_path: set[str] = {start}
        pending: list[list[str]] = [sorted(graph.get(start, ()))]
        while pending:
            targets = pending[-1]
            if not targets:
                pending.pop()
                node = path.pop()
                on_path.discard(node)
                done.add(node)
                continue
            target = targets.pop(0)
            if target in on_path:
                circle = path[path.index(target) :]
                key = frozenset(circle)
                if key not in reported:
                    reported.add(key)
                    shown = " → ".join([*circle, target])
                    self.problem(
                        "cycle",
                        self.place_of(circle[0]),
                        f"Die Filter hängen im Kreis voneinander ab: {shown}.",
                        names=list(circle),
                    )
                continue
            if target in done:
                continue
            path.append(target)
            on_path.add(target)
            pending.append(sorted(graph.get(target, ())))

    def place_of(self, question_name: str) -> str:
        for page_index, page in enumerate(self.questionnaire.pages):
            for question_index, question in enumerate(page.questions):
                if question.name == question_name:
                    return f"pages[{page_index}].questions[{question_index}].relevant"
        return ""


def _reference_position(expression: Expression, name: str) -> int:
    stack: list[Expression] = [expression]
    positions: list[int] = []
    while stack:
        node = stack.pop()
        if isinstance(node, Reference) and node.name == name:
            positions.append(node.position)
        elif isinstance(node, Call):
            stack.extend(node.arguments)
        elif isinstance(node, BinaryOperation):
            stack.extend((node.left, node.right))
        elif isinstance(node, Negation):
            stack.append(node.operand)
    return min(positions) if positions else 0


def validate_definition(
    questionnaire: Questionnaire, *, has_district_layer: bool = True
) -> list[Problem]:
    """All problems of a definition (empty if it is valid).

    Checks names (pattern, duplicates), languages and translations, options, matrix
    items, number settings, appearances, expressions (syntax, unknown, later and
    circular references, option values in ``selected()``) and, with
    ``has_district_layer=False``, district questions.
    """
    return _DefinitionChecker(questionnaire, has_district_layer).run()


def check_definition(
    questionnaire: Questionnaire, *, has_district_layer: bool = True
) -> None:
    """Raise :class:`~fragebogen.errors.DefinitionError` listing all problems."""
    problems = validate_definition(questionnaire, has_district_layer=has_district_layer)
    if problems:
        raise DefinitionError(problems)
