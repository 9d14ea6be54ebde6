"""Designer reads: surveys and their returns."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import District, PopulationFigure, Response, ResponseStatus, Survey


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


def _status_counts(key, *conditions) -> dict:  # type: ignore[no-untyped-def]
    complete = func.sum(case((Response.status == ResponseStatus.COMPLETE, 1), else_=0))
    partial = func.sum(case((Response.status == ResponseStatus.PARTIAL, 1), else_=0))
    rows = db.session.execute(
        select(key, complete, partial).where(*conditions).group_by(key)
    ).all()
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in rows}
