"""Absolute addresses for letters, QR codes and resume links.

They are built from the configured ``PUBLIC_URL``, never from the request's Host
header: a forged Host must not end up in printed letters or in a link a respondent
bookmarks.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def public_url(endpoint: str, **values: Any) -> str:
    """``PUBLIC_URL`` + the endpoint's path (with the app's script root, if any)."""
    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    return base + url_for(endpoint, **values)
