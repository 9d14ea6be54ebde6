"""Which invitation codes have been submitted, kept so that nothing ties a code to
its response (docs/security.md, "Einladungscodes und Unverknüpfbarkeit").

A submission adds the code's hash to ``spent_code`` as *pending*, in the transaction
that completes the response: the code is refused from that moment, and the letter's
code stops resuming anything (the response's ``resume_code_hash`` is cleared in the
same transaction). Pending rows share the response's PostgreSQL transaction id, so
they are not left alone for long: once ``SPENT_CODE_FLUSH_SIZE`` of a survey are
pending, :func:`flush` rewrites *all* spent rows of that survey in one transaction,
deleting them and inserting them again in a random order. Afterwards every spent
row of the survey carries the same ``xmin``, a shuffled physical position and no
time, and staff counts (which read flushed rows only) move in steps of at least the
flush size. ``umfrage purge``, ``umfrage flush-codes`` and closing a survey flush
whatever is pending.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .models import InvitationBatch, InvitationCode, SpentCode, Survey

log = logging.getLogger(__name__)


def record_spent(survey_id: int, code_hash: str) -> None:
    """In the caller's transaction: mark the invitation code with this hash as
    submitted (pending until the next flush). No-op for a hash that is no invitation
    code of the survey (a random resume code, or a withdrawn code)."""
    batch_id = db.session.execute(
        select(InvitationCode.batch_id).where(
            InvitationCode.survey_id == survey_id,
            InvitationCode.code_hash == code_hash,
        )
    ).first()
    if batch_id is None:
        return
    db.session.add(
        SpentCode(
            code_hash=code_hash,
            survey_id=survey_id,
            batch_id=batch_id[0],
            pending=True,
        )
    )


def is_spent(survey_id: int, code_hash: str) -> bool:
    return (
        db.session.execute(
            select(SpentCode.code_hash).where(
                SpentCode.survey_id == survey_id, SpentCode.code_hash == code_hash
            )
        ).first()
        is not None
    )


def pending_count(survey_id: int) -> int:
    return int(
        db.session.execute(
            select(func.count())
            .select_from(SpentCode)
            .where(SpentCode.survey_id == survey_id, SpentCode.pending.is_(True))
        ).scalar_one()
    )


def flush(survey_id: int) -> int:
    """Rewrite all spent rows of the survey in shuffled order, in one transaction,
    with ``pending`` cleared; returns how many were pending. Two flushes of one
    survey wait for each other (row lock on the survey on PostgreSQL; SQLite writes
    one transaction at a time)."""
    db.session.execute(
        select(Survey.id).where(Survey.id == survey_id).with_for_update()
    )
    rows = db.session.execute(
        select(SpentCode.code_hash, SpentCode.batch_id, SpentCode.pending).where(
            SpentCode.survey_id == survey_id
        )
    ).all()
    pending = sum(1 for row in rows if row.pending)
    if not pending:
        db.session.commit()
        return 0
    hashes = [row.code_hash for row in rows]
    for start in range(0, len(hashes), 500):
        db.session.execute(
            delete(SpentCode)
            .where(SpentCode.code_hash.in_(hashes[start : start + 500]))
            .execution_options(synchronize_session=False)
        )
    shuffled = list(rows)
    secrets.SystemRandom().shuffle(shuffled)
    # one row per statement: the physical order is the shuffled order
    for row in shuffled:
        db.session.execute(
            insert(SpentCode).values(
                code_hash=row.code_hash,
                survey_id=survey_id,
                batch_id=row.batch_id,
                pending=False,
            )
        )
    db.session.commit()
    db.session.expire_all()
    return pending


def flush_if_due(survey_id: int, threshold: int) -> None:
    """Flush once at least ``threshold`` codes of the survey are pending. Runs after
    the submission is committed; a failure here loses nothing (the rows stay
    pending for the next flush) and is only logged."""
    try:
        if pending_count(survey_id) >= max(1, threshold):
            flush(survey_id)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("flushing spent codes of survey %s failed", survey_id)


def flush_all() -> int:
    """Flush every survey with pending codes (``umfrage purge``/``flush-codes``)."""
    survey_ids = (
        db.session.execute(
            select(SpentCode.survey_id).where(SpentCode.pending.is_(True)).distinct()
        )
        .scalars()
        .all()
    )
    return sum(flush(survey_id) for survey_id in survey_ids)


@dataclass(frozen=True)
class SpentCounts:
    """Flushed spent codes per batch (``None``: batch too small to show counts)."""

    per_batch: dict[int, int | None]
    total: int | None


def spent_counts(
    survey_id: int, batch_sizes: dict[int, int], min_batch_size: int
) -> SpentCounts:
    """Submitted codes per batch, counting flushed rows only; batches with fewer
    than ``min_batch_size`` codes get ``None``, and so does the survey total when
    all its codes together are fewer."""
    counted = dict(
        db.session.execute(
            select(SpentCode.batch_id, func.count())
            .where(SpentCode.survey_id == survey_id, SpentCode.pending.is_(False))
            .group_by(SpentCode.batch_id)
        ).all()
    )
    per_batch: dict[int, int | None] = {
        batch_id: (int(counted.get(batch_id, 0)) if size >= min_batch_size else None)
        for batch_id, size in batch_sizes.items()
    }
    total_codes = sum(batch_sizes.values())
    total = (
        int(sum(int(v) for v in counted.values()))
        if total_codes >= min_batch_size
        else None
    )
    return SpentCounts(per_batch, total)


def issued_codes(survey_id: int) -> int:
    """Codes handed out for the survey: the sizes of its batches that were not
    withdrawn (plus codes made outside a batch). Never a count of remaining rows,
    which after a withdrawal would tell how many codes had been submitted."""
    in_batches = db.session.execute(
        select(func.coalesce(func.sum(InvitationBatch.size), 0)).where(
            InvitationBatch.survey_id == survey_id,
            InvitationBatch.withdrawn.is_(False),
        )
    ).scalar_one()
    loose = db.session.execute(
        select(func.count(InvitationCode.id)).where(
            InvitationCode.survey_id == survey_id, InvitationCode.batch_id.is_(None)
        )
    ).scalar_one()
    return int(in_batches) + int(loose)
