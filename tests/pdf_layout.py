"""Layout checks on generated PDFs from the text positions (pdfminer.six): the
text lines of every page with their boxes, and which of them overlap."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams, LTTextContainer, LTTextLine
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage

#: Overlaps up to this depth (points) count as touching.
TOUCH = 0.6


@dataclass(frozen=True)
class TextLine:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


class _TextOnly(PDFPageAggregator):  # type: ignore[misc]
    """Skips drawn paths; only text is laid out."""

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        return None


class _SkipForms(PDFPageInterpreter):  # type: ignore[misc]
    """Skips form XObjects: the reports draw map outlines (thousands of points)
    into forms and never put text there."""

    def do_Do(self, xobjid: Any) -> None:  # noqa: N802 - pdfminer's name
        return None


def text_lines(content: bytes) -> list[list[TextLine]]:
    """Per page, every text line with its box (points, origin bottom left)."""
    pages: list[list[TextLine]] = []
    params = LAParams(
        char_margin=1.0, line_margin=0.0, word_margin=0.1, boxes_flow=None
    )
    manager = PDFResourceManager()
    device = _TextOnly(manager, laparams=params)
    interpreter = _SkipForms(manager, device)
    for number, page in enumerate(PDFPage.get_pages(io.BytesIO(content)), start=1):
        interpreter.process_page(page)
        layout = device.get_result()
        lines: list[TextLine] = []
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTTextLine):
                text = item.get_text().strip()
                if text:
                    lines.append(TextLine(number, text, *item.bbox))
            elif isinstance(item, LTTextContainer):
                stack.extend(item)
        pages.append(lines)
    return pages


def overlaps(pages: list[list[TextLine]]) -> list[tuple[TextLine, TextLine]]:
    """Pairs of text lines on one page whose boxes intersect (more than
    touching)."""
    found = []
    for lines in pages:
        ordered = sorted(lines, key=lambda line: line.y0)
        for index, a in enumerate(ordered):
            for b in ordered[index + 1 :]:
                if b.y0 >= a.y1 - TOUCH:
                    break
                if (
                    min(a.x1, b.x1) - max(a.x0, b.x0) > TOUCH
                    and min(a.y1, b.y1) - max(a.y0, b.y0) > TOUCH
                ):
                    found.append((a, b))
    return found
