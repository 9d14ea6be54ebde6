"""Publication rules per survey (issue 11): an analyst sets the minimum n, the
dominance rule, the protection of secondary suppression and the precision limit
in the UI; the findings page, the findings file and the PDF report all follow
them; bad input is refused with the field named and changes nothing."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from umfrage.berichte import rules
from umfrage.demo import add_synthetic_responses
from umfrage.extensions import db
from umfrage.models import AuditLog, Survey

PAGE = "/berichte/1/veroeffentlichung"
FINDINGS = "/berichte/1/ergebnisse?indikator=top2:zufriedenheit_kultur"


@pytest.fixture
def analyst(app: Flask, client: FlaskClient) -> FlaskClient:
    """Logged in as the analyst; the demo survey without responses (the form
    needs none)."""
    add_staff(app)
    add_demo(app)
    assert login(client, "auswertung", PASSWORD).status_code == 302
    return client


@pytest.fixture
def answered(app: Flask, analyst: FlaskClient) -> FlaskClient:
    """The same with 160 synthetic responses (all districts below 30)."""
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        add_synthetic_responses(survey, 160, 7)
    return analyst


def _form(**values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "min_n": "5",
        "dominance_n": "10",
        "dominance_k": "0",
        "protection": "25",
        "cv_limit": "15",
    }
    data.update(values)
    return data


def _save(client: FlaskClient, **values: object) -> object:
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(PAGE, data={**_form(**values), "csrf_token": token})


def _n_column(client: FlaskClient) -> list[str]:
    content = client.get("/berichte/1/ergebnistabelle?format=csv").get_data(
        as_text=True
    )
    rows = [
        r
        for r in csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
        if r.get("Indikator") == "top2:zufriedenheit_kultur"
    ]
    assert rows, content[:500]
    return [r["n"] for r in rows]


def test_defaults_come_from_the_config(app: Flask, analyst: FlaskClient) -> None:
    html = analyst.get(PAGE).get_data(as_text=True)
    assert "Es gelten die Voreinstellungen des Betriebs." in html
    assert re.search(r'id="min_n"[^>]*value="5"', html)
    assert re.search(r'id="cv_limit"[^>]*value="15"', html)
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        assert rules.rules_of(survey) == rules.default_rules()
        app.config["MIN_CELL_SIZE"] = 7
        assert rules.rules_of(survey).min_n == 7


def test_rules_set_in_the_ui_govern_every_output(
    app: Flask, answered: FlaskClient
) -> None:
    analyst = answered
    before = _n_column(analyst)
    assert not any(n == "< 30" for n in before)
    resp = _save(analyst, min_n="30", cv_limit="10")
    assert resp.status_code == 302  # type: ignore[attr-defined]
    html = analyst.get(PAGE).get_data(as_text=True)
    assert "Die Regeln sind gespeichert." in html
    assert "Für diese Befragung festgelegt." in html

    # findings page: the hint, the precision legend and the n column
    page = analyst.get(FINDINGS).get_data(as_text=True)
    assert "weniger als 30 Antworten" in page
    assert "über 10 %" in page
    table = page[page.index('id="findings-table"') :]
    assert "&lt; 30" in table

    # findings file: every district below 30 respondents reads "< 30"
    after = _n_column(analyst)
    small = [n for n in after if n == "< 30"]
    assert small, after
    shown = [int(n.replace(".", "")) for n in after if n not in ("< 30", ".")]
    assert all(n == 0 or n >= 30 for n in shown), after

    # city report: the method box states the same minimum
    report = analyst.get("/berichte/1/bericht.pdf")
    text = "\n".join(
        p.extract_text() or "" for p in PdfReader(io.BytesIO(report.data)).pages
    )
    assert "30 Antworten" in re.sub(r"\s+", " ", text)

    with app.app_context():
        entry = db.session.execute(
            select(AuditLog).where(AuditLog.action == "change_publication_rules")
        ).scalar_one()
        assert entry.details["before"]["min_n"] == 5
        assert entry.details["after"]["min_n"] == 30
        assert entry.details["after"]["cv_limit"] == pytest.approx(0.10)

    # back to the defaults
    page_html = analyst.get(PAGE).get_data(as_text=True)
    token = re.search(
        r'name="zuruecksetzen-csrf_token"[^>]*value="([^"]+)"', page_html
    ) or re.search(r'value="([^"]+)"[^>]*name="zuruecksetzen-csrf_token"', page_html)
    assert token is not None
    resp = analyst.post(PAGE, data={"zuruecksetzen-csrf_token": token.group(1)})
    assert resp.status_code == 302
    assert _n_column(analyst) == before
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        assert survey.publication_rules is None


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("min_n", "2", "Mindestzahl Antworten"),
        ("protection", "150", "Schutzbereich"),
        ("cv_limit", "zehn", "Variationskoeffizient"),
        ("dominance_k", "-1", "abweichen"),
    ],
)
def test_bad_rules_are_refused_and_change_nothing(
    app: Flask, analyst: FlaskClient, field: str, value: str, label: str
) -> None:
    resp = _save(analyst, **{field: value})
    assert resp.status_code == 400  # type: ignore[attr-defined]
    html = resp.get_data(as_text=True)  # type: ignore[attr-defined]
    summary = html[html.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert label in summary
    assert "Es wurde nichts geändert." in summary
    assert re.search(rf'class="form-row has-error">\s*<label for="{field}"', html) or (
        field == "dominance_k" and "has-error" in html
    )
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        assert survey.publication_rules is None
        assert not db.session.execute(
            select(AuditLog).where(AuditLog.action == "change_publication_rules")
        ).all()


def test_reset_needs_a_csrf_token(app: Flask, analyst: FlaskClient) -> None:
    assert _save(analyst, min_n="12").status_code == 302  # type: ignore[attr-defined]
    resp = analyst.post(PAGE, data={"zuruecksetzen-csrf_token": "falsch"})
    assert resp.status_code == 400
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        assert rules.rules_of(survey).min_n == 12


def test_partly_stored_rules_keep_the_other_defaults(app: Flask) -> None:
    add_demo(app)
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        survey.publication_rules = {"min_n": 8}
        db.session.commit()
        got = rules.rules_of(survey)
        assert got.min_n == 8
        assert got.custom
        assert got.dominance_n == app.config["DISCLOSURE_DOMINANCE_N"]
        assert got.disclosure().min_n == 8
