"""Notices of the LimeSurvey import: what was skipped, changed or must be checked.

Each is a :class:`~fragebogen.errors.Problem` whose ``params`` hold ``sheet`` (the
LimeSurvey table: ``questions`` or ``groups``), ``row`` (qid or gid), ``column`` (the
field or attribute), ``action`` (see :data:`fragebogen.xlsform.notices.ACTIONS`),
``name`` (the question code) and ``source`` = ``lss``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fragebogen.errors import Problem
from fragebogen.model import Questionnaire
from fragebogen.xlsform.notices import ACTIONS

__all__ = ["locate", "notice"]


def notice(
    code: str, row: Mapping[str, str], column: str, message: str, action: str
) -> Problem:
    """A notice about a question or group ``row``; ``message`` ends in the action."""
    name = row.get("title", "")
    sheet = "groups" if "title" not in row else "questions"
    what = f"Frage {name!r}" if name else f"Gruppe {row.get('gid', '')}"
    place = f"{what}, Feld {column!r}" if column else what
    return Problem(
        code,
        place,
        f"{message} – {ACTIONS[action]}.",
        {
            "sheet": sheet,
            "row": row.get("qid") or row.get("gid", ""),
            "column": column,
            "action": action,
            "name": name,
            "source": "lss",
        },
    )


def locate(
    problem: Problem,
    questionnaire: Questionnaire,
    origin: Mapping[str, tuple[str, str]],
) -> Problem:
    """A validation problem of the imported questionnaire, placed in the export.

    ``origin`` maps our question names to (qid, LimeSurvey code).
    """
    match = re.match(
        r"^pages\[(\d+)\](?:\.questions\[(\d+)\])?(?:\.(\w+))?", problem.place
    )
    qid, code, column = "", "", ""
    if match and match.group(2) is not None:
        page = questionnaire.pages[int(match.group(1))]
        question = page.questions[int(match.group(2))]
        qid, code = origin.get(question.name, ("", question.name))
        column = match.group(3) or ""
    place = f"Frage {code!r}, Feld {column!r}" if code else problem.place
    params = {
        **problem.params,
        "sheet": "questions",
        "row": qid,
        "column": column,
        "name": code,
        "action": "check",
        "source": "lss",
        "model_place": problem.place,
    }
    return Problem(problem.code, place, f"{problem.message} – bitte prüfen.", params)
