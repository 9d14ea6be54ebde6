"""Umfrage: survey design and analysis for municipal family and school surveys."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, has_request_context, session

from .config import load_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; never creates or migrates the schema."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)

    from . import auth, errors, main, security, templating
    from .auftraege.views import bp as auftraege_bp
    from .berichte.views import bp as berichte_bp
    from .gestaltung.views import bp as gestaltung_bp
    from .teilnahme.views import bp as teilnahme_bp
    from .verwaltung.views import bp as verwaltung_bp

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(teilnahme_bp)
    app.register_blueprint(gestaltung_bp)
    app.register_blueprint(berichte_bp)
    app.register_blueprint(verwaltung_bp)
    app.register_blueprint(auftraege_bp)
    errors.register(app)
    security.register(app)
    templating.register(app)

    _quiet_request_log()
    return app


def _migrations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).parent / "migrations"


def _select_locale() -> str:
    """Respondent pages speak the questionnaire's language where a respondent
    catalogue has it (``teilnahme.chrome``); staff pages the language chosen in
    the header (de/en); German by default."""
    if not has_request_context():  # a job on the queue: German by default
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    respondent = g.get("respondent_language")
    if respondent:
        from .teilnahme.chrome import chrome_language

        return chrome_language(str(respondent))
    chosen = session.get("ui_language")
    if chosen in current_app.config["LANGUAGES"]:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _quiet_request_log() -> None:
    """Werkzeug's access log writes client addresses; none may be logged."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


__all__ = ["create_app"]
