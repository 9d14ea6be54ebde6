"""Extract UI strings, merge them into the English catalogue and compile it.

Usage: python tools/update_translations.py
German is the source language (the msgids); English lives in
umfrage/translations/en/LC_MESSAGES/messages.po. New strings arrive untranslated
and are listed; translate them in the .po file and run this again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POT = ROOT / "umfrage" / "translations" / "messages.pot"
CATALOGUE = ROOT / "umfrage" / "translations"


def main() -> int:
    run = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run(
        [
            *run,
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "-o",
            str(POT),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    po = CATALOGUE / "en" / "LC_MESSAGES" / "messages.po"
    action = "update" if po.exists() else "init"
    subprocess.run(
        [
            *run,
            action,
            "-i",
            str(POT),
            "-d",
            str(CATALOGUE),
            "-l",
            "en",
            *(["--no-fuzzy-matching"] if action == "update" else []),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [m.id for m in catalogue if m.id and not m.string]
    for message_id in missing:
        print(f"untranslated: {message_id!r}")
    subprocess.run(
        [*run, "compile", "-d", str(CATALOGUE), "-l", "en"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
