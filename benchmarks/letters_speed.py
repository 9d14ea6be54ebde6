"""CPU time of invitation letters with QR codes (issue 13: 5,000 letters ≤ 60 s).

Measures ``umfrage.gestaltung.letters.letters_pdf`` with the default German letter
and a line per survey language (de, en, tr, ar), optionally with a second-language
page, in CPU seconds (``time.process_time``, independent of other load on the
machine). As the baseline in the same run it renders a few letters with the
implementation before issue 14 (read from git history, commit 837d83c: a
reportlab QR widget and re-laid-out paragraphs per letter).

Run from the repository root::

    python benchmarks/letters_speed.py [--letters 1000] [--second ar] [--baseline 40]
"""

from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
import time
import types
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from umfrage.gestaltung import letters  # noqa: E402

BASELINE_COMMIT = "837d83c"
TARGET = 5000
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _codes(count: int) -> list[letters.InvitationLetter]:
    return [
        letters.InvitationLetter(
            "".join(secrets.choice(ALPHABET) for _ in range(10)), "0101", "Altstadt"
        )
        for _ in range(count)
    ]


def _settings(second: str | None) -> letters.LetterSettings:
    return letters.LetterSettings(
        survey_title="Familienbefragung 2026",
        survey_url="https://umfrage.musterstadt.de/s/familienbefragung-2026",
        operator_name="Stadt Musterstadt, Jugendamt",
        contact_email="umfrage@musterstadt.de",
        date_text="1. Dezember 2026",
        field_end_text="31. Januar 2027",
        second_language=second,
        survey_languages=("de", "en", "tr", "ar"),
        letter_date=date(2026, 12, 1),
        field_end=date(2027, 1, 31),
    )


def _measure(work: types.FunctionType | object, *args: object) -> tuple[float, int]:
    start = time.process_time()
    pdf = work(*args)  # type: ignore[operator]
    return time.process_time() - start, len(pdf)


def _baseline_module() -> types.ModuleType | None:
    """The letters module as it was before issue 14, or None without git."""
    try:
        source = subprocess.run(
            ["git", "show", f"{BASELINE_COMMIT}:umfrage/gestaltung/letters.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("umfrage.gestaltung._letters_baseline")
    module.__package__ = "umfrage.gestaltung"
    sys.modules[module.__name__] = module
    exec(compile(source, "letters_baseline.py", "exec"), module.__dict__)  # noqa: S102
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--second", default=None, help="second-language page, e.g. ar")
    parser.add_argument("--baseline", type=int, default=40)
    args = parser.parse_args()

    settings = _settings(args.second)
    letters.letters_pdf(_codes(2), settings)  # font registration, imports
    seconds, size = _measure(letters.letters_pdf, _codes(args.letters), settings)
    rate = args.letters / seconds
    print(
        f"letters_pdf: {args.letters} letters"
        f"{' + ' + args.second + ' page' if args.second else ''} in {seconds:.2f} s "
        f"CPU ({size / 1e6:.1f} MB): {rate:.0f} letters/s; "
        f"{TARGET} letters projected {TARGET / rate:.1f} s (target ≤ 60 s)"
    )

    if args.baseline and (old := _baseline_module()) is not None:
        from umfrage import create_app

        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "benchmark",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
            }
        )
        old_settings = old.LetterSettings(
            settings.survey_title,
            settings.survey_url,
            settings.operator_name,
            settings.contact_email,
            settings.date_text,
            settings.field_end_text,
        )
        old_letters = [
            old.InvitationLetter(c.code, c.district_code, c.district_name)
            for c in _codes(args.baseline)
        ]
        with app.test_request_context():
            old.letters_pdf(old_letters[:1], old_settings)
            seconds, _ = _measure(old.letters_pdf, old_letters, old_settings)
        old_rate = args.baseline / seconds
        print(
            f"baseline ({BASELINE_COMMIT}): {args.baseline} letters in {seconds:.2f} s "
            f"CPU: {old_rate:.1f} letters/s; {TARGET} letters projected "
            f"{TARGET / old_rate:.0f} s; speed-up {rate / old_rate:.0f}×"
        )


if __name__ == "__main__":
    main()
