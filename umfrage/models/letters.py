"""The invitation letter's template per survey (issue 14)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utc_now
from .surveys import Survey


class LetterTemplate(db.Model):  # type: ignore[name-defined,misc]
    """What a designer set for a survey's invitation letters; anything not set
    takes the default letter (``gestaltung.letter_texts``).

    ``common`` holds the parts that are the same in every language (``sender``,
    ``return_line``, ``signature_name``, ``contact_name``, ``contact_phone``,
    ``contact_email``); ``texts`` the per-language parts
    (``{"de": {"subject": ..., "body": ...}, "tr": {...}}``). With
    ``second_language`` every letter gets a second page in that language. The
    letterhead is a checked PNG or JPEG image.
    """

    __tablename__ = "letter_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), unique=True
    )
    common: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    texts: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    second_language: Mapped[str | None] = mapped_column(String(16))
    letterhead: Mapped[bytes | None] = mapped_column(LargeBinary)
    letterhead_type: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )

    survey: Mapped[Survey] = relationship()
