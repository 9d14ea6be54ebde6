"""Renamed questions in conditions, and problems of the definition placed on the
sheet, row and column they come from."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from fragebogen.errors import Problem
from fragebogen.model import Question, Questionnaire, Text
from fragebogen.xlsform.columns import TEXT_KEYS
from fragebogen.xlsform.notices import place_of

if TYPE_CHECKING:
    from fragebogen.xlsform.questions import QuestionReader
    from fragebogen.xlsform.sheets import Row

__all__ = ["header_for", "locate", "rewrite_expressions"]


def rewrite_expressions(
    reader: QuestionReader, questionnaire: Questionnaire
) -> Questionnaire:
    """Conditions and texts showing answers with renamed questions and options
    under their new names."""
    if not reader.renamed and not reader.option_renamed:
        return questionnaire

    def rewrite(text: str | None) -> str | None:
        if text is None:
            return None
        text = _with_new_names(text, reader.renamed)
        for question, list_name in reader.list_of.items():
            for (name, old), new in reader.option_renamed.items():
                if name != list_name:
                    continue
                reference = r"\$\{\s*" + re.escape(question) + r"\s*\}"
                quoted = r"(?P<q>['\"])" + re.escape(old) + r"(?P=q)"
                text = re.sub(
                    r"(selected\(\s*" + reference + r"\s*,\s*)" + quoted,
                    rf"\g<1>'{new}'",
                    text,
                )
                text = re.sub(
                    r"(" + reference + r"\s*!?=\s*)" + quoted,
                    rf"\g<1>'{new}'",
                    text,
                )
        return text

    def shown(text: Text) -> Text:
        """A text showing answers (``${name}``), with renamed questions' new names."""
        if not reader.renamed:
            return text
        return Text(
            {
                language: _with_new_names(value, reader.renamed)
                for language, value in text.items()
            }
        )

    def question_with(question: Question) -> Question:
        return replace(
            question,
            label=shown(question.label),
            hint=None if question.hint is None else shown(question.hint),
            options=tuple(
                replace(option, label=shown(option.label))
                for option in question.options
            ),
            items=tuple(
                replace(item, label=shown(item.label)) for item in question.items
            ),
            relevant=rewrite(question.relevant),
            constraint=rewrite(question.constraint),
        )

    pages = tuple(
        replace(
            page,
            title=shown(page.title),
            relevant=rewrite(page.relevant),
            questions=tuple(question_with(question) for question in page.questions),
        )
        for page in questionnaire.pages
    )
    return replace(questionnaire, pages=pages)


def _with_new_names(text: str, renamed: Mapping[str, str]) -> str:
    for old, new in renamed.items():
        text = re.sub(r"\$\{\s*" + re.escape(old) + r"\s*\}", f"${{{new}}}", text)
    return text


def locate(reader: QuestionReader, problem: Problem) -> Problem:
    """A problem of the definition, placed on the sheet, row and column."""
    match = re.match(
        r"^pages\[(\d+)\](?:\.questions\[(\d+)\])?"
        r"(?:\.(options|items)\[(\d+)\])?(?:\.([a-z_]+))?(?:\.(.+))?$",
        problem.place,
    )
    sheet, number, column = "survey", 0, ""
    if match and reader.questionnaire is not None:
        page = reader.questionnaire.pages[int(match.group(1))]
        row: Row | None = reader.origin.pages.get(page.name)
        key = match.group(5) or ""
        language = match.group(6) or problem.params.get("language")
        if match.group(2) is not None:
            question = page.questions[int(match.group(2))]
            row = reader.origin.questions.get(question.name, row)
            if match.group(3) == "options":
                option = question.options[int(match.group(4))]
                list_name = reader.list_of.get(question.name, "")
                row = reader.choice_rows.get((list_name, option.value), row)
            elif match.group(3) == "items":
                item = question.items[int(match.group(4))]
                row = reader.origin.questions.get(item.name, row)
        if row is not None:
            sheet, number = row.sheet, row.number
            column = header_for(reader, row, key, language)
    elif problem.place.startswith(("title", "description", "name")):
        sheet = "settings"
        column = {"title": "form_title", "name": "form_id"}.get(
            problem.place.split(".", 1)[0], "questionnaire_description"
        )
    text = f"{problem.message} – bitte prüfen."
    params = {
        **problem.params,
        "sheet": sheet,
        "row": number,
        "column": column,
        "action": "check",
        "model_place": problem.place,
    }
    return Problem(problem.code, place_of(sheet, number, column), text, params)


def header_for(reader: QuestionReader, row: Row, key: str, language: str | None) -> str:
    key = {"title": "label", "options": "type", "items": "type"}.get(key, key)
    plain = ""
    for header in row.values:
        column = reader.column(row, header)
        if column is None or column.key != key or column.media:
            continue
        if column.language is None:
            plain = header
            if language is None or reader.langs.plain == language:
                return header
        elif language is None or reader.langs.codes.get(column.language) == language:
            return header
    if language and key in TEXT_KEYS:
        return f"{key}::{language}"
    return plain or key
