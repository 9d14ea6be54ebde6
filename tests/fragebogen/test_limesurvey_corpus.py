"""The LimeSurvey import over LimeSurvey's own test surveys (issue 12's acceptance).

The surveys (``tests/data/surveys/*.lss`` of github.com/LimeSurvey/LimeSurvey) are
read from a local folder named by ``LIMESURVEY_SURVEYS``; they are never committed.
Without the folder the test is skipped. At least 80 % must import, none may crash the
importer, every question that is not imported (and every condition on a
subquestion, which Umfrage does not have) is named in a notice, and the importer
never makes names or option values that our own validation rejects (:data:`OURS`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from fragebogen.errors import DefinitionError
from fragebogen.limesurvey import import_lss
from fragebogen.validation import answer_fields

FOLDER = Path(os.environ.get("LIMESURVEY_SURVEYS", "/work/.mirror/limesurvey-surveys"))
#: Validation problems that only a fault of the importer can cause.
OURS = frozenset(
    {"duplicate_name", "invalid_name", "name_too_long", "duplicate_value"}
    | {"duplicate_code", "invalid_language", "several_other_options"}
)


def _question_codes(data: bytes) -> set[str]:
    root = fromstring(data, forbid_dtd=True)
    codes = set()
    for row in root.iterfind("questions/rows/row"):
        if (row.findtext("parent_qid") or "0").strip() == "0":
            codes.add((row.findtext("title") or "").strip())
    return codes


def _conditional_subquestion_parents(data: bytes) -> set[str]:
    """Codes of the questions with a subquestion that has its own relevance."""
    root = fromstring(data, forbid_dtd=True)
    titles, parents = {}, set()
    for table in ("questions", "subquestions"):
        for row in root.iterfind(f"{table}/rows/row"):
            parent = (row.findtext("parent_qid") or "0").strip()
            if parent == "0":
                titles[(row.findtext("qid") or "").strip()] = (
                    row.findtext("title") or ""
                ).strip()
            elif (row.findtext("relevance") or "").strip() not in ("", "1"):
                parents.add(parent)
    return {titles[qid] for qid in parents if qid in titles}


def test_limesurvey_test_surveys_import() -> None:
    files = sorted(FOLDER.glob("*.lss")) if FOLDER.is_dir() else []
    if not files:
        pytest.skip(f"no LimeSurvey test surveys in {FOLDER} (see module docstring)")
    imported, refused, crashes, unnamed, faults = 0, [], [], [], []
    for path in files:
        data = path.read_bytes()
        try:
            result = import_lss(data)
        except DefinitionError as error:
            refused.append(f"{path.name}: {error.problems[0].message}")
            continue
        except Exception as error:  # noqa: BLE001 - a crash is what is counted
            crashes.append(f"{path.name}: {error!r}")
            continue
        imported += 1
        faults.extend(
            f"{path.name}: {n.place}" for n in result.notices if n.code in OURS
        )
        named = {str(n.params.get("name")) for n in result.notices}
        ours = {
            field
            for question in result.questionnaire.questions()
            for field in [question.name, *answer_fields(question)]
        }
        for code in _question_codes(data):
            name = result.renamed.get(code, code)
            if (
                code not in named
                and name not in ours
                and not any(field.startswith(f"{name}_") for field in ours)
            ):
                unnamed.append(f"{path.name}: {code}")
        sub_named = {
            str(n.params.get("name"))
            for n in result.notices
            if n.code == "subquestion_relevance"
        }
        unnamed.extend(
            f"{path.name}: relevance of a subquestion of {code}"
            for code in _conditional_subquestion_parents(data) - sub_named
        )
    print(f"LimeSurvey: {len(files)} files, {imported} imported, {crashes=}")
    print(f"refused: {refused}", f"lost without a notice: {unnamed}", sep="\n")
    assert crashes == []
    assert imported >= 0.8 * len(files)
    assert unnamed == []
    assert faults == []
