"""The audit log for admins: a filtered page, the accounts and actions in it, and
the CSV export with readable action names."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from auswertung.export import _csv_bytes, neutralise

from ..audit import action_name, record
from ..extensions import db
from ..models import LOCAL_TIMEZONE, AuditLog, User

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditLog]
    page: int
    pages: int
    total: int


def recent_audit_entries(limit: int = 100) -> list[AuditLog]:
    return list(
        db.session.execute(
            select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
        ).scalars()
    )


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: one action, one account, local calendar days (inclusive)."""

    action: str | None = None
    user_id: int | None = None
    since: date | None = None
    until: date | None = None


def _audit_query(where: AuditFilter) -> Any:
    query = select(AuditLog)
    if where.action:
        query = query.where(AuditLog.action == where.action)
    if where.user_id is not None:
        query = query.where(AuditLog.user_id == where.user_id)
    if where.since is not None:
        start = datetime.combine(where.since, time.min, LOCAL_TIMEZONE)
        query = query.where(AuditLog.at >= start.astimezone(UTC))
    if where.until is not None:
        end = datetime.combine(
            where.until + timedelta(days=1), time.min, LOCAL_TIMEZONE
        )
        query = query.where(AuditLog.at < end.astimezone(UTC))
    return query


def audit_page(
    page: int = 1,
    where: AuditFilter | None = None,
    per_page: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """One page of the audit log, newest first, optionally filtered."""
    query = _audit_query(where or AuditFilter())
    total = int(
        db.session.execute(
            select(func.count()).select_from(query.subquery())
        ).scalar_one()
    )
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    entries = list(
        db.session.execute(
            query.order_by(AuditLog.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).scalars()
    )
    return AuditPage(entries=entries, page=page, pages=pages, total=total)


#: Most entries in one CSV export of the audit log.
AUDIT_EXPORT_LIMIT = 100_000


def audit_csv(where: AuditFilter, actor_id: int) -> bytes:
    """The filtered log, newest first, as a German Excel CSV (``;``, BOM), with
    readable action names; the export itself is audited."""
    entries = db.session.execute(
        _audit_query(where).order_by(AuditLog.id.desc()).limit(AUDIT_EXPORT_LIMIT)
    ).scalars()
    table = pd.DataFrame(
        [
            (
                _local(entry.at).strftime("%d.%m.%Y %H:%M"),
                entry.user.username if entry.user else "System",
                action_name(entry.action),
                entry.action,
                entry.target,
                "; ".join(f"{k}: {v}" for k, v in format_details(entry.details)),
            )
            for entry in entries
        ],
        columns=[
            "Zeitpunkt",
            "Benutzer",
            "Aktion",
            "Aktionscode",
            "Objekt",
            "Einzelheiten",
        ],
    )
    content = _csv_bytes(table.map(neutralise), excel=True)
    record(
        actor_id,
        "export_audit_log",
        "audit_log",
        filter_action=where.action,
        since=where.since.isoformat() if where.since else None,
        until=where.until.isoformat() if where.until else None,
    )
    db.session.commit()
    return content


def _local(moment: datetime) -> datetime:
    """Local time of a stored moment (SQLite gives UTC back without a zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TIMEZONE)


def audit_actions() -> list[str]:
    return list(
        db.session.execute(
            select(AuditLog.action).distinct().order_by(AuditLog.action)
        ).scalars()
    )


def audit_users() -> list[User]:
    """Accounts that appear in the audit log."""
    return list(
        db.session.execute(
            select(User)
            .where(User.id.in_(select(AuditLog.user_id).distinct()))
            .order_by(User.username)
        ).scalars()
    )


def format_details(details: dict[str, Any] | None) -> Sequence[tuple[str, str]]:
    """Audit details as (key, text) pairs for display."""
    result = []
    for key, value in (details or {}).items():
        if isinstance(value, list | tuple):
            text = ", ".join(str(v) for v in value)
        else:
            text = "–" if value is None else str(value)
        result.append((str(key), text))
    return result
