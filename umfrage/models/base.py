"""Shared helpers and enums of the models."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Enum,
)

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
