"""A real queue consumer for the integration tests, run as its own process:
``python -m tests.umfrage.job_worker <database url> <queue url> <instance> <name>``.

Besides the app's job kinds it knows ``test_steps``: ``params["steps"]`` steps of
0.1 s each, reporting progress, then a small text file.
"""

from __future__ import annotations

import sys
import time

from umfrage import create_app
from umfrage.auftraege import queue, runner


def _steps(job, progress):  # type: ignore[no-untyped-def]
    steps = int(job.params["steps"])
    for step in range(steps):
        progress(step, steps)
        time.sleep(0.1)
    return runner.JobResult(f"{steps} steps".encode(), "steps.txt", "text/plain")


def test_kinds() -> dict[str, runner.JobKind]:
    return {**_app_kinds(), "test_steps": runner.JobKind(_steps)}


_app_kinds = runner.kinds


def main() -> None:
    database_url, queue_url, instance, name = sys.argv[1:5]
    app = create_app(
        {
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "QUEUE_URL": queue_url,
            "QUEUE_NAME": name,
            "JOB_LEASE_SECONDS": 2,
            "JOB_RETRY_DELAY_SECONDS": 0,
        }
    )
    app.instance_path = instance
    runner.kinds = test_kinds  # type: ignore[assignment]
    print("ready", flush=True)
    queue.create_consumer(app, 1, embedded=False).run()


if __name__ == "__main__":
    main()
