"""The questionnaire path: relevant pages, next/previous, first incomplete page,
progress and the review page, decided in one place."""

from __future__ import annotations

from fragebogen.model import Questionnaire
from fragebogen.routing import Progress, route


def test_route_over_all_pages(all_types: Questionnaire) -> None:
    path = route(all_types, {})
    assert path.pages == (0, 1)
    assert path.page_count == 2
    assert path.first == 0
    assert path.first_incomplete == 0  # consent missing
    assert not path.complete
    assert path.next_after(-1) == 0
    assert path.next_after(0) == 1
    assert path.next_after(1) is None  # then the review page
    assert path.previous_before(0) is None
    assert path.previous_before(1) == 0
    assert path.previous_before(path.page_count) == 1  # back from the review
    assert path.progress(0) == Progress(1, 3)
    assert path.progress(1) == Progress(2, 3)
    assert path.progress(path.page_count) == Progress(3, 3)
    assert path.progress(0).percent == 0


def test_route_skips_irrelevant_pages_and_finds_the_review(
    all_types: Questionnaire,
) -> None:
    answers = {"zustimmung": True, "farbe": 9}  # "weiß nicht": page two is skipped
    path = route(all_types, answers)
    assert path.pages == (0,)
    assert path.next_after(0) is None
    assert path.complete
    assert path.nearest(1, reached=1) == 0
    assert path.nearest(0, reached=0) == 0
    assert path.progress(1) == Progress(2, 2)


def test_first_incomplete_page_follows_the_answers(all_types: Questionnaire) -> None:
    answers = {"zustimmung": True, "farbe": 1}
    path = route(all_types, answers)
    assert path.pages == (0, 1)
    assert path.first_incomplete == 1  # page two's matrix is required
    assert path.nearest(1, reached=0) == 1
    # a required follow-up question on page one makes page one incomplete
    path = route(all_types, {**answers, "sport": [2]})
    assert path.first_incomplete == 0


def test_no_relevant_page_at_all() -> None:
    from fragebogen.yaml_format import load_yaml

    questionnaire = load_yaml(
        """
name: leer
title: {de: Leer}
languages: [de]
pages:
  - name: nie
    title: {de: Nie}
    relevant: "1 = 2"
    questions:
      - {name: frage, type: text, label: {de: Frage}}
"""
    )
    path = route(questionnaire, {})
    assert path.pages == ()
    assert path.first == 0
    assert path.complete
    assert path.progress(1) == Progress(1, 1)
