"""The audit log: who did what to which object (staff actions only)."""

from __future__ import annotations

from typing import Any

from .extensions import db
from .models import AuditLog


def record(actor_id: int | None, action: str, target: str, **details: Any) -> AuditLog:
    """Add an entry to the current transaction; the calling service commits.

    ``action`` is a short English verb phrase (``publish_version``, ``open_survey``,
    ``generate_codes``, ``export_responses``, ``delete_responses``); ``target`` names
    the object (``survey:3``). Never put respondent answers into ``details``.
    """
    entry = AuditLog(user_id=actor_id, action=action, target=target, details=details)
    db.session.add(entry)
    return entry
