"""Admin reads: users, district layers, audit log."""

from __future__ import annotations

from sqlalchemy import func, select

from ..audit import record
from ..auth import hash_password
from ..extensions import db
from ..models import AuditLog, District, DistrictLayer, Role, User


def users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.username)).scalars())


def layers_with_counts() -> list[tuple[DistrictLayer, int]]:
    rows = db.session.execute(
        select(DistrictLayer, func.count(District.id))
        .outerjoin(District)
        .group_by(DistrictLayer.id)
        .order_by(DistrictLayer.name)
    ).all()
    return [(layer, int(count)) for layer, count in rows]


def recent_audit_entries(limit: int = 100) -> list[AuditLog]:
    return list(
        db.session.execute(
            select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
        ).scalars()
    )


class UserError(Exception):
    """A staff account cannot be created as asked (message names why)."""


MIN_PASSWORD_LENGTH = 10


def create_user(username: str, role: Role, password: str) -> User:
    """Create a staff account with an argon2 password hash."""
    username = username.strip()
    if not username or len(username) > 120:
        raise UserError("Der Benutzername muss 1 bis 120 Zeichen lang sein.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein."
        )
    exists = db.session.execute(
        select(User.id).where(User.username == username)
    ).scalar_one_or_none()
    if exists is not None:
        raise UserError(f"Den Benutzernamen {username!r} gibt es schon.")
    user = User(username=username, role=role, password_hash=hash_password(password))
    db.session.add(user)
    record(None, "create_user", f"user:{username}", role=role.value)
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.active = True
    db.session.commit()
