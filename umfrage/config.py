"""Configuration: defaults, then the instance folder, then ``UMFRAGE_*`` environment
variables, then the mapping passed to ``create_app``."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask


class DefaultConfig:
    """Settings that hold unless the instance, environment or caller say otherwise."""

    DATABASE_URL: str | None = None
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    # A respondent may take a long break (ARCHITECTURE: at least 20 hours).
    PERMANENT_SESSION_LIFETIME = timedelta(hours=24)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies only over HTTPS. None means automatic: on, except in debug or testing
    # mode and on the built-in server of ``umfrage demo``/``serve``/``run`` (plain
    # http on one's own machine). UMFRAGE_SESSION_COOKIE_SECURE=true/false decides
    # explicitly (e.g. ``false`` for gunicorn without TLS in a closed network).
    SESSION_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Reverse proxies of our own in front of the app (nginx, the city's load
    # balancer): their number, so that X-Forwarded-For/-Proto are believed exactly
    # that many hops deep. 0 (default): no proxy, the forwarded headers are ignored
    # (a client could fake them). Wrong in either direction breaks rate limits.
    TRUSTED_PROXIES = 0
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    LANGUAGES = ("de", "en")
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    # Login attempts per client address (all attempts) and failed attempts per
    # username (from any address); see TRUSTED_PROXIES behind a reverse proxy.
    LOGIN_RATE_LIMIT = "10 per minute"
    LOGIN_USERNAME_RATE_LIMIT = "10 per 15 minutes"
    # argon2id cost of staff password hashes (argon2-cffi's defaults: RFC 9106's
    # low-memory choice). Existing hashes carry their own cost and keep working.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536
    # Optional second factor (TOTP from an authenticator app, umfrage.two_factor):
    # wrong codes per account; roles that must use it (e.g. ("admin",)); the name
    # the app shows beside the account.
    TWO_FACTOR_RATE_LIMIT = "5 per 5 minutes"
    TWO_FACTOR_REQUIRED_ROLES: tuple[str, ...] = ()
    TWO_FACTOR_ISSUER = "Umfrage"
    MIN_CELL_SIZE = 5
    # values with a larger coefficient of variation (SE / value) are printed in
    # parentheses, "Aussagewert eingeschränkt" (Destatis)
    PRECISION_CV_LIMIT = 0.15
    # disclosure control: cells with fewer respondents than DISCLOSURE_DOMINANCE_N
    # whose share is 0 %/100 % or within DISCLOSURE_DOMINANCE_K respondents of it
    # are suppressed; secondary suppression leaves an attacker an interval of at
    # least DISCLOSURE_PROTECTION of the value range for every suppressed cell
    DISCLOSURE_DOMINANCE_N = 10
    DISCLOSURE_DOMINANCE_K = 0
    DISCLOSURE_PROTECTION = 0.25
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    OPERATOR_NAME = "Stadt Musterstadt, Jugendamt"
    CONTACT_EMAIL = "umfrage@example.org"
    # Invitation codes (designer): most codes per batch, and how long the list
    # (CSV) and letters (PDF) can be made and downloaded at most; the batch's seed
    # and those files are erased then, or earlier when the designer confirms
    # receipt, and the codes can never be shown again.
    INVITATION_BATCH_LIMIT = 5000
    INVITATION_DOWNLOAD_HOURS = 7 * 24
    # Task queue (issue 13, umfrage/auftraege/queue.py). QUEUE_URL unset: a SQLite
    # file in the instance folder, consumed by threads of ``umfrage demo``/``serve``
    # (QUEUE_WORKERS of them), or huey's immediate mode when testing.
    # "redis://127.0.0.1:6379/0": Redis, consumed by ``umfrage worker`` processes
    # (set QUEUE_EMBEDDED=true to consume inside ``serve`` as well).
    QUEUE_URL: str | None = None
    QUEUE_NAME = "umfrage"
    QUEUE_WORKERS = 2
    QUEUE_EMBEDDED = False
    # A running job renews its lease every third of JOB_LEASE_SECONDS; a job whose
    # lease has passed lost its worker and is queued again. Attempts in all
    # (huey retries an exception after JOB_RETRY_DELAY_SECONDS).
    JOB_LEASE_SECONDS = 60
    JOB_MAX_ATTEMPTS = 3
    JOB_RETRY_DELAY_SECONDS = 10
    # Job results (files in <instance>/jobs): kept at most JOB_RESULT_DAYS, and
    # from the first download on JOB_KEEP_HOURS_AFTER_DOWNLOAD more (invitation
    # codes: until receipt is confirmed or INVITATION_DOWNLOAD_HOURS have passed).
    JOB_RESULT_DAYS = 7
    JOB_KEEP_HOURS_AFTER_DOWNLOAD = 24
    # Surveys with more complete responses than this make every report and export
    # as a job (a progress bar, then the file); smaller ones also offer them as
    # direct downloads, which take a few seconds at most.
    DIRECT_DOWNLOAD_MAX_RESPONSES = 5000
    # Surveys with more complete responses than this are not read and weighted
    # inside a page's request (seconds at 100,000): a job computes the weighting
    # and the findings after each change, and the pages show the last computed
    # state, marked as such, meanwhile (berichte/analysis_jobs.py).
    ANALYSIS_REQUEST_MAX_RESPONSES = 10000
    # During a busy field phase new responses arrive every minute: the analysis
    # of such a survey (half a minute of CPU at 100,000) is run again at most
    # this often; the pages say when the next state will be computed.
    ANALYSIS_REFRESH_MIN_SECONDS = 300
    # Where respondents reach the app, e.g. "https://umfrage.stadt.de": letters, QR
    # codes and resume links are built from it, never from the request's Host
    # header. Set it before printing letters.
    PUBLIC_URL = "http://localhost:5000"
    # Unlinkability of invitation codes (docs/security.md): submitted codes are
    # recorded together once this many of a survey are pending; batches with fewer
    # codes than INVITATION_COUNT_MIN_BATCH show no counts of submitted codes.
    SPENT_CODE_FLUSH_SIZE = 10
    INVITATION_COUNT_MIN_BATCH = 20
    # Respondent side (issue 5) -------------------------------------------------
    # Wrong invitation or resume codes per client address (hashed; a valid code is
    # never refused for its address) and per code part (first or last five
    # characters; blocks every code with that part, see teilnahme/access.py).
    RESPONDENT_CODE_RATE_LIMIT = "20 per 10 minutes"
    RESPONDENT_CODE_PART_LIMIT = "10 per hour"
    # Days a respondent cookie's handle stays valid on the server (the cookie
    # itself lasts PERMANENT_SESSION_LIFETIME from the last request).
    RESPONDENT_SESSION_DAYS = 7
    # Open surveys: new responses per client address and survey (hashed address,
    # see extensions). A school class behind one NAT address needs a higher value.
    OPEN_RESPONSE_RATE_LIMIT = "60 per hour"
    # Monitoring alert: today's started responses at least this many times the
    # usual (median) day and at least this many.
    RESPONSE_BURST_FACTOR = 5
    RESPONSE_BURST_MINIMUM = 50
    # Stated in the privacy notice: answers are deleted at the latest this many
    # months after the end of the field period.
    RESPONSE_RETENTION_MONTHS = 24
    # Contact of the data protection officer (privacy notice); empty: not shown.
    DATA_PROTECTION_OFFICER = ""
    # Accessibility statement (BITV 2.0): date of the last review, feedback contact
    # (default CONTACT_EMAIL) and the enforcement body (Schlichtungsstelle).
    ACCESSIBILITY_REVIEWED_ON = "2026-11-26"
    ACCESSIBILITY_CONTACT_EMAIL = ""
    ACCESSIBILITY_ENFORCEMENT_NAME = (
        "Schlichtungsstelle nach dem Behindertengleichstellungsgesetz (BGG)"
    )
    ACCESSIBILITY_ENFORCEMENT_URL = "https://www.schlichtungsstelle-bgg.de"
    # Questionnaire YAML import (designer): refused before loading when larger,
    # deeper, with more nodes or more aliases (&anchor/*alias) than this.
    YAML_MAX_BYTES = 2_000_000
    YAML_MAX_DEPTH = 20
    YAML_MAX_ALIASES = 50
    YAML_MAX_NODES = 20_000
    # Error pages of imports list at most this many problems (and say how many).
    MAX_SHOWN_PROBLEMS = 20
    # XLSForm and LimeSurvey uploads are read in a child process with this budget
    # (CPU and wall-clock seconds, address space); see fragebogen/isolated.py.
    IMPORT_MAX_SECONDS = 60
    IMPORT_MAX_MEMORY_MB = 1024
    # District layers (admin, issue 6) -------------------------------------------
    # Where uploaded districts may lie after reprojection to WGS84 (west, south,
    # east, north in degrees): Germany with a margin. Catches a wrong or swapped
    # coordinate system; widen it for municipalities elsewhere.
    DISTRICT_BOUNDS = (5.0, 46.5, 16.0, 55.5)
    # Uploaded layers are refused while reading beyond these: really decompressed
    # bytes of a zipped Shapefile, GeoJSON size, features, vertices in all and per
    # district (Hamburg's 104 Stadtteile have about 60,000 vertices).
    LAYER_MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
    LAYER_MAX_GEOJSON_BYTES = 24 * 1024 * 1024
    LAYER_MAX_FEATURES = 5000
    LAYER_MAX_VERTICES = 1_000_000
    LAYER_MAX_FEATURE_VERTICES = 250_000


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config`` in the documented order and derive the database URL."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("UMFRAGE", loads=_env_value)
    if overrides:
        app.config.update(overrides)

    url = (
        app.config.get("SQLALCHEMY_DATABASE_URI")
        or app.config.get("DATABASE_URL")
        or f"sqlite:///{Path(app.instance_path) / 'umfrage.sqlite'}"
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    _secure_cookies(app)


def _secure_cookies(app: Flask) -> None:
    """Resolve the automatic ``SESSION_COOKIE_SECURE`` (see ``DefaultConfig``)."""
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (
            app.debug or app.testing or _builtin_server()
        )
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])


def _builtin_server() -> bool:
    """True inside ``umfrage demo``, ``serve`` or ``run``: Werkzeug's own server
    speaks plain http, so a Secure cookie would never come back to it."""
    import click

    context = click.get_current_context(silent=True)
    return context is not None and context.info_name in {"demo", "serve", "run"}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs, as operators write them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env_value(text: str) -> Any:
    """Environment values stay strings, except obvious booleans and integers."""
    lowered = text.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered.isdigit():
        return int(lowered)
    return text


def _instance_secret_key(instance: Path) -> str:
    """Read the instance secret key, creating it (mode 0600) on first start."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
