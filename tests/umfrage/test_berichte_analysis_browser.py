"""The analysis of a large survey as a job, in a real browser with a real queue
consumer (issue 13): the findings page shows a progress page until the job has
run and then the findings by itself; after a new response it shows the last
state, marked, and offers the new one once the next job has run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.umfrage.helpers import (
    add_complete_response,
    add_demo,
    add_staff,
    shot,
    sign_in,
)
from umfrage.auftraege import queue, runner
from umfrage.berichte import analysis_jobs, services
from umfrage.extensions import db
from umfrage.models import Survey, WeightingSetup

pytestmark = pytest.mark.browser

ANSWERS = {"einwilligung": True, "zufriedenheit_kultur": 1}


def _large_survey_and_analyst(
    app: Flask, tmp_path: Path, live_server: str, page: Any
) -> int:
    """The demo survey, too large for a request, its jobs on a queue nobody
    consumes yet, and the analyst logged in; its count of complete responses."""
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    add_staff(app)
    add_demo(app, responses=160)
    with app.app_context():
        complete = services.complete_count(db.session.get(Survey, 1))
    app.config["ANALYSIS_REQUEST_MAX_RESPONSES"] = complete - 1
    app.config["ANALYSIS_REFRESH_MIN_SECONDS"] = 0  # each new response: a job
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "auswertung")
    return complete


def test_findings_wait_for_the_analysis_job_and_follow_new_responses(
    app: Flask, tmp_path: Path, live_server: str, browser_page: Any
) -> None:
    complete = _large_survey_and_analyst(app, tmp_path, live_server, browser_page)
    page = browser_page

    # no worker yet: the progress page waits
    page.goto(f"{live_server}/berichte/1/ergebnisse")
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("Auswertung wird berechnet")
    )
    assert page.locator("progress#analysis-progress").is_visible()
    status = page.locator("#analysis-status-text")
    assert status.inner_text() == "Wartet auf einen freien Arbeitsprozess …"
    shot(page, "analysis-pending")

    consumer = queue.start_embedded_consumer(app)
    try:
        # the script sees the stored analysis and reloads: the findings
        page.locator("#findings-table").wait_for(timeout=30_000)
        assert page.url.endswith("/berichte/1/ergebnisse")
        assert page.locator("#analysis-stale").count() == 0
        shot(page, "analysis-ready")

        # a new response: the survey page shows the last state, marked
        add_complete_response(app, ANSWERS)
        page.goto(f"{live_server}/berichte/1/")
        note = page.locator("#analysis-stale")
        assert f"mit {complete} vollständigen Antworten" in note.inner_text()
        assert page.locator("#complete-count").inner_text() == f"{complete}"
        # the worker computes the new state; the page offers it
        page.get_by_role("link", name="Neuen Stand anzeigen").wait_for(timeout=30_000)
        assert page.locator("#analysis-status-text").inner_text() == (
            "Der neue Stand ist berechnet."
        )
        shot(page, "analysis-stale-ready")
        page.get_by_role("link", name="Neuen Stand anzeigen").click()
        page.locator("#complete-count").wait_for()
        assert page.locator("#analysis-stale").count() == 0
        assert page.locator("#complete-count").inner_text() == f"{complete + 1}"
    finally:
        consumer.stop(graceful=True)
        queue.get_huey(app).storage.close()


def test_a_large_survey_s_weighting_is_diagnosed_by_a_job(
    app: Flask, tmp_path: Path, live_server: str, browser_page: Any
) -> None:
    """Saving a weighting set-up of a large survey: the page waits for the job
    that merges the small cells and diagnoses it, then offers to confirm; the
    findings then wait for the new weighting's analysis."""
    _large_survey_and_analyst(app, tmp_path, live_server, browser_page)
    page = browser_page
    page.goto(f"{live_server}/berichte/1/gewichtung")
    with app.app_context():  # the unweighted analysis, as a worker would
        runner.execute(analysis_jobs.refresh_job(db.session.get(Survey, 1)).id)
        db.session.remove()
    page.goto(f"{live_server}/berichte/1/gewichtung")
    page.locator("#preview-weighting").click()  # from the stored responses
    page.wait_for_url("**#vorschau")
    assert page.locator("#merge-table tbody tr").count() > 0
    page.locator("#save-weighting").click()
    page.wait_for_url("**/gewichtung#diagnose")
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("Diagnose der Gewichtung wird berechnet")
    )
    assert "Die Gewichtung ist gespeichert" in page.locator("main").inner_text()
    shot(page, "weighting-draft-pending")

    consumer = queue.start_embedded_consumer(app)
    try:
        # the script sees the stored diagnosis and reloads: the weighting page
        page.locator("#diagnose-ok").wait_for(timeout=30_000)
        shot(page, "weighting-draft-ready")
        with app.app_context():
            setup = db.session.execute(sa.select(WeightingSetup)).scalar_one()
            assert setup.collapse["district"]  # merged by the job
            assert not setup.confirmed
        page.locator("#confirm-weighting").click()
        page.wait_for_url("**/ergebnisse")
        page.locator("#findings-table").wait_for(timeout=30_000)
        assert "Ergebnisse sind gewichtet" in page.locator("main").inner_text()
        assert page.locator("#analysis-stale").count() == 0
    finally:
        consumer.stop(graceful=True)
        queue.get_huey(app).storage.close()
