"""Invitation codes: batches, their generation, listing, download and withdrawal."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from .. import spent_codes
from ..audit import record
from ..codes import ALPHABET, hash_code
from ..extensions import db
from ..models import (
    AccessMode,
    District,
    InvitationBatch,
    InvitationCode,
    SpentCode,
    Survey,
    SurveyStatus,
    local_today,
    utc_now,
)
from .design_errors import DesignError

# Codes are never stored, only their keyed hashes
# (``hash_code(code, SECRET_KEY, "invitation:<survey id>")``). A batch keeps a random
# seed; its codes are HMAC-SHA256(SECRET_KEY, seed, index), so the seed alone (a copy
# of the database) does not reveal them. The CSV list and the PDF letters are made by
# jobs (``code_jobs``) as files in the instance folder, which can be downloaded
# until the designer confirms receipt ("Briefe erhalten – Codes jetzt
# unwiderruflich löschen") or the deadline ``expires_at`` passes
# (``INVITATION_DOWNLOAD_HOURS``, default 7 days); then the seed and the files are
# erased together (by the confirmation, by the first read after the deadline and by
# ``umfrage purge``). Without the seed nobody, not even an admin, can show the codes
# again; lost letters are handled by withdrawing the batch's unused codes and
# generating a new batch.


def _derive_codes(key: str, seed: str, count: int, length: int = 10) -> list[str]:
    """``count`` distinct codes derived from the batch seed with the secret key
    (HMAC-SHA256, 50 bits each); the same seed and key give the same codes."""
    codes: list[str] = []
    seen: set[str] = set()
    index = 0
    while len(codes) < count:
        digest = hmac.new(
            key.encode(), f"invitation-batch:{seed}:{index}".encode(), hashlib.sha256
        ).digest()
        index += 1
        number = int.from_bytes(digest[:8], "big") >> (64 - 5 * length)
        code = "".join(
            ALPHABET[(number >> (5 * shift)) & 31] for shift in reversed(range(length))
        )
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


@dataclass(frozen=True)
class BatchListing:
    """A batch with its number of valid codes and of submitted ones (``None`` when
    the batch is too small to show it; see ``spent_codes.spent_counts``)."""

    batch: InvitationBatch
    codes: int
    submitted: int | None

    @property
    def downloadable(self) -> bool:
        return self.batch.seed is not None


def batch_listings(survey: Survey, min_batch_size: int) -> list[BatchListing]:
    """The survey's batches, newest first. No per-code state is ever shown: only how
    many codes of a batch have been submitted, counted at the last shuffled flush,
    and only for batches of at least ``min_batch_size`` codes."""
    wipe_expired_seeds()
    batches = (
        db.session.execute(
            select(InvitationBatch)
            .where(InvitationBatch.survey_id == survey.id)
            .order_by(InvitationBatch.id.desc())
        )
        .scalars()
        .all()
    )
    sizes = {b.id: b.size for b in batches}
    counts = spent_codes.spent_counts(survey.id, sizes, min_batch_size)
    return [BatchListing(b, b.size, counts.per_batch.get(b.id)) for b in batches]


def code_counts(survey: Survey, min_batch_size: int) -> tuple[int, int | None]:
    """(valid codes, submitted codes at the last flush, or None when the survey has
    fewer than ``min_batch_size`` codes)."""
    issued = spent_codes.issued_codes(survey.id)
    counts = spent_codes.spent_counts(survey.id, {0: issued}, min_batch_size)
    return issued, counts.total


def batch_or_404(survey: Survey, batch_id: int) -> InvitationBatch:
    batch = db.session.get(InvitationBatch, batch_id)
    if batch is None or batch.survey_id != survey.id:
        abort(404)
    return batch


def generate_codes(
    actor_id: int | None,
    survey: Survey,
    count: int,
    district_id: int | None,
    per_district: bool,
    *,
    key: str,
    limit: int,
    hours: int,
) -> InvitationBatch:
    """A batch of ``count`` codes (``per_district``: ``count`` for each district of
    the survey's layer; else optionally all for one district), stored as hashes."""
    if survey.status == SurveyStatus.CLOSED:
        raise DesignError(_("Für eine beendete Befragung werden keine Codes erzeugt."))
    if survey.access_mode == AccessMode.OPEN:
        raise DesignError(
            _(
                "Die Befragung ist über den offenen Link erreichbar; stellen Sie den "
                "Zugang auf „Einladungscode“ oder „beides“, um Codes zu erzeugen."
            )
        )
    if count < 1:
        raise DesignError(_("Bitte geben Sie eine Anzahl ab 1 an."))
    targets: list[int | None]
    if per_district:
        if survey.district_layer_id is None:
            raise DesignError(_("Die Befragung hat keine Gebietsgliederung."))
        ids = (
            db.session.execute(
                select(District.id)
                .where(District.layer_id == survey.district_layer_id)
                .order_by(District.code)
            )
            .scalars()
            .all()
        )
        targets = [d for d in ids for _ in range(count)]
        district_id = None
    else:
        if district_id is not None:
            district = db.session.get(District, district_id)
            if district is None or district.layer_id != survey.district_layer_id:
                raise DesignError(_("Dieser Sozialraum gehört nicht zur Befragung."))
        targets = [district_id] * count
    if len(targets) > limit:
        raise DesignError(
            _(
                "Höchstens %(limit)d Codes je Stapel (angefordert: %(count)d).",
                limit=limit,
                count=len(targets),
            )
        )
    purpose = f"invitation:{survey.id}"
    for _attempt in range(5):
        seed = secrets.token_hex(16)
        codes = _derive_codes(key, seed, len(targets))
        hashes = [hash_code(code, key, purpose) for code in codes]
        if _any_hash_exists(hashes):
            continue
        batch = InvitationBatch(
            survey_id=survey.id,
            created_by_id=actor_id,
            size=len(targets),
            district_id=district_id,
            per_district=per_district,
            seed=seed,
            expires_at=utc_now() + timedelta(hours=hours),
        )
        db.session.add(batch)
        db.session.flush()
        today = local_today()
        db.session.execute(
            InvitationCode.__table__.insert(),
            [
                {
                    "survey_id": survey.id,
                    "code_hash": code_hash,
                    "district_id": target,
                    "created_on": today,
                    "batch_id": batch.id,
                }
                for code_hash, target in zip(hashes, targets, strict=True)
            ],
        )
        record(
            actor_id,
            "generate_codes",
            f"survey:{survey.id}",
            batch=batch.id,
            count=len(targets),
            district_id=district_id,
            per_district=per_district,
        )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        return batch
    raise DesignError(
        _("Die Codes konnten nicht erzeugt werden; bitte erneut versuchen.")
    )


def _any_hash_exists(hashes: list[str]) -> bool:
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        if db.session.execute(
            select(InvitationCode.id)
            .where(InvitationCode.code_hash.in_(chunk))
            .limit(1)
        ).first():
            return True
    return False


def wipe_expired_seeds(now: datetime | None = None) -> int:
    """Erase the seeds of batches whose download window has passed, and the
    letter and list files made from them (their jobs keep them until then)."""
    from ..auftraege.runner import purge_results

    now = now or utc_now()
    result = db.session.execute(
        update(InvitationBatch)
        .where(InvitationBatch.seed.is_not(None), InvitationBatch.expires_at <= now)
        .values(seed=None)
    )
    db.session.commit()
    purge_results(now)
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class ClaimedCode:
    code: str
    district_code: str | None
    district_name: str | None


def open_batch(batch_id: int) -> InvitationBatch | None:
    """The batch if its codes can still be shown (seed kept, deadline not passed)."""
    return db.session.execute(
        select(InvitationBatch).where(
            InvitationBatch.id == batch_id,
            InvitationBatch.seed.is_not(None),
            InvitationBatch.expires_at > utc_now(),
        )
    ).scalar_one_or_none()


def batch_codes(batch: InvitationBatch, key: str) -> list[ClaimedCode]:
    """The batch's codes that are still valid (not withdrawn), derived again from
    its seed, sorted by district and code. Reads only; the caller (a job) makes
    the file. Raises DesignError when the seed is gone or the key has changed."""
    if batch.seed is None:
        raise DesignError(
            _(
                "Die Codes dieses Stapels sind gelöscht und können nicht noch einmal "
                "angezeigt werden. Erzeugen Sie bei Bedarf einen neuen Stapel und "
                "ziehen Sie den alten zurück."
            )
        )
    codes = _derive_codes(key, batch.seed, batch.size)
    purpose = f"invitation:{batch.survey_id}"
    rows = db.session.execute(
        select(InvitationCode.code_hash, District.code, District.name)
        .outerjoin(District, District.id == InvitationCode.district_id)
        .where(InvitationCode.batch_id == batch.id)
    ).all()
    districts = {row[0]: (row[1], row[2]) for row in rows}
    claimed_codes = []
    for code in codes:
        code_hash = hash_code(code, key, purpose)
        if code_hash not in districts:
            continue  # withdrawn, or the secret key has changed
        claimed_codes.append(ClaimedCode(code, *districts[code_hash]))
    if rows and not claimed_codes:
        raise DesignError(
            _(
                "Die Codes passen nicht zu den gespeicherten Prüfsummen (wurde der "
                "geheime Schlüssel geändert?). Bitte erzeugen Sie einen neuen Stapel."
            )
        )
    claimed_codes.sort(key=lambda c: (c.district_code or "", c.code))
    return claimed_codes


def withdraw_batch(actor_id: int | None, batch: InvitationBatch) -> None:
    """Invalidate the batch's codes that have not been submitted (e.g. letters lost)
    and erase its seed. A questionnaire already started with one of them can still
    be finished. How many codes that were is neither shown nor logged: for a small
    batch it would tell who has submitted."""
    spent = select(SpentCode.code_hash).where(
        SpentCode.survey_id == batch.survey_id, SpentCode.pending.is_(False)
    )
    db.session.execute(
        delete(InvitationCode)
        .where(
            InvitationCode.batch_id == batch.id,
            InvitationCode.code_hash.not_in(spent),
        )
        .execution_options(synchronize_session=False)
    )
    batch.seed = None
    batch.withdrawn = True
    record(actor_id, "withdraw_codes", f"survey:{batch.survey_id}", batch=batch.id)
    db.session.commit()
