"""Invitation letters (issue 14): the editable template per survey, the letterhead
upload, PUBLIC_URL, DIN 5008 positions, Arabic shaping and glyph coverage."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from umfrage.extensions import db
from umfrage.gestaltung import letter_templates, letters, services
from umfrage.gestaltung.letter_texts import fixed_text
from umfrage.models import (
    AccessMode,
    AuditLog,
    InvitationBatch,
    LetterTemplate,
    Survey,
)

PUBLIC = "https://umfrage.musterstadt.de"


@pytest.fixture
def designer(app: Flask) -> FlaskClient:
    add_staff(app)
    add_demo(app)
    app.config["PUBLIC_URL"] = PUBLIC
    client = app.test_client()
    assert login(client, "gestaltung", PASSWORD).status_code == 302
    return client


def _survey_id(app: Flask) -> int:
    with app.app_context():
        return int(db.session.execute(sa.select(Survey.id)).scalar_one())


def _audit(app: Flask, action: str) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditLog.details).where(AuditLog.action == action)
        ).scalars()
        return list(rows)


def _template(app: Flask) -> tuple[dict[str, Any], bytes | None] | None:
    with app.app_context():
        row = db.session.execute(sa.select(LetterTemplate)).scalar_one_or_none()
        return None if row is None else (dict(row.texts), row.letterhead)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_template_edit_is_saved_audited_and_printed_from_public_url(
    app: Flask, designer: FlaskClient
) -> None:
    url = f"/gestaltung/umfrage/{_survey_id(app)}/anschreiben"
    page = designer.get(url)  # the request's host is http://localhost
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Liebe Eltern, liebe Familien," in html  # the default letter
    assert PUBLIC in html
    form = {
        "csrf_token": csrf_token(html),
        "sender": "Freie und Hansestadt Hamburg\nJugendamt Mitte\nKlosterwall 2",
        "return_line": "",
        "contact_name": "Frau Ayşe Demir",
        "contact_phone": "040 428 54-0",
        "contact_email": "familien@hamburg.example",
        "subject": "Ihre Meinung zählt",
        "salutation": "Sehr geehrte Familie,",
        "body": "erster Absatz </para><b>fett?</b>\n\nzweiter Absatz.",
        "closing": "Mit freundlichen Grüßen",
        "signature_name": "Dr. Erika Mustermann",
        "signature_role": "Leiterin des Jugendamts",
        "privacy": "Datenschutz: Art. 6 Abs. 1 Buchst. a DSGVO.",
        "second_language": "ar",
    }
    resp = designer.post(url, data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    (entry,) = _audit(app, "edit_letter_template")
    assert entry["language"] == "de"
    assert {"sender", "subject", "body", "second_language"} <= set(entry["fields"])
    assert "closing" not in entry["fields"]  # unchanged default

    # too long for one page: 422, message, nothing changed
    stored = _template(app)
    long_form = {**form, "body": "Sehr langer Text. " * 200}
    resp = designer.post(url, data=long_form)
    assert resp.status_code == 422
    assert "zu lang" in resp.get_data(as_text=True)
    assert _template(app) == stored
    assert len(_audit(app, "edit_letter_template")) == 1

    sample = designer.get(f"{url}/muster.pdf")
    assert sample.status_code == 200
    reader = PdfReader(io.BytesIO(sample.data))
    assert len(reader.pages) == 2  # German front, Arabic second page
    text = reader.pages[0].extract_text()
    for expected in (
        "Freie und Hansestadt Hamburg",
        "Sehr geehrte Familie,",
        "erster Absatz </para><b>fett?</b>",
        "Ihre Meinung zählt",
        "Dr. Erika Mustermann",
        "Leiterin des Jugendamts",
        "Frau Ayşe Demir",
        "XXXXX-XXXXX",
        f"{PUBLIC}/s/",
        "Art. 6 Abs. 1",
    ):
        assert expected in text, expected
    assert "localhost" not in _pdf_text(sample.data)

    # without PUBLIC_URL: a hint on the page, no letters, nothing claimed
    app.config["PUBLIC_URL"] = ""
    assert "PUBLIC_URL ist nicht eingestellt" in designer.get(url).get_data(
        as_text=True
    )
    assert designer.get(f"{url}/muster.pdf").status_code == 409
    with app.app_context():
        survey = db.session.get(Survey, _survey_id(app))
        survey.access_mode = AccessMode.BOTH
        db.session.commit()
        batch = services.generate_codes(
            None, survey, 2, None, False, key="test", limit=10, hours=1
        )
        batch_id = batch.id
    codes = f"/gestaltung/umfrage/{_survey_id(app)}/codes"
    token = csrf_token(designer.get(codes).get_data(as_text=True))
    refused = designer.post(f"{codes}/{batch_id}/briefe", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "PUBLIC_URL" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(InvitationBatch, batch_id).pdf_downloaded_at is None


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (11, 79, 138)).save(out, "PNG")
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG header that claims a huge image (a decompression bomb's first bytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    crc = struct.pack(">I", zlib.crc32(chunk))
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + crc


def test_bad_letterhead_is_refused_and_changes_nothing(
    app: Flask, designer: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a smaller limit, so the test client keeps the upload in memory
    monkeypatch.setattr(letter_templates, "LETTERHEAD_MAX_BYTES", 100_000)
    url = f"/gestaltung/umfrage/{_survey_id(app)}/anschreiben"
    token = csrf_token(designer.get(url).get_data(as_text=True))
    bad = {
        "not an image": b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40,
        "truncated": _png(200, 60)[:-40],
        "too wide": _png(4100, 20),
        "bomb header": _png_claiming(100_000, 100_000),
        "too big": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100_000,
        "empty": b"",
    }
    for name, content in bad.items():
        resp = designer.post(
            f"{url}/briefkopf",
            data={"csrf_token": token, "file": (io.BytesIO(content), "kopf.png")},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 422, name
        assert "Briefkopf" in resp.get_data(as_text=True), name
    assert _template(app) is None
    assert _audit(app, "upload_letterhead") == []

    good = _png(600, 120)
    resp = designer.post(
        f"{url}/briefkopf",
        data={"csrf_token": token, "file": (io.BytesIO(good), "kopf.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert _template(app)[1] == good  # type: ignore[index]
    assert _audit(app, "upload_letterhead")[0]["type"] == "image/png"
    assert designer.get(f"{url}/briefkopf.bild").data == good
    sample = designer.get(f"{url}/muster.pdf")
    assert b"/Subtype /Image" in sample.data


# ------------------------------------------------------- pure letter rendering


def _settings(**overrides: Any) -> letters.LetterSettings:
    values: dict[str, Any] = {
        "survey_title": "Familienbefragung 2026",
        "survey_url": f"{PUBLIC}/s/familien",
        "operator_name": "Stadt Musterstadt, Jugendamt",
        "contact_email": "umfrage@musterstadt.de",
        "date_text": "1. Dezember 2026",
        "field_end_text": None,
        "survey_languages": ("de", "en", "tr", "ar", "uk", "fa"),
    }
    return letters.LetterSettings(**{**values, **overrides})


def test_arabic_is_shaped_in_visual_order_with_glyphs_in_the_embedded_font() -> None:
    pdf = letters.letters_pdf(
        [letters.InvitationLetter("ABCDE12345", None, None)],
        _settings(second_language="ar"),
    )
    reader = PdfReader(io.BytesIO(pdf))
    front, back = (page.extract_text() for page in reader.pages)
    letters.register_fonts()
    cmap = pdfmetrics.getFont(letters.FONT).face.charToGlyph
    for language, page_text in (("ar", front), ("fa", front), ("ar", back)):
        source = fixed_text(language, "also" if page_text is front else "step_open")
        drawn = letters.visual(source)
        # joined forms (Arabic Presentation Forms), no bare letters left
        assert not any("\u0621" <= ch <= "\u064a" for ch in drawn), language
        assert any(
            "\ufe70" <= ch <= "\ufeff" or "\ufb50" <= ch <= "\ufdff" for ch in drawn
        )
        # every drawn character has a glyph in DejaVu Sans (no .notdef boxes)
        missing = {ch for ch in drawn if ch != " " and ord(ch) not in cmap}
        assert not missing, (language, missing)
        # pypdf turns the drawn (visual) runs back into reading order: the
        # shaped sentence comes out only if it was drawn right to left
        assert letters.shape(source).rstrip(".:") in page_text, language
    # visual order: the sentence's first word is drawn at the right end
    also = letters.visual(fixed_text("ar", "also"))
    assert also.startswith(".")
    assert also.endswith("\ufeeb")
    # brackets and quotes in right-to-left runs are mirrored
    assert letters.visual("\u0627 «Foo» (\u0628)", rtl=True).startswith("(")
    assert "«Foo»" in letters.visual("\u0627 «Foo» (\u0628)", rtl=True)
    for language in ("tr", "uk"):
        assert fixed_text(language, "also") in front
    assert "ABCDE-12345" in front
    assert "ABCDE-12345" in back


def _positions(page: Any) -> list[tuple[str, float, float]]:
    """(text, x, y from the top) in mm of every text shown on the page (the
    form XObject's content included)."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            found.append((text.strip(), x / mm, 297 - y / mm))

    page.extract_text(visitor_text=visit)
    return found


def test_din_5008_address_field_and_information_block() -> None:
    letter = letters.InvitationLetter(
        "ABCDE12345", None, None, ("Familie Muster", "Musterweg 1", "12345 Musterstadt")
    )
    pdf = letters.letters_pdf([letter], _settings())
    positions = _positions(PdfReader(io.BytesIO(pdf)).pages[0])
    # form B: the field is 20 mm from the left, 45 mm from the top, 85 × 45 mm;
    # its first 17.7 mm hold the return line, then the address
    inside = [p for p in positions if 20 <= p[1] <= 105 and 45 <= p[2] <= 90]
    by_text = {text: (x, top) for text, x, top in inside}
    x, top = by_text["Familie Muster"]
    assert x == pytest.approx(25, abs=0.5)
    assert 62.7 < top < 90
    assert by_text["12345 Musterstadt"][1] < 90
    (return_line,) = [p for p in inside if "Jugendamt" in p[0]]
    assert 45 < return_line[2] < 62.7
    assert len(inside) == 4  # nothing else shows through the window
    info = [p for p in positions if "Datum" in p[0]]
    assert info
    assert info[0][1] == pytest.approx(125, abs=0.5)
    assert 50 <= info[0][2] < 98
    subject = [p for p in positions if p[0].startswith("Einladung zur Befragung")]
    assert subject[0][2] > 90  # below the address field


def test_one_letter_per_code_with_progress() -> None:
    calls: list[tuple[int, int]] = []
    codes = [letters.InvitationLetter(f"ABCDE{i:05d}", None, None) for i in range(120)]
    pdf = letters.letters_pdf(
        codes,
        _settings(second_language="tr"),
        progress=lambda d, t: calls.append((d, t)),
    )
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 240  # front + Turkish page
    assert calls == [(50, 120), (100, 120), (120, 120)]
    csv_text = letters.codes_csv(codes[:2], f"{PUBLIC}/s/x").decode("utf-8-sig")
    assert csv_text.splitlines()[2].startswith("2;ABCDE-00001;")
