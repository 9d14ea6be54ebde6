"""Field monitoring of surveys: returns by district, responses per day and
drop-off by page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import (
    District,
    PopulationFigure,
    Response,
    ResponseStatus,
    Survey,
)
from ..services import questionnaire_of


@dataclass(frozen=True)
class SurveySummary:
    survey: Survey
    complete: int
    partial: int


@dataclass(frozen=True)
class DistrictReturns:
    code: str
    name: str
    parent_name: str | None
    complete: int
    partial: int
    complete_share: float | None
    population_share: float | None


@dataclass(frozen=True)
class DayCount:
    day: date
    started: int
    completed: int


@dataclass(frozen=True)
class PageDropOff:
    page_no: int
    title: str
    partial: int
    share: float | None


def survey_summaries() -> list[SurveySummary]:
    counts = _status_counts(Response.survey_id)
    surveys = db.session.execute(select(Survey).order_by(Survey.id)).scalars()
    return [SurveySummary(survey, *counts.get(survey.id, (0, 0))) for survey in surveys]


def returns_by_district(survey: Survey) -> tuple[list[DistrictReturns], int, int]:
    """Complete and partial responses per district of the survey's layer, beside the
    district's share of the population; plus responses without a district."""
    counts = _status_counts(Response.district_id, Response.survey_id == survey.id)
    total_complete = sum(c for c, _ in counts.values())
    population = dict(
        db.session.execute(
            select(PopulationFigure.district_id, func.sum(PopulationFigure.count))
            .join(District)
            .where(District.layer_id == survey.district_layer_id)
            .group_by(PopulationFigure.district_id)
        ).all()
    )
    population_total = sum(population.values())
    districts = db.session.execute(
        select(District)
        .where(District.layer_id == survey.district_layer_id)
        .order_by(District.code)
    ).scalars()
    rows = []
    for district in districts:
        complete, partial = counts.get(district.id, (0, 0))
        people = population.get(district.id)
        rows.append(
            DistrictReturns(
                code=district.code,
                name=district.name,
                parent_name=district.parent_name,
                complete=complete,
                partial=partial,
                complete_share=complete / total_complete if total_complete else None,
                population_share=(
                    people / population_total
                    if people is not None and population_total
                    else None
                ),
            )
        )
    unknown_complete, unknown_partial = counts.get(None, (0, 0))
    return rows, unknown_complete, unknown_partial


def responses_per_day(survey: Survey) -> list[DayCount]:
    """Responses started and completed per day, every day from the first to the
    last with any (at most the last 120 days)."""
    started = dict(
        db.session.execute(
            select(Response.started_on, func.count(Response.id))
            .where(Response.survey_id == survey.id)
            .group_by(Response.started_on)
        ).all()
    )
    completed = dict(
        db.session.execute(
            select(Response.completed_on, func.count(Response.id))
            .where(Response.survey_id == survey.id, Response.completed_on.is_not(None))
            .group_by(Response.completed_on)
        ).all()
    )
    days = set(started) | set(completed)
    if not days:
        return []
    first, last = min(days), max(days)
    first = max(first, last - timedelta(days=119))
    result = []
    day = first
    while day <= last:
        result.append(
            DayCount(day, int(started.get(day, 0)), int(completed.get(day, 0)))
        )
        day += timedelta(days=1)
    return result


def drop_off_by_page(survey: Survey) -> list[PageDropOff]:
    """Partial responses by the last page they reached (1-based), per page of the
    survey's questionnaire version."""
    rows = dict(
        db.session.execute(
            select(Response.last_page, func.count(Response.id))
            .where(
                Response.survey_id == survey.id,
                Response.status == ResponseStatus.PARTIAL,
                Response.questionnaire_version_id == survey.questionnaire_version_id,
            )
            .group_by(Response.last_page)
        ).all()
    )
    questionnaire = questionnaire_of(survey.questionnaire_version)
    total = sum(int(v) for v in rows.values())
    language = questionnaire.default_language
    return [
        PageDropOff(
            index + 1,
            page.title.get_text(language, language),
            int(rows.get(index, 0)),
            int(rows.get(index, 0)) / total if total else None,
        )
        for index, page in enumerate(questionnaire.pages)
    ]


def _status_counts(key: Any, *conditions: Any) -> dict[Any, tuple[int, int]]:
    complete = func.sum(case((Response.status == ResponseStatus.COMPLETE, 1), else_=0))
    partial = func.sum(case((Response.status == ResponseStatus.PARTIAL, 1), else_=0))
    rows = db.session.execute(
        select(key, complete, partial).where(*conditions).group_by(key)
    ).all()
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in rows}
