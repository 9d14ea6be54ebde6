"""Jobs on the task queue: the page in its states, retries, who sees which job,
and two real consumer processes (SQLite queue with a worker killed mid-job, and
Redis)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import create_schema, csrf_token, login, make_app
from tests.umfrage.helpers import PASSWORD, add_staff
from umfrage.auftraege import queue, runner
from umfrage.extensions import db
from umfrage.models import Job, JobStatus, User

ROOT = Path(__file__).parents[2]


CALLS = {"flaky": 0}


def _flaky(job: Job, progress: Any) -> runner.JobResult:
    """Fails with an unexpected error on its first two calls, then succeeds."""
    progress(1, 2)
    CALLS["flaky"] += 1
    if CALLS["flaky"] <= 2:
        raise RuntimeError("boom")
    return runner.JobResult(b"ok", "ok.txt", "text/plain")


def _refused(job: Job, progress: Any) -> runner.JobResult:
    raise runner.JobError("Der Stapel ist gelöscht.")


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    CALLS["flaky"] = 0
    extra = {
        "test_flaky": runner.JobKind(_flaky),
        "test_refused": runner.JobKind(_refused),
    }
    app_kinds = runner.kinds
    monkeypatch.setattr(runner, "kinds", lambda: {**app_kinds(), **extra})
    from umfrage.auftraege import services, views

    monkeypatch.setattr(services, "kinds", runner.kinds)
    monkeypatch.setattr(views, "kinds", runner.kinds)


def _new_job(app: Flask, kind: str, username: str) -> int:
    from umfrage.auftraege.services import create_job

    with app.app_context():
        owner = db.session.execute(
            sa.select(User.id).where(User.username == username)
        ).scalar_one()
        return create_job(kind, f"Test {kind}", owner, {}).id


def test_failed_job_shows_why_and_is_retried(app: Flask, kinds: None) -> None:
    # JOB_MAX_ATTEMPTS is 3 by default: make it 2 (huey retries once, at once)
    app.config["JOB_MAX_ATTEMPTS"] = 2
    add_staff(app)
    designer = app.test_client()
    login(designer, "gestaltung", PASSWORD)
    job_id = _new_job(app, "test_flaky", "gestaltung")
    page = designer.get(f"/auftraege/{job_id}").get_data(as_text=True)
    assert "Ein unerwarteter Fehler ist aufgetreten" in page
    assert "boom" not in page  # no traceback for the clerk
    assert "Erneut versuchen" in page
    assert CALLS["flaky"] == 2
    assert designer.get(f"/auftraege/{job_id}/stand").json["status"] == "failed"
    token = csrf_token(page)
    resp = designer.post(f"/auftraege/{job_id}/erneut", data={"csrf_token": token})
    assert resp.status_code == 302
    state = designer.get(f"/auftraege/{job_id}/stand").json
    assert state == {"status": "done", "done": 2, "total": 2, "percent": 100}
    page = designer.get(f"/auftraege/{job_id}").get_data(as_text=True)
    assert "Herunterladen" in page
    got = designer.post(f"/auftraege/{job_id}/datei", data={"csrf_token": token})
    assert got.data == b"ok"
    # a JobError is final and tells its message
    refused = _new_job(app, "test_refused", "gestaltung")
    page = designer.get(f"/auftraege/{refused}").get_data(as_text=True)
    assert "Der Stapel ist gelöscht." in page
    with app.app_context():
        assert db.session.get(Job, refused).attempts == 1
    # without a CSRF token nothing happens
    assert designer.post(f"/auftraege/{refused}/erneut").status_code == 400


def test_staff_see_only_their_own_jobs(app: Flask, kinds: None) -> None:
    add_staff(app)
    job_id = _new_job(app, "test_refused", "gestaltung")
    analyst = app.test_client()
    login(analyst, "auswertung", PASSWORD)
    assert analyst.get(f"/auftraege/{job_id}").status_code == 404
    assert analyst.get(f"/auftraege/{job_id}/stand").status_code == 404
    assert f"/auftraege/{job_id}" not in analyst.get("/auftraege/").get_data(
        as_text=True
    )
    admin = app.test_client()
    login(admin, "admin", PASSWORD)
    assert admin.get(f"/auftraege/{job_id}").status_code == 200
    assert f"/auftraege/{job_id}" in admin.get("/auftraege/").get_data(as_text=True)


def test_results_expire_after_download(app: Flask, kinds: None) -> None:
    app.config["JOB_KEEP_HOURS_AFTER_DOWNLOAD"] = 0
    add_staff(app)
    designer = app.test_client()
    login(designer, "gestaltung", PASSWORD)
    CALLS["flaky"] = 2
    job_id = _new_job(app, "test_flaky", "gestaltung")
    token = csrf_token(designer.get(f"/auftraege/{job_id}").get_data(as_text=True))
    with app.app_context():
        path = runner.result_file(db.session.get(Job, job_id))
    assert path is not None
    assert path.read_bytes() == b"ok"
    assert designer.post(f"/auftraege/{job_id}/datei", data={"csrf_token": token})
    page = designer.get(f"/auftraege/{job_id}").get_data(as_text=True)
    assert "Das Ergebnis wurde gelöscht" in page
    assert not path.exists()


# --- real consumer processes --------------------------------------------------


def _worker(database_url: str, queue_url: str, instance: Path, name: str) -> Any:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.umfrage.job_worker",
            database_url,
            queue_url,
            str(instance),
            name,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: Any) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(app: Flask, job_id: int, check: Any, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            job = db.session.get(Job, job_id)
            assert job is not None
            db.session.expunge(job)
        if check(job):
            return job
        assert time.monotonic() < deadline, f"job {job_id}: {job.status}"
        time.sleep(0.1)


@pytest.fixture
def queue_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    queue_url = request.param.format(tmp=tmp_path)
    app = make_app(
        url,
        tmp_path,
        QUEUE_URL=queue_url,
        QUEUE_NAME=f"umfrage-test-{uuid.uuid4().hex[:8]}",
    )
    create_schema(app)
    yield app
    huey = app.extensions.get(queue.EXTENSION)
    if huey is not None:
        huey.flush()
        if hasattr(huey.storage, "close"):
            huey.storage.close()
    with app.app_context():
        db.engine.dispose()


def _queue_job(app: Flask, steps: int) -> int:
    with app.app_context():
        job = Job(kind="test_steps", title="Schritte", params={"steps": steps})
        job.status = JobStatus.QUEUED
        job.progress_done = job.progress_total = job.attempts = 0
        db.session.add(job)
        db.session.commit()
        queue.enqueue(job.id)
        return job.id


@pytest.mark.parametrize("queue_app", ["sqlite:///{tmp}/queue.sqlite"], indirect=True)
def test_worker_killed_mid_job_leaves_it_retried(queue_app: Flask) -> None:
    app = queue_app
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    name = app.config["QUEUE_NAME"]
    queue_url = app.config["QUEUE_URL"]
    instance = Path(app.instance_path)
    job_id = _queue_job(app, 30)
    first = _worker(database_url, queue_url, instance, name)
    try:
        _wait_for(app, job_id, lambda j: j.progress_done >= 5)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        _stop(first)
    killed = _wait_for(app, job_id, lambda j: True)
    assert killed.status == JobStatus.RUNNING
    assert killed.progress_done < 30
    second = _worker(database_url, queue_url, instance, name)
    try:
        done = _wait_for(app, job_id, lambda j: j.status == JobStatus.DONE)
    finally:
        _stop(second)
    assert done.attempts == 2
    assert (instance / "jobs" / str(done.result_path)).read_bytes() == b"30 steps"


@pytest.mark.parametrize("queue_app", ["redis://127.0.0.1:6379/0"], indirect=True)
def test_redis_worker_runs_a_job(queue_app: Flask) -> None:
    app = queue_app
    job_id = _queue_job(app, 3)
    worker = _worker(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["QUEUE_URL"],
        Path(app.instance_path),
        app.config["QUEUE_NAME"],
    )
    try:
        done = _wait_for(app, job_id, lambda j: j.status == JobStatus.DONE)
    finally:
        _stop(worker)
    assert done.attempts == 1
    assert done.result_size == len(b"3 steps")


def test_unreachable_queue_fails_the_job_with_a_message(
    app: Flask, kinds: None
) -> None:
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    add_staff(app)
    job_id = _new_job(app, "test_refused", "gestaltung")
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        assert job.status == JobStatus.FAILED
        assert "Warteschlange" in str(job.error_message)
        queue.get_huey(app).storage.conn.close()
