"""Uploads as jobs with a real (SQLite) queue that no consumer takes from until the
test runs the job: the upload request only stores the file; a worker killed while
reading it leaves the job queued again with its file, and the next worker stages
the upload; a server error while reading keeps the file for the retry, which
removes it; a hostile file fails its job and leaves nothing behind."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_staff
from tests.umfrage.test_geodata import KONSTANZ
from tests.umfrage.test_hostile_uploads import alias_bomb
from tests.umfrage.test_verwaltung_layers import add_konstanz_layer
from umfrage.auftraege import queue, runner
from umfrage.extensions import db
from umfrage.models import (
    District,
    Job,
    JobStatus,
    LayerUpload,
    Questionnaire,
    utc_now,
)
from umfrage.verwaltung import geodata, services


@pytest.fixture
def held(app: Flask, tmp_path: Path) -> Any:
    """The app with a SQLite queue nobody consumes."""
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    add_staff(app)
    yield app
    queue.get_huey(app).storage.close()


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def _post_file(client: FlaskClient, url: str, filename: str, content: bytes) -> int:
    token = csrf_token(client.get(url).get_data(as_text=True))
    resp = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def _uploads(app: Flask) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def _job(app: Flask, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def test_killed_worker_leaves_the_layer_upload_queued_with_its_file(
    held: Flask,
) -> None:
    admin = _client(held, "admin")
    job_id = _post_file(
        admin, "/verwaltung/gebiete/neu", KONSTANZ.name, KONSTANZ.read_bytes()
    )
    # the request stored the file and queued the job; nothing read yet
    job = _job(held, job_id)
    assert (job.kind, job.status) == ("layer_upload", JobStatus.QUEUED)
    assert len(_uploads(held)) == 1
    page = admin.get(f"/auftraege/{job_id}")
    assert page.status_code == 200
    assert 'id="job-progress"' in page.get_data(as_text=True)
    with held.app_context():
        assert db.session.execute(sa.select(LayerUpload)).first() is None
        # a worker took the job and was killed: its lease passes
        db.session.execute(
            sa.update(Job)
            .where(Job.id == job_id)
            .values(
                status=JobStatus.RUNNING,
                attempts=1,
                lease_until=utc_now() - timedelta(seconds=1),
            )
        )
        db.session.commit()
        assert runner.recover_stalled() == [job_id]
        runner.execute(job_id)  # the next worker
    job = _job(held, job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert _uploads(held) == []
    resp = admin.get(f"/auftraege/{job_id}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/verwaltung/gebiete/neu/vorschau"
    preview = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert '<dd id="feature-count">15</dd>' in preview


def test_hostile_import_fails_its_job_and_leaves_nothing(held: Flask) -> None:
    designer = _client(held, "gestaltung")
    job_id = _post_file(
        designer,
        "/gestaltung/fragebogen/importieren",
        "lachen.yaml",
        alias_bomb().encode(),
    )
    assert len(_uploads(held)) == 1
    with held.app_context():
        runner.execute(job_id)
        assert db.session.execute(sa.select(Questionnaire)).first() is None
        assert db.session.execute(sa.select(District)).first() is None
    job = _job(held, job_id)
    assert job.status == JobStatus.FAILED
    assert "YAML-Verweise" in (job.error_message or "")
    assert _uploads(held) == []
    page = designer.get(f"/auftraege/{job_id}").get_data(as_text=True)
    assert "Der Auftrag ist fehlgeschlagen" in page
    assert 'href="/gestaltung/fragebogen/importieren"' in page
    assert 'id="retry"' not in page


def test_a_server_error_keeps_the_file_for_the_retry_which_removes_it(
    held: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer_id = add_konstanz_layer(held)
    admin = _client(held, "admin")
    url = f"/verwaltung/gebiete/{layer_id}"
    job_id = _post_streets(admin, layer_id, "strasse;gebiet\nHafen;010\n")
    assert _job(held, job_id).kind == "street_upload"
    stored = _uploads(held)
    assert len(stored) == 1

    # the first reading meets a server error (not the file's fault)
    parse = geodata.parse_street_csv
    failures = [OSError("Datenträger nicht erreichbar")]

    def parse_once_broken(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return parse(*args, **kwargs)

    monkeypatch.setattr(geodata, "parse_street_csv", parse_once_broken)
    with held.app_context(), pytest.raises(OSError, match="nicht erreichbar"):
        runner.execute(job_id)  # huey would queue the task again
    job = _job(held, job_id)
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 1)
    assert _uploads(held) == stored  # kept for the retry
    with held.app_context():
        assert services.streets_by_district(layer_id) == {}
        runner.execute(job_id)  # the retry reads the same file
        assert services.streets_by_district(layer_id) == {"010": ["Hafen"]}
    job = _job(held, job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert _uploads(held) == []
    resp = admin.get(f"/auftraege/{job_id}")
    assert resp.headers["Location"] == url
    assert "1 Einträgen übernommen" in admin.get(url).get_data(as_text=True)


def _post_streets(admin: FlaskClient, layer_id: int, text: str) -> int:
    url = f"/verwaltung/gebiete/{layer_id}"
    resp = admin.post(
        f"{url}/strassen",
        data={
            "streets-file": (io.BytesIO(text.encode()), "s.csv"),
            "csrf_token": csrf_token(admin.get(url).get_data(as_text=True)),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_a_result_that_cannot_be_stored_keeps_the_file_for_the_next_worker(
    held: Flask,
) -> None:
    layer_id = add_konstanz_layer(held)
    admin = _client(held, "admin")
    job_id = _post_streets(admin, layer_id, "strasse;gebiet\nHafen;010\n")
    stored = _uploads(held)
    assert len(stored) == 1
    # the folder for job results cannot be made: a file is in its place
    results = Path(held.instance_path) / "jobs"
    results.write_bytes(b"")
    with held.app_context(), pytest.raises(FileExistsError):
        runner.execute(job_id)
    assert _job(held, job_id).status == JobStatus.RUNNING  # until its lease passes
    assert _uploads(held) == stored  # kept for the next worker
    results.unlink()
    with held.app_context():
        assert runner.recover_stalled(utc_now() + timedelta(days=1)) == [job_id]
        runner.execute(job_id)
        assert services.streets_by_district(layer_id) == {"010": ["Hafen"]}
    job = _job(held, job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert _uploads(held) == []
