"""Text for the letters' PDF: the embedded font, right-to-left shaping and line
wrapping.

DejaVu Sans (shipped in ``auswertung/fonts`` with its licence) has the glyphs of
Latin, Turkish, Cyrillic and Arabic. Arabic and Persian are shaped (joined letter
forms via arabic-reshaper) and put into visual order (python-bidi) before they are
drawn, since reportlab draws strings glyph by glyph.
"""

from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path

import arabic_reshaper
from bidi.algorithm import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
CODE_FONT = "Courier-Bold"


def register_fonts() -> None:
    """Register the embedded DejaVu Sans (shipped in ``auswertung/fonts`` with
    its licence) once per process."""
    known = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in (
        (FONT, "DejaVuSans.ttf"),
        (FONT_BOLD, "DejaVuSans-Bold.ttf"),
    ):
        if name not in known:
            pdfmetrics.registerFont(TTFont(name, str(font_path(filename))))


def font_path(filename: str) -> Path:
    """A font file shipped with the ``auswertung`` package (found without
    importing that package and its numeric libraries)."""
    spec = find_spec("auswertung")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("auswertung package not found")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / filename


_RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_ARABIC_CHARS = re.compile("[\u0600-\u08ff]")
RTL_LANGUAGES = ("ar", "fa", "he", "ur", "ps", "ckb")


def is_rtl(language: str) -> bool:
    return language.split("-")[0] in RTL_LANGUAGES


def shape(text: str) -> str:
    """Arabic letters in their joined (contextual) forms, still in logical order."""
    return arabic_reshaper.reshape(text) if _ARABIC_CHARS.search(text) else text


def visual(text: str, rtl: bool | None = None) -> str:
    """A line as drawn: shaped and in visual (left-to-right drawing) order. The
    base direction is ``rtl``, or with None the text's own (its first letter's).
    python-bidi's pure-Python algorithm is used because it also mirrors brackets
    and quotes in right-to-left runs (its Rust-based ``bidi.get_display`` does
    not)."""
    if not rtl and not _RTL_CHARS.search(text):
        return text
    if rtl is None:
        rtl = starts_rtl(text)
    return str(get_display(shape(text), base_dir="R" if rtl else "L"))


def starts_rtl(text: str) -> bool:
    """Whether the first letter of ``text`` is a right-to-left one."""
    for char in text:
        if char.isalpha():
            return bool(_RTL_CHARS.match(char))
    return False


def text_width(text: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(shape(text), font, size))


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Logical lines of at most ``width`` points (greedy, at spaces; a word
    longer than a line, e.g. a URL, is broken between characters). Blank input
    lines stay as empty lines."""
    lines: list[str] = []
    for hard in text.splitlines() or [""]:
        line = ""
        for word in hard.split():
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while text_width(line, font, size) > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and text_width(line[:cut], font, size) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines
