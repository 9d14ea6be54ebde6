"""Invitation codes as files: a CSV list and a PDF of printable letters (DIN A4).

Pure functions of plain data (no database, no request, no app context).

The letter follows DIN 5008 form B: letterhead in the top 45 mm, the window address
field 20 mm from the left and 45 mm from the top (85 × 45 mm: 17.7 mm for the
return line and notes, then the address), the information block (sender, contact,
date) 125 mm from the left and 50 mm from the top, the text 25 mm from the left
and 20 mm from the right, fold marks at 105 mm and 210 mm and the hole mark at
148.5 mm. We hold no addresses (codes must not be linkable to households), so the
address field stays empty for the printing office, which prints address *n* onto
letter *n* (the letter number stands in the footer and in the CSV list) — unless
an :class:`InvitationLetter` brings its own ``address_lines``.

Speed: every page's fixed parts (letterhead, texts, boxes) are laid out once per
language into a PDF form XObject; a letter draws that form and then only its code,
its QR code (vector rectangles from segno) and its number.

Text is drawn as plain strings, never through reportlab's paragraph markup, so
nothing a designer types is read as markup. Arabic and Persian are shaped
(joined letter forms via arabic-reshaper) and put into visual order (python-bidi)
before drawing; DejaVu Sans (embedded) has the glyphs of Latin, Turkish,
Cyrillic and Arabic.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from urllib.parse import urlencode

import segno
from babel.dates import format_date
from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from ..codes import format_code
from . import letter_texts
from .letter_script import (
    CODE_FONT,
    FONT,
    FONT_BOLD,
    is_rtl,
    register_fonts,
    shape,
    starts_rtl,
    visual,
    wrap,
)
from .letter_texts import fixed_text

__all__ = [
    "FONT",
    "InvitationLetter",
    "LetterLayoutError",
    "LetterSettings",
    "LetterTexts",
    "codes_csv",
    "default_texts",
    "is_rtl",
    "layout_pages",
    "letters_pdf",
    "link_with_code",
    "merge_texts",
    "register_fonts",
    "shape",
    "visual",
]


@dataclass(frozen=True)
class InvitationLetter:
    code: str
    district_code: str | None
    district_name: str | None
    #: printed in the window if given (we keep none: see the module docstring)
    address_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class LetterTexts:
    """What a designer edits: multi-line ``sender``; ``body`` paragraphs are
    separated by blank lines. Empty ``return_line``: the sender lines joined."""

    sender: str
    return_line: str
    subject: str
    salutation: str
    body: str
    closing: str
    signature_name: str
    signature_role: str
    contact_name: str
    contact_phone: str
    contact_email: str
    privacy: str


@dataclass(frozen=True)
class LetterSettings:
    survey_title: str
    survey_url: str
    operator_name: str
    contact_email: str
    date_text: str
    field_end_text: str | None
    #: the front page's texts in ``language``; None: the defaults
    texts: LetterTexts | None = None
    language: str = "de"
    #: the whole letter once more, on a second page, in this language
    second_language: str | None = None
    second_texts: LetterTexts | None = None
    #: the survey's languages: a line "also available in ..." for each other one
    survey_languages: tuple[str, ...] = ()
    #: a PNG or JPEG (already checked), drawn in the top 45 mm
    letterhead: bytes | None = None
    #: to print the dates in the second language (else date_text/field_end_text)
    letter_date: date | None = None
    field_end: date | None = None


class LetterLayoutError(ValueError):
    """The texts do not fit on one page: ``excess_mm`` too long on ``language``'s
    page."""

    def __init__(self, language: str, excess_mm: float) -> None:
        super().__init__(f"letter text too long by {excess_mm:.0f} mm ({language})")
        self.language = language
        self.excess_mm = excess_mm


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
    """Semicolon-separated UTF-8 (with BOM, so spreadsheet programs detect it).
    ``letter`` is the number printed on the letter (its page in the PDF), for a
    printing office that merges addresses."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["letter", "code", "district_code", "district_name", "link"])
    for number, letter in enumerate(letters, start=1):
        writer.writerow(
            [
                number,
                format_code(letter.code),
                _cell(letter.district_code),
                _cell(letter.district_name),
                _cell(link_with_code(survey_url, letter.code)),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def default_texts(
    language: str, survey_title: str, operator_name: str, contact_email: str, url: str
) -> LetterTexts:
    """A complete, sensible letter in ``language`` (German if it has no defaults)."""
    sender = "\n".join(part.strip() for part in operator_name.split(",") if part)
    own = letter_texts.default_texts(
        language, title=survey_title, operator=operator_name, url=url
    )
    return LetterTexts(
        sender=sender,
        return_line="",
        signature_name=operator_name,
        contact_name="",
        contact_phone="",
        contact_email=contact_email,
        **own,
    )


def merge_texts(base: LetterTexts, values: dict[str, str]) -> LetterTexts:
    """``base`` with the parts named in ``values`` replaced."""
    names = {f.name for f in fields(LetterTexts)}
    return replace(base, **{k: v for k, v in values.items() if k in names})


# ----------------------------------------------------------------------- layout
PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 25 * mm
RIGHT = PAGE_WIDTH - 20 * mm
TEXT_WIDTH = RIGHT - LEFT
#: DIN 5008 form B address field (x, top, width, height) and its note zone
ADDRESS_FIELD = (20 * mm, 45 * mm, 85 * mm, 45 * mm)
NOTE_ZONE_HEIGHT = 17.7 * mm
INFO_BLOCK = (125 * mm, 50 * mm)
FOLD_MARKS = (105 * mm, 210 * mm)
HOLE_MARK = 148.5 * mm
QR_SIZE = 32 * mm
_PRIMARY = HexColor("#0b4f8a")
_GREY = HexColor("#4a4f63")
_BLACK = HexColor("#000000")
_BOX_FILL = HexColor("#f2f6fa")
_BODY_SIZE, _BODY_LEADING = 10.5, 13.5
_SMALL_SIZE, _SMALL_LEADING = 8.5, 10.5


@dataclass
class _Page:
    """One language's page: fixed drawing operations (in points, y from the top)
    and where a letter's own parts go."""

    language: str
    rtl: bool
    ops: list[tuple[object, ...]] = field(default_factory=list)
    code_at: tuple[float, float, bool] = (0.0, 0.0, False)  # x, top, right-aligned
    qr_at: tuple[float, float] = (0.0, 0.0)  # x, top
    number_at: tuple[float, float] = (0.0, 0.0)
    number_label: str = ""
    address_at: tuple[float, float] | None = None
    bottom: float = 0.0
    limit: float = 0.0

    def text(
        self,
        x: float,
        top: float,
        line: str,
        font: str = FONT,
        size: float = _BODY_SIZE,
        color: Color = _BLACK,
        right: bool = False,
        rtl: bool | None = None,
    ) -> None:
        """One line with its baseline at ``top``; ``right``: ``x`` is its end;
        ``rtl``: its base direction (None: its own)."""
        shown = visual(line, rtl)
        if right:
            x -= pdfmetrics.stringWidth(shown, font, size)
        self.ops.append(("text", font, size, color, x, top, shown))

    def block(
        self,
        text: str,
        top: float,
        left: float = LEFT,
        width: float = TEXT_WIDTH,
        font: str = FONT,
        size: float = _BODY_SIZE,
        leading: float = _BODY_LEADING,
        color: Color = _BLACK,
    ) -> float:
        """Wrapped text whose first baseline is ``top``; returns the baseline
        after its last line (paragraphs, i.e. blank lines, get half a line)."""
        rtl = starts_rtl(text)
        for line in wrap(text, font, size, width):
            if not line:
                top += leading * 0.5
                continue
            x, right = (left + width, True) if self.rtl else (left, False)
            self.text(x, top, line, font, size, color, right, rtl)
            top += leading
        return top


def _participation_box(page: _Page, v: _Version, top: float) -> float:
    """The box with how to take part, the code and the QR code; returns its
    bottom."""
    pad = 4 * mm
    column = TEXT_WIDTH - QR_SIZE - 3 * pad
    left = LEFT + QR_SIZE + 2 * pad if page.rtl else LEFT
    start = len(page.ops)
    y = top + pad + 3 * mm
    y = page.block(fixed_text(v.language, "code_heading"), y, left, column, FONT_BOLD)
    y = page.block(fixed_text(v.language, "step_open"), y, left, column)
    y = page.block(v.url, y, left, column, FONT_BOLD)
    y = page.block(fixed_text(v.language, "step_code"), y, left, column)
    y += 5 * mm
    page.code_at = (left + column if page.rtl else left, y, page.rtl)
    y += 8 * mm
    notes = [fixed_text(v.language, "qr")]
    if v.field_end_text:
        notes.append(fixed_text(v.language, "until", date=v.field_end_text))
    notes.append(fixed_text(v.language, "once"))
    y = page.block(
        " ".join(notes), y, left, column, size=_SMALL_SIZE, leading=_SMALL_LEADING
    )
    bottom = max(y - _SMALL_LEADING + pad, top + QR_SIZE + 2 * pad)
    qr_left = LEFT if page.rtl else RIGHT - QR_SIZE - pad
    page.qr_at = (qr_left, top + pad + (bottom - top - 2 * pad - QR_SIZE) / 2)
    box = ("box", LEFT - pad, top, TEXT_WIDTH + 2 * pad, bottom - top)
    page.ops.insert(start, box)
    return bottom


@dataclass(frozen=True)
class _Version:
    language: str
    texts: LetterTexts
    url: str
    date_text: str
    field_end_text: str | None
    also: tuple[str, ...]
    letterhead: ImageReader | None


def _letterhead(page: _Page, v: _Version) -> None:
    if v.letterhead is not None:
        width, height = v.letterhead.getSize()
        box_w, box_h = RIGHT - 20 * mm, 30 * mm
        scale = min(box_w / width, box_h / height)
        w, h = width * scale, height * scale
        page.ops.append(("image", v.letterhead, RIGHT - w, 8 * mm, w, h))
        return
    lines = [line for line in v.texts.sender.splitlines() if line.strip()]
    if lines:
        page.ops.append(("text", FONT_BOLD, 16, _PRIMARY, LEFT, 22 * mm, lines[0]))
    if len(lines) > 1:
        page.ops.append(("text", FONT, 11, _PRIMARY, LEFT, 28 * mm, lines[1]))
    page.ops.append(("rule", LEFT, 36 * mm, RIGHT, 36 * mm, 1.2, _PRIMARY))


def _front_matter(page: _Page, v: _Version) -> None:
    """Address field with return line, information block, fold and hole marks."""
    x, top, _, _ = ADDRESS_FIELD
    texts = v.texts
    sender = [line.strip() for line in texts.sender.splitlines() if line.strip()]
    return_line = texts.return_line.strip() or " · ".join(sender)
    size = 7.0
    while size > 5 and pdfmetrics.stringWidth(return_line, FONT, size) > 80 * mm:
        size -= 0.5
    baseline = top + NOTE_ZONE_HEIGHT - 2 * mm
    page.ops.append(("text", FONT, size, _BLACK, x + 5 * mm, baseline, return_line))
    line_end = x + 5 * mm + pdfmetrics.stringWidth(return_line, FONT, size)
    page.ops.append(
        ("rule", x + 5 * mm, baseline + 1.2, min(line_end, x + 85 * mm), baseline + 1.2)
        + (0.3, _BLACK)
    )
    page.address_at = (x + 5 * mm, top + NOTE_ZONE_HEIGHT + 4 * mm)
    info_x, info_top = INFO_BLOCK
    info = [(line, FONT_BOLD if i == 0 else FONT) for i, line in enumerate(sender)]
    info.append(("", FONT))
    for key, value in (
        ("contact", texts.contact_name),
        ("phone", texts.contact_phone),
        ("email", texts.contact_email),
    ):
        if value.strip():
            info.append((f"{fixed_text(v.language, key)}: {value.strip()}", FONT))
    info.append(("", FONT))
    info.append((f"{fixed_text(v.language, 'date')}: {v.date_text}", FONT))
    y = info_top + _SMALL_SIZE
    for line, font in info:
        if line:
            y = page.block(line, y, info_x, RIGHT - info_x, font, _SMALL_SIZE, 11)
        else:
            y += 5
    for mark in FOLD_MARKS:
        page.ops.append(("rule", 4 * mm, mark, 9 * mm, mark, 0.5, _GREY))
    page.ops.append(("rule", 4 * mm, HOLE_MARK, 11 * mm, HOLE_MARK, 0.5, _GREY))


def _layout(v: _Version, front: bool) -> _Page:
    page = _Page(v.language, is_rtl(v.language))
    texts = v.texts
    _letterhead(page, v)
    if front:
        _front_matter(page, v)
        top = 100 * mm
    else:
        top = 50 * mm
    top = page.block(texts.subject, top, font=FONT_BOLD, size=11)
    top = page.block(texts.salutation, top + _BODY_LEADING)
    top = page.block(texts.body, top + 0.5 * _BODY_LEADING)
    top = _participation_box(page, v, top - _BODY_SIZE + 2 * mm) + 4 * mm
    if v.also:
        top += _SMALL_LEADING
        for line in v.also:
            top = page.block(line, top, size=9, leading=11.5, color=_GREY)
    top = page.block(texts.closing, top + _BODY_LEADING * 0.5)
    top += 2 * _BODY_LEADING
    for line in (texts.signature_name, texts.signature_role):
        if line.strip():
            top = page.block(line, top)
    if not front:
        contact = " · ".join(
            f"{fixed_text(v.language, key)}: {value.strip()}"
            for key, value in (
                ("contact", texts.contact_name),
                ("phone", texts.contact_phone),
                ("email", texts.contact_email),
            )
            if value.strip()
        )
        if contact:
            top = page.block(contact, top + 4, size=_SMALL_SIZE, color=_GREY)
    page.bottom = top - _BODY_LEADING
    # footer from the bottom up: letter number, then the data-protection note
    number_top = PAGE_HEIGHT - 9 * mm
    page.number_at = (RIGHT if page.rtl else LEFT, number_top)
    page.number_label = fixed_text(v.language, "letter_number")
    privacy = wrap(texts.privacy, FONT, 7.5, TEXT_WIDTH)
    first = number_top - 3.5 * mm - (len(privacy) - 1) * 9
    page.block(texts.privacy, first, size=7.5, leading=9, color=_GREY)
    page.limit = first - 7.5 - 3 * mm
    rule_top = page.limit + 1.5 * mm
    page.ops.append(("rule", LEFT, rule_top, RIGHT, rule_top, 0.4, _GREY))
    return page


def _versions(settings: LetterSettings) -> list[_Version]:
    versions = []
    pages = [(settings.language, settings.texts)]
    if settings.second_language and settings.second_language != settings.language:
        pages.append((settings.second_language, settings.second_texts))
    reader = (
        ImageReader(io.BytesIO(settings.letterhead)) if settings.letterhead else None
    )
    for language, texts in pages:
        own_date, own_end = settings.date_text, settings.field_end_text
        if language != settings.language:
            if settings.letter_date:
                own_date = format_date(settings.letter_date, "long", locale=language)
            if settings.field_end:
                own_end = format_date(settings.field_end, "long", locale=language)
        others = [lang for lang in settings.survey_languages if lang != language]
        versions.append(
            _Version(
                language=language,
                texts=texts
                or default_texts(
                    language,
                    settings.survey_title,
                    settings.operator_name,
                    settings.contact_email,
                    settings.survey_url,
                ),
                url=settings.survey_url,
                date_text=own_date,
                field_end_text=own_end,
                also=tuple(letter_texts.also_available(lang) for lang in others),
                letterhead=reader,
            )
        )
    return versions


def layout_pages(settings: LetterSettings) -> list[_Page]:
    """The pages of every letter (front, then the second language's), laid out
    once; raises :class:`LetterLayoutError` when the texts do not fit."""
    register_fonts()
    pages = []
    for index, version in enumerate(_versions(settings)):
        page = _layout(version, front=index == 0)
        if page.bottom > page.limit:
            raise LetterLayoutError(version.language, (page.bottom - page.limit) / mm)
        pages.append(page)
    return pages


# -------------------------------------------------------------------- drawing
def _draw_ops(canvas: Canvas, ops: list[tuple[object, ...]]) -> None:
    for op in ops:
        kind = op[0]
        if kind == "text":
            _, font, size, color, x, top, line = op
            canvas.setFillColor(color)
            canvas.setFont(font, size)
            canvas.drawString(x, PAGE_HEIGHT - top, line)
        elif kind == "rule":
            _, x0, top0, x1, top1, width, color = op
            canvas.setStrokeColor(color)
            canvas.setLineWidth(width)
            canvas.line(x0, PAGE_HEIGHT - top0, x1, PAGE_HEIGHT - top1)
        elif kind == "box":
            _, x, top, width, height = op
            canvas.setFillColor(_BOX_FILL)
            canvas.setStrokeColor(_PRIMARY)
            canvas.setLineWidth(1)
            canvas.roundRect(
                x, PAGE_HEIGHT - top - height, width, height, 3 * mm, fill=1
            )
        elif kind == "image":
            _, reader, x, top, width, height = op
            canvas.drawImage(
                reader, x, PAGE_HEIGHT - top - height, width, height, mask="auto"
            )


def qr_runs(link: str) -> tuple[int, str]:
    """The link's QR code as a module count and PDF path operators: one
    rectangle per run of dark modules, in module units with row 0 at the top.
    Mask pattern 0 is used without searching all eight (a valid QR code either
    way; the search would be most of the cost)."""
    matrix = segno.make_qr(link, error="m", boost_error=False, mask=0).matrix
    count = len(matrix)
    parts = []
    for r, row in enumerate(matrix):
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                parts.append(f"{start} {r} {c - start} 1 re")
            else:
                c += 1
    return count, "\n".join(parts)


def _draw_qr(canvas: Canvas, qr: tuple[int, str], x: float, top: float) -> None:
    """The QR code (from :func:`qr_runs`) as vector rectangles on a white square
    with the quiet zone."""
    count, path = qr
    quiet = 2.5 * mm
    module = (QR_SIZE - 2 * quiet) / count
    canvas.setFillColor(white)
    canvas.rect(x, PAGE_HEIGHT - top - QR_SIZE, QR_SIZE, QR_SIZE, stroke=0, fill=1)
    canvas.setFillColor(_BLACK)
    canvas.saveState()
    # module units, y downwards from the code's top left corner
    canvas.transform(module, 0, 0, -module, x + quiet, PAGE_HEIGHT - top - quiet)
    canvas.addLiteral(path + "\nf")
    canvas.restoreState()


def letters_pdf(
    letters: Sequence[InvitationLetter],
    settings: LetterSettings,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One DIN A4 letter per code (two pages with a second language): the
    designer's texts, the survey link, the code and a QR code of the link with
    the code. ``progress(done, total)`` is called every 50 letters and at the end.
    Raises :class:`LetterLayoutError` when the texts do not fit on a page."""
    pages = layout_pages(settings)
    # binary (not ASCII85) streams: smaller, and ASCII85 in pure Python would
    # cost more CPU than all the drawing (restored afterwards)
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        return _letters_pdf(letters, settings, pages, progress)
    finally:
        rl_config.useA85 = a85


def _letters_pdf(
    letters: Sequence[InvitationLetter],
    settings: LetterSettings,
    pages: list[_Page],
    progress: Callable[[int, int], None] | None,
) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Einladungen: {settings.survey_title}")
    canvas.setAuthor(settings.operator_name)
    for index, page in enumerate(pages):
        canvas.beginForm(f"letter{index}")
        _draw_ops(canvas, page.ops)
        canvas.endForm()
    total = len(letters)
    for number, letter in enumerate(letters, start=1):
        qr = qr_runs(link_with_code(settings.survey_url, letter.code))
        code = format_code(letter.code)
        for index, page in enumerate(pages):
            canvas.doForm(f"letter{index}")
            x, top, right = page.code_at
            canvas.setFillColor(_BLACK)
            canvas.setFont(CODE_FONT, 20)
            if right:
                x -= pdfmetrics.stringWidth(code, CODE_FONT, 20)
            canvas.drawString(x, PAGE_HEIGHT - top, code)
            _draw_qr(canvas, qr, *page.qr_at)
            if page.address_at and letter.address_lines:
                ax, atop = page.address_at
                canvas.setFont(FONT, 10)
                for i, line in enumerate(letter.address_lines[:6]):
                    canvas.drawString(ax, PAGE_HEIGHT - atop - i * 12, visual(line))
            label = f"{page.number_label} {number}"
            if letter.district_name:
                label += f" · {letter.district_name}"
            label = visual(label)
            canvas.setFont(FONT, 7)
            canvas.setFillColor(_GREY)
            nx, ntop = page.number_at
            if page.rtl:
                nx -= pdfmetrics.stringWidth(label, FONT, 7)
            canvas.drawString(nx, PAGE_HEIGHT - ntop, label)
            canvas.showPage()
        if progress is not None and (number % 50 == 0 or number == total):
            progress(number, total)
    if not letters:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
