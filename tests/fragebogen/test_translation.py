"""Translators' files without an app: XLSX, PO and XLIFF round trips, review flags,
placeholder checks, hostile XML and the demo questionnaire's seven languages."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po as babel_write_po
from openpyxl import load_workbook

from fragebogen.demo import load_demo
from fragebogen.model import Page, Question, Questionnaire, QuestionType, Text
from fragebogen.translation import (
    TranslationFileError,
    compare,
    read_translation_file,
    review_after_edit,
    translation_units,
    write_po,
    write_xliff,
    write_xlsx,
)

QUESTIONNAIRE = Questionnaire(
    name="kurz",
    title=Text(de="Kurz", en="Short", tr="Kısa"),
    languages=("de", "en", "tr"),
    pages=(
        Page(
            name="start",
            title=Text(de="Start", en="Start", tr="Başla"),
            questions=(
                Question(
                    name="name",
                    type=QuestionType.TEXT,
                    label=Text(de="Ihr Vorname?", en="Your first name?", tr="Adınız?"),
                    hint=Text(de="Nur <b>Vorname</b>", en="Only <b>first</b> name"),
                ),
                Question(
                    name="alter",
                    type=QuestionType.NUMBER,
                    label=Text(de="Wie alt ist ${name}?", en="How old is ${name}?"),
                ),
            ),
        ),
    ),
)


def test_xlsx_round_trip_reports_exactly_the_edited_cells() -> None:
    book = load_workbook(io.BytesIO(write_xlsx(QUESTIONNAIRE, set())))
    sheet = book["Übersetzungen"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert [c.value for c in sheet[1]][4:] == [
        "Deutsch (de) – Quelle",
        "Englisch (en)",
        "Türkisch (tr)",
        "Status",
    ]
    assert rows["question.alter.label"][7].value == "fehlt: tr"
    rows["title"][5].value = "A short one"
    sheet["I1"] = "Kommentar"  # a translator's own column: reported, not read
    sheet["I2"] = "Titel kürzer?"
    rows["question.alter.label"][6].value = "${name} kaç yaşında?"
    buffer = io.BytesIO()
    book.save(buffer)
    book.close()
    file = read_translation_file("kurz.xlsx", buffer.getvalue())
    result = compare(QUESTIONNAIRE, set(), file)
    assert [(c.key, c.language, c.old, c.new) for c in result.changes] == [
        ("title", "en", "Short", "A short one"),
        ("question.alter.label", "tr", "", "${name} kaç yaşında?"),
    ]
    assert result.changes[1].location.row == rows["question.alter.label"][0].row
    assert [(f.key, f.language) for f in result.missing] == [
        ("question.name.hint", "tr")
    ]
    assert result.stale == ()
    assert result.markup == ()
    assert [(f.code, f.location.column) for f in result.unknown] == [
        ("unknown_column", "I")
    ]


def test_po_round_trip_keeps_fuzzy_and_reports_the_edit() -> None:
    flags = {("question.name.label", "tr")}
    catalog = read_po(io.BytesIO(write_po(QUESTIONNAIRE, "tr", flags)))
    assert catalog.get("Ihr Vorname?", context="question.name.label").fuzzy
    catalog.get("Start", context="page.start.title").string = "Başlangıç"
    buffer = io.BytesIO()
    babel_write_po(buffer, catalog)
    result = compare(
        QUESTIONNAIRE, flags, read_translation_file("x.po", buffer.getvalue())
    )
    assert [(c.key, c.new, c.review_after) for c in result.changes] == [
        ("page.start.title", "Başlangıç", False)
    ]
    assert result.unchanged == 2  # title and the still fuzzy label


def test_xliff_round_trip_and_review_state() -> None:
    flags = {("title", "en")}
    content = write_xliff(QUESTIONNAIRE, "en", flags).decode()
    assert content.count('state="needs-review-translation"') == 1
    edited = content.replace(
        '<target state="needs-review-translation">Short</target>',
        '<target state="translated">Brief</target>',
    )
    result = compare(
        QUESTIONNAIRE, flags, read_translation_file("x.xlf", edited.encode())
    )
    [change] = result.changes
    assert (change.key, change.old, change.new) == ("title", "Short", "Brief")
    assert change.review_before
    assert not change.review_after
    assert change.location.line == 5


def test_changed_source_flags_translations_and_export_shows_it() -> None:
    label = Text(de="Ihr Rufname?", en="Your first name?", tr="Adınız?")
    changed = replace(
        QUESTIONNAIRE,
        pages=(
            replace(
                QUESTIONNAIRE.pages[0],
                questions=(
                    replace(QUESTIONNAIRE.pages[0].questions[0], label=label),
                    QUESTIONNAIRE.pages[0].questions[1],
                ),
            ),
        ),
    )
    flags = review_after_edit(QUESTIONNAIRE, changed, set())
    assert flags == {("question.name.label", "en"), ("question.name.label", "tr")}
    assert b"#, fuzzy\n" in write_po(changed, "tr", flags)
    book = load_workbook(io.BytesIO(write_xlsx(changed, flags)))
    statuses = [row[7].value for row in book.active.iter_rows(min_row=2)]
    book.close()
    assert "prüfen: en, tr" in statuses
    # the designer edits the English translation: only Turkish stays flagged
    edited = replace(
        changed,
        pages=(
            replace(
                changed.pages[0],
                questions=(
                    replace(
                        changed.pages[0].questions[0],
                        label=Text(
                            de="Ihr Rufname?", en="Name you go by?", tr="Adınız?"
                        ),
                    ),
                    changed.pages[0].questions[1],
                ),
            ),
        ),
    )
    assert review_after_edit(changed, edited, flags) == {("question.name.label", "tr")}


def test_placeholder_and_markup_mismatch_is_refused_with_its_row() -> None:
    book = load_workbook(io.BytesIO(write_xlsx(QUESTIONNAIRE, set())))
    sheet = book.active
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    rows["question.alter.label"][6].value = "Kaç yaşında?"  # ${name} lost
    rows["question.name.hint"][6].value = "Sadece <i>ad</i>"  # <b> became <i>
    buffer = io.BytesIO()
    book.save(buffer)
    book.close()
    result = compare(
        QUESTIONNAIRE, set(), read_translation_file("k.xlsx", buffer.getvalue())
    )
    assert result.changes == ()
    found = {
        (f.key, f.location.row, f.location.column, f.missing, f.extra)
        for f in result.markup
    }
    assert found == {
        ("question.alter.label", 6, "G", ("${name}",), ()),
        ("question.name.hint", 5, "G", ("</b>", "<b>"), ("</i>", "<i>")),
    }


def test_changed_source_in_the_file_is_not_taken_over() -> None:
    content = write_po(QUESTIONNAIRE, "en", set()).replace(
        b'msgid "Kurz"\nmsgstr "Short"',
        b'msgid "Kurz und gut"\nmsgstr "Short and good"',
    )
    result = compare(QUESTIONNAIRE, set(), read_translation_file("x.po", content))
    [stale] = result.stale
    assert (stale.key, stale.file_source, stale.current_source) == (
        "title",
        "Kurz und gut",
        "Kurz",
    )
    assert result.changes == ()


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<xliff><file target-language='en'><body><trans-unit id='title'>"
        b"<source>&b;</source></trans-unit></body></file></xliff>",
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><xliff/>',
    ],
)
def test_hostile_xml_is_refused(xml: bytes) -> None:
    with pytest.raises(TranslationFileError) as error:
        read_translation_file("boese.xlf", xml)
    assert error.value.code == "hostile_file"


def test_unreadable_files_are_refused() -> None:
    for name, content in [
        ("a.xlf", b"<xliff"),
        ("a.po", b'msgid "x'),
        ("a.xlsx", b"PK"),
    ]:
        with pytest.raises(TranslationFileError):
            read_translation_file(name, content)


def test_demo_family_questionnaire_has_every_text_in_seven_languages() -> None:
    questionnaire = load_demo("familienbefragung")
    assert questionnaire.languages == ("de", "en", "tr", "ar", "uk", "ru", "pl")
    gaps = [
        (unit.key, language)
        for unit in translation_units(questionnaire)
        for language in questionnaire.languages
        if not unit.source(language).strip()
    ]
    assert gaps == []
