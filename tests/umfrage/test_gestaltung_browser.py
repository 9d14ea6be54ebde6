"""The designer in a real browser: build a questionnaire from scratch, publish it,
field it on the Hamburg layer with invitation codes, answer it once with a code and
see the response in the monitoring view."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.umfrage.helpers import add_demo, add_staff, shot, sign_in, submit
from umfrage.extensions import db
from umfrage.models import (
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    SpentCode,
    Survey,
    VersionStatus,
    local_today,
)

pytestmark = pytest.mark.browser


def _add_question(page: Any, kind: str, name: str, label: str) -> None:
    page.get_by_label("Fragetyp").select_option(kind)
    page.get_by_label("Variablenname").fill(name)
    page.get_by_label("Fragetext").fill(label)
    submit(page.get_by_role("button", name="Frage hinzufügen"))
    assert re.search(r"/frage/\d+$", page.url), page.url


def test_designer_builds_publishes_fields_and_monitors(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    add_staff(app)
    add_demo(app)  # the Hamburg layer (and the demo survey)
    app.config["PUBLIC_URL"] = live_server  # letters link here, whatever the Host
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    sign_in(page, live_server, "gestaltung")

    # a new questionnaire
    submit(page.get_by_role("link", name="Neuer Fragebogen"))
    page.get_by_label("Titel").fill("Elternbefragung Kita <2026>")
    page.get_by_label("Kurzname").fill("eltern_kita")
    page.get_by_label("Sprachen").fill("de")
    submit(page.get_by_role("button", name="Fragebogen anlegen"))
    overview = page.url

    # page 1: a Likert matrix and a yes/no question
    page.get_by_label("Überschrift").fill("Zufriedenheit")
    page.get_by_label("Name der Seite").fill("zufriedenheit")
    submit(page.get_by_role("button", name="Seite hinzufügen"))
    page_one = page.url
    _add_question(page, "likert_matrix", "zufr", "Wie zufrieden sind Sie mit …")
    page.get_by_label("Text der Zeile 1 (de)").fill("der Kita")
    submit(page.get_by_role("button", name="Zeile hinzufügen"))
    page.get_by_label("Text der Zeile 2 (de)").fill("den Spielplätzen")
    page.get_by_label("Pflichtfrage").check()
    submit(page.get_by_role("button", name="Frage speichern"))
    shot(page, "designer-matrix")
    assert page.locator("#items tbody tr").count() == 2
    assert page.get_by_text("Keine Probleme gefunden.").is_visible()

    page.goto(page_one)
    _add_question(page, "single_choice", "kinder", "Haben Sie Kinder unter 6 Jahren?")
    submit(page.get_by_role("button", name="Option hinzufügen"))
    submit(page.get_by_role("button", name="Option hinzufügen"))
    page.get_by_label("Wert der Option 1").fill("ja")
    page.get_by_label("Beschriftung der Option 1 (de)").fill("Ja")
    page.get_by_label("Wert der Option 2").fill("nein")
    page.get_by_label("Beschriftung der Option 2 (de)").fill("Nein")
    submit(page.get_by_role("button", name="Frage speichern"))
    # reorder without JavaScript-only tricks: the second option moves up and back
    submit(page.get_by_role("button", name="Option 2 nach oben"))
    assert page.get_by_label("Wert der Option 1").input_value() == "nein"
    submit(page.get_by_role("button", name="Option 1 nach unten"))
    assert page.get_by_label("Wert der Option 1").input_value() == "ja"

    # page 2: the district and a question shown only to parents of small children
    page.goto(overview)
    page.get_by_label("Überschrift").fill("Wohnort")
    page.get_by_label("Name der Seite").fill("wohnort")
    submit(page.get_by_role("button", name="Seite hinzufügen"))
    _add_question(page, "district", "sozialraum", "In welchem Stadtteil wohnen Sie?")
    page.get_by_label("Pflichtfrage").check()
    submit(page.get_by_role("button", name="Frage speichern"))
    submit(page.get_by_role("link", name=re.compile("Seite 2")).first)
    _add_question(page, "long_text", "wunsch", "Was wünschen Sie sich von der Kita?")
    relevant = page.get_by_label("Filter: Frage nur zeigen, wenn …")
    relevant.fill("selected(${kinder}, 'ja'")
    # immediate feedback from the validation endpoint while typing
    feedback = page.locator("#relevant-pruefung")
    feedback.filter(has_text="Stelle").wait_for()
    submit(page.get_by_role("button", name="Frage speichern"))
    assert page.locator(".field-error", has_text="Stelle").first.is_visible()
    shot(page, "designer-expression-error")
    relevant.fill("selected(${kinder}, 'ja')")
    feedback.filter(has_text="in Ordnung").wait_for()
    submit(page.get_by_role("button", name="Frage speichern"))
    assert page.get_by_label("Filter: Frage nur zeigen, wenn …").input_value() == (
        "selected(${kinder}, 'ja')"
    )

    # preview page 1 as a respondent (nothing stored)
    page.goto(overview)
    submit(page.get_by_role("link", name="Vorschau").first)
    assert page.locator("fieldset.matrix").count() == 1
    shot(page, "designer-preview")

    # publish
    page.goto(overview)
    assert page.get_by_text("Keine Probleme gefunden.").is_visible()
    submit(page.get_by_role("button", name="Version 1 veröffentlichen"))
    assert page.get_by_text("Version 1 ist veröffentlicht und kann nicht").is_visible()
    shot(page, "designer-published")

    # a survey on the Hamburg layer, invitation codes only
    submit(page.get_by_role("link", name="Befragung anlegen"))
    page.get_by_label("Titel der Befragung").fill("Elternbefragung Kita 2026")
    page.get_by_label("Adresse: /s/…").fill("eltern-2026")
    page.get_by_label("Gebietsgliederung").select_option(label="Hamburg – Stadtteile")
    today = local_today()
    page.get_by_label("Feldzeit von").fill(today.isoformat())
    page.get_by_label("Feldzeit bis").fill((today + timedelta(days=30)).isoformat())
    page.get_by_label("Nur mit Einladungscode").check()
    page.get_by_label("Antworten löschen am").fill(
        (today + timedelta(days=400)).isoformat()
    )
    submit(page.get_by_role("button", name="Befragung anlegen"))
    submit(page.get_by_role("button", name="Befragung öffnen"))
    assert page.locator("#survey-status").inner_text() == "Im Feld"

    # three codes, each file downloadable once
    submit(page.get_by_role("link", name="Einladungscodes"))
    page.get_by_label("Anzahl der Codes").fill("3")
    submit(page.get_by_role("button", name="Codes erzeugen"))
    submit(page.get_by_role("button", name="Liste (CSV) erstellen"))
    with page.expect_download() as listed:  # a job, done at once in tests
        page.get_by_role("button", name="Herunterladen").click()
    rows = list(
        csv.DictReader(
            io.StringIO(Path(listed.value.path()).read_text(encoding="utf-8-sig")),
            delimiter=";",
        )
    )
    assert len(rows) == 3
    submit(page.get_by_role("link", name="Einladungscodes"))
    submit(page.get_by_role("button", name="Briefe (PDF) erstellen"))
    with page.expect_download() as printed:
        page.get_by_role("button", name="Herunterladen").click()
    assert Path(printed.value.path()).read_bytes().startswith(b"%PDF")
    submit(page.get_by_role("link", name="Einladungscodes"))
    assert page.get_by_text("Briefe (PDF): fertig").is_visible()
    shot(page, "designer-codes")

    # a respondent follows the QR link, which brings the code along in its
    # fragment (never sent to a server): the page's script fills it in
    link = rows[0]["link"]
    assert link == f"{live_server}/s/eltern-2026#code={rows[0]['code']}"
    respondent = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}
    )
    answer = respondent.new_page()
    answer.goto(link)
    assert answer.locator("#einladungscode").input_value() == rows[0]["code"]
    assert "#" not in answer.url  # removed from the address bar and history
    submit(answer.get_by_role("button", name="Befragung starten"))
    for fieldset in answer.locator("fieldset.matrix-item").all():
        fieldset.locator("input[type=radio]").nth(3).check()
    answer.get_by_label("Ja", exact=True).check()
    submit(answer.get_by_role("button", name="Weiter"))
    answer.get_by_label("Gebiet aus der Liste wählen").select_option(label="Hamm")
    answer.get_by_label("Was wünschen Sie sich von der Kita?").fill(
        "Längere Öffnungszeiten"
    )
    submit(answer.get_by_role("button", name="Zur Übersicht Ihrer Antworten"))
    submit(answer.get_by_role("button", name="Antworten absenden"))
    assert "/danke" in answer.url, answer.content()[:2000]
    respondent.close()

    with app.app_context():
        survey = db.session.execute(
            sa.select(Survey).where(Survey.slug == "eltern-2026")
        ).scalar_one()
        response = db.session.execute(
            sa.select(Response).where(Response.survey_id == survey.id)
        ).scalar_one()
        assert response.status == ResponseStatus.COMPLETE
        assert response.answers["wunsch"] == "Längere Öffnungszeiten"
        assert response.questionnaire_version_id == survey.questionnaire_version_id
        version = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id)
        assert version is not None
        assert version.status == VersionStatus.PUBLISHED
        spent = db.session.execute(
            sa.select(sa.func.count()).where(SpentCode.survey_id == survey.id)
        ).scalar_one()
        assert spent == 1
        survey_id = survey.id

    # the designer sees the response in the monitoring view
    page.goto(f"{live_server}/gestaltung/umfrage/{survey_id}")
    assert page.locator("#total-complete").inner_text() == "1"
    hamm = page.locator(
        "#returns-by-district tr",
        has=page.locator("th", has_text=re.compile(r"^Hamm$")),
    )
    assert hamm.locator("td.num").first.inner_text() == "1"
    assert page.locator("#responses-per-day tbody tr").count() == 1
    shot(page, "designer-monitor")
    assert all(url.startswith(live_server) for url in requested), requested


def test_expression_typed_before_the_script_runs_is_checked(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    """Issue 17 (a flake under load): the designer's script is deferred, so on a
    slow machine text can be typed before it listens for input. It checks what
    was typed as soon as it runs. The script is held back here until the field
    is filled, which makes the slow machine certain."""
    add_staff(app)
    add_demo(app)
    page = browser_page
    held: list[Any] = []
    page.route("**/gestaltung/gestaltung.js", lambda route: held.append(route))
    sign_in(page, live_server, "gestaltung")
    page.wait_for_url(re.compile(r"/gestaltung/"))
    # the held script blocks DOMContentLoaded and load: wait for the field only
    page.goto(
        f"{live_server}/gestaltung/fragebogen/1/seite/2/frage/1", wait_until="commit"
    )
    field = page.get_by_label("Filter: Frage nur zeigen, wenn …")
    field.fill("selected(${kinder_anzahl}, 'ja'")
    assert held, "the page did not ask for its script"
    for route in held:
        route.continue_()
    page.locator("#relevant-pruefung").filter(has_text="Stelle").wait_for()
