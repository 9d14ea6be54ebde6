"""Shared fixtures of the questionnaire tests."""

from __future__ import annotations

import pytest

from fragebogen.model import Questionnaire
from fragebogen.yaml_format import load_yaml

#: A questionnaire with every question type and feature, in German and English.
ALL_TYPES_YAML = """\
name: alle_typen
title: {de: Alle Fragetypen, en: All question types}
description: {de: Ein Test, en: A test}
languages: [de, en]
pages:
  - name: eins
    title: {de: Seite eins, en: Page one}
    questions:
      - name: hinweis
        type: info
        label: {de: Willkommen, en: Welcome}
      - name: zustimmung
        type: consent
        required: true
        label: {de: Ich stimme zu, en: I agree}
      - name: farbe
        type: single_choice
        appearance: dropdown
        required: true
        label: {de: Farbe, en: Colour}
        hint: {de: Eine Farbe, en: One colour}
        options:
          - {code: 1, value: rot, label: {de: Rot, en: Red}}
          - {code: 2, value: blau, label: {de: Blau, en: Blue}}
          - {code: 3, value: sonst, other: true, label: {de: Andere, en: Other}}
          - code: 9
            value: weiss_nicht
            missing: true
            label: {de: Weiß nicht, en: Don't know}
      - name: sport
        type: multiple_choice
        label: {de: Sportarten, en: Sports}
        options:
          - {code: 1, value: fussball, label: {de: Fußball, en: Football}}
          - {code: 2, value: tennis, label: {de: Tennis, en: Tennis}}
          - {code: 3, value: andere, other: true, label: {de: Andere, en: Other}}
          - {code: 4, value: keiner, exclusive: true, label: {de: Keiner, en: None}}
      - name: tennis_jahre
        type: number
        relevant: selected(${sport}, 'tennis')
        required: true
        minimum: 0
        maximum: 80
        label: {de: "Seit wie vielen Jahren Tennis?", en: "Years of tennis?"}
        unit: {de: Jahre, en: years}
  - name: zwei
    title: {de: Seite zwei, en: Page two}
    relevant: ${farbe} != 'weiss_nicht'
    questions:
      - name: gefallen
        type: likert
        label: {de: "Gefällt es?", en: "Do you like it?"}
        options:
          - {code: 1, value: nein, label: {de: Nein, en: No}}
          - {code: 2, value: etwas, label: {de: Etwas, en: Somewhat}}
          - {code: 3, value: ja, label: {de: Ja, en: Yes}}
          - {code: 9, value: k_a, missing: true, label: {de: k. A., en: n/a}}
      - name: matrix
        type: likert_matrix
        required: true
        label: {de: Bewertung, en: Rating}
        items:
          - {name: m_eins, label: {de: Eins, en: One}}
          - {name: m_zwei, label: {de: Zwei, en: Two}}
        options:
          - {code: 1, value: schlecht, label: {de: Schlecht, en: Bad}}
          - {code: 2, value: gut, label: {de: Gut, en: Good}}
          - code: 9
            value: weiss_nicht
            missing: true
            label: {de: Weiß nicht, en: Don't know}
      - name: gewicht
        type: number
        decimals: 1
        minimum: 0.5
        maximum: 200
        label: {de: Gewicht, en: Weight}
        unit: {de: kg, en: kg}
      - name: beruf
        type: text
        label: {de: Beruf, en: Occupation}
      - name: kommentar
        type: long_text
        label: {de: Kommentar, en: Comment}
      - name: datum
        type: date
        label: {de: Datum, en: Date}
      - name: geburtsjahr
        type: year
        minimum: 1900
        maximum: 2025
        constraint: . <= 2025
        constraint_message: {de: Zu spät, en: Too late}
        label: {de: Geburtsjahr, en: Year of birth}
      - name: bezirk
        type: district
        label: {de: Bezirk, en: District}
        options:
          - code: 99
            value: weiss_nicht
            missing: true
            label: {de: Weiß nicht, en: Don't know}
"""


@pytest.fixture
def all_types() -> Questionnaire:
    """A questionnaire with every question type."""
    return load_yaml(ALL_TYPES_YAML)
