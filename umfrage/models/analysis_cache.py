"""Stored analysis results and the data version they depend on.

``Survey.data_version`` counts changes to the survey's complete responses: it is
raised in the same transaction as any flush that adds, changes or deletes a
complete response (or completes one), and by any bulk UPDATE/DELETE of
responses. An ``UPDATE ... SET data_version = data_version + 1`` is atomic on
SQLite and PostgreSQL, so every process sees a new version after the commit.
Cached results carry the version (inside their key) and are never read for
another one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    LargeBinary,
    String,
    event,
    update,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from ..extensions import db
from .base import ResponseStatus, utc_now
from .surveys import Response, Survey


class AnalysisCacheEntry(db.Model):  # type: ignore[name-defined,misc]
    """One stored analysis result (weights, indicator tables) of a survey.

    ``state_key`` fingerprints what the result depends on (data version,
    weighting set-up, layer, questionnaire version), ``key`` the result itself
    within that state (e.g. which indicators, under which publication rules).
    ``payload`` is signed with the app's secret key.
    """

    __tablename__ = "analysis_cache_entry"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )


def _bump(session: Session, survey_ids: set[int] | None) -> None:
    statement = update(Survey.__table__).values(
        data_version=Survey.__table__.c.data_version + 1
    )
    if survey_ids is not None:
        statement = statement.where(Survey.__table__.c.id.in_(sorted(survey_ids)))
    session.connection().execute(statement)


def _counts(response: Response) -> bool:
    """Whether the response is or was complete (only those are analysed)."""
    if response.status == ResponseStatus.COMPLETE:
        return True
    history = db.inspect(response).attrs.status.history
    return ResponseStatus.COMPLETE in (history.deleted or ())


@event.listens_for(Session, "before_flush")
def _raise_data_version(session: Session, _context: object, _instances: object) -> None:
    surveys: set[int] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Response) and obj.status == ResponseStatus.COMPLETE:
            surveys.add(obj.survey_id if obj.survey_id else obj.survey.id)
    for obj in session.dirty:
        if (
            isinstance(obj, Response)
            and session.is_modified(obj, include_collections=False)
            and _counts(obj)
        ):
            surveys.add(obj.survey_id)
    if surveys:
        _bump(session, surveys)


@event.listens_for(Session, "do_orm_execute")
def _raise_data_version_in_bulk(state: ORMExecuteState) -> None:
    """A bulk UPDATE or DELETE of responses (e.g. ``umfrage purge``): every
    survey's version, since the statement's rows are not known here."""
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper and mapper.class_ is Response:
        _bump(state.session, None)
