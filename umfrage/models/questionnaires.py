"""Questionnaires and their versions; a published version is immutable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from .base import VersionStatus, _enum, utc_now


class Questionnaire(db.Model):  # type: ignore[name-defined,misc]
    """A questionnaire with its versions; only drafts can be edited."""

    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire",
        cascade="all, delete-orphan",
        order_by="QuestionnaireVersion.number",
    )


class QuestionnaireVersion(db.Model):  # type: ignore[name-defined,misc]
    """One version of a questionnaire definition (``fragebogen.yaml_format.to_data``).

    Once published, neither the definition nor its fingerprint may change; editing
    a published questionnaire creates a new draft version.
    """

    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    # Deferred: read only when ``services.questionnaire_of`` has not parsed this
    # version in this process yet (respondent pages need just id and fingerprint).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    # active_history: the old status is loaded before a change, so the
    # immutability check below sees what was committed.
    status: Mapped[VersionStatus] = mapped_column(
        _enum(VersionStatus, "version_status"),
        default=VersionStatus.DRAFT,
        active_history=True,
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")


class PublishedVersionError(Exception):
    """Raised when code tries to change a published questionnaire version."""


@event.listens_for(Session, "before_flush")
def _keep_published_versions_immutable(
    session: Session, _context: object, _instances: object
) -> None:
    for obj in session.dirty:
        if not isinstance(obj, QuestionnaireVersion):
            continue
        state = db.inspect(obj)
        status_history = state.attrs.status.history
        was_published = VersionStatus.PUBLISHED in (
            status_history.deleted or [obj.status]
        )
        changed = any(
            state.attrs[name].history.has_changes()
            for name in ("definition", "fingerprint", "number", "questionnaire_id")
        )
        if was_published and (changed or obj.status != VersionStatus.PUBLISHED):
            raise PublishedVersionError(
                f"questionnaire version {obj.id} is published and cannot change"
            )
    for obj in session.deleted:
        if (
            isinstance(obj, QuestionnaireVersion)
            and obj.status == VersionStatus.PUBLISHED
            and obj.questionnaire not in session.deleted
        ):
            raise PublishedVersionError(
                f"questionnaire version {obj.id} is published and cannot be deleted"
            )
