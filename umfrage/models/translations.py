"""Review flags of questionnaire translations (gettext's "fuzzy")."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class TranslationReview(db.Model):  # type: ignore[name-defined,misc]
    """A translation of a version's text that needs review: the source text (the
    default language) changed after it was translated.

    ``key`` is the text's key (``fragebogen.translation.units``); the rows of a
    version go with it (``ondelete="CASCADE"``) and are copied to a new draft.
    """

    __tablename__ = "translation_review"
    __table_args__ = (UniqueConstraint("version_id", "key", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_version.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(35))
