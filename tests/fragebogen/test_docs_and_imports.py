"""The format documentation matches the code; the package stays pure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from fragebogen.definition import validate_definition
from fragebogen.expressions import FUNCTIONS
from fragebogen.model import QuestionType
from fragebogen.xlsform import from_xlsform, to_xlsform
from fragebogen.yaml_format import dump_yaml, load_yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "fragebogen-format.md"


def test_full_example_in_the_docs_loads_and_covers_every_type() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    q = load_yaml(blocks[-1])
    assert validate_definition(q) == []
    assert {question.type for question in q.questions()} == set(QuestionType)
    assert load_yaml(dump_yaml(q)) == q
    assert from_xlsform(to_xlsform(q)) == q


def test_docs_list_every_function_and_type() -> None:
    text = DOC.read_text(encoding="utf-8")
    for function in FUNCTIONS:
        assert f'"{function}"' in text, function
    for member in QuestionType:
        assert f"`{member.value}`" in text, member


def test_fragebogen_imports_no_web_or_analysis_modules() -> None:
    code = (
        "import sys, pkgutil, importlib, fragebogen\n"
        "for info in pkgutil.walk_packages(fragebogen.__path__, 'fragebogen.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'umfrage', 'auswertung', 'flask_wtf')]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=DOC.parents[1],
    )
    assert result.stdout.strip() == ""
