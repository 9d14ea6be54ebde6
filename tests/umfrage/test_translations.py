"""Respondent pages in every respondent language: the gettext catalogues are
complete, compiled and marked for review; every respondent page renders in all
seven languages without a German message left; Accept-Language preselects."""

from __future__ import annotations

import html as html_module
import importlib.util
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from babel.messages.catalog import Message
from flask import Flask
from flask.testing import FlaskClient

from fragebogen.model import fingerprint
from fragebogen.yaml_format import load_yaml, to_data
from tests.conftest import csrf_token
from tests.umfrage.layers import add_layer
from umfrage.extensions import db
from umfrage.languages import RESPONDENT_LANGUAGES, text_direction
from umfrage.models import (
    AccessMode,
    QuestionnaireVersion,
    Survey,
    SurveyStatus,
    VersionStatus,
    local_today,
    utc_now,
)
from umfrage.models import Questionnaire as QuestionnaireRow

ROOT = Path(__file__).parents[2]
SLUG = "sprachen"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "update_translations", ROOT / "tools" / "update_translations.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _tool()
TRANSLATED = [language for language in RESPONDENT_LANGUAGES if language != "de"]


# -- catalogues ---------------------------------------------------------------------


def test_every_respondent_message_is_translated_in_every_language() -> None:
    """Read from the sources as they are now: a new respondent text fails here
    until ``tools/update_translations.py`` ran and it was translated."""
    extracted = tool.extracted_respondent_messages()
    assert len(extracted) > 140
    problems: dict[str, list[str]] = {}
    for language in TRANSLATED:
        catalogue = tool.read_catalogue(tool.catalogue_path(language))
        for key, place in extracted.items():
            message = catalogue.get(key if isinstance(key, str) else key[0])
            problem = "missing" if message is None else tool.message_problem(message)
            if problem is not None:
                problems.setdefault(language, []).append(f"{place}: {problem}: {key}")
    assert problems == {}


def test_message_problems_are_found() -> None:
    ok = Message("Schritt %(position)s von %(total)s", "Step %(position)s of %(total)s")
    assert tool.message_problem(ok) is None
    assert tool.message_problem(Message("Weiter", "")) == "untranslated"
    fuzzy = Message("Weiter", "Next", flags=["fuzzy"])
    assert tool.message_problem(fuzzy) == "fuzzy (needs review)"
    wrong = Message("etwa %(minutes)s Minuten", "about %(minute)s minutes")
    assert "placeholders" in str(tool.message_problem(wrong))
    # a plural form may leave out the number, but not add or rename one
    plural = Message(
        ("etwa %(num)s Minute", "etwa %(num)s Minuten"),
        ("حوالي %(num)s دقيقة", "حوالي دقيقة واحدة", "", "", "", ""),
    )
    assert tool.message_problem(plural) == "untranslated"
    plural.string = ("%(num)s", "دقيقة واحدة", "%(num)s", "%(num)s", "%(n)s", "x")
    assert "placeholders" in str(tool.message_problem(plural))


def test_compiled_catalogues_match_their_sources() -> None:
    stale = {language: tool.stale_compiled(language) for language in TRANSLATED}
    assert stale == {language: [] for language in TRANSLATED}
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
        "setuptools"
    ]["package-data"]["umfrage"]
    assert "translations/**/*" in package_data


def test_review_status_is_marked_in_catalogue_and_docs() -> None:
    docs = (ROOT / "docs" / "translating.md").read_text()
    for language in TRANSLATED:
        catalogue = tool.read_catalogue(tool.catalogue_path(language))
        unreviewed = catalogue.language_team.startswith("NOT REVIEWED")
        assert unreviewed == ("NOT REVIEWED" in catalogue.header_comment), language
        row = re.search(rf"^\| `{language}` \|.*$", docs, re.M)
        assert row is not None, f"docs/translating.md lists no `{language}`"
        assert ("not reviewed" in row.group().lower()) == unreviewed, row.group()


# -- pages --------------------------------------------------------------------------

_NAMES = {
    "de": ("Wie viele Kinder?", "Wo wohnen Sie?", "Sprachen"),
    "en": ("How many children?", "Where do you live?", "Languages"),
    "tr": ("Kaç çocuk?", "Nerede oturuyorsunuz?", "Diller"),
    "ar": ("كم عدد الأطفال؟", "أين تسكنون؟", "اللغات"),
    "uk": ("Скільки дітей?", "Де Ви живете?", "Мови"),
    "ru": ("Сколько детей?", "Где Вы живёте?", "Языки"),
    "pl": ("Ile dzieci?", "Gdzie Państwo mieszkają?", "Języki"),
}


def _text(index: int) -> str:
    return "\n".join(f"      {lang}: {names[index]}" for lang, names in _NAMES.items())


QUESTIONNAIRE = f"""
name: sprachen
title:
{_text(2).replace("      ", "  ")}
languages: [{", ".join(_NAMES)}]
pages:
  - name: kinder
    title:
{_text(0)}
    questions:
      - name: kinder
        type: number
        required: true
        minimum: 0
        maximum: 1500
        label:
{_text(0).replace("      ", "          ")}
  - name: wohnort
    title:
{_text(1)}
    questions:
      - name: gebiet
        type: district
        required: true
        label:
{_text(1).replace("      ", "          ")}
"""


def add_seven_language_survey(app: Flask) -> str:
    """A two-page survey (a number, a district on the Köln map) in all seven
    respondent languages; open, with invitation codes accepted."""
    questionnaire = load_yaml(QUESTIONNAIRE)
    layer_id = add_layer(app, "koeln")
    with app.app_context():
        row = QuestionnaireRow(name="Sprachen")
        version = QuestionnaireVersion(
            number=1,
            definition=to_data(questionnaire),
            fingerprint=fingerprint(questionnaire),
            status=VersionStatus.PUBLISHED,
            published_at=utc_now(),
        )
        row.versions.append(version)
        today = local_today()
        db.session.add_all(
            [
                row,
                Survey(
                    slug=SLUG,
                    title="Sprachen",
                    questionnaire_version=version,
                    district_layer_id=layer_id,
                    field_start=today - timedelta(days=1),
                    field_end=today + timedelta(days=30),
                    access_mode=AccessMode.BOTH,
                    status=SurveyStatus.OPEN,
                    languages=list(questionnaire.languages),
                ),
            ]
        )
        db.session.commit()
        db.session.remove()
    return SLUG


def _german_fragments() -> list[str]:
    """For every respondent message, its longest literal piece as it appears in
    HTML: finding one on a page in another language means a missing message."""
    catalogue = tool.read_catalogue(tool.RESPONDENT_POT)
    fragments = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in ids:
            if not text:
                continue
            piece = max(re.split(r"%\(\w+\)[sd]", text), key=len).strip()
            if len(piece) >= 8:
                fragments.add(html_module.escape(piece, quote=False))
            elif piece and len(piece) == len(text):
                fragments.add(f">{html_module.escape(piece, quote=False)}<")
    return sorted(fragments)


def _check(html: str, language: str, fragments: list[str]) -> list[str]:
    problems = []
    opening = f'<html lang="{language}" dir="{text_direction(language)}">'
    if opening not in html:
        problems.append(f"no {opening}")
    if language != "de":
        # the translation of "Cookie" is "Cookie" in English
        found = [f for f in fragments if f in html and f != ">Cookie<"]
        problems.extend(f"German left: {f}" for f in found)
    return problems


def _start_token(html: str) -> str:
    match = re.search(r'name="start" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _visit_every_page(client: FlaskClient, language: str) -> dict[str, str]:
    """Landing, a question page with an answer problem, the district map page,
    review, thank-you, code-entry error, privacy notice, accessibility statement."""
    pages = {}
    base = f"/s/{SLUG}"
    landing = client.get(f"{base}?sprache={language}").get_data(as_text=True)
    pages["landing"] = landing
    start = {"csrf_token": csrf_token(landing), "start": _start_token(landing)}
    wrong = client.post(
        f"{base}?sprache={language}", data={**start, "code": f"ZZZZZ-{language}999"}
    )
    assert wrong.status_code == 422
    pages["code error"] = wrong.get_data(as_text=True)
    resp = client.post(f"{base}?sprache={language}", data=start)
    assert resp.headers["Location"].endswith("/seite/1"), resp.status_code
    page = client.get(f"{base}/seite/1").get_data(as_text=True)
    resp = client.post(
        f"{base}/seite/1", data={"csrf_token": csrf_token(page), "kinder": "2000"}
    )
    assert resp.status_code == 422
    pages["question page, too large"] = resp.get_data(as_text=True)
    resp = client.post(
        f"{base}/seite/1", data={"csrf_token": csrf_token(page), "kinder": "2"}
    )
    assert resp.headers["Location"].endswith("/seite/2")
    page = client.get(f"{base}/seite/2").get_data(as_text=True)
    assert 'class="district-shape"' in page
    pages["district map"] = page
    resp = client.post(
        f"{base}/seite/2", data={"csrf_token": csrf_token(page), "gebiet": "5"}
    )
    assert resp.headers["Location"].endswith("/uebersicht")
    review = client.get(f"{base}/uebersicht").get_data(as_text=True)
    pages["review"] = review
    resp = client.post(f"{base}/uebersicht", data={"csrf_token": csrf_token(review)})
    assert resp.headers["Location"].endswith("/danke")
    pages["thanks"] = client.get(f"{base}/danke").get_data(as_text=True)
    for name, path in (("privacy", "/datenschutz"), ("a11y", "/barrierefreiheit")):
        pages[name] = client.get(f"{path}?sprache={language}").get_data(as_text=True)
    return pages


def test_every_respondent_page_in_every_language(app: Flask) -> None:
    add_seven_language_survey(app)
    fragments = _german_fragments()
    problems: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for language in RESPONDENT_LANGUAGES:
        for name, html in _visit_every_page(app.test_client(), language).items():
            found = _check(html, language, fragments)
            if found:
                problems[f"{language} {name}"] = found
            seen[f"{language} {name}"] = html
    assert problems == {}
    # the check can see German: the German pages are full of it
    assert sum(f in seen["de review"] for f in fragments) > 5
    # counted texts take their plural form; numbers their locale's format
    assert "Найдено" in seen["ru district map"]
    assert "від 0 до 1 500" in seen["uk question page, too large"].replace("\xa0", " ")
    assert "0 bis 1.500" in seen["de question page, too large"]
    assert "0 to 1,500" in seen["en question page, too large"]
    # mixed-language fragments carry their own language and direction
    assert (
        '<a href="/s/sprachen?sprache=ar" lang="ar" hreflang="ar" dir="rtl"'
        in (seen["uk landing"])
    )
    assert 'lang="uk" dir="ltr">Українська</span>' in seen["ar a11y"]
    assert '<bdi lang="de">Stadt Musterstadt' in seen["ar landing"]
    assert '<bdi lang="de">Stadt Musterstadt' in seen["uk a11y"]


BROWSERS = {
    "uk-UA,uk;q=0.9,en;q=0.8": "uk",
    "fr-FR,fr;q=0.9,pl;q=0.5": "pl",
    "ar-SY": "ar",
    "fr, es;q=0.5": "de",  # nothing offered: the questionnaire's first language
    "en;q=0, ru;q=0.3, *": "ru",  # q=0 means "not this one"
}


def test_accept_language_preselects_the_landing_language(app: Flask) -> None:
    add_seven_language_survey(app)
    found = {}
    for header in BROWSERS:
        client = app.test_client()
        html = client.get(f"/s/{SLUG}", headers={"Accept-Language": header})
        match = re.search(r'<html lang="(\w+)" dir="(\w+)">', html.get_data(True))
        current = re.search(
            r'<a [^>]*lang="(\w+)"[^>]*aria-current="page"', html.get_data(True)
        )
        assert match is not None
        assert current is not None
        assert match.group(2) == text_direction(match.group(1))
        found[header] = (match.group(1), current.group(1))
    assert found == {header: (lang, lang) for header, lang in BROWSERS.items()}
    # a chosen language beats the browser's
    chosen = app.test_client().get(
        f"/s/{SLUG}?sprache=tr", headers={"Accept-Language": "uk"}
    )
    assert '<html lang="tr" dir="ltr">' in chosen.get_data(as_text=True)


def test_problem_messages_and_dates_follow_the_language(app: Flask) -> None:
    from datetime import date

    from umfrage.teilnahme.chrome import format_day, ntranslate, translate

    with app.test_request_context():
        assert translate("Weiter", "uk") == "Далі"
        assert translate("Weiter", "ar-EG") == "التالي"
        assert translate("Weiter", "fa") == "Weiter"  # no catalogue: interface
        minutes: list[Any] = [
            ntranslate("etwa %(num)s Minute", "etwa %(num)s Minuten", n, "ru")
            for n in (1, 3, 5)
        ]
        assert minutes == ["примерно 1 минута", "примерно 3 минуты", "примерно 5 минут"]
        assert format_day(date(2026, 3, 1), "pl") == "1 marca 2026"
