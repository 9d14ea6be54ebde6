"""The look of the PDF reports: the embedded DejaVu Sans fonts (Latin, Turkish,
Greek, Cyrillic), the colours, the A4 page and its frame, the paragraph styles and
the table style shared by the city report and the district profiles.

Text from questionnaires goes through :func:`markup` (or ``_p``) before it reaches
reportlab's paragraph markup parser: it is shown literally, never interpreted.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.enums import TA_LEFT  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.units import mm  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import (  # type: ignore[import-untyped, unused-ignore]
    Paragraph,
    TableStyle,
)

__all__ = ["FONT", "FONT_BOLD", "markup"]

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_INK = colors.HexColor("#1a1a1a")
_MUTED = colors.HexColor("#555555")
_ACCENT = colors.HexColor("#08519c")
_CITY = colors.HexColor("#c0392b")
_BOX = colors.HexColor("#f2f5f9")
_RULE = colors.HexColor("#b8c2cc")

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN_X = 18 * mm
_MARGIN_TOP = 20 * mm
_MARGIN_BOTTOM = 18 * mm
_FRAME_WIDTH = _PAGE_WIDTH - 2 * _MARGIN_X
_FRAME_HEIGHT = _PAGE_HEIGHT - _MARGIN_TOP - _MARGIN_BOTTOM


# ---------------------------------------------------------------------- fonts
_FONTS_READY: list[bool] = []


def _register_fonts() -> None:
    if _FONTS_READY:
        return
    folder = resources.files("auswertung").joinpath("fonts")
    for name, filename in (
        (FONT, "DejaVuSans.ttf"),
        (FONT_BOLD, "DejaVuSans-Bold.ttf"),
    ):
        with resources.as_file(folder.joinpath(filename)) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )
    _FONTS_READY.append(True)


def markup(text: str) -> str:
    """Escape plain text for reportlab's paragraph markup (``<``, ``>``, ``&``).

    Questionnaire texts may contain anything, also ``<b>`` or ``</para>``; they are
    shown literally, never interpreted.
    """
    return escape(str(text))


def _styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    base = ParagraphStyle(
        "base",
        fontName=FONT,
        fontSize=9,
        leading=12,
        textColor=_INK,
        alignment=TA_LEFT,
    )
    return {
        "base": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=7.5, leading=9.5, bulletFontName=FONT
        ),
        "tiny": ParagraphStyle("tiny", parent=base, fontSize=6.5, leading=8),
        "muted": ParagraphStyle(
            "muted", parent=base, fontSize=8, leading=10.5, textColor=_MUTED
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=25
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=18,
            spaceAfter=4,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=13.5,
            spaceBefore=6,
            spaceAfter=3,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9
        ),
    }


def _p(text: str, style: ParagraphStyle, *, bold: bool = False) -> Paragraph:
    """A paragraph of plain text (escaped)."""
    content = markup(text)
    if bold:
        content = f"<b>{content}</b>"
    return Paragraph(content, style)


def _table_style(extra: Sequence[tuple[Any, ...]] = ()) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), _INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, _INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.2, _RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    commands.extend(extra)
    return TableStyle(commands)
