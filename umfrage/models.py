"""Database models.

Anonymity by construction: a ``Response`` has no IP address, user agent or time of
day and a random id; an ``InvitationCode`` keeps only a hash, and once the response
it unlocked is submitted nothing links the two (see ``SpentCode``).
"""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .extensions import db

LOCAL_TIMEZONE = ZoneInfo("Europe/Berlin")


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date where the survey runs; responses keep dates, not times."""
    return datetime.now(LOCAL_TIMEZONE).date()


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: a VARCHAR with a CHECK constraint on both backends."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class Role(enum.StrEnum):
    ADMIN = "admin"
    DESIGNER = "designer"
    ANALYST = "analyst"


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class AccessMode(enum.StrEnum):
    OPEN = "open"
    CODE = "code"
    BOTH = "both"


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class ResponseStatus(enum.StrEnum):
    PARTIAL = "partial"
    COMPLETE = "complete"


class DistrictLayer(db.Model):  # type: ignore[name-defined,misc]
    """A set of districts (e.g. Hamburg's 104 Stadtteile) with its data source."""

    __tablename__ = "district_layer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    attribution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )

    districts: Mapped[list[District]] = relationship(
        back_populates="layer",
        cascade="all, delete-orphan",
        order_by="District.code",
    )


class District(db.Model):  # type: ignore[name-defined,misc]
    """One district (Sozialraum) of a layer; geometry is GeoJSON in WGS84."""

    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("layer_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("district_layer.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    parent_name: Mapped[str | None] = mapped_column(String(200))
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    layer: Mapped[DistrictLayer] = relationship(back_populates="districts")
    population: Mapped[list[PopulationFigure]] = relationship(
        back_populates="district", cascade="all, delete-orphan"
    )


class PopulationFigure(db.Model):  # type: ignore[name-defined,misc]
    """A population count of a district for one level of a group variable
    (e.g. variable ``family_type``, level ``single_parent``)."""

    __tablename__ = "population_figure"
    __table_args__ = (UniqueConstraint("district_id", "variable", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )
    variable: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(100))
    count: Mapped[int] = mapped_column(Integer)

    district: Mapped[District] = relationship(back_populates="population")


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


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A staff account with one role."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    # Part of the login cookie: logout, a password change or reset, deactivation
    # and a role change raise it, which ends every session of the account.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set by an admin's password reset: the next login must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # Optional second factor (``umfrage.two_factor``): the TOTP secret while it is
    # on, and the last time step whose code was accepted (each code counts once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int] = mapped_column(
        BigInteger, default=0, server_default="0"
    )

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: id and session version."""
        return f"{self.id}.{self.session_version}"

    def end_sessions(self) -> None:
        """Invalidate every login cookie of this account (the caller commits)."""
        self.session_version = (self.session_version or 0) + 1


class AuditLog(db.Model):  # type: ignore[name-defined,misc]
    """Who did what to which object; staff actions only, never respondent data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()


# --- Designer: invitation code batches (issue 6) ----------------------------------


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


class Street(db.Model):  # type: ignore[name-defined,misc]
    """A street of a layer's street directory and one district it lies in; a long
    street has one row per district it crosses."""

    __tablename__ = "street"
    __table_args__ = (UniqueConstraint("layer_id", "name", "district_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("district_layer.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200), index=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )

    district: Mapped[District] = relationship()


class LayerUpload(db.Model):  # type: ignore[name-defined,misc]
    """A district layer file, checked and reprojected to WGS84, waiting for its
    admin to choose the id and name properties (upload → preview → confirm).

    Kept in the database so that any worker can finish the import; at most one per
    admin, removed on confirm or discard, stale ones after a day. ``content`` is
    ``umfrage.verwaltung.geodata.LayerFile.to_data()``.
    """

    __tablename__ = "layer_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


# --- Analyst: weighting set-up per survey (issue 7) ---------------------------------


class WeightingSetup(db.Model):  # type: ignore[name-defined,misc]
    """How a survey's responses are weighted to the population (one per survey).

    ``mappings`` maps questionnaire variables to population variables with a code
    mapping: ``[{"question": "haushaltstyp", "variable": "family_type", "codes":
    {"1": "couple_family", "3": "couple_family", "2": "single_parent"}}]``.
    ``margins`` holds uploaded population totals (``[{"variable", "level",
    "population_total"}]``) when ``source`` is ``upload``; ``collapse`` merges
    levels before weighting (``{"district": {"0105": "0104"}}``). Findings use the
    weights only once an analyst has looked at the diagnostics and ``confirmed``
    the set-up; every change clears ``confirmed``. Confirming copies the set-up to
    ``in_force`` (with its number and date): that copy weights every output until
    a changed set-up is confirmed in turn, so editing never silently unweights.
    """

    __tablename__ = "weighting_setup"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), unique=True
    )
    # "layer" (the district layer's population table) or "upload" (margins CSV)
    source: Mapped[str] = mapped_column(String(20), default="layer")
    # "rake", "poststratify" or "none"
    method: Mapped[str] = mapped_column(String(20), default="poststratify")
    mappings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    cross_with_district: Mapped[bool] = mapped_column(Boolean, default=True)
    lower_bound: Mapped[float | None] = mapped_column()
    upper_bound: Mapped[float | None] = mapped_column()
    # weighting cells with fewer respondents are flagged, with a collapse suggestion
    min_cell_size: Mapped[int] = mapped_column(Integer, default=5)
    collapse: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    margins: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    margins_filename: Mapped[str | None] = mapped_column(String(255))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # the confirmed set-up in force: the fields above as they were when confirmed
    in_force: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    in_force_number: Mapped[int] = mapped_column(Integer, default=0)
    in_force_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    survey: Mapped[Survey] = relationship()


class SmallAreaSetup(db.Model):  # type: ignore[name-defined,misc]
    """A Fay–Herriot model for one indicator of a survey (issue 15).

    ``indicator_key`` names the indicator (``mean:…`` or a share), ``covariates``
    the population-table covariates (``share:family_type:single_parent``) and
    ``method`` ``reml`` or ``ml``. Findings and reports show model estimates only
    once an analyst has looked at the diagnostics and ``enabled`` the model; every
    change clears ``enabled``.
    """

    __tablename__ = "small_area_setup"
    __table_args__ = (UniqueConstraint("survey_id", "indicator_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    indicator_key: Mapped[str] = mapped_column(String(200))
    covariates: Mapped[list[str]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(10), default="reml")
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    survey: Mapped[Survey] = relationship()
