"""Optional second factor for staff logins: time-based one-time codes (TOTP,
RFC 6238, via pyotp) from any authenticator app.

A staff member turns it on at ``/zwei-faktor`` (scan the QR code, confirm one
code); from then on the login asks for a code after the password. Each code is
accepted once (the last used time step is stored), a wrong code counts against
a per-account limit and is audited. ``TWO_FACTOR_REQUIRED_ROLES`` (e.g.
``("admin",)``) makes it compulsory for those roles: they are sent to the set-up
page until it is on. An admin can switch it off for an account whose phone is
lost; that ends the account's sessions.
"""

from __future__ import annotations

import time
from typing import Any

import pyotp
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from reportlab.graphics.barcode import qrencoder
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .audit import record
from .auth import (
    bp,
    failed_attempt,
    safe_next,
    second_factor_required,
    verify_password,
)
from .extensions import db, limiter
from .models import User

#: Seconds between the password and the code of one login.
PENDING_SECONDS = 300
PENDING_KEY = "two_factor_pending"


class CodeForm(FlaskForm):
    code = StringField(
        _l("Sechsstelliger Code aus der App"),
        validators=[DataRequired(), Length(max=12)],
    )


class DisableForm(FlaskForm):
    password = PasswordField(
        _l("Passwort"), validators=[DataRequired(), Length(max=200)]
    )
    code = StringField(
        _l("Aktueller Code aus der App"), validators=[DataRequired(), Length(max=12)]
    )


# ---------------------------------------------------------------------- codes
def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def _step_of(secret: str, code: str) -> int | None:
    """The time step whose code ``code`` is, within one step of now; None if
    it is none of them."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return None
    totp = _totp(secret)
    now = int(time.time())
    for offset in (0, -1, 1):
        at = now + offset * totp.interval
        if totp.verify(code, for_time=at, valid_window=0):
            return int(at // totp.interval)
    return None


def check_code(user: User, code: str) -> bool:
    """Accept ``code`` once: a code of a step already used is refused (the
    caller commits the new last step)."""
    if not user.totp_secret:
        return False
    step = _step_of(user.totp_secret, code)
    if step is None or step <= (user.totp_last_step or 0):
        return False
    user.totp_last_step = step
    return True


def provisioning_uri(user: User, secret: str) -> str:
    issuer = str(current_app.config.get("TWO_FACTOR_ISSUER", "Umfrage"))
    return _totp(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def qr_svg(text: str) -> Markup:
    """``text`` as an inline SVG QR code (reportlab's encoder). Colours are
    presentation attributes, not inline styles, which the CSP would block."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    count = code.getModuleCount()
    quiet = 4
    path = "".join(
        f"M{column + quiet} {row + quiet}h1v1h-1z"
        for row in range(count)
        for column in range(count)
        if code.isDark(row, column)
    )
    size = count + 2 * quiet
    return Markup(
        f'<svg role="img" aria-label="QR-Code" class="qr-code" width="200" '
        f'height="200" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" '
        f'xmlns="http://www.w3.org/2000/svg"><rect width="{size}" height="{size}" '
        f'fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )


# ---------------------------------------------------------------------- login
def start_second_step(user: User, next_target: str | None) -> Any:
    """After a right password: remember who is half logged in, ask for a code."""
    session[PENDING_KEY] = {
        "user": user.id,
        "version": user.session_version,
        "at": int(time.time()),
        "next": next_target or "",
    }
    return redirect(url_for("auth.login_code"))


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = db.session.get(User, int(pending.get("user", 0)))
    if user is None or not user.active or not user.totp_secret:
        return None
    if user.session_version != pending.get("version"):
        return None
    return user


def _pending_key() -> str:
    pending = session.get(PENDING_KEY)
    user = pending.get("user") if isinstance(pending, dict) else None
    return f"totp-user:{user}"


def _code_limit() -> str:
    return str(current_app.config["TWO_FACTOR_RATE_LIMIT"])


@bp.route("/anmelden/code", methods=["GET", "POST"])
@limiter.limit(
    _code_limit, key_func=_pending_key, methods=["POST"], deduct_when=failed_attempt
)
def login_code() -> Any:
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Bitte melden Sie sich erneut an."))
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if check_code(user, form.code.data or ""):
            db.session.commit()
            target = session.pop(PENDING_KEY, {}).get("next")
            login_user(user)
            return redirect(safe_next(target))
        db.session.rollback()
        record(user.id, "failed_second_factor", f"user:{user.username}")
        db.session.commit()
        form.code.errors = [_("Der Code stimmt nicht oder wurde schon verwendet.")]
        return render_template("auth/login_code.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login_code.html", form=form), status


# ---------------------------------------------------------------------- set-up
SETUP_KEY = "two_factor_setup"


@bp.route("/zwei-faktor", methods=["GET", "POST"])
@login_required
def two_factor() -> Any:
    """Turn the second factor on (scan, confirm a code) or off (password and
    code)."""
    user = current_user._get_current_object()
    if user.totp_secret:
        return _disable(user)
    secret = session.get(SETUP_KEY)
    if not isinstance(secret, str) or not secret:
        secret = pyotp.random_base32()
        session[SETUP_KEY] = secret
    form = CodeForm()
    status = 200
    if request.method == "POST":
        valid = form.validate_on_submit()
        step = _step_of(secret, form.code.data or "") if valid else None
        if step is not None:
            user.totp_secret = secret
            user.totp_last_step = step
            user.end_sessions()
            record(user.id, "enable_second_factor", f"user:{user.username}")
            db.session.commit()
            session.pop(SETUP_KEY, None)
            login_user(user)
            flash(
                _(
                    "Die Anmeldung mit zweitem Faktor ist eingeschaltet; andere "
                    "Sitzungen sind beendet."
                )
            )
            return redirect(url_for("auth.staff_home"))
        if not form.code.errors:
            form.code.errors = [
                _("Der Code stimmt nicht. Bitte den aktuellen Code eingeben.")
            ]
        status = 400
    return (
        render_template(
            "auth/two_factor.html",
            form=form,
            secret=secret,
            qr=qr_svg(provisioning_uri(user, secret)),
            required=second_factor_required(user),
        ),
        status,
    )


def _disable(user: User) -> Any:
    form = DisableForm()
    status = 200
    if request.method == "POST":
        if second_factor_required(user):
            abort(403)
        if (
            form.validate_on_submit()
            and verify_password(user, form.password.data or "")
            and check_code(user, form.code.data or "")
        ):
            user.totp_secret = None
            user.totp_last_step = 0
            user.end_sessions()
            record(user.id, "disable_second_factor", f"user:{user.username}")
            db.session.commit()
            login_user(user)
            flash(_("Die Anmeldung mit zweitem Faktor ist ausgeschaltet."))
            return redirect(url_for("auth.two_factor"))
        db.session.rollback()
        if not form.errors:
            form.code.errors = [_("Passwort oder Code stimmt nicht.")]
        status = 400
    return (
        render_template(
            "auth/two_factor.html",
            form=form,
            enabled=True,
            required=second_factor_required(user),
        ),
        status,
    )


def reset_for(actor_id: int, user: User) -> None:
    """An admin switches the second factor off (lost phone); ends the account's
    sessions (the caller commits)."""
    user.totp_secret = None
    user.totp_last_step = 0
    user.end_sessions()
    record(actor_id, "reset_second_factor", f"user:{user.username}")
