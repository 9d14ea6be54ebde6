"""Uploaded files waiting for the job that reads them.

The upload request only stores the file (its size is bounded by the form and
``MAX_CONTENT_LENGTH``) in ``<instance>/uploads`` and queues a job; the job reads,
checks and stages it; the file is deleted once the job is done or has failed for
good, and kept for the retry after a server error. Files left behind are swept
after a day by the next upload.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from ..models import Job
from .runner import JobError, JobResult, result_file
from .services import create_job

_NAME = re.compile(r"^[0-9a-f]{32}\.upload$")
LIFETIME_SECONDS = 24 * 3600


def uploads_dir() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _sweep(folder: Path) -> None:
    limit = time.time() - LIFETIME_SECONDS
    for path in folder.glob("*.upload"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:  # swept by another request meanwhile
            pass


def queue_upload(
    kind: str,
    title: str,
    owner_id: int,
    filename: str,
    content: bytes,
    params: dict[str, Any] | None = None,
) -> Job:
    """Keep the uploaded file (readable by this account only) and queue the job
    that reads it; the job finds the file under ``params["upload"]``."""
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    name = f"{secrets.token_hex(16)}.upload"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    return create_job(
        kind,
        title,
        owner_id,
        {**(params or {}), "upload": name, "filename": filename[:255]},
    )


def _path(job: Job) -> Path:
    name = str(job.params.get("upload", ""))
    if not _NAME.match(name):
        raise JobError(_("Die hochgeladene Datei ist nicht mehr vorhanden."))
    return uploads_dir() / name


def read_uploaded(job: Job, work: Callable[[bytes], JobResult]) -> JobResult:
    """Run ``work`` on the job's uploaded file. The file stays until the job is
    done or has failed for good (see :func:`remove_upload`): a server error
    before (in ``work`` or while storing the result) leaves it for the retry."""
    try:
        content = _path(job).read_bytes()
    except FileNotFoundError:
        raise JobError(
            _(
                "Die hochgeladene Datei ist nicht mehr vorhanden. Bitte laden Sie "
                "sie erneut hoch."
            )
        ) from None
    return work(content)


def remove_upload(job: Job) -> None:
    """Delete the job's uploaded file (``JobKind.finished`` of upload jobs)."""
    name = str(job.params.get("upload", ""))
    if _NAME.match(name):
        (uploads_dir() / name).unlink(missing_ok=True)


def json_result(data: dict[str, Any]) -> JobResult:
    """A small result for the page that shows it (not a download)."""
    return JobResult(
        json.dumps(data, default=str).encode(), "ergebnis.json", "application/json"
    )


def result_data(job: Job) -> dict[str, Any]:
    """What :func:`json_result` stored ({} when it is gone)."""
    path = result_file(job)
    if path is None or not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}
