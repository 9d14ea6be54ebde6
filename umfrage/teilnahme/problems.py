"""Answer problems and invitation-code problems as the respondent reads them: in
the questionnaire's language (the catalogue's text for :mod:`fragebogen.validation`'s
codes), in page order, each with the element to focus."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fragebogen.errors import Problem
from fragebogen.model import Page, Question, QuestionType, Text
from fragebogen.validation import CONSTRAINT_MESSAGE, answer_fields

from .chrome import ntranslate, translate
from .shown_answers import format_number


def N_(text: str) -> str:  # noqa: N802 - the usual gettext marker name
    """Marks a message for extraction; translated later with :func:`translate`."""
    return text


_CODE_MESSAGES = {
    "missing": N_("Bitte geben Sie Ihren Einladungscode ein."),
    "unknown": N_(
        "Diesen Einladungscode kennen wir nicht. Bitte prüfen Sie, ob Sie ihn "
        "richtig abgetippt haben."
    ),
    "submitted": N_(
        "Mit diesem Code wurde der Fragebogen schon abgeschickt. Vielen Dank für "
        "Ihre Teilnahme! Jeder Code gilt für genau einen Fragebogen."
    ),
}


def code_message(reason: str, language: str) -> str:
    return translate(_CODE_MESSAGES.get(reason, _CODE_MESSAGES["unknown"]), language)


# -- answer problems ------------------------------------------------------------------


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the respondent sees it: which answer field, the message in the
    questionnaire's language, the question it belongs to, the element to focus."""

    field: str
    message: str
    question_label: str
    target_id: str


def shown_problems(
    problems: Sequence[Problem],
    page: Page,
    form: Any,
    language: str,
    fallback: str,
    show: Callable[[Text], str] | None = None,
) -> list[ShownProblem]:
    """Translate ``fragebogen`` answer problems, in page order; ``show`` writes a
    question's label (with the answers it shows filled in)."""

    def label_of(text: Text) -> str:
        return show(text) if show is not None else text.get_text(language, fallback)

    from .forms import field_of, has_field

    questions = {
        name: question
        for question in page.questions
        for name in answer_fields(question)
    }
    order = list(questions)
    shown = []
    for problem in sorted(
        problems,
        key=lambda p: order.index(p.place) if p.place in order else len(order),
    ):
        question = questions.get(problem.place)
        message = problem_message(problem, question, language)
        label = ""
        target = "inhalt"
        if question is not None:
            label = label_of(question.label)
            if question.type == QuestionType.LIKERT_MATRIX:
                item = next(
                    (i for i in question.items if i.name == problem.place), None
                )
                if item is not None:
                    label = label_of(item.label)
        if has_field(form, problem.place):
            target = _target_id(field_of(form, problem.place), question, problem)
        shown.append(ShownProblem(problem.place, message, label, target))
    return shown


def _target_id(field: Any, question: Question | None, problem: Problem) -> str:
    kind = question.type if question is not None else None
    if problem.place != getattr(question, "name", None) and kind in (
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
    ):
        return str(field.id)  # the "other" text field
    if kind in (
        QuestionType.SINGLE_CHOICE,
        QuestionType.LIKERT,
        QuestionType.LIKERT_MATRIX,
        QuestionType.MULTIPLE_CHOICE,
    ) and (question is None or question.appearance != "dropdown"):
        return f"{field.id}-0"
    return str(field.id)


def _number(value: Any, question: Question, language: str) -> str:
    """A limit as the respondent reads numbers (years without grouping)."""
    if value is None:
        return ""
    number = float(value)
    if question.type == QuestionType.YEAR:
        return str(int(number))
    return format_number(int(number) if number.is_integer() else number, language)


def _range_sentence(question: Question, language: str) -> str:
    low, high = question.minimum, question.maximum
    if low is not None and high is not None:
        return translate(
            "Erlaubt sind Werte von %(minimum)s bis %(maximum)s.",
            language,
            minimum=_number(low, question, language),
            maximum=_number(high, question, language),
        )
    if low is not None:
        return translate(
            "Der Wert muss mindestens %(minimum)s sein.",
            language,
            minimum=_number(low, question, language),
        )
    if high is not None:
        return translate(
            "Der Wert darf höchstens %(maximum)s sein.",
            language,
            maximum=_number(high, question, language),
        )
    return ""


def problem_message(problem: Problem, question: Question | None, language: str) -> str:
    """The message for one answer problem in ``language``."""
    code = problem.code
    params: Mapping[str, Any] = problem.params or {}
    if code == "required":
        if question is not None and question.type == QuestionType.CONSENT:
            return translate("Bitte stimmen Sie zu, um fortzufahren.", language)
        return translate("Bitte beantworten Sie diese Frage.", language)
    if code == "invalid_option":
        return translate("Bitte wählen Sie eine der angebotenen Antworten.", language)
    if code == "invalid_value":
        return translate("Diese Antwort hat ein ungültiges Format.", language)
    if code == "too_long":
        limit = int(params.get("limit", 0) or 0)
        return ntranslate(
            "Bitte kürzen Sie Ihre Antwort auf höchstens %(num)s Zeichen.",
            "Bitte kürzen Sie Ihre Antwort auf höchstens %(num)s Zeichen.",
            limit,
            language,
            num=format_number(limit, language),
        )
    if code == "exclusive_option":
        label = str(params.get("option", ""))
        if question is not None:
            for option in question.options:
                if option.value == label:
                    label = option.label.get_text(language, language)
        return translate(
            "„%(option)s“ kann nicht zusammen mit anderen Antworten gewählt werden.",
            language,
            option=label,
        )
    if code in ("not_a_number", "not_an_integer", "too_many_decimals", "out_of_range"):
        if question is None:
            return translate("Bitte prüfen Sie diese Antwort.", language)
        if question.decimals:
            first = ntranslate(
                "Bitte geben Sie eine Zahl mit höchstens %(num)s Nachkommastelle ein.",
                "Bitte geben Sie eine Zahl mit höchstens %(num)s Nachkommastellen ein.",
                question.decimals,
                language,
            )
        else:
            first = translate("Bitte geben Sie eine ganze Zahl ein.", language)
        return " ".join(
            part for part in (first, _range_sentence(question, language)) if part
        )
    if code == "invalid_year":
        if question is not None and (
            question.minimum is not None or question.maximum is not None
        ):
            return " ".join(
                (
                    translate("Bitte geben Sie eine Jahreszahl ein.", language),
                    _range_sentence(question, language),
                )
            )
        return translate(
            "Bitte geben Sie eine vierstellige Jahreszahl ein (zum Beispiel 2015).",
            language,
        )
    if code == "invalid_date":
        return translate(
            "Bitte geben Sie ein gültiges Datum ein (TT.MM.JJJJ).", language
        )
    if code == "invalid_district":
        return translate(
            "Bitte wählen Sie Ihr Gebiet auf der Karte oder in der Liste.",
            language,
        )
    if code == "constraint":
        # validate_page already chose the definition's message in this language
        if problem.message == CONSTRAINT_MESSAGE:
            return translate("Diese Antwort ist nicht zulässig.", language)
        return problem.message
    return translate("Bitte prüfen Sie diese Antwort.", language)
