"""Reading an uploaded questionnaire file in a child process with hard limits.

The parsers of XLSX, XLS, CSV and LimeSurvey files are what a hostile upload
reaches first. Checks before parsing (file size, zip entries' uncompressed sizes,
rows and columns) bound most of the work; this module bounds the rest. The file is
read by a separate Python process whose address space (``RLIMIT_AS``) and CPU time
(``RLIMIT_CPU``) are capped and which is killed after a wall-clock timeout, so a
file that makes a parser loop or allocate without end costs one child process,
never the web worker.

What comes back is plain JSON (the questionnaire as
:func:`~fragebogen.yaml_format.to_data`, the notices as code, place, message and
params), never pickled objects.

Run as ``python -m fragebogen.isolated`` only by :func:`import_file`.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fragebogen.errors import DefinitionError, Problem
from fragebogen.limesurvey import import_lss
from fragebogen.xlsform import ImportResult, import_xlsform
from fragebogen.yaml_format import from_data, to_data

__all__ = ["ImportLimits", "IsolatedImportError", "import_file"]

Kind = Literal["xlsform", "lss"]


@dataclass(frozen=True)
class ImportLimits:
    """The budget of one import: CPU (and, plus 5 s, wall-clock) seconds of the
    child process, and the address space the parse may add to the loaded
    interpreter and parsers."""

    seconds: float = 60.0
    memory_bytes: int = 1024 * 1024 * 1024


class IsolatedImportError(Exception):
    """The child process ran out of its budget or failed.

    ``reason`` is ``"time"``, ``"memory"`` or ``"failed"``; ``detail`` is for the
    log only (it may hold an exception text, which no user should see).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def import_file(
    kind: Kind,
    content: bytes,
    *,
    filename: str = "",
    languages: Mapping[str, str] | None = None,
    default_language: str | None = None,
    limits: ImportLimits | None = None,
) -> ImportResult:
    """:func:`~fragebogen.xlsform.import_xlsform` (``kind="xlsform"``) or
    :func:`~fragebogen.limesurvey.import_lss` (``"lss"``) in a child process.

    Returns the same :class:`~fragebogen.xlsform.ImportResult`; raises
    :class:`~fragebogen.errors.DefinitionError` as the import does, and
    :class:`IsolatedImportError` when the budget is exceeded or the child fails.
    """
    limits = limits or ImportLimits()
    header = {
        "kind": kind,
        "filename": filename,
        "languages": dict(languages or {}),
        "default_language": default_language,
        "seconds": limits.seconds,
        "memory": limits.memory_bytes,
    }
    env = dict(os.environ)
    # the child imports this very package, wherever the parent found it
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fragebogen.isolated"],
            input=json.dumps(header).encode() + b"\n" + content,
            capture_output=True,
            timeout=limits.seconds + 5,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise IsolatedImportError(
            "time", f"wall clock over {limits.seconds} s"
        ) from None
    try:
        answer = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        answer = None
    if not isinstance(answer, dict):
        stderr = done.stderr.decode("utf-8", "replace")[-2000:]
        if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            raise IsolatedImportError("time", stderr)
        if "MemoryError" in stderr:
            raise IsolatedImportError("memory", stderr)
        raise IsolatedImportError("failed", f"exit {done.returncode}: {stderr}")
    status = answer.get("status")
    if status == "ok":
        return ImportResult(
            questionnaire=from_data(answer["questionnaire"]),
            notices=tuple(_problem(p) for p in answer["notices"]),
            renamed=dict(answer["renamed"]),
            unknown_languages=tuple(answer["unknown_languages"]),
        )
    if status == "definition_error":
        raise DefinitionError([_problem(p) for p in answer["problems"]])
    if status == "memory":
        raise IsolatedImportError("memory")
    raise IsolatedImportError("failed", str(answer.get("detail", "")))


def _problem(data: Mapping[str, Any]) -> Problem:
    return Problem(
        str(data["code"]), str(data["place"]), str(data["message"]), data["params"]
    )


def _problem_data(problem: Problem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "place": problem.place,
        "message": problem.message,
        "params": dict(problem.params),
    }


def _address_space() -> int:
    """The process's current virtual memory size in bytes (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit(header: Mapping[str, Any]) -> None:
    """CPU seconds for the whole child; ``memory`` bytes of address space on top
    of what the interpreter and the parsers already occupy (so the budget means
    the same whatever the platform maps at start)."""
    seconds = max(1, int(float(header["seconds"]) + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    memory = _address_space() + int(header["memory"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def _read(header: Mapping[str, Any], content: bytes) -> dict[str, Any]:
    try:
        if header["kind"] == "lss":
            result = import_lss(content)
        else:
            result = import_xlsform(
                content,
                filename=str(header.get("filename") or ""),
                languages=header.get("languages") or {},
                default_language=header.get("default_language"),
            )
    except DefinitionError as error:
        return {
            "status": "definition_error",
            "problems": [_problem_data(p) for p in error.problems],
        }
    return {
        "status": "ok",
        "questionnaire": to_data(result.questionnaire),
        "notices": [_problem_data(p) for p in result.notices],
        "renamed": dict(result.renamed),
        "unknown_languages": list(result.unknown_languages),
    }


def _main() -> int:
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline())
    content = stdin.read()
    _limit(header)  # after the imports above: the budget is the parse's own
    try:
        answer = _read(header, content)
    except MemoryError:
        answer = {"status": "memory"}
    except Exception as error:  # noqa: BLE001 - reported to the parent, logged there
        answer = {"status": "failed", "detail": repr(error)[:2000]}
    sys.stdout.write(json.dumps(answer, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(_main())  # the parsers above are loaded before the limits are set
