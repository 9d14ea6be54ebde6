"""The model: texts, question types, questionnaire helpers, fingerprints."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, replace

import pytest

from fragebogen.model import (
    RTL_LANGUAGES,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    Text,
    fingerprint,
    text_direction,
)


def test_text_is_a_frozen_hashable_mapping() -> None:
    text = Text({"de": "Ja", "en": "Yes"})
    assert text["de"] == "Ja"
    assert dict(text) == {"de": "Ja", "en": "Yes"}
    assert list(text) == ["de", "en"]
    assert len(text) == 2
    assert "en" in text
    assert "tr" not in text
    assert text == Text(en="Yes", de="Ja")  # order does not matter
    assert hash(text) == hash(Text(en="Yes", de="Ja"))
    assert text == {"de": "Ja", "en": "Yes"}
    assert text != Text(de="Ja")
    assert {text: 1}[Text(de="Ja", en="Yes")] == 1
    with pytest.raises(AttributeError):
        text._pairs = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        Text({"de": 1})  # type: ignore[dict-item]
    assert pickle.loads(pickle.dumps(text)) == text
    assert repr(Text(de="Ja")) == "Text({'de': 'Ja'})"


def test_get_text_falls_back() -> None:
    text = Text(de="Hallo", en="Hello", tr="")
    assert text.get_text("en", "de") == "Hello"
    assert text.get_text("ar", "de") == "Hallo"
    assert text.get_text("tr", "en") == "Hello"  # empty counts as missing
    assert Text(en="Hello").get_text("ar", "de") == "Hello"
    assert Text().get_text("de", "de") == ""


def test_question_types() -> None:
    assert [member.value for member in QuestionType] == [
        "info",
        "consent",
        "single_choice",
        "multiple_choice",
        "likert",
        "likert_matrix",
        "number",
        "text",
        "long_text",
        "date",
        "year",
        "district",
    ]
    assert QuestionType("likert") is QuestionType.LIKERT
    assert QuestionType.LIKERT == "likert"


def test_dataclasses_are_frozen_and_hashable(all_types: Questionnaire) -> None:
    with pytest.raises(FrozenInstanceError):
        all_types.name = "x"  # type: ignore[misc]
    assert hash(all_types) == hash(replace(all_types))
    assert len({all_types, replace(all_types)}) == 1


def test_questionnaire_helpers(all_types: Questionnaire) -> None:
    assert all_types.default_language == "de"
    assert [q.name for q in all_types.questions()][:3] == [
        "hinweis",
        "zustimmung",
        "farbe",
    ]
    assert all_types.question("gewicht").decimals == 1
    with pytest.raises(KeyError):
        all_types.question("m_eins")
    with pytest.raises(KeyError):
        all_types.question("nichts")
    assert all_types.page_index_of("m_eins") == 1
    assert all_types.page_index_of("farbe") == 0
    with pytest.raises(KeyError):
        all_types.page_index_of("nichts")


def test_question_helpers(all_types: Questionnaire) -> None:
    farbe = all_types.question("farbe")
    assert farbe.option_by_code(2).value == "blau"
    assert farbe.option_by_value("rot").code == 1
    assert farbe.other_option == Option(
        3, "sonst", Text(de="Andere", en="Other"), other=True
    )
    assert farbe.missing_codes == (9,)
    assert all_types.question("sport").other_option is not None
    assert all_types.question("gefallen").other_option is None
    with pytest.raises(KeyError):
        farbe.option_by_code(7)
    with pytest.raises(KeyError):
        farbe.option_by_value("gruen")


def test_fingerprint_is_stable_and_distinguishes(all_types: Questionnaire) -> None:
    first = fingerprint(all_types)
    assert len(first) == 64
    assert int(first, 16) >= 0
    assert fingerprint(replace(all_types)) == first
    changed_label = replace(all_types, title=Text(de="Anders", en="Other"))
    assert fingerprint(changed_label) != first
    # integral float and int bounds are the same definition
    page = all_types.pages[1]
    question = page.questions[2]
    same = replace(question, maximum=200.0)
    assert question == same
    assert (
        fingerprint(
            replace(
                all_types,
                pages=(
                    all_types.pages[0],
                    replace(
                        page, questions=(*page.questions[:2], same, *page.questions[3:])
                    ),
                ),
            )
        )
        == first
    )
    # language order in texts does not matter
    swapped = replace(
        all_types, title=Text(en="All question types", de="Alle Fragetypen")
    )
    assert fingerprint(swapped) == first


def test_fingerprint_known_value() -> None:
    q = Questionnaire(
        name="x",
        title=Text(de="X"),
        languages=("de",),
        pages=(),
    )
    # the canonical form is {"languages":["de"],"name":"x","pages":[],"title":{...}}
    assert fingerprint(q) == fingerprint(replace(q))
    assert fingerprint(q) != fingerprint(replace(q, name="y"))


def test_text_direction() -> None:
    assert frozenset({"ar", "fa", "he", "ur"}) == RTL_LANGUAGES
    assert text_direction("ar") == "rtl"
    assert text_direction("fa") == "rtl"
    assert text_direction("ar-EG") == "rtl"
    assert text_direction("de") == "ltr"
    assert text_direction("tr") == "ltr"


def test_question_defaults() -> None:
    question = Question("a", QuestionType.TEXT, Text(de="A"))
    assert question.options == ()
    assert question.items == ()
    assert question.required is False
    assert question.decimals == 0
    assert question.relevant is None
