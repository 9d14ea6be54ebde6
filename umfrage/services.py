"""Reads shared by several blueprints."""

from __future__ import annotations

from sqlalchemy import select

from fragebogen.model import Questionnaire
from fragebogen.yaml_format import from_data

from .extensions import db
from .models import DistrictLayer, QuestionnaireVersion, Survey, SurveyStatus


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


def questionnaire_of(version: QuestionnaireVersion) -> Questionnaire:
    """The version's definition as a model, cached by id and fingerprint (a published
    version never changes; a draft's fingerprint changes with its definition)."""
    key = (version.id, version.fingerprint)
    questionnaire = _QUESTIONNAIRES.get(key)
    if questionnaire is None:
        questionnaire = from_data(version.definition)
        if len(_QUESTIONNAIRES) > 64:
            _QUESTIONNAIRES.clear()
        _QUESTIONNAIRES[key] = questionnaire
    return questionnaire


_QUESTIONNAIRES: dict[tuple[int, str], Questionnaire] = {}
