"""Dependency direction (STYLE §2): the libraries never import the web stack."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

FORBIDDEN = ("flask", "sqlalchemy", "umfrage", "werkzeug", "flask_sqlalchemy")


@pytest.mark.parametrize(
    ("package", "also_forbidden"),
    [("fragebogen", ("auswertung",)), ("auswertung", ())],
)
def test_library_imports_no_web_stack(
    package: str, also_forbidden: tuple[str, ...]
) -> None:
    forbidden = FORBIDDEN + also_forbidden
    script = textwrap.dedent(
        f"""
        import importlib, pkgutil, sys
        package = importlib.import_module({package!r})
        for info in pkgutil.walk_packages(package.__path__, {package!r} + "."):
            importlib.import_module(info.name)
        bad = sorted(
            name for name in sys.modules
            if name.split(".")[0] in {forbidden!r}
        )
        print(",".join(bad))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{package} imports {result.stdout.strip()}"
