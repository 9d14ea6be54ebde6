"""Placeholders and markup that a translation must keep: answers shown in the text
(``${name}``), ``{name}`` and ``%(name)s`` placeholders, HTML tags and the markdown
of bold text and links."""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["markup_difference", "markup_tokens"]

_TOKEN = re.compile(
    r"\$\{\s*(?P<ref>[A-Za-z_][A-Za-z0-9_]*)\s*\}"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}"
    r"|%\((?P<percent>[A-Za-z_][A-Za-z0-9_]*)\)[sdf]"
    r"|<(?P<close>/?)(?P<tag>[A-Za-z][A-Za-z0-9]*)\b[^<>]*>"
    r"|(?P<bold>\*\*|__)"
    r"|\]\((?P<link>[^)\s]*)\)"
)


def markup_tokens(text: str) -> Counter[str]:
    """The placeholders and markup in ``text``, normalised and counted."""
    tokens: Counter[str] = Counter()
    for match in _TOKEN.finditer(text):
        if match.group("ref"):
            tokens["${" + match.group("ref") + "}"] += 1
        elif match.group("name"):
            tokens["{" + match.group("name") + "}"] += 1
        elif match.group("percent"):
            tokens["%(" + match.group("percent") + ")"] += 1
        elif match.group("tag"):
            tokens[f"<{match.group('close')}{match.group('tag').lower()}>"] += 1
        elif match.group("bold"):
            tokens[match.group("bold")] += 1
        else:
            tokens[f"]({match.group('link')})"] += 1
    return tokens


def markup_difference(source: str, target: str) -> tuple[list[str], list[str]]:
    """(missing, extra): placeholders and markup of ``source`` that ``target`` lacks,
    and those ``target`` has beyond the source."""
    wanted, found = markup_tokens(source), markup_tokens(target)
    return sorted((wanted - found).elements()), sorted((found - wanted).elements())
