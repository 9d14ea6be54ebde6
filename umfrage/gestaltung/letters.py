"""Invitation codes as files: a CSV list and a PDF of printable letters (DIN A4).

Pure functions of plain data (no database, no request). Every text that comes from
staff or a questionnaire is escaped for reportlab's paragraph markup, and CSV cells
that a spreadsheet would read as a formula are defused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from ..codes import format_code


@dataclass(frozen=True)
class InvitationLetter:
    code: str
    district_code: str | None
    district_name: str | None


@dataclass(frozen=True)
class LetterSettings:
    survey_title: str
    survey_url: str
    operator_name: str
    contact_email: str
    date_text: str
    field_end_text: str | None


def link_with_code(survey_url: str, code: str) -> str:
    """The survey link that brings the code along in its fragment (``#code=``): the
    fragment never leaves the browser, so the code reaches no server or proxy log
    and no Referer; the respondent page's script fills it in (without JavaScript,
    the family types the code printed beside the link)."""
    return f"{survey_url}#{urlencode({'code': format_code(code)})}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def codes_csv(letters: Sequence[InvitationLetter], survey_url: str) -> bytes:
    """Semicolon-separated UTF-8 (with BOM, so spreadsheet programs detect it)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["code", "district_code", "district_name", "link"])
    for letter in letters:
        writer.writerow(
            [
                format_code(letter.code),
                _cell(letter.district_code),
                _cell(letter.district_name),
                _cell(link_with_code(survey_url, letter.code)),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_PRIMARY = HexColor("#0b4f8a")
_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=11, leading=15)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8.5, leading=11)
_HEADING = ParagraphStyle(
    "heading", parent=_BODY, fontName="Helvetica-Bold", fontSize=16, leading=20
)


def _paragraph(
    canvas: Canvas,
    markup: str,
    style: ParagraphStyle,
    x: float,
    top: float,
    width: float,
) -> float:
    """Draw a paragraph with its top at ``top``; return the y below it."""
    paragraph = Paragraph(markup, style)
    _, height = paragraph.wrapOn(canvas, width, 200 * mm)
    paragraph.drawOn(canvas, x, top - height)
    return top - height


def letters_pdf(letters: Sequence[InvitationLetter], settings: LetterSettings) -> bytes:
    """One DIN A4 page per code: the survey link, the code and a QR code of the
    link with the code."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(_("Einladungen: %(title)s", title=settings.survey_title))
    canvas.setAuthor(settings.operator_name)
    width, height = A4
    left = 25 * mm
    text_width = width - 2 * left
    url = escape(settings.survey_url)
    for letter in letters:
        top = height - 20 * mm
        top = _paragraph(
            canvas, escape(settings.operator_name), _SMALL, left, top, text_width
        )
        _paragraph(canvas, escape(settings.date_text), _SMALL, left, top, text_width)
        top = height - 70 * mm
        top = _paragraph(
            canvas,
            escape(
                _("Einladung zur Befragung „%(title)s“", title=settings.survey_title)
            ),
            _HEADING,
            left,
            top,
            text_width,
        )
        top -= 6 * mm
        intro = escape(
            _(
                "Guten Tag, wir laden Sie herzlich ein, an unserer Befragung "
                "„%(title)s“ teilzunehmen. Das Ausfüllen dauert nur wenige Minuten. "
                "Die Teilnahme ist freiwillig und anonym: Ihr Zugangscode wird nicht "
                "mit Ihren Antworten verknüpft, und wir speichern weder Namen noch "
                "Adressen.",
                title=settings.survey_title,
            )
        )
        top = _paragraph(canvas, intro, _BODY, left, top, text_width)
        top -= 6 * mm
        steps = _("So nehmen Sie teil: Öffnen Sie die Adresse")
        top = _paragraph(canvas, escape(steps), _BODY, left, top, text_width)
        top -= 2 * mm
        top = _paragraph(canvas, f"<b>{url}</b>", _BODY, left + 5 * mm, top, text_width)
        top -= 3 * mm
        top = _paragraph(
            canvas,
            escape(_("und geben Sie dort diesen Zugangscode ein:")),
            _BODY,
            left,
            top,
            text_width,
        )
        # the code in a box, large and in a monospaced font
        box_top = top - 4 * mm
        box_height = 16 * mm
        canvas.setStrokeColor(_PRIMARY)
        canvas.setLineWidth(1.5)
        canvas.roundRect(left, box_top - box_height, 85 * mm, box_height, 3 * mm)
        canvas.setFillColor(HexColor("#000000"))
        canvas.setFont("Courier-Bold", 22)
        canvas.drawString(left + 6 * mm, box_top - 10.5 * mm, format_code(letter.code))
        # the QR code of the link with the code, to the right of the box
        qr_size = 38 * mm
        widget = QrCodeWidget(link_with_code(settings.survey_url, letter.code))
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(
            qr_size,
            qr_size,
            transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0],
        )
        drawing.add(widget)
        qr_left = width - left - qr_size
        qr_bottom = box_top - box_height - 6 * mm
        renderPDF.draw(drawing, canvas, qr_left, qr_bottom)
        _paragraph(
            canvas,
            escape(_("Oder scannen Sie den QR-Code mit dem Smartphone.")),
            _SMALL,
            qr_left,
            qr_bottom,
            qr_size,
        )
        top = box_top - box_height - 10 * mm
        more = []
        if settings.field_end_text:
            more.append(
                _(
                    "Sie können bis zum %(date)s teilnehmen.",
                    date=settings.field_end_text,
                )
            )
        more.append(
            _(
                "Der Code gilt für einen ausgefüllten Fragebogen. Bitte geben Sie ihn "
                "nicht weiter."
            )
        )
        more.append(
            _(
                "Wenn Sie unterbrechen, machen Sie mit demselben Code weiter, auch "
                "auf einem anderen Gerät, bis Sie den Fragebogen abschicken."
            )
        )
        top = _paragraph(
            canvas,
            escape(" ".join(more)),
            _BODY,
            left,
            top,
            text_width - qr_size - 8 * mm,
        )
        top -= 10 * mm
        _paragraph(
            canvas,
            escape(
                _(
                    "Fragen zur Befragung beantworten wir gern: %(email)s",
                    email=settings.contact_email,
                )
            ),
            _BODY,
            left,
            top,
            text_width,
        )
        if letter.district_name:
            canvas.setFont("Helvetica", 7)
            canvas.setFillColor(HexColor("#4a4f63"))
            canvas.drawString(
                left,
                15 * mm,
                _("Versandgruppe: %(district)s", district=letter.district_name),
            )
        canvas.showPage()
    if not letters:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
