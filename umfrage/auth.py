"""Staff login, logout and role checks."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .extensions import db, limiter, login_manager
from .models import Role, User
from .security import local_target

bp = Blueprint("auth", __name__)
_HASHERS: dict[tuple[int, int], tuple[PasswordHasher, str]] = {}
F = TypeVar("F", bound=Callable[..., Any])

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Bitte melden Sie sich an.")
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The account of a login cookie, if it is active and the cookie's session
    version is the current one (older cookies were ended by logout etc.)."""
    number, _dot, version = user_id.partition(".")
    if not number.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _hasher() -> tuple[PasswordHasher, str]:
    """The argon2 hasher for the configured cost (``PASSWORD_HASH_TIME_COST``,
    ``PASSWORD_HASH_MEMORY_KIB``; argon2-cffi's defaults, RFC 9106's low-memory
    choice, unless set) and a dummy hash of the same cost, which an unknown
    username is checked against so that it takes as long as a known one."""
    config = current_app.config
    key = (
        int(config.get("PASSWORD_HASH_TIME_COST", 3)),
        int(config.get("PASSWORD_HASH_MEMORY_KIB", 65536)),
    )
    if key not in _HASHERS:
        hasher = PasswordHasher(time_cost=key[0], memory_cost=key[1])
        _HASHERS[key] = (hasher, hasher.hash("timing-equaliser"))
    return _HASHERS[key]


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher()[0].verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = db.session.execute(
        db.select(User).filter_by(username=username.strip())
    ).scalar_one_or_none()
    if user is None:
        with contextlib.suppress(VerificationError):
            hasher, dummy = _hasher()
            hasher.verify(dummy, password)
        return None
    # Hash first: a deactivated account takes as long as any other.
    if not verify_password(user, password) or not user.active:
        return None
    return user


def end_sessions(user: User) -> None:
    """Log the account out everywhere (logout bumps the session version)."""
    user.end_sessions()
    db.session.commit()


def change_own_password(user: User, current: str, new: str) -> bool:
    """Set a new password if ``current`` is right; ends every other session."""
    from .audit import record
    from .verwaltung.services import UserError, check_password

    if not verify_password(user, current):
        return False
    check_password(new)
    if new == current:
        raise UserError(_("Das neue Passwort muss sich vom alten unterscheiden."))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.end_sessions()
    record(user.id, "change_own_password", f"user:{user.username}")
    db.session.commit()
    return True


def role_required(*roles: Role) -> Callable[[F], F]:
    """Allow logged-in users with one of ``roles``; admins may do everything."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.must_change_password:
                return redirect(url_for("auth.change_password"))
            if _second_factor_missing(current_user):
                return redirect(url_for("auth.two_factor"))
            if current_user.role not in roles and current_user.role != Role.ADMIN:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def second_factor_required(user: User) -> bool:
    """The account's role must log in with a second factor
    (``TWO_FACTOR_REQUIRED_ROLES``)."""
    roles = current_app.config.get("TWO_FACTOR_REQUIRED_ROLES", ())
    if isinstance(roles, str):  # from the environment: "admin,designer"
        roles = [part.strip() for part in roles.split(",")]
    return str(user.role.value) in roles


def _second_factor_missing(user: User) -> bool:
    return second_factor_required(user) and not user.totp_secret


class LoginForm(FlaskForm):
    username = StringField(
        _l("Benutzername"), validators=[DataRequired(), Length(max=120)]
    )
    password = PasswordField(
        _l("Passwort"), validators=[DataRequired(), Length(max=200)]
    )


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _username_limit() -> str:
    return str(current_app.config["LOGIN_USERNAME_RATE_LIMIT"])


def _username_key() -> str:
    """Rate-limit key of the attempted username (hashed, case-insensitive), so a
    guesser spreading over many addresses still meets the limit."""
    name = request.form.get("username", "").strip().lower()[:120]
    salt = current_app.config["SECRET_KEY"]
    return "login-user:" + hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()[:32]


def failed_attempt(response: Any) -> bool:
    """Rate limits count only refused attempts (401)."""
    return bool(response.status_code == 401)


def record_failed_login(username: str) -> None:
    """Audit a failed login; names only accounts that exist (a mistyped password
    in the username field is never stored)."""
    from .audit import record

    user = db.session.execute(
        db.select(User).filter_by(username=username.strip())
    ).scalar_one_or_none()
    target = f"user:{user.username}" if user is not None else "user:?"
    record(user.id if user is not None else None, "failed_login", target)
    db.session.commit()


@bp.route("/anmelden", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(
    _username_limit,
    key_func=_username_key,
    methods=["POST"],
    deduct_when=failed_attempt,
)
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data or "", form.password.data or "")
        if user is not None and user.totp_secret:
            from .two_factor import start_second_step

            return start_second_step(user, request.args.get("next"))
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        record_failed_login(form.username.data or "")
        form.password.errors = [_("Benutzername oder Passwort ist falsch.")]
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/abmelden", methods=["POST"])
@login_required
def logout() -> Any:
    end_sessions(current_user)
    logout_user()
    flash(_("Sie sind abgemeldet."))
    return redirect(url_for("auth.login"))


@bp.route("/start")
@login_required
def staff_home() -> Any:
    """Send each role to its own area."""
    if current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    if _second_factor_missing(current_user):
        return redirect(url_for("auth.two_factor"))
    target = {
        Role.ADMIN: "verwaltung.index",
        Role.DESIGNER: "gestaltung.index",
        Role.ANALYST: "berichte.index",
    }[current_user.role]
    return redirect(url_for(target))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Bisheriges Passwort"), validators=[DataRequired(), Length(max=200)]
    )
    password = PasswordField(
        _l("Neues Passwort (mindestens 10 Zeichen)"),
        validators=[DataRequired(), Length(max=200)],
    )
    password_repeat = PasswordField(
        _l("Neues Passwort wiederholen"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Die Passwörter stimmen nicht überein.")),
        ],
    )


@bp.route("/passwort", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    """Staff change their own password (forced after an admin's reset)."""
    from .verwaltung.services import UserError

    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            changed = change_own_password(
                current_user, form.current_password.data or "", form.password.data or ""
            )
        except UserError as problem:
            form.password.errors = [str(problem)]
        else:
            if changed:
                login_user(current_user._get_current_object())
                flash(_("Ihr Passwort ist geändert; andere Sitzungen sind beendet."))
                return redirect(url_for("auth.staff_home"))
            form.current_password.errors = [_("Das bisherige Passwort ist falsch.")]
        return render_template("auth/change_password.html", form=form), 400
    if request.method == "POST":
        return render_template("auth/change_password.html", form=form), 400
    return render_template("auth/change_password.html", form=form)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    return local_target(target) or url_for("auth.staff_home")


from . import two_factor  # noqa: E402, F401 - registers the code routes
