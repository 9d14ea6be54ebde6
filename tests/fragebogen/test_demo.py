"""The shipped demo questionnaires."""

from __future__ import annotations

from importlib import resources

import pytest

from fragebogen.definition import validate_definition
from fragebogen.demo import DEMO_NAMES, demo_yaml, load_demo
from fragebogen.errors import AnswerError
from fragebogen.model import QuestionType, fingerprint
from fragebogen.routing import next_page_index
from fragebogen.validation import answer_fields, validate_page
from fragebogen.yaml_format import dump_yaml, from_data, load_yaml, to_data


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_demo_loads_and_validates(name: str) -> None:
    q = load_demo(name)
    assert q.name == name
    assert validate_definition(q) == []
    assert validate_definition(q, has_district_layer=True) == []
    assert load_yaml(dump_yaml(q)) == q
    assert from_data(to_data(q)) == q
    assert fingerprint(load_demo(name)) == fingerprint(q)


def test_demo_files_are_package_data() -> None:
    files = {p.name for p in resources.files("fragebogen.demo").iterdir()}
    assert {"familienbefragung.yaml", "schuelerbefragung.yaml"} <= files
    with pytest.raises(KeyError):
        demo_yaml("../pyproject")
    with pytest.raises(KeyError):
        load_demo("unbekannt")


def test_family_survey_contract() -> None:
    q = load_demo("familienbefragung")
    assert q.languages == ("de", "en", "tr", "ar", "uk", "ru", "pl")
    assert 5 <= len(q.pages) <= 7
    haushaltstyp = q.question("haushaltstyp")
    assert haushaltstyp.type is QuestionType.SINGLE_CHOICE
    assert [(o.code, o.value, o.label["de"]) for o in haushaltstyp.options] == [
        (1, "paar", "Paarfamilie"),
        (2, "alleinerziehend", "Alleinerziehend"),
        (3, "andere", "Andere Familienform"),
    ]
    kinder = q.question("kinder_anzahl")
    assert (kinder.type, kinder.minimum, kinder.maximum) == (
        QuestionType.NUMBER,
        1,
        12,
    )
    sozialraum = q.question("sozialraum")
    assert sozialraum.type is QuestionType.DISTRICT
    assert sozialraum.required
    assert [
        (o.code, o.value, o.missing, o.label["de"]) for o in sozialraum.options
    ] == [(99, "keine_angabe", True, "Möchte ich nicht angeben")]
    angebote = q.question("angebote")
    assert angebote.type is QuestionType.MULTIPLE_CHOICE
    assert any(o.exclusive for o in angebote.options)
    zufriedenheit = q.question("zufriedenheit_angebote")
    assert zufriedenheit.type is QuestionType.LIKERT
    assert zufriedenheit.relevant is not None
    assert "angebote" in zufriedenheit.relevant
    scale = [(o.code, o.missing) for o in zufriedenheit.options]
    assert scale == [
        (1, False),
        (2, False),
        (3, False),
        (4, False),
        (5, False),
        (9, True),
    ]
    assert zufriedenheit.option_by_code(9).label["de"] == "Nicht genutzt / weiß nicht"
    matrices = [x for x in q.questions() if x.type is QuestionType.LIKERT_MATRIX]
    assert len(matrices) == 1
    assert answer_fields(matrices[0]) == [
        "zufriedenheit_kultur",
        "zufriedenheit_freizeit",
        "zufriedenheit_sport",
    ]
    assert matrices[0].options == zufriedenheit.options
    assert q.question("barrieren").type is QuestionType.MULTIPLE_CHOICE
    wuensche = q.question("wuensche")
    assert (wuensche.type, wuensche.required) == (QuestionType.LONG_TEXT, False)


def test_family_survey_translations_are_complete_and_distinct() -> None:
    q = load_demo("familienbefragung")
    for question in q.questions():
        texts = [question.label.get(language, "") for language in q.languages]
        assert all(texts), question.name
        assert len(set(texts)) == len(texts), question.name  # really translated
        for option in question.options:
            assert all(option.label.get(language) for language in q.languages)
    arabic = q.question("haushaltstyp").label["ar"]
    assert any("\u0600" <= char <= "\u06ff" for char in arabic)
    turkish = q.question("kinder_anzahl").label["tr"]
    assert "çocuk" in turkish


def test_pupils_survey_contract() -> None:
    q = load_demo("schuelerbefragung")
    assert q.languages == ("de", "en")
    assert q.question("schulform").type is QuestionType.SINGLE_CHOICE
    assert q.question("schulform").appearance == "dropdown"
    assert q.question("klassenstufe").type is QuestionType.NUMBER


def test_family_survey_walkthrough() -> None:
    q = load_demo("familienbefragung")
    districts = {"101", "102"}
    answers: dict[str, object] = {}
    pages = [
        {"einwilligung": "on"},
        {
            "kinder_anzahl": "2",
            "alter_juengstes_kind": "3",
            "alter_aeltestes_kind": "7",
            "haushaltstyp": "2",
            "sprachen_zuhause": ["1", "2"],
        },
        {"sozialraum": "101"},
        {"angebote": ["1", "3"], "zufriedenheit_angebote": "4"},
        {
            "zufriedenheit_kultur": "5",
            "zufriedenheit_freizeit": "9",
            "zufriedenheit_sport": "3",
        },
        {"barrieren": ["zeit", "kosten"], "wuensche": "Mehr Spielplätze"},
    ]
    index: int | None = 0
    visited = []
    while index is not None:
        visited.append(index)
        answers.update(validate_page(q, index, pages[index], answers, districts))
        index = next_page_index(q, index, answers)
    assert visited == list(range(len(q.pages)))
    assert answers["haushaltstyp"] == 2
    assert answers["angebote"] == [1, 3]
    assert answers["zufriedenheit_angebote"] == 4
    assert answers["zufriedenheit_freizeit"] == 9
    assert answers["sozialraum"] == "101"


def test_family_survey_rules() -> None:
    q = load_demo("familienbefragung")
    with pytest.raises(AnswerError) as info:
        validate_page(q, 3, {"angebote": ["keines", "beratung"]}, {})
    assert info.value.problems[0].code == "exclusive_option"
    # satisfaction is asked only when an offer was used
    assert validate_page(
        q, 3, {"angebote": ["keines"], "zufriedenheit_angebote": "4"}, {}
    ) == {"angebote": [6]}
    with pytest.raises(AnswerError) as info:
        validate_page(
            q,
            1,
            {
                "kinder_anzahl": "2",
                "alter_juengstes_kind": "9",
                "alter_aeltestes_kind": "4",
                "haushaltstyp": "1",
            },
            {},
            language="ar",
        )
    problem = info.value.problems[0]
    assert (problem.code, problem.place) == ("constraint", "alter_aeltestes_kind")
    assert problem.message.startswith("لا يمكن")
    with pytest.raises(AnswerError) as info:
        validate_page(q, 2, {}, {}, ["101"])
    assert info.value.problems[0].code == "required"
    assert validate_page(q, 2, {"sozialraum": "keine_angabe"}, {}, ["101"]) == {
        "sozialraum": "keine_angabe"
    }
