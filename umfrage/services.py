"""Reads shared by several blueprints."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import QueryableAttribute, defaultload, joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from fragebogen.model import Questionnaire
from fragebogen.yaml_format import from_data

from .caching import BoundedCache
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


def database_key() -> str:
    """What tells this app's database from another in the same process (tests run
    several): process-wide caches of database content are keyed by it."""
    return str(db.engine.url)


def questionnaire_of(version: QuestionnaireVersion) -> Questionnaire:
    """The version's definition as a model, parsed and validated once per process:
    cached by database, id and fingerprint (a published version never changes; a
    draft's fingerprint changes with its definition). The definition is read only
    when the version is not cached yet: load it with
    :func:`version_without_definition` where that is the usual case."""
    key = (database_key(), version.id, version.fingerprint)
    questionnaire = _QUESTIONNAIRES.get(key)
    if questionnaire is None:
        questionnaire = from_data(version.definition)
        _QUESTIONNAIRES.put(key, questionnaire)
    return questionnaire


def version_without_definition(
    relationship: QueryableAttribute[QuestionnaireVersion], joined: bool = True
) -> LoaderOption:
    """A loader option for a questionnaire version reached by ``relationship``
    (``Survey.questionnaire_version``): joined (else loaded when first used), its
    definition left unread until something asks for it."""
    load = joinedload if joined else defaultload
    return load(relationship).defer(QuestionnaireVersion.definition)


# a few versions per survey and database; drafts' edits add keys, so old ones go
_QUESTIONNAIRES: BoundedCache[tuple[str, int, str], Questionnaire] = BoundedCache(64)
