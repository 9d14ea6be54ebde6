"""The task queue: huey, with one task that runs a job by its id.

Storage by ``QUEUE_URL``: unset means huey's immediate mode in tests (the job runs
at once, in the caller's thread) and a SQLite file in the instance folder
otherwise, whose consumer ``umfrage demo``/``serve`` start as threads of their own
process. ``redis://host:port/db`` is for production: any number of
``umfrage worker`` processes on any hosts consume the same queue.

A worker that dies mid-job (killed, power cut) has taken the task off the queue;
the job row stays ``running`` with a lease that nobody renews any more. Every
consumer looks for such jobs when it starts and then every few seconds
(``recover_loop``) and queues them again; huey's own retries handle jobs that
raise.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

log = logging.getLogger(__name__)

EXTENSION = "umfrage.queue"


def queue_url(app: Flask) -> str:
    """The configured queue; see the module docstring for the default."""
    url = app.config.get("QUEUE_URL")
    if url:
        return str(url)
    if app.testing:
        return "immediate"
    return f"sqlite:///{Path(app.instance_path) / 'queue.sqlite'}"


def _build(app: Flask) -> Huey:
    url = queue_url(app)
    name = str(app.config["QUEUE_NAME"])
    if url == "immediate":
        huey: Huey = MemoryHuey(name, immediate=True, results=False)
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey(name, url=url, results=False)
    else:
        raise ValueError(
            f"QUEUE_URL {url!r}: erwartet redis://…, sqlite:///… oder immediate"
        )
    attempts = max(1, int(app.config["JOB_MAX_ATTEMPTS"]))

    def run_job(job_id: int) -> None:
        from .runner import execute

        with app.app_context():
            execute(job_id)

    huey.run_job = huey.task(  # type: ignore[attr-defined]
        retries=attempts - 1,
        # immediate mode runs no scheduler: retry at once
        retry_delay=0 if huey.immediate else int(app.config["JOB_RETRY_DELAY_SECONDS"]),
        name="run_job",
    )(run_job)
    return huey


def get_huey(app: Flask | None = None) -> Huey:
    """The app's huey instance, built on first use (no file is created before)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        huey = app.extensions.get(EXTENSION)
        if huey is None:
            huey = app.extensions[EXTENSION] = _build(app)
    return huey  # type: ignore[no-any-return]


_lock = threading.Lock()


def enqueue(job_id: int) -> None:
    """Put a job on the queue (in immediate mode: run it now)."""
    get_huey().run_job(job_id)


class EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """huey's consumer as threads inside the web server's process: the server
    keeps its own signal handling (Ctrl+C stops it, and these daemon threads)."""

    def _set_signal_handlers(self) -> None:
        pass


def create_consumer(app: Flask, workers: int, embedded: bool) -> Consumer:
    huey = get_huey(app)
    if huey.immediate:
        raise ValueError("QUEUE_URL=immediate hat keinen Verbraucher.")
    kind = EmbeddedConsumer if embedded else Consumer
    consumer = kind(huey, workers=workers, worker_type="thread", periodic=False)
    threading.Thread(
        target=recover_loop,
        args=(app, consumer.stop_flag),
        name="umfrage-job-recovery",
        daemon=True,
    ).start()
    return consumer


def start_embedded_consumer(app: Flask) -> Consumer | None:
    """Start the in-process consumer of ``umfrage demo``/``serve`` (none for a
    Redis queue: there ``umfrage worker`` processes consume)."""
    url = queue_url(app)
    if not url.startswith("sqlite:///") and not app.config.get("QUEUE_EMBEDDED"):
        return None
    consumer = create_consumer(app, int(app.config["QUEUE_WORKERS"]), embedded=True)
    consumer.start()
    return consumer


def recover_loop(app: Flask, stop: Any) -> None:
    """Requeue jobs whose worker disappeared and delete expired results: at once,
    then every half lease, until the consumer stops."""
    from .runner import purge_results, recover_stalled

    interval = max(1.0, float(app.config["JOB_LEASE_SECONDS"]) / 2)
    while True:
        try:
            with app.app_context():
                recover_stalled()
                purge_results()
        except Exception:  # keep recovering after a database hiccup
            log.exception("job recovery failed")
        if stop.wait(interval):
            return
