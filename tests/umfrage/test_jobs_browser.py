"""Invitation letters as a job in a real browser, with a real queue consumer:
the progress bar reaches 100 %, the letters are downloaded, receipt is confirmed
and the batch's codes are gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from tests.umfrage.helpers import add_demo, add_staff, shot, sign_in, submit
from umfrage.auftraege import queue
from umfrage.extensions import db
from umfrage.models import AccessMode, InvitationBatch, Survey

pytestmark = pytest.mark.browser

# A real mailing's size (issue 13: 2,000 letters), so that the bar is seen moving;
# the speed of letters is measured in benchmarks/letters_speed.py.
LETTERS = 2000


@pytest.fixture
def consumer(app: Flask, tmp_path: Path) -> Any:
    """A SQLite queue consumed by threads of this process, as in ``umfrage serve``."""
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    running = queue.start_embedded_consumer(app)
    yield running
    running.stop(graceful=True)
    queue.get_huey(app).storage.close()


def test_letters_job_progress_download_and_receipt(
    app: Flask, consumer: Any, live_server: str, browser_page: Any
) -> None:
    add_staff(app)
    add_demo(app)
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.access_mode = AccessMode.BOTH
        db.session.commit()
        survey_id = survey.id
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, "gestaltung")
    page.goto(f"{live_server}/gestaltung/umfrage/{survey_id}/codes")
    page.get_by_label("Anzahl der Codes").fill(str(LETTERS))
    submit(page.get_by_role("button", name="Codes erzeugen"))
    submit(page.get_by_role("button", name="Briefe (PDF) erstellen"))
    assert "/auftraege/" in page.url
    assert page.locator("progress#job-progress").is_visible()
    # the bar moves while the letters are made, with the count in German
    moving = page.wait_for_function(
        """() => {
            const bar = document.querySelector("progress#job-progress");
            const text = document.querySelector("#job-status-text");
            return bar && bar.value > 0 && bar.value < 100 && text.textContent;
        }"""
    )
    assert "von 2.000" in moving.json_value(), moving.json_value()
    shot(page, "job-running")
    # the script polls and reloads the page when the job is done
    download = page.get_by_role("button", name="Herunterladen")
    download.wait_for()
    assert page.locator("progress#job-progress").get_attribute("value") == "100"
    assert page.locator("#job-status-text").inner_text() == "Fertig."
    shot(page, "job-done")
    with page.expect_download() as got:
        download.click()
    pdf = Path(got.value.path()).read_bytes()
    with open(got.value.path(), "rb") as handle:
        assert len(PdfReader(handle).pages) == LETTERS
    assert pdf.startswith(b"%PDF")
    submit(
        page.get_by_role(
            "button", name="Briefe erhalten – Codes jetzt unwiderruflich löschen"
        )
    )
    assert page.get_by_text("Die Codes sind gelöscht").is_visible()
    shot(page, "job-confirmed")
    submit(page.get_by_role("link", name="Einladungscodes"))
    assert page.locator("#batches .codes-erased").inner_text() == "Codes gelöscht"
    shot(page, "codes-erased")
    with app.app_context():
        assert db.session.execute(sa.select(InvitationBatch.seed)).scalar() is None
    assert list((Path(app.instance_path) / "jobs").iterdir()) == []
