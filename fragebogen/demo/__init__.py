"""Demo questionnaires shipped with the package.

``load_demo("familienbefragung")`` (German, English, Turkish, Arabic, Ukrainian,
Russian, Polish; uk, ru and pl not reviewed by a native speaker) and
``load_demo("schuelerbefragung")`` (German, English).
"""

from __future__ import annotations

from importlib import resources

from fragebogen.model import Questionnaire
from fragebogen.yaml_format import load_yaml

__all__ = ["DEMO_NAMES", "demo_yaml", "load_demo"]

#: The names of the shipped demo questionnaires.
DEMO_NAMES = ("familienbefragung", "schuelerbefragung")


def demo_yaml(name: str) -> str:
    """The YAML text of a demo questionnaire (KeyError for an unknown name)."""
    if name not in DEMO_NAMES:
        raise KeyError(name)
    return (
        resources.files("fragebogen.demo")
        .joinpath(f"{name}.yaml")
        .read_text(encoding="utf-8")
    )


def load_demo(name: str) -> Questionnaire:
    """A demo questionnaire: ``"familienbefragung"`` or ``"schuelerbefragung"``."""
    return load_yaml(demo_yaml(name))
