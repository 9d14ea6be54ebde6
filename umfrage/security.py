"""Response headers for every route and the reverse-proxy setting.

Every page, file and error the app sends carries the same policy: nothing from other
hosts, no inline script, no framing (clickjacking), no referrer, no MIME sniffing,
and HSTS whenever cookies are HTTPS-only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as HttpResponse

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def local_target(target: str | None) -> str | None:
    """``target`` if it is a same-site path to redirect to, else None.

    Refused: absolute and scheme-relative URLs (``//host``, ``/\\host``, which
    browsers read as ``//host``) and any control character (a line break would
    split the ``Location`` header).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def register(app: Flask) -> None:
    """Install the header hook and, if configured, trust ``TRUSTED_PROXIES``."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies < 0:
        raise ValueError("TRUSTED_PROXIES must be 0 or more")
    if proxies:
        # Only as many X-Forwarded-* entries as there are proxies of our own are
        # believed; a client cannot fake its address past them.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0
        )
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))

    @app.after_request
    def _security_headers(response: HttpResponse) -> HttpResponse:
        headers = response.headers
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if secure:
            headers["Strict-Transport-Security"] = HSTS
        return response
