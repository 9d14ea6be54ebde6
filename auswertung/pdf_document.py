"""The document every PDF report is: A4 pages in one frame, a header (survey,
report title, "Datenstand") and a footer (publisher, "Seite X von Y") on each
page, the PDF's metadata and its outline entries (bookmarks).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.units import mm  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import (  # type: ignore[import-untyped, unused-ignore]
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
)

from auswertung.pdf_style import (
    _FRAME_HEIGHT,
    _FRAME_WIDTH,
    _MARGIN_BOTTOM,
    _MARGIN_TOP,
    _MARGIN_X,
    _MUTED,
    _PAGE_HEIGHT,
    _PAGE_WIDTH,
    _RULE,
    FONT,
    _register_fonts,
)

if TYPE_CHECKING:
    from auswertung.pdf import ReportInfo

__all__: list[str] = []


def _date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


class _Bookmark(Flowable):  # type: ignore[misc]
    """An outline entry (PDF bookmark) at this place."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__()
        self.key = key
        self.title = title
        self.width = 0
        self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=0, closed=True)


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Draws header and footer with "Seite X von Y" once all pages are known."""

    def __init__(
        self, *args: Any, header: str, footer: str, stamp: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._header = header
        self._footer = footer
        self._stamp = stamp

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        self.saveState()
        self.setFont(FONT, 7.5)
        self.setFillColor(_MUTED)
        top = _PAGE_HEIGHT - 12 * mm
        self.drawString(_MARGIN_X, top, _shorten(self._header, 90))
        self.drawRightString(_PAGE_WIDTH - _MARGIN_X, top, self._stamp)
        self.setStrokeColor(_RULE)
        self.setLineWidth(0.4)
        self.line(_MARGIN_X, top - 3, _PAGE_WIDTH - _MARGIN_X, top - 3)
        bottom = 10 * mm
        self.line(_MARGIN_X, bottom + 9, _PAGE_WIDTH - _MARGIN_X, bottom + 9)
        self.drawString(_MARGIN_X, bottom, _shorten(self._footer, 90))
        self.drawRightString(
            _PAGE_WIDTH - _MARGIN_X, bottom, f"Seite {number} von {total}"
        )
        self.restoreState()


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _build(
    story: list[Flowable], info: ReportInfo, *, title: str, subject: str
) -> bytes:
    _register_fonts()
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN_X,
        rightMargin=_MARGIN_X,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=title,
        author=info.organisation,
        subject=subject,
        creator="Umfrage",
        lang="de-DE",
    )
    frame = Frame(
        _MARGIN_X,
        _MARGIN_BOTTOM,
        _FRAME_WIDTH,
        _FRAME_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    maker: Callable[..., Canvas] = partial(
        _NumberedCanvas,
        header=f"{info.survey_title} – {title}",
        footer=info.organisation,
        stamp=f"Datenstand: {_date(info.extraction_date)}",
    )
    document.build(story, canvasmaker=maker)
    return buffer.getvalue()
