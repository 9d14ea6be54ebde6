"""Output encoding: questionnaire texts, option labels, translations, district names
from an uploaded layer and free-text answers carry a payload set; every surface that
shows them (respondent and staff HTML, the SVG map, the PDF report, CSV and XLSX
exports) shows them as text — nothing executes or is interpreted."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from tests.conftest import login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from umfrage.extensions import db
from umfrage.models import (
    District,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    Survey,
)

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '<a href="javascript:alert(3)">j</a>',
    '<svg onload=alert(4)><math><mtext><a xlink:href="javascript:alert(5)">m</a>'
    "</mtext></math></svg>",
    '</para><para><img src="/etc/passwd"/><font color="red">rot</font>',
    "=cmd|' /C calc'!A0",
)
MARK = "XSS-"
FORMULA = "=cmd|' /C calc'!A0"


def payload(label: str) -> str:
    return f"{MARK}{label} " + " ".join(PAYLOADS)


class _Audit(HTMLParser):
    """Collects everything in a page that a browser would execute."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        if tag in ("math", "iframe", "object", "embed", "base"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            target = (value or "").strip().lower()
            if name in ("href", "src", "xlink:href", "action", "formaction") and (
                target.startswith(("javascript:", "data:text/html"))
            ):
                self.found.append(f"<{tag} {name}={value}>")


def executable_parts(html: str) -> list[str]:
    audit = _Audit()
    audit.feed(html)
    return audit.found


def poison(app: Flask) -> None:
    """Payloads in the published definition, in district names and in answers."""
    with app.app_context():
        version = db.session.execute(sa.select(QuestionnaireVersion)).scalar_one()
        definition = copy.deepcopy(version.definition)
        definition["title"] = {
            lang: payload(f"title-{lang}") for lang in definition["title"]
        }
        for page in definition["pages"]:
            for question in page["questions"]:
                if question["name"] == "haushaltstyp":
                    question["label"]["de"] = payload("label")
                    question["label"]["en"] = payload("translation")
                    question["options"][0]["label"]["de"] = payload("option")
        # A published version is immutable for the ORM; the payloads stand for
        # what an import would have stored, so write them with a plain UPDATE.
        db.session.execute(
            sa.update(QuestionnaireVersion.__table__)
            .where(QuestionnaireVersion.__table__.c.id == version.id)
            .values(
                definition=definition,
                fingerprint=hashlib.sha256(repr(definition).encode()).hexdigest(),
            )
        )
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.title = payload("survey")
        for district in db.session.execute(
            sa.select(District).order_by(District.id).limit(3)
        ).scalars():
            district.name = payload(f"district-{district.code}")[:200]  # column size
        for response in db.session.execute(
            sa.select(Response).where(Response.status == ResponseStatus.COMPLETE)
        ).scalars():
            response.answers = {**response.answers, "wuensche": payload("answer")}
        db.session.commit()


@pytest.fixture
def poisoned(app: Flask) -> Flask:
    add_staff(app)
    add_demo(app, responses=80)
    poison(app)
    return app


def staff(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def check_html(client: FlaskClient, url: str, labels: list[str]) -> None:
    resp = client.get(url)
    assert resp.status_code == 200, url
    html = resp.get_data(as_text=True)
    assert executable_parts(html) == [], url
    for label in labels:
        assert f"{MARK}{label} &lt;script&gt;alert(1)&lt;/script&gt;" in html, (
            url,
            label,
        )


def test_html_and_svg_show_payloads_as_text(poisoned: Flask) -> None:
    respondent = poisoned.test_client()
    check_html(respondent, "/s/familienbefragung", ["title-de"])
    check_html(respondent, "/s/familienbefragung?sprache=en", ["title-en"])

    designer = staff(poisoned, "gestaltung")
    check_html(designer, "/gestaltung/", ["survey"])
    check_html(designer, "/gestaltung/fragebogen/1", ["title-de"])
    check_html(designer, "/gestaltung/fragebogen/1/seite/2", ["label"])
    check_html(designer, "/gestaltung/fragebogen/1/uebersetzungen", ["translation"])
    check_html(designer, "/gestaltung/umfrage/1", ["district-0101"])
    # The preview renders the respondent's page templates.
    preview = "/gestaltung/fragebogen/1/version/1/vorschau"
    check_html(designer, f"{preview}/2", ["label", "option"])
    check_html(designer, f"{preview}/3", ["district-0101"])

    analyst = staff(poisoned, "auswertung")
    check_html(analyst, "/berichte/1/ergebnisse", ["label", "district-0101"])
    check_html(analyst, "/berichte/1/gewichtung", ["option"])  # mapping tables

    admin = staff(poisoned, "admin")
    check_html(admin, "/verwaltung/gebiete/1", ["district-0101"])


def pdf_text(data: bytes) -> str:
    """The PDF's text with whitespace (line breaks included) as single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())


@pytest.mark.sqlite_only  # what the PDF prints does not depend on the database
def test_pdf_report_prints_markup_as_text(poisoned: Flask) -> None:
    analyst = staff(poisoned, "auswertung")
    resp = analyst.get("/berichte/1/bericht.pdf")
    assert resp.status_code == 200
    assert resp.data.startswith(b"%PDF")
    text = pdf_text(resp.data)
    # reportlab would have eaten these tags (or failed) had it parsed them
    assert f"{MARK}survey <script>alert(1)</script>" in text
    assert '<font color="red">rot</font>' in text


def test_exports_neutralise_formulas(poisoned: Flask) -> None:
    analyst = staff(poisoned, "auswertung")
    resp = analyst.get("/berichte/1/export?format=csv")
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    answers = [row["wuensche"] for row in rows if row.get("wuensche")]
    assert answers
    assert all(a.startswith(f"{MARK}answer") for a in answers)
    formula_cells = [
        value
        for row in rows
        for value in row.values()
        if isinstance(value, str) and value.startswith(("=", "+", "-", "@"))
    ]
    assert formula_cells == []

    xlsx = analyst.get("/berichte/1/export?format=xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    cells: list[Any] = [
        cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    ]
    book.close()
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert any(FORMULA in t for t in texts)
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
