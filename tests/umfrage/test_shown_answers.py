"""Texts that show answers (``${name}``): on the page, in the preview, on the
review page and in the error summary, in the respondent's language."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup

from fragebogen.model import (
    MatrixItem,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)
from fragebogen.routing import route
from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff, page_answers
from tests.umfrage.test_teilnahme import _start
from umfrage.extensions import db
from umfrage.models import Questionnaire as QuestionnaireRow
from umfrage.teilnahme.review import review_pages
from umfrage.teilnahme.shown_answers import ShownAnswers, format_number

DISTRICT = "0108"  # Hamm


def t(de: str, en: str) -> Text:
    return Text(de=de, en=en)


FAMILY = (Option(1, "paar", t("Paarfamilie", "Two parents")),)
OTHER = Option(2, "andere", t("Andere", "Other"), other=True)
QUESTIONNAIRE = Questionnaire(
    name="test",
    title=t("Test", "Test"),
    languages=("de", "en"),
    pages=(
        Page(
            "eins",
            t("Eins", "One"),
            (
                Question(
                    "form",
                    QuestionType.SINGLE_CHOICE,
                    t("Form", "Form"),
                    options=(*FAMILY, OTHER),
                ),
                Question(
                    "zahl",
                    QuestionType.NUMBER,
                    t("Zahl", "Number"),
                    decimals=1,
                    unit=t("Kinder", "children"),
                ),
                Question("wann", QuestionType.DATE, t("Wann", "When")),
                Question("name", QuestionType.TEXT, t("Name", "Name")),
                Question(
                    "matrix",
                    QuestionType.LIKERT_MATRIX,
                    t("Matrix", "Matrix"),
                    options=(
                        Option(1, "gut", t("gut", "good")),
                        Option(2, "schlecht", t("schlecht", "bad")),
                    ),
                    items=(MatrixItem("m_kita", t("Kita", "Daycare")),),
                ),
            ),
        ),
        Page(
            "zwei",
            t("Für ${name}", "For ${name}"),
            (
                Question(
                    "frage",
                    QuestionType.TEXT,
                    t(
                        "${form}; ${zahl}; ${wann}; ${m_kita}; ${nix}",
                        "${form}; ${zahl}; ${wann}; ${m_kita}; ${nix}",
                    ),
                    hint=t("Kita: ${m_kita}", "Daycare: ${m_kita}"),
                ),
            ),
        ),
    ),
)
ANSWERS = {
    "form": 2,
    "form_other": "Patchwork",
    "zahl": 1234.5,
    "wann": "2026-11-26",
    "name": "<b>Ali</b>",
    "m_kita": 1,
}


def shown(language: str, answers: dict[str, Any] | None = None) -> ShownAnswers:
    return ShownAnswers(
        QUESTIONNAIRE,
        ANSWERS if answers is None else answers,
        language,
        {},
        lambda text: (
            {"Zugestimmt": "Agreed"}.get(text, text) if language == "en" else text
        ),
    )


def test_each_kind_of_answer_reads_as_the_respondent_reads_it() -> None:
    label = QUESTIONNAIRE.pages[1].questions[0].label
    assert shown("de").text(label) == (
        "Andere: Patchwork; 1.234,5; 26. November 2026; gut; "
    )
    assert shown("en").text(label) == (
        "Other: Patchwork; 1,234.5; November 26, 2026; good; "
    )
    # nothing answered yet: the references show nothing
    assert shown("de", {}).text(label) == "; ; ; ; "


def test_answers_in_markup_are_escaped_spans() -> None:
    title = shown("de").markup(QUESTIONNAIRE.pages[1].title)
    assert isinstance(title, Markup)
    assert str(title) == (
        'Für <span class="shown-answer" data-answer="name">'
        "&lt;b&gt;Ali&lt;/b&gt;</span>"
    )
    # the source text itself is escaped too
    tricky = Text(de="<i>${name}</i>", en="x")
    assert str(shown("de").markup(tricky)).startswith("&lt;i&gt;<span")


def test_option_labels_showing_each_other_end() -> None:
    looping = Questionnaire(
        name="test",
        title=t("T", "T"),
        languages=("de", "en"),
        pages=(
            Page(
                "eins",
                t("Eins", "One"),
                (
                    Question(
                        "a",
                        QuestionType.SINGLE_CHOICE,
                        t("A", "A"),
                        options=(Option(1, "x", t("x ${b}", "x ${b}")),),
                    ),
                    Question(
                        "b",
                        QuestionType.SINGLE_CHOICE,
                        t("B", "B"),
                        options=(Option(1, "y", t("y ${a}", "y ${a}")),),
                    ),
                ),
            ),
        ),
    )
    answers = ShownAnswers(looping, {"a": 1, "b": 1}, "de", {}, str)
    assert answers.text(Text(de="${a}", en="")) == "x y "


def test_review_page_fills_answers_into_titles_and_labels() -> None:
    path = route(QUESTIONNAIRE, ANSWERS)
    pages = review_pages(QUESTIONNAIRE, path, ANSWERS, "de", {}, str)
    assert pages[1].title == "Für <b>Ali</b>"  # escaped by the template
    assert pages[1].answers[0].question.startswith("Andere: Patchwork; 1.234,5;")
    assert pages[0].answers[1].answer == "1.234,5 Kinder"
    assert format_number(1234.5, "en") == "1,234.5"


# --------------------------------------------------------------- in the web app


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    add_staff(app)
    add_demo(app)
    return app


def _page(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    page = client.get(url)
    data["csrf_token"] = csrf_token(page.get_data(as_text=True))
    return client.post(url, data=data)


def test_pages_show_earlier_answers_in_the_respondents_language(
    demo_app: Flask, client: FlaskClient
) -> None:
    resp = _start(client, "familienbefragung", "en")
    url = resp.headers["Location"]
    with demo_app.app_context():
        from umfrage.services import questionnaire_of

        row = db.session.execute(sa.select(QuestionnaireRow)).scalar_one()
        questionnaire = questionnaire_of(row.versions[-1])
    assert (
        _page(client, url, page_answers(questionnaire.pages[0], DISTRICT)).status_code
        == 302
    )
    household = page_answers(questionnaire.pages[1], DISTRICT)
    household.update(
        kinder_anzahl="3", alter_juengstes_kind="2", alter_aeltestes_kind="9"
    )
    resp = _page(client, "/s/familienbefragung/seite/2", household)
    assert resp.status_code == 302
    # back on page 2: the hint shows the number saved, in a span the script updates
    html = client.get("/s/familienbefragung/seite/2").get_data(as_text=True)
    assert (
        'Number of children you gave: <span class="shown-answer" '
        'data-answer="kinder_anzahl">3</span>'
    ) in html
    assert '"numbers": {"decimal": ".", "group": ",", "minus": "-"}' in html
    resp = _page(client, "/s/familienbefragung/seite/3", {"sozialraum": DISTRICT})
    assert resp.status_code == 302
    resp = _page(
        client,
        "/s/familienbefragung/seite/4",
        page_answers(questionnaire.pages[3], DISTRICT),
    )
    page5 = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert (
        'Your district: <span class="shown-answer" data-answer="sozialraum">Hamm</span>'
    ) in page5
    # a page sent back with a problem still shows the saved answer
    with_error = client.post(
        "/s/familienbefragung/seite/2",
        data={
            **household,
            "alter_aeltestes_kind": "1",
            "csrf_token": csrf_token(page5),
        },
    )
    assert with_error.status_code == 422
    assert re.search(
        r"Number of children you gave: <span[^>]*>3</span>",
        with_error.get_data(as_text=True),
    )


def test_preview_names_the_question_whose_answer_a_text_shows(
    demo_app: Flask, client: FlaskClient
) -> None:
    login(client, "gestaltung", PASSWORD)
    with demo_app.app_context():
        row = db.session.execute(sa.select(QuestionnaireRow)).scalar_one()
        number = row.versions[-1].number
        row_id = row.id
    html = client.get(
        f"/gestaltung/fragebogen/{row_id}/version/{number}/vorschau/2"
    ).get_data(as_text=True)
    assert 'data-answer="kinder_anzahl">[kinder_anzahl]</span>' in html
