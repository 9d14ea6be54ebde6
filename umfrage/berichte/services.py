"""Analyst reads."""

from __future__ import annotations

from ..gestaltung.services import SurveySummary, survey_summaries

__all__ = ["SurveySummary", "survey_summaries"]
