"""Invitation and resume codes: generated at random, stored only as keyed hashes.

Codes use Crockford's base32 alphabet (no I, L, O, U), so they are easy to read
aloud and to type; input is normalised (case, spaces, hyphens, look-alikes).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def generate_code(length: int = 10) -> str:
    """A random code of ``length`` characters (10 give 50 bits)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def format_code(code: str, group: int = 5) -> str:
    """``"ABCDE12345"`` → ``"ABCDE-12345"`` for printing."""
    return "-".join(code[i : i + group] for i in range(0, len(code), group))


def normalise_code(text: str) -> str:
    """What a person typed → the canonical code (may still be invalid)."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return cleaned.translate(_LOOK_ALIKES)


def hash_code(code: str, key: str, purpose: str) -> str:
    """HMAC-SHA256 of the canonical code, keyed by the app's secret and the purpose
    (``"invitation:<survey id>"``, ``"resume"``): a copy of the database alone does
    not reveal codes, and a code works only for what it was made for."""
    message = f"{purpose}:{normalise_code(code)}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
