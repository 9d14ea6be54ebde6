"""Publication rules of a survey: the minimum number of respondents, the dominance
rule, the protection of secondary suppression and the precision limit.

Defaults come from the config (``MIN_CELL_SIZE``, ``DISCLOSURE_*``,
``PRECISION_CV_LIMIT``); an analyst may set them per survey. The findings page,
the PDF reports, the findings files and the small-area tables all read them
through :func:`rules_of`, so every output of a survey follows the same rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app

from auswertung.disclosure import DisclosureRules

from .. import audit
from ..extensions import db
from ..models import Survey
from .analysis import SetupError

#: Allowed range of each rule (inclusive); the form shows percentages for the two
#: shares. A minimum below 3 respondents is not accepted by statistics offices.
LIMITS: dict[str, tuple[float, float]] = {
    "min_n": (3, 100),
    "dominance_n": (0, 1000),
    "dominance_k": (0, 20),
    "protection": (0.0, 1.0),
    "cv_limit": (0.01, 1.0),
}
#: Rules the form shows as whole percentages.
PERCENT_FIELDS = ("protection", "cv_limit")


@dataclass(frozen=True)
class PublicationRules:
    """What may be published, as one value object.

    ``min_n``: fewer respondents and a figure is suppressed, its n shown as
    "< min_n". ``dominance_n``/``dominance_k``: see
    :class:`auswertung.disclosure.DisclosureRules`. ``protection``: the share of
    the value range an attacker must be left for a suppressed cell.
    ``cv_limit``: values with a larger coefficient of variation are shown in
    parentheses. ``custom``: set for this survey rather than the defaults.
    """

    min_n: int
    dominance_n: int
    dominance_k: int
    protection: float
    cv_limit: float
    custom: bool = False

    def disclosure(self) -> DisclosureRules:
        return DisclosureRules(
            min_n=self.min_n,
            dominance_n=self.dominance_n,
            dominance_k=self.dominance_k,
            protection=self.protection,
        )

    def values(self) -> dict[str, float]:
        values = asdict(self)
        values.pop("custom")
        return values


def default_rules() -> PublicationRules:
    """The rules from the config."""
    config = current_app.config
    return PublicationRules(
        min_n=int(config.get("MIN_CELL_SIZE", 5)),
        dominance_n=int(config.get("DISCLOSURE_DOMINANCE_N", 10)),
        dominance_k=int(config.get("DISCLOSURE_DOMINANCE_K", 0)),
        protection=float(config.get("DISCLOSURE_PROTECTION", 0.25)),
        cv_limit=float(config.get("PRECISION_CV_LIMIT", 0.15)),
    )


def rules_of(survey: Survey) -> PublicationRules:
    """The survey's own rules where an analyst set them, else the defaults."""
    defaults = default_rules()
    stored = survey.publication_rules
    if not stored:
        return defaults
    values = defaults.values()
    values.update({name: stored[name] for name in values if name in stored})
    return _custom(values)


def check_rules(values: dict[str, Any]) -> PublicationRules:
    """The rules from ``values`` or a :class:`SetupError` naming every field
    outside its range."""
    problems = []
    for name, (low, high) in LIMITS.items():
        value = values.get(name)
        if not isinstance(value, int | float) or not low <= value <= high:
            problems.append((name, f"{name}: erlaubt sind {low:g} bis {high:g}."))
    if problems:
        raise SetupError(problems)
    return _custom(values)


def _custom(values: dict[str, Any]) -> PublicationRules:
    return PublicationRules(
        min_n=int(values["min_n"]),
        dominance_n=int(values["dominance_n"]),
        dominance_k=int(values["dominance_k"]),
        protection=float(values["protection"]),
        cv_limit=float(values["cv_limit"]),
        custom=True,
    )


def save_rules(
    survey: Survey, rules: PublicationRules | None, actor_id: int | None
) -> None:
    """Set the survey's rules (``None``: back to the defaults), audited with the
    values before and after."""
    before = rules_of(survey)
    survey.publication_rules = rules.values() if rules is not None else None
    after = rules_of(survey)
    audit.record(
        actor_id,
        "change_publication_rules",
        f"survey:{survey.id}",
        before=before.values(),
        after=after.values(),
        custom=after.custom,
    )
    db.session.commit()
