"""Names on the report maps: each district is labelled with its name where the
name fits inside its outline, else with its code (the key of codes is printed
with the report), else with its code in a smaller size where that touches no
other label; no two labels overlap.

:func:`place_labels` works on :class:`~auswertung.pdf.MapData` scaled to points
(y downwards, as the map data). The label boxes are those a PDF text extractor
sees: ascent 0.93 and descent 0.24 of the font size (DejaVu Sans).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from reportlab.pdfbase.pdfmetrics import (  # type: ignore[import-untyped, unused-ignore]
    stringWidth,
)

from auswertung.pdf_style import FONT

__all__ = ["ASCENT", "DESCENT", "MapLabel", "place_labels"]

#: Extent of a text line above and below its baseline, in font sizes.
ASCENT = 0.93
DESCENT = 0.24
NAME_SIZE = 5.6
CODE_SIZE = 5.2
SMALL_CODE_SIZE = 4.2
_GRID = 14


@dataclass(frozen=True)
class MapLabel:
    """A label: ``text`` centred at ``x``, baseline ``y`` (points, y downwards
    from the top of the map), ``size`` in points; ``by_code`` when the text is
    the district code rather than its name."""

    code: str
    text: str
    x: float
    y: float
    size: float
    by_code: bool

    @property
    def box(self) -> tuple[float, float, float, float]:
        """``(left, top, right, bottom)`` with y downwards."""
        half = stringWidth(self.text, FONT, self.size) / 2
        return (
            self.x - half,
            self.y - ASCENT * self.size,
            self.x + half,
            self.y + DESCENT * self.size,
        )


def _ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def _inside(points: np.ndarray, rings: Sequence[np.ndarray]) -> np.ndarray:
    """Even-odd rule over all rings: which of ``points`` (k × 2) lie inside."""
    result = np.zeros(len(points), dtype=bool)
    px = points[:, 0][:, None]
    py = points[:, 1][:, None]
    for ring in rings:
        x1, y1 = ring[:, 0][None, :], ring[:, 1][None, :]
        x2, y2 = np.roll(ring[:, 0], -1)[None, :], np.roll(ring[:, 1], -1)[None, :]
        crosses = (y1 > py) != (y2 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        result ^= (np.count_nonzero(crosses & (px < at), axis=1) % 2).astype(bool)
    return result


def _clearance(points: np.ndarray, rings: Sequence[np.ndarray]) -> np.ndarray:
    """Distance of each point to the nearest outline segment."""
    best = np.full(len(points), np.inf)
    for ring in rings:
        a = ring
        b = np.roll(ring, -1, axis=0)
        ab = b - a
        length = np.maximum((ab**2).sum(axis=1), 1e-12)
        ap = points[:, None, :] - a[None, :, :]
        t = np.clip((ap * ab[None, :, :]).sum(axis=2) / length[None, :], 0, 1)
        nearest = a[None, :, :] + t[:, :, None] * ab[None, :, :]
        distance = np.sqrt(((points[:, None, :] - nearest) ** 2).sum(axis=2))
        best = np.minimum(best, distance.min(axis=1))
    return best


def _anchors(rings: Sequence[np.ndarray]) -> list[tuple[float, float]]:
    """Candidate label centres inside the largest ring, roomiest first."""
    main = max(rings, key=_ring_area)
    low, high = main.min(axis=0), main.max(axis=0)
    xs = np.linspace(low[0], high[0], _GRID + 2)[1:-1]
    ys = np.linspace(low[1], high[1], _GRID + 2)[1:-1]
    grid = np.array([(x, y) for y in ys for x in xs])
    grid = grid[_inside(grid, rings)]
    if not len(grid):
        centre = main.mean(axis=0)
        return [(float(centre[0]), float(centre[1]))]
    room = _clearance(grid, rings)
    order = np.argsort(-room)[:8]
    return [(float(grid[i, 0]), float(grid[i, 1])) for i in order]


def _fits(label: MapLabel, rings: Sequence[np.ndarray]) -> bool:
    left, top, right, bottom = label.box
    xs = np.linspace(left, right, 5)
    ys = np.array([top, (top + bottom) / 2, bottom])
    probes = np.array([(x, y) for x in xs for y in ys])
    if not _inside(probes, rings).all():
        return False
    for ring in rings:
        within = (
            (ring[:, 0] > left)
            & (ring[:, 0] < right)
            & (ring[:, 1] > top)
            & (ring[:, 1] < bottom)
        )
        if within.any():
            return False
    return True


def _overlaps(
    box: tuple[float, float, float, float],
    others: Sequence[tuple[float, float, float, float]],
    gap: float = 0.6,
) -> bool:
    left, top, right, bottom = box
    return any(
        left < o_right + gap
        and o_left < right + gap
        and top < o_bottom + gap
        and o_top < bottom + gap
        for o_left, o_top, o_right, o_bottom in others
    )


def place_labels(
    shapes: Sequence[tuple[str, Sequence[Sequence[tuple[float, float]]]]],
    scale: float,
    names: Mapping[str, str],
    *,
    width: float,
    height: float,
) -> list[MapLabel]:
    """Labels for ``shapes`` (code and rings in map units) drawn at ``scale``
    points per unit into a ``width`` × ``height`` box.

    Larger districts are labelled first; every label lies inside the box and
    touches no other label.
    """
    prepared = []
    for code, rings in shapes:
        arrays = [np.asarray(r, dtype=float) * scale for r in rings if len(r) >= 3]
        if arrays:
            prepared.append((code, arrays, sum(_ring_area(a) for a in arrays)))
    prepared.sort(key=lambda item: -item[2])
    placed: list[MapLabel] = []
    boxes: list[tuple[float, float, float, float]] = []
    for code, arrays, _area in prepared:
        anchors = _anchors(arrays)
        choice = None
        options = [(names.get(code, code), NAME_SIZE, False), (code, CODE_SIZE, True)]
        for text, size, by_code in options:
            for x, y in anchors:
                label = MapLabel(code, text, x, y + size * 0.35, size, by_code)
                if _fits(label, arrays) and not _overlaps(label.box, boxes):
                    choice = label
                    break
            if choice is not None:
                break
        if choice is None:
            x, y = anchors[0]
            label = MapLabel(
                code, code, x, y + SMALL_CODE_SIZE * 0.35, SMALL_CODE_SIZE, True
            )
            left, top, right, bottom = label.box
            inside_box = left >= 0 and top >= 0 and right <= width and bottom <= height
            if inside_box and not _overlaps(label.box, boxes):
                choice = label
        if choice is not None:
            placed.append(choice)
            boxes.append(choice.box)
    return placed
