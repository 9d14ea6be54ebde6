"""Review flags of translations stored per questionnaire version (no commit here:
the callers own the transaction)."""

from __future__ import annotations

from collections.abc import Set

from sqlalchemy import delete, select

from ..extensions import db
from ..models import QuestionnaireVersion, TranslationReview


def review_flags(version: QuestionnaireVersion) -> set[tuple[str, str]]:
    """The (key, language) pairs of ``version`` whose translation needs review."""
    if version.id is None:
        return set()
    rows = db.session.execute(
        select(TranslationReview.key, TranslationReview.language).where(
            TranslationReview.version_id == version.id
        )
    ).all()
    return {(key, language) for key, language in rows}


def store_review_flags(
    version: QuestionnaireVersion, flags: Set[tuple[str, str]]
) -> None:
    """Make ``flags`` the review flags of ``version`` (flushes a new version)."""
    if version.id is None:
        db.session.flush()
    current = review_flags(version)
    gone = current - flags
    for key, language in gone:
        db.session.execute(
            delete(TranslationReview).where(
                TranslationReview.version_id == version.id,
                TranslationReview.key == key,
                TranslationReview.language == language,
            )
        )
    for key, language in sorted(flags - current):
        db.session.add(
            TranslationReview(version_id=version.id, key=key, language=language)
        )
