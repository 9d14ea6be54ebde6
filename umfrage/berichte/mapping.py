"""The weighting form's code mapping without a mini-language: for each population
variable of the layer, which single-choice question answers it and which of the
question's answer codes counts as which population level (or as not usable).

Defaults are proposed by comparing option labels (every language) and values with
the level names and their readable labels, and the question text with the
variable's name: ``Alleinerziehend`` → ``single_parent``, ``Paarfamilie`` →
``couple_family``. An option that resembles no level is proposed as the largest
level (marked for checking); declared missing codes ("weiß nicht") are not used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from fragebogen.model import Question, Questionnaire, QuestionType

from .analysis import DISTRICT, LEVEL_LABELS, VARIABLE_LABELS

#: A level counts as named by an option from this similarity on.
MATCH = 0.78
_VARIABLE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Level:
    value: str
    label: str
    total: float


@dataclass(frozen=True)
class CodeRow:
    """One answer option and the level it is mapped to ("" = not used)."""

    code: str
    label: str
    missing: bool
    level: str
    guessed: bool = False  # proposed without a name match: please check


@dataclass(frozen=True)
class QuestionInfo:
    name: str
    text: str


@dataclass(frozen=True)
class VariableChoice:
    """A population variable with its question and code table, as shown."""

    variable: str
    label: str
    levels: tuple[Level, ...]
    question: str  # "" = not used
    rows: tuple[CodeRow, ...]

    def field(self, suffix: str) -> str:
        return f"map-{self.variable}-{suffix}"


def choice_questions(questionnaire: Questionnaire) -> list[Question]:
    return [
        q
        for q in questionnaire.questions()
        if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.LIKERT) and q.options
    ]


def question_infos(questionnaire: Questionnaire) -> list[QuestionInfo]:
    language = questionnaire.default_language
    return [
        QuestionInfo(q.name, q.label.get_text(language, language))
        for q in choice_questions(questionnaire)
    ]


def population_variables(
    totals: Mapping[str, Mapping[str, float]],
) -> list[tuple[str, tuple[Level, ...]]]:
    """The layer's variables a weighting can use, with their levels."""
    return [
        (
            variable,
            tuple(
                Level(level, LEVEL_LABELS.get(level, level), float(total))
                for level, total in sorted(levels.items())
            ),
        )
        for variable, levels in sorted(totals.items())
        if variable != DISTRICT and _VARIABLE.fullmatch(variable)
    ]


# -- similarity -------------------------------------------------------------------


def _normal(text: str) -> str:
    text = text.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def similarity(a: str, b: str) -> float:
    """0 to 1: how much two names say the same (word containment counts high)."""
    x, y = _normal(a), _normal(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    short, long_ = sorted((x, y), key=len)
    if len(short) >= 5 and (
        f" {short} " in f" {long_} " or long_.startswith(short) or short in long_
    ):
        return 0.9
    return SequenceMatcher(None, x, y).ratio()


def _level_names(level: Level) -> list[str]:
    return [level.value.replace("_", " "), level.label]


def _option_names(question: Question) -> list[list[str]]:
    return [
        [option.value.replace("_", " "), *option.label.to_dict().values()]
        for option in question.options
    ]


def _level_score(names: Sequence[str], level: Level) -> float:
    return max(similarity(n, m) for n in names for m in _level_names(level))


def _question_score(
    question: Question, variable: str, levels: Sequence[Level]
) -> float:
    names = _option_names(question)
    matched = sum(
        1
        for level in levels
        if any(_level_score(option, level) >= MATCH for option in names)
    )
    texts = [question.name.replace("_", " "), *question.label.to_dict().values()]
    variable_names = [variable.replace("_", " "), VARIABLE_LABELS.get(variable, "")]
    named = max(similarity(t, v) for t in texts for v in variable_names if v)
    return matched + (0.5 if named >= MATCH else 0.0)


def propose_rows(
    question: Question, levels: Sequence[Level], language: str
) -> tuple[CodeRow, ...]:
    """Each option's proposed level: the most similar by name, else the largest
    level (``guessed``); declared missing options are not used."""
    largest = max(levels, key=lambda level: level.total).value if levels else ""
    rows = []
    for option, names in zip(question.options, _option_names(question), strict=True):
        label = option.label.get_text(language, language)
        if option.missing or not levels:
            rows.append(CodeRow(str(option.code), label, option.missing, ""))
            continue
        best = max(levels, key=lambda level: _level_score(names, level))
        if _level_score(names, best) >= MATCH:
            rows.append(CodeRow(str(option.code), label, False, best.value))
        else:
            rows.append(CodeRow(str(option.code), label, False, largest, True))
    return tuple(rows)


def _stored_rows(
    question: Question, codes: Mapping[str, str], language: str
) -> tuple[CodeRow, ...]:
    return tuple(
        CodeRow(
            str(o.code),
            o.label.get_text(language, language),
            o.missing,
            str(codes.get(str(o.code), "")),
        )
        for o in question.options
    )


def choices_for(
    questionnaire: Questionnaire,
    totals: Mapping[str, Mapping[str, float]],
    stored: Sequence[Mapping[str, Any]] | None,
) -> list[VariableChoice]:
    """The table per population variable: the stored mapping where there is one
    (a set-up saved earlier, however it was written), else the proposal."""
    language = questionnaire.default_language
    questions = {q.name: q for q in choice_questions(questionnaire)}
    saved = {str(m["variable"]): m for m in stored or ()}
    result = []
    for variable, levels in population_variables(totals):
        label = VARIABLE_LABELS.get(variable, variable)
        item = saved.get(variable)
        if stored is not None and item is None and saved:
            result.append(VariableChoice(variable, label, levels, "", ()))
            continue
        if item is not None and str(item["question"]) in questions:
            question = questions[str(item["question"])]
            rows = _stored_rows(question, item.get("codes", {}), language)
            result.append(VariableChoice(variable, label, levels, question.name, rows))
            continue
        ranked = sorted(
            questions.values(),
            key=lambda q: -_question_score(q, variable, levels),
        )
        best = ranked[0] if ranked else None
        if best is None or _question_score(best, variable, levels) < 1:
            result.append(VariableChoice(variable, label, levels, "", ()))
            continue
        rows = propose_rows(best, levels, language)
        result.append(VariableChoice(variable, label, levels, best.name, rows))
    return result


def choices_from_form(
    form: Mapping[str, str],
    questionnaire: Questionnaire,
    totals: Mapping[str, Mapping[str, float]],
) -> tuple[list[VariableChoice], list[dict[str, Any]], list[tuple[str, str]]]:
    """The posted tables: what to show again, the mappings to store and problems
    ``(field, message)``. A question switched without its codes posted gets the
    proposal for the new question."""
    language = questionnaire.default_language
    questions = {q.name: q for q in choice_questions(questionnaire)}
    choices: list[VariableChoice] = []
    mappings: list[dict[str, Any]] = []
    problems: list[tuple[str, str]] = []
    for variable, levels in population_variables(totals):
        label = VARIABLE_LABELS.get(variable, variable)
        base = VariableChoice(variable, label, levels, "", ())
        name = str(form.get(base.field("question"), "")).strip()
        if not name:
            choices.append(base)
            continue
        question = questions.get(name)
        if question is None:
            problems.append(
                (base.field("question"), f"„{name}“ ist keine Einfachauswahl-Frage.")
            )
            choices.append(base)
            continue
        known = {level.value for level in levels}
        posted = {
            str(o.code): form.get(base.field(f"code-{o.code}"))
            for o in question.options
        }
        shown = form.get(base.field("shown"))
        if shown != question.name or all(v is None for v in posted.values()):
            rows = propose_rows(question, levels, language)
        else:
            rows = tuple(
                CodeRow(
                    str(o.code),
                    o.label.get_text(language, language),
                    o.missing,
                    str(posted[str(o.code)] or ""),
                )
                for o in question.options
            )
        codes: dict[str, str] = {}
        for row in rows:
            if row.level and row.level not in known:
                problems.append(
                    (
                        base.field(f"code-{row.code}"),
                        f"{label}, {row.code} = {row.label}: die Stufe „{row.level}“ "
                        "gibt es nicht.",
                    )
                )
            elif row.level:
                codes[row.code] = row.level
        if not codes:
            problems.append(
                (
                    base.field("question"),
                    f"{label}: keinem Code von „{question.name}“ ist eine Stufe "
                    "zugeordnet. Bitte Stufen wählen oder „nicht verwenden“.",
                )
            )
        choices.append(VariableChoice(variable, label, levels, question.name, rows))
        mappings.append(
            {"question": question.name, "variable": variable, "codes": codes}
        )
    return choices, mappings, problems
