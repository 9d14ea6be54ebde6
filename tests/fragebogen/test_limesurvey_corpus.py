"""The LimeSurvey import over LimeSurvey's own test surveys (issue 12's acceptance).

The surveys (``tests/data/surveys/*.lss`` of github.com/LimeSurvey/LimeSurvey) are
read from a local folder named by ``LIMESURVEY_SURVEYS``; they are never committed.
Without the folder the test is skipped. At least 80 % must import, none may crash the
importer, and every question that is not imported is named in a notice.
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


def _question_codes(data: bytes) -> set[str]:
    root = fromstring(data, forbid_dtd=True)
    codes = set()
    for row in root.iterfind("questions/rows/row"):
        if (row.findtext("parent_qid") or "0").strip() == "0":
            codes.add((row.findtext("title") or "").strip())
    return codes


def test_limesurvey_test_surveys_import() -> None:
    files = sorted(FOLDER.glob("*.lss")) if FOLDER.is_dir() else []
    if not files:
        pytest.skip(f"no LimeSurvey test surveys in {FOLDER} (see module docstring)")
    imported, crashes, unnamed = 0, [], []
    for path in files:
        data = path.read_bytes()
        try:
            result = import_lss(data)
        except DefinitionError:
            continue
        except Exception as error:  # noqa: BLE001 - a crash is what is counted
            crashes.append(f"{path.name}: {error!r}")
            continue
        imported += 1
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
    print(f"LimeSurvey: {len(files)} files, {imported} imported, {crashes=}")
    assert crashes == []
    assert imported >= 0.8 * len(files)
    assert unnamed == []
