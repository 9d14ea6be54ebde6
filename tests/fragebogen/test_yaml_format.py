"""The YAML format and the plain-data form."""

from __future__ import annotations

import json

import pytest

from fragebogen.errors import DefinitionError
from fragebogen.model import Questionnaire, QuestionType, Text, fingerprint
from fragebogen.yaml_format import dump_yaml, from_data, load_yaml, to_data

MINIMAL = """\
name: kurz
title: Kurz
languages: [de]
pages:
  - name: eins
    title: Eins
    questions:
      - name: frage
        type: text
        label: Wie heißt Ihre Straße?
"""


def test_round_trip_yaml_model_yaml(all_types: Questionnaire) -> None:
    text = dump_yaml(all_types)
    again = load_yaml(text)
    assert again == all_types
    assert dump_yaml(again) == text
    assert fingerprint(again) == fingerprint(all_types)


def test_round_trip_data_and_json(all_types: Questionnaire) -> None:
    data = to_data(all_types)
    stored = json.loads(json.dumps(data))
    assert from_data(stored) == all_types
    assert to_data(from_data(stored)) == data


def test_to_data_structure(all_types: Questionnaire) -> None:
    data = to_data(all_types)
    assert list(data) == ["name", "title", "description", "languages", "pages"]
    assert data["languages"] == ["de", "en"]
    farbe = data["pages"][0]["questions"][2]
    assert farbe == {
        "name": "farbe",
        "type": "single_choice",
        "label": {"de": "Farbe", "en": "Colour"},
        "hint": {"de": "Eine Farbe", "en": "One colour"},
        "required": True,
        "appearance": "dropdown",
        "options": [
            {"code": 1, "value": "rot", "label": {"de": "Rot", "en": "Red"}},
            {"code": 2, "value": "blau", "label": {"de": "Blau", "en": "Blue"}},
            {
                "code": 3,
                "value": "sonst",
                "label": {"de": "Andere", "en": "Other"},
                "other": True,
            },
            {
                "code": 9,
                "value": "weiss_nicht",
                "label": {"de": "Weiß nicht", "en": "Don't know"},
                "missing": True,
            },
        ],
    }
    gewicht = data["pages"][1]["questions"][2]
    assert gewicht["minimum"] == 0.5
    assert gewicht["maximum"] == 200
    assert isinstance(gewicht["maximum"], int)


def test_plain_strings_are_default_language_texts() -> None:
    q = load_yaml(MINIMAL)
    assert q.title == Text(de="Kurz")
    assert q.question("frage").type is QuestionType.TEXT


def test_yaml_12_booleans() -> None:
    text = MINIMAL.replace("languages: [de]", "languages: [de, 'no']").replace(
        "label: Wie heißt Ihre Straße?", "label: {de: Nein, no: No}"
    )
    text = text.replace("title: Kurz", "title: {de: Kurz, no: Kort}")
    text = text.replace("title: Eins", "title: {de: Eins, no: En}")
    q = load_yaml(text)
    assert q.languages == ("de", "no")
    assert q.question("frage").label == Text(de="Nein", no="No")
    assert load_yaml(dump_yaml(q)) == q


def test_anchors_reuse_option_lists() -> None:
    text = """\
name: anker
title: Anker
languages: [de]
pages:
  - name: eins
    title: Eins
    questions:
      - name: a
        type: likert
        label: A
        options: &skala
          - {code: 1, value: schlecht, label: Schlecht}
          - {code: 2, value: gut, label: Gut}
      - name: b
        type: likert
        label: B
        options: *skala
"""
    q = load_yaml(text)
    assert q.question("a").options == q.question("b").options
    assert "*" not in dump_yaml(q)
    assert "&" not in dump_yaml(q)


def test_yaml_syntax_error_names_line_and_column() -> None:
    with pytest.raises(DefinitionError) as info:
        load_yaml("name: x\npages: [\n  - a: b\n  c")
    problem = info.value.problems[0]
    assert problem.code == "yaml_syntax"
    assert problem.place.startswith("Zeile ")
    assert problem.params["line"] is not None


@pytest.mark.parametrize(
    "text", ["", "# nur ein Kommentar", "- a\n- b", "42", "name: [1, 2"]
)
def test_not_a_questionnaire(text: str) -> None:
    with pytest.raises(DefinitionError) as info:
        load_yaml(text)
    assert info.value.problems


def test_python_tags_are_not_executed() -> None:
    text = "name: !!python/object/apply:os.system ['echo boom']\n"
    with pytest.raises(DefinitionError) as info:
        load_yaml(text)
    assert info.value.problems[0].code == "yaml_syntax"


def test_structure_problems_are_all_listed_with_places() -> None:
    text = """\
name: kaputt
title: Kaputt
languages: [de]
sprache: de
pages:
  - name: eins
    title: Eins
    questions:
      - name: a
        type: choice
        label: A
      - name: b
        type: number
        label: B
        minimum: viel
        required: vielleicht
      - type: text
        label: C
      - name: d
        type: single_choice
        label: D
        options:
          - {code: eins, value: x, label: X}
          - {code: 2, label: Y, colour: red}
  - title: Zwei
"""
    with pytest.raises(DefinitionError) as info:
        load_yaml(text)
    places = [(p.code, p.place) for p in info.value.problems]
    assert places == [
        ("unknown_key", "sprache"),
        ("unknown_type", "pages[0].questions[0].type"),
        ("wrong_type", "pages[0].questions[1].required"),
        ("wrong_type", "pages[0].questions[1].minimum"),
        ("missing_key", "pages[0].questions[2].name"),
        ("wrong_type", "pages[0].questions[3].options[0].code"),
        ("unknown_key", "pages[0].questions[3].options[1].colour"),
        ("missing_key", "pages[0].questions[3].options[1].value"),
        ("missing_key", "pages[1].name"),
        ("missing_key", "pages[1].questions"),
    ]


def test_meaning_problems_are_reported_by_load_yaml() -> None:
    text = MINIMAL.replace(
        "        label: Wie heißt Ihre Straße?",
        "        label: Wie heißt Ihre Straße?\n        relevant: ${nichts} = 1",
    )
    with pytest.raises(DefinitionError) as info:
        load_yaml(text)
    problem = info.value.problems[0]
    assert (problem.code, problem.place) == (
        "unknown_reference",
        "pages[0].questions[0].relevant",
    )


def test_from_data_does_not_check_meaning() -> None:
    data = {
        "name": "x",
        "title": {"de": "X"},
        "languages": ["de"],
        "pages": [
            {
                "name": "p",
                "title": {"de": "P"},
                "questions": [
                    {"name": "a", "type": "text", "label": {"de": "A"}, "relevant": "?"}
                ],
            }
        ],
    }
    assert from_data(data).question("a").relevant == "?"


def test_bytes_and_bad_encoding() -> None:
    assert load_yaml(MINIMAL.encode("utf-8")) == load_yaml(MINIMAL)
    assert load_yaml(b"\xef\xbb\xbf" + MINIMAL.encode("utf-8")) == load_yaml(MINIMAL)
    with pytest.raises(DefinitionError) as info:
        load_yaml(MINIMAL.encode("latin-1"))
    assert info.value.problems[0].code == "encoding"
