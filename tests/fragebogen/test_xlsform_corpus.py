"""The XLSForm import over pyxform's own test forms (issue 12's acceptance).

The forms are read from a local snapshot of github.com/XLSForm/pyxform (a bare git
directory; set ``PYXFORM_REPO`` or fetch it to ``/work/.mirror/XLSForm+pyxform/repo``)
into a temporary folder; they are never committed. Without the snapshot the test is
skipped. Of the files pyxform accepts, at least 90 % must import (with notices), none
may crash the importer, and no pyxform question may be lost silently: each is imported
with its type, labels, choices, relevance, constraint and required, or a notice names
it.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from fragebogen.errors import DefinitionError
from fragebogen.model import Question, Questionnaire, QuestionType
from fragebogen.validation import answer_fields
from fragebogen.xlsform import ImportResult, import_xlsform

REPO = Path(os.environ.get("PYXFORM_REPO", "/work/.mirror/XLSForm+pyxform/repo"))
FOLDERS = ("tests/example_xls/", "tests/bug_example_xls/")
SUFFIXES = (".xls", ".xlsx", ".xlsm", ".csv", ".md")

EXPECTED_TYPES = {
    "select one": {
        QuestionType.SINGLE_CHOICE,
        QuestionType.LIKERT,
        QuestionType.LIKERT_MATRIX,
    },
    "select all that apply": {QuestionType.MULTIPLE_CHOICE},
    "integer": {QuestionType.NUMBER},
    "decimal": {QuestionType.NUMBER},
    "range": {QuestionType.NUMBER},
    "text": {QuestionType.TEXT, QuestionType.LONG_TEXT},
    "string": {QuestionType.TEXT, QuestionType.LONG_TEXT},
    "int": {QuestionType.NUMBER},
    "date": {QuestionType.DATE},
    "note": {QuestionType.INFO},
    "acknowledge": {QuestionType.CONSENT},
    "trigger": {QuestionType.CONSENT},
}


def _corpus(folder: Path) -> list[Path]:
    if not (REPO / "HEAD").exists():
        pytest.skip(f"no snapshot of XLSForm/pyxform at {REPO} (see module docstring)")
    names = subprocess.run(
        ["git", f"--git-dir={REPO}", "ls-tree", "-r", "--name-only", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    files = []
    for name in names:
        if (
            name.startswith(FOLDERS)
            and name.endswith(SUFFIXES)
            and name.count("/") == 2
        ):
            target = folder / name.replace("/", "_")
            target.write_bytes(
                subprocess.run(
                    ["git", f"--git-dir={REPO}", "show", f"HEAD:{name}"],
                    check=True,
                    capture_output=True,
                ).stdout
            )
            files.append(target)
    return files


def _fields(questionnaire: Questionnaire) -> dict[str, tuple[Question, str | None]]:
    """Field or question name -> (question, relevance of question or page)."""
    found: dict[str, tuple[Question, str | None]] = {}
    for page in questionnaire.pages:
        for question in page.questions:
            relevant = question.relevant or page.relevant
            for name in [question.name, *answer_fields(question)]:
                found.setdefault(name, (question, relevant))
    return found


def _texts(label: object) -> set[str]:
    texts = label.values() if isinstance(label, dict) else [label] if label else []
    return {" ".join(str(text).split()) for text in texts if str(text).strip()}


#: Names pyxform makes up for rows without one or for its own helper fields.
GENERATED = ("generated_", "reserved_name_for_field_list_labels_")


def _losses(survey: object, result: ImportResult) -> list[str]:
    """pyxform questions neither imported faithfully nor named in a notice."""
    named = {str(n.params.get("name")) for n in result.notices} | {
        str(n.params.get("new_name")) for n in result.notices
    }
    text_columns_skipped = any(
        n.code in ("unknown_language", "duplicate_column") for n in result.notices
    )
    duplicates = {
        str(n.params.get("list_name"))
        for n in result.notices
        if n.code == "duplicate_choice"
    }
    fields = _fields(result.questionnaire)
    infos = {
        text
        for question in result.questionnaire.questions()
        if question.type is QuestionType.INFO
        for text in _texts(dict(question.label))
    }
    losses = []
    for element in survey.iter_descendants():  # type: ignore[attr-defined]
        kind = str(getattr(element, "type", ""))
        name = str(element.name)
        if kind in ("survey", "group", "repeat") or not hasattr(element, "bind"):
            continue
        ancestors: set[str] = set()
        parent = element.parent
        while parent is not None:
            ancestors.add(str(parent.name))
            parent = parent.parent
        if "meta" in ancestors or ancestors & named:
            continue  # pyxform's metadata; inside a repeat or group named in a notice
        if name in named or (
            kind == "calculate" and name.removesuffix("_count") in named
        ):
            continue
        if name.startswith(GENERATED):
            if kind == "note" and not _texts(element.label) <= infos:
                losses.append(f"{name}: Hinweis {element.label!r} fehlt")
            continue
        new_name = result.renamed.get(name, name)
        if new_name not in fields:
            losses.append(f"{name}: fehlt")
            continue
        question, relevant = fields[new_name]
        bind = element.bind or {}
        if new_name != question.name and new_name == f"{question.name}_other":
            continue  # the text field of an "other" option
        item = next((i for i in question.items if i.name == new_name), None)
        expected = EXPECTED_TYPES.get(kind)
        if expected is None or question.type not in expected:
            losses.append(f"{name}: Typ {kind} -> {question.type}")
        label = item.label if item is not None else question.label
        if not text_columns_skipped and not _texts(element.label) <= _texts(
            dict(label)
        ):
            losses.append(f"{name}: Beschriftung {element.label!r} -> {label!r}")
        choices = getattr(element, "choices", None)
        options = getattr(choices, "options", None)
        wanted = {str(option.name) for option in options or ()} - {"other"}
        have = {option.value for option in question.options} - {"other"}
        if len(wanted) != len(have) and element.list_name not in duplicates:
            losses.append(f"{name}: Optionen {sorted(wanted)} -> {sorted(have)}")
        if bind.get("relevant") and not relevant:
            losses.append(f"{name}: Bedingung {bind['relevant']!r} fehlt")
        if bind.get("constraint") and not question.constraint:
            losses.append(f"{name}: Prüfregel {bind['constraint']!r} fehlt")
        if bind.get("required") == "true()" and not question.required:
            losses.append(f"{name}: Pflicht fehlt")
    return losses


def test_pyxform_corpus_imports_without_crash_or_silent_loss(tmp_path: Path) -> None:
    files = _corpus(tmp_path)
    assert len(files) > 40
    accepted = imported = 0
    crashes: list[str] = []
    losses: dict[str, list[str]] = {}
    for path in files:
        try:
            with warnings.catch_warnings():  # openpyxl's notes on unread extensions
                warnings.simplefilter("ignore")
                survey = convert(str(path))._survey
        except Exception:  # noqa: BLE001 - pyxform refusing a file is its verdict
            survey = None
        try:
            result = import_xlsform(path)
        except DefinitionError:
            result = None
        except Exception as error:  # noqa: BLE001 - a crash is what is counted
            crashes.append(f"{path.name}: {error!r}")
            continue
        if survey is None:
            continue
        accepted += 1
        if result is not None:
            imported += 1
            lost = _losses(survey, result)
            if lost:
                losses[path.name] = lost
    print(
        f"pyxform corpus: {len(files)} files, {accepted} accepted by pyxform, "
        f"{imported} imported, {len(crashes)} crashes, "
        f"{sum(map(len, losses.values()))} silent losses"
    )
    assert crashes == []
    assert imported >= 0.9 * accepted
    for name, lost in losses.items():
        print(name, *lost, sep="\n  ")
    assert losses == {}
