"""Respondent interface texts exist in every respondent language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from umfrage.teilnahme import texts

ROOT = Path(__file__).parents[2] / "umfrage"
TEMPLATES = [
    *sorted((ROOT / "templates" / "teilnahme").glob("*.html")),
    ROOT / "templates" / "main" / "privacy.html",
    ROOT / "templates" / "main" / "accessibility.html",
    ROOT / "templates" / "main" / "_language_links.html",
]
_CALL = re.compile(r"""_\(\s*(['"])(.+?)\1""", re.S)
_MARKED = re.compile(r"""N_\(\s*((?:"[^"]*"\s*)+)\)""", re.S)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def template_messages() -> set[str]:
    found = set()
    for path in TEMPLATES:
        found.update(match.group(2) for match in _CALL.finditer(path.read_text()))
    # the base layout's strings appear on respondent pages too
    base = (ROOT / "templates" / "base.html").read_text()
    found.update(
        m.group(2)
        for m in _CALL.finditer(base)
        if m.group(2) in texts.TEXTS or "Anmeldung" in m.group(2)
    )
    return found


def code_messages() -> set[str]:
    source = (ROOT / "teilnahme" / "texts.py").read_text()
    return {
        "".join(re.findall(r'"([^"]*)"', match.group(1)))
        for match in _MARKED.finditer(source)
    }


def test_every_respondent_text_is_translated() -> None:
    messages = template_messages() | code_messages()
    assert len(messages) > 100
    missing = {
        language: sorted(m for m in messages if language not in texts.TEXTS.get(m, {}))
        for language in ("en", "tr", "ar")
    }
    assert missing == {"en": [], "tr": [], "ar": []}


@pytest.mark.parametrize("msgid", sorted(texts.TEXTS))
def test_translations_keep_the_placeholders(msgid: str) -> None:
    wanted = set(_PLACEHOLDER.findall(msgid))
    for language, text in texts.TEXTS[msgid].items():
        assert set(_PLACEHOLDER.findall(text)) == wanted, (language, msgid)


def test_translate_falls_back_sensibly(app: Flask) -> None:
    with app.test_request_context():
        assert texts.translate("Weiter", "de") == "Weiter"
        assert texts.translate("Weiter", "ar") == "التالي"
        assert texts.translate("Weiter", "tr") == "İleri"
        assert texts.translate("Weiter", "en") == "Next"
        # a language without respondent texts gets the interface language
        assert texts.translate("Weiter", "fa") in ("Weiter", "Next")
        assert (
            texts.translate("etwa %(minutes)s Minuten", "en", minutes=4)
            == "about 4 minutes"
        )
