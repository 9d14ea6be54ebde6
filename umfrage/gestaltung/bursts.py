"""Burst alert for the designer's monitoring page: far more responses started today
than on a usual day of the field period (a script, or a link shared where it should
not be). Works on dates only: responses keep no time of day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import median

from .monitoring import DayCount

MIN_USUAL_DAYS = 3


@dataclass(frozen=True)
class Burst:
    day: date
    started: int
    usual: float  # median of the earlier days with responses


def find_burst(
    days: list[DayCount], today: date, factor: float, minimum: int
) -> Burst | None:
    """Today's started responses if they reach ``minimum`` and ``factor`` times
    the median of the earlier days (at least ``MIN_USUAL_DAYS`` of them)."""
    current = next((d for d in days if d.day == today), None)
    earlier = [d.started for d in days if d.day < today and d.started > 0]
    if current is None or len(earlier) < MIN_USUAL_DAYS:
        return None
    usual = float(median(earlier[-28:]))
    if current.started >= minimum and current.started >= factor * usual:
        return Burst(day=today, started=current.started, usual=usual)
    return None
