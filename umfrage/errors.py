"""Error pages: every error a respondent or staff member can meet has a page."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

_PAGES = {400, 403, 404, 405, 413, 429}
_RESPONDENT_PAGES = {400, 404, 405, 429}


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return render_template("errors/400.html", reason="csrf"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        if code >= 500:
            return render_template("errors/500.html"), code
        if code in _RESPONDENT_PAGES:
            # under /s/<survey>: the page speaks the survey's language
            from .teilnahme.views import respondent_error

            shown = respondent_error(code)
            if shown is not None:
                return shown
        template = f"errors/{code}.html" if code in _PAGES else "errors/400.html"
        return render_template(template, reason=None), code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Any:
        # Logged with its traceback, never with request data (no answers, no IPs).
        log.exception("unhandled %s", type(error).__name__)
        return render_template("errors/500.html"), InternalServerError.code
