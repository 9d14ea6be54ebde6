"""Surveys, invitation codes and batches, responses and respondent sessions.

Anonymity by construction: a ``Response`` has no IP address, user agent or time of
day and a random id; an ``InvitationCode`` keeps only a hash, and once the response
it unlocked is submitted nothing links the two (see ``SpentCode``).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import AccessMode, ResponseStatus, SurveyStatus, _enum, local_today, utc_now
from .districts import District, DistrictLayer
from .questionnaires import QuestionnaireVersion


class Survey(db.Model):  # type: ignore[name-defined,misc]
    """A field run of one published questionnaire version on one district layer."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_version.id"), index=True
    )
    district_layer_id: Mapped[int | None] = mapped_column(
        ForeignKey("district_layer.id"), index=True
    )
    field_start: Mapped[date | None] = mapped_column(Date)
    field_end: Mapped[date | None] = mapped_column(Date)
    access_mode: Mapped[AccessMode] = mapped_column(
        _enum(AccessMode, "access_mode"), default=AccessMode.OPEN
    )
    status: Mapped[SurveyStatus] = mapped_column(
        _enum(SurveyStatus, "survey_status"), default=SurveyStatus.DRAFT
    )
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    # Shown on the respondent landing page (issue 5); None: the configured default
    # (OPERATOR_NAME, CONTACT_EMAIL) or, for the duration, an estimate.
    operator_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    # Survey-specific privacy text per language ({"de": "...", "en": "..."}), shown
    # in the privacy box in addition to the standard notice.
    privacy_notice: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # Retention (issue 6): ``umfrage purge`` deletes the survey's responses on and
    # after this date.
    deletion_date: Mapped[date | None] = mapped_column(Date)
    # Publication rules set by an analyst (``berichte.rules``); None: the config's.
    publication_rules: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # Raised by one with every change to the survey's complete responses
    # (``models.analysis_cache``); cached analysis results are keyed by it. It
    # starts at a random number, so that a survey in another (or a recreated)
    # database does not share versions with this one.
    data_version: Mapped[int] = mapped_column(
        BigInteger, default=lambda: new_response_id(), server_default="0"
    )

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    district_layer: Mapped[DistrictLayer | None] = relationship()


def new_response_id() -> int:
    """A random 62-bit id: response ids say nothing about the order of arrival."""
    return secrets.randbits(62) or 1


class InvitationCode(db.Model):  # type: ignore[name-defined,misc]
    """An invitation code, stored only as a hash. The row never changes after the
    batch is generated; whether the code has been submitted lives in ``SpentCode``.
    While its questionnaire is unfinished, the response's ``resume_code_hash`` is
    this ``code_hash`` (so the letter's code resumes it); submission clears it."""

    __tablename__ = "invitation_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(128), unique=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    created_on: Mapped[date] = mapped_column(Date, default=local_today)
    # The batch the code was generated in (designer downloads, withdrawal).
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation_batch.id", ondelete="CASCADE"), index=True
    )


class Response(db.Model):  # type: ignore[name-defined,misc]
    """One respondent's (partial or complete) answers to one questionnaire version.

    Keeps dates only (no time of day), no IP address, no user agent.
    """

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, default=new_response_id
    )
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_version.id"), index=True
    )
    language: Mapped[str] = mapped_column(String(10))
    status: Mapped[ResponseStatus] = mapped_column(
        _enum(ResponseStatus, "response_status"), default=ResponseStatus.PARTIAL
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("district.id"), index=True
    )
    last_page: Mapped[int] = mapped_column(Integer, default=0)
    started_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    # While the response is partial: the keyed hash of its resume code, that is
    # ``hash_code(code, SECRET_KEY, "resume")`` of a random code, or, when it was
    # started with an invitation code, that code's ``InvitationCode.code_hash``.
    # Cleared when the response completes.
    resume_code_hash: Mapped[str | None] = mapped_column(String(128), unique=True)

    survey: Mapped[Survey] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    district: Mapped[District | None] = relationship()


class SpentCode(db.Model):  # type: ignore[name-defined,misc]
    """An invitation code whose questionnaire has been submitted.

    Submission adds the row with ``pending`` set, in the response's transaction.
    ``umfrage.codes_spent.flush`` rewrites all rows of a survey in one transaction
    and a shuffled order (delete, then insert) once enough are pending, so that no
    transaction id, physical position or time ties a row to a response. Staff
    counts use only flushed rows. No id, no timestamp.
    """

    __tablename__ = "spent_code"

    code_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation_batch.id", ondelete="SET NULL")
    )
    pending: Mapped[bool] = mapped_column(Boolean, default=True)


class RespondentSession(db.Model):  # type: ignore[name-defined,misc]
    """What a respondent's cookie stands for: the cookie holds only a random handle,
    the server keeps its hash and the response (several devices may each have one).
    Removed with the response, or by ``umfrage purge`` some days after
    ``created_on``."""

    __tablename__ = "respondent_session"

    handle_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    response_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    created_on: Mapped[date] = mapped_column(Date, default=local_today)

    response: Mapped[Response] = relationship()


class InvitationBatch(db.Model):  # type: ignore[name-defined,misc]
    """A batch of invitation codes generated together.

    The codes are never stored: only a random ``seed`` from which they are derived
    with the app's secret key (HMAC). Each of the two downloads (CSV, PDF letters)
    works once; the seed is erased when both are done or at ``expires_at``,
    whichever comes first, so the codes cannot be shown again.
    """

    __tablename__ = "invitation_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    size: Mapped[int] = mapped_column(Integer)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("district.id", ondelete="SET NULL")
    )
    per_district: Mapped[bool] = mapped_column(Boolean, default=False)
    seed: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    csv_downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pdf_downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Withdrawn (letters lost): its codes that were not submitted are deleted. Staff
    # pages show ``size`` and this flag, never how many rows are left.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)

    survey: Mapped[Survey] = relationship()
    district: Mapped[District | None] = relationship()


# --- Admin: street directory and staged layer uploads (issue 6) --------------------
