"""Uploads read in a child process with a hard time and memory budget."""

from __future__ import annotations

import io
import time

import openpyxl
import pytest

from fragebogen.errors import DefinitionError
from fragebogen.isolated import ImportLimits, IsolatedImportError, import_file
from fragebogen.limesurvey import import_lss
from fragebogen.xlsform import import_xlsform
from tests.fragebogen.test_limesurvey import FAMILY

FORM = (
    b"survey,type,name,label::Deutsch (de),label::English (en),relevant\n"
    b",integer,kinder,Wie viele Kinder?,How many children?,\n"
    b",geopoint,ort,Wo?,Where?,\n"
    b",text,warum,Warum?,Why?,${kinder} > 1\n"
    b"choices,list_name,name,label::Deutsch (de),label::English (en),\n"
)


def slow_workbook(rows: int = 2500, columns: int = 120) -> bytes:
    """A legal XLSForm that takes seconds to read: many rows, many columns."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(["type", "name", "label", *[f"bind::x{j}" for j in range(columns)]])
    for i in range(rows):
        sheet.append(
            ["text", f"q{i}", f"Frage {i}", *[f"v{j}" for j in range(columns)]]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_result_equals_the_import_in_process() -> None:
    here = import_xlsform(FORM, filename="form.csv")
    there = import_file("xlsform", FORM, filename="form.csv")
    assert there.questionnaire == here.questionnaire
    assert there.notices == here.notices
    assert there.notices  # the geopoint row is named
    assert dict(there.renamed) == dict(here.renamed)
    assert there.unknown_languages == here.unknown_languages
    lss_here = import_lss(FAMILY)
    lss_there = import_file("lss", FAMILY)
    assert lss_there.questionnaire == lss_here.questionnaire
    assert lss_there.notices == lss_here.notices


def test_a_refusal_comes_back_as_the_same_definition_error() -> None:
    broken = b"type,name\ntext,q1\n"
    with pytest.raises(DefinitionError) as here:
        import_xlsform(broken, filename="x.csv")
    with pytest.raises(DefinitionError) as there:
        import_file("xlsform", broken, filename="x.csv")
    assert there.value.problems == here.value.problems


def test_a_file_over_the_time_budget_is_stopped() -> None:
    data = slow_workbook()
    started = time.monotonic()
    with pytest.raises(IsolatedImportError) as info:
        import_file("xlsform", data, filename="gross.xlsx", limits=ImportLimits(1))
    assert info.value.reason == "time"
    assert time.monotonic() - started < 8  # 1 s CPU, not the whole read


def test_a_file_over_the_memory_budget_is_stopped() -> None:
    # 300,000 distinct strings do not fit into 8 MB on top of the parsers
    tight = ImportLimits(memory_bytes=8 * 1024 * 1024)
    with pytest.raises(IsolatedImportError) as info:
        import_file("xlsform", slow_workbook(), filename="gross.xlsx", limits=tight)
    assert info.value.reason == "memory"
