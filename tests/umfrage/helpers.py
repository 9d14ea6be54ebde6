"""Helpers for umfrage tests: staff users, the demo survey, filling pages."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from fragebogen.model import Page, Question, QuestionType
from umfrage import demo
from umfrage.extensions import db
from umfrage.models import Role
from umfrage.verwaltung.services import create_user

PASSWORD = "richtig-geheim-1"

#: Set UMFRAGE_SCREENSHOTS to a folder to keep a picture of each page state the
#: browser tests reach (for looking at them).
SHOTS = os.environ.get("UMFRAGE_SCREENSHOTS")
STAFF = {"admin": Role.ADMIN, "gestaltung": Role.DESIGNER, "auswertung": Role.ANALYST}


def add_complete_response(
    app: Flask, answers: dict[str, Any], district_code: str = "0201"
) -> None:
    """One more complete response to survey 1, in the demo district given."""
    from umfrage.models import Survey

    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        complete_response(survey, answers, district_code)


def complete_response(
    survey: Any, answers: dict[str, Any], district_code: str | None
) -> None:
    """One more complete response to ``survey`` (in the app context), in the
    district with that code (none: without a district)."""
    import sqlalchemy as sa

    from umfrage.models import District, Response, ResponseStatus

    district = db.session.execute(
        sa.select(District).where(District.code == district_code)
    ).scalar_one_or_none()
    assert district is not None or district_code is None, district_code
    db.session.add(
        Response(
            survey_id=survey.id,
            questionnaire_version_id=survey.questionnaire_version_id,
            language="de",
            status=ResponseStatus.COMPLETE,
            answers=answers,
            district_id=district.id if district else None,
            started_on=date(2026, 11, 1),
            completed_on=date(2026, 11, 1),
        )
    )
    db.session.commit()


def add_staff(app: Flask) -> None:
    with app.app_context():
        for username, role in STAFF.items():
            create_user(username, role, PASSWORD)


def add_demo(app: Flask, responses: int = 0) -> str:
    """The Hamburg layer and family survey (optionally synthetic responses)."""
    with app.app_context():
        result = demo.load_demo(responses=responses, seed=7)
        db.session.remove()
    return result.survey_slug


def page_answers(page: Page, district_code: str) -> dict[str, Any]:
    """Valid form data for a page of the demo family survey, as a browser sends it."""
    data: dict[str, Any] = {}
    for question in page.questions:
        data.update(_question_answer(question, district_code))
    return data


def _question_answer(question: Question, district_code: str) -> dict[str, Any]:
    substantive = [o for o in question.options if not o.missing]
    name = question.name
    kind = question.type
    if kind == QuestionType.INFO:
        return {}
    if kind == QuestionType.DISTRICT:
        return {name: district_code}
    if kind == QuestionType.LIKERT_MATRIX:
        return {item.name: str(substantive[-1].code) for item in question.items}
    if kind == QuestionType.LIKERT:
        return {name: str(substantive[-2].code)}
    if kind == QuestionType.SINGLE_CHOICE:
        return {name: str(substantive[0].code)}
    if kind == QuestionType.MULTIPLE_CHOICE:
        plain = [o for o in substantive if not o.exclusive and not o.other]
        return {name: [str(plain[0].code)]}
    if kind == QuestionType.NUMBER:
        return {name: str(int(question.minimum or 1))}
    if kind == QuestionType.YEAR:
        return {name: str(int(question.maximum or 2020))}
    if kind == QuestionType.DATE:
        return {name: "2020-05-01"}
    if kind == QuestionType.CONSENT:
        return {name: "y"}
    if kind == QuestionType.LONG_TEXT:
        return {name: "Mehr Kurse </para> <b>abends</b>"}
    return {name: "Text"} if question.required else {}


def send_review(client: Any, location: str) -> Any:
    """On the review page at ``location``, press "Antworten absenden"."""
    from tests.conftest import csrf_token

    assert location.endswith("/uebersicht"), location
    page = client.get(location)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return client.post(
        location, data={"csrf_token": csrf_token(page.get_data(as_text=True))}
    )


def codes_file(
    client: Any, codes_url: str, batch_id: int, kind: str, **extra: Any
) -> Any:
    """Make a batch's list ("liste") or letters ("briefe") as a job (huey's
    immediate mode in tests: done when the POST returns) and download the file."""
    from tests.conftest import csrf_token

    token = csrf_token(client.get(codes_url).get_data(as_text=True))
    made = client.post(
        f"{codes_url}/{batch_id}/{kind}", data={"csrf_token": token}, **extra
    )
    if made.status_code != 302:
        return made
    job_url = made.headers["Location"]
    return client.post(f"{job_url}/datei", data={"csrf_token": token}, **extra)


def follow_job(client: Any, resp: Any) -> Any:
    """An upload is answered with its job's page; in the tests' immediate queue
    the job has run meanwhile: the page leads on (302 to the preview, report or
    draft) or shows why the job failed (200)."""
    import re

    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    location = resp.headers["Location"]
    assert re.fullmatch(r"/auftraege/\d+", location), location
    return client.get(location)


def last_job(app: Flask, kind: str) -> tuple[str, str | None]:
    """(status, error message) of the newest job of ``kind``."""
    import sqlalchemy as sa

    from umfrage.models import Job

    with app.app_context():
        job = db.session.execute(
            sa.select(Job).where(Job.kind == kind).order_by(Job.id.desc()).limit(1)
        ).scalar_one()
        return job.status.value, job.error_message


def finish_import(client: Any, resp: Any) -> Any:
    """Follow a questionnaire import's job: its report (200), the new draft (302
    to the editor) or the failed job's page (200)."""
    import re

    page = follow_job(client, resp)
    location = page.headers.get("Location", "")
    if re.fullmatch(r"/gestaltung/fragebogen/importieren/\d+", location):
        return client.get(location)
    return page


def shot(page: Any, name: str) -> None:
    """A full-page screenshot ``name``.png in UMFRAGE_SCREENSHOTS, if it is set."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def submit(button: Any) -> None:
    """Click ``button`` and wait until the page the browser is sent to has loaded.

    A click returns once it is dispatched, not once the next page is there, and
    ``page.url``, ``locator.all()`` and ``wait_for_load_state()`` do not wait for a
    navigation that has not begun: read straight after the click, they may see the
    page that was left.
    """
    with button.page.expect_navigation():
        button.click()


def sign_in(page: Any, base: str, username: str) -> None:
    """Sign ``username`` (one of :data:`STAFF`) in through the login form."""
    page.goto(f"{base}/anmelden")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    submit(page.get_by_role("button", name="Anmelden", exact=True))
