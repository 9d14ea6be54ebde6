"""Reads shared by several blueprints."""

from __future__ import annotations

from sqlalchemy import select

from .extensions import db
from .models import DistrictLayer, Survey, SurveyStatus


def open_surveys() -> list[Survey]:
    return list(
        db.session.execute(
            select(Survey).where(Survey.status == SurveyStatus.OPEN).order_by(Survey.id)
        ).scalars()
    )


def district_layers() -> list[DistrictLayer]:
    return list(
        db.session.execute(select(DistrictLayer).order_by(DistrictLayer.name)).scalars()
    )
