"""Staff accounts and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Role, _enum, utc_now


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
