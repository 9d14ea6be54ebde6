"""What the analyst chooses for a survey's reports: the key indicators the city
report shows on pages of their own, and the area term of the survey's layer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from auswertung.findings import IndicatorTable
from auswertung.terms import DEFAULT_TERM, AreaTerm

from .. import audit
from ..extensions import db
from ..models import ReportSetting, Survey
from .analysis import IndicatorDef


class ReportSettingError(ValueError):
    """A choice that cannot be stored (the message names what)."""


def area_term(survey: Survey) -> AreaTerm:
    """The word the survey's district layer uses for its areas."""
    layer = survey.district_layer
    if layer is None:
        return DEFAULT_TERM
    return AreaTerm.of(layer.area_term or "", layer.area_term_plural or "")


def chosen_keys(survey: Survey, definitions: Sequence[IndicatorDef]) -> set[str]:
    """The key indicators: the analyst's choice where one is stored (keys the
    questionnaire no longer has are dropped), else the default
    (``IndicatorDef.key_indicator``)."""
    setting = db.session.get(ReportSetting, survey.id)
    known = {d.key for d in definitions}
    if setting is not None:
        return {key for key in setting.key_indicators if key in known}
    return {d.key for d in definitions if d.key_indicator}


def with_key_indicators(
    tables: Iterable[IndicatorTable], keys: set[str]
) -> list[IndicatorTable]:
    """The tables with ``key_indicator`` set as chosen (nothing else changes)."""
    return [replace(t, key_indicator=t.key in keys) for t in tables]


def choose_key_indicators(
    survey: Survey,
    definitions: Sequence[IndicatorDef],
    keys: Sequence[str],
    actor_id: int | None,
) -> list[str]:
    """Store the analyst's key indicators (in questionnaire order) and audit
    the change. Raises :class:`ReportSettingError` for a key the questionnaire
    does not have; nothing is changed then."""
    known = [d.key for d in definitions]
    unknown = sorted(set(keys) - set(known))
    if unknown:
        raise ReportSettingError(
            f"Kernindikatoren: {', '.join(unknown)} gibt es im Fragebogen nicht."
        )
    wanted = set(keys)
    ordered = [key for key in known if key in wanted]
    before = sorted(chosen_keys(survey, definitions))
    setting = db.session.get(ReportSetting, survey.id)
    if setting is None:
        setting = ReportSetting(survey_id=survey.id, key_indicators=ordered)
        db.session.add(setting)
    else:
        setting.key_indicators = ordered
    audit.record(
        actor_id,
        "choose_key_indicators",
        f"survey:{survey.id}",
        before=before,
        after=ordered,
    )
    db.session.commit()
    return ordered
