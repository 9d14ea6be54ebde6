"""Analyst reads and writes for small-area models (Fay–Herriot, issue 15).

Covariates come from the district layer's population table: the share of a level
of a population variable (``share:family_type:single_parent``) or, for a variable
with a single level, the figure itself (``value:welfare_quota:per_1000``). Models
are fitted by :mod:`auswertung.small_area_inputs` on the direct district
estimates of the weighted design (without suppression: the model may use small
districts; what is published is decided here and in the reports).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from auswertung import estimate_mean, estimate_share
from auswertung.errors import AnalysisError
from auswertung.findings import IndicatorTable
from auswertung.pdf_small_area import ModelTable, model_table
from auswertung.small_area import FayHerriot
from auswertung.small_area_inputs import model_estimate

from .. import audit
from ..extensions import db
from ..models import SmallAreaSetup, Survey, utc_now
from . import analysis
from .analysis import IndicatorDef, SetupError
from .outputs import findings
from .rules import rules_of
from .services import districts_of, population_table
from .weighting import WeightingState

METHODS = ("reml", "ml")


@dataclass(frozen=True)
class Covariate:
    key: str
    label: str


def covariate_choices(survey: Survey) -> list[Covariate]:
    """Covariates the layer's population table offers."""
    population = population_table(survey)
    choices = []
    for variable, group in population.groupby("variable", sort=True):
        levels = sorted({str(level) for level in group["level"]})
        if len(levels) == 1:
            choices.append(
                Covariate(f"value:{variable}:{levels[0]}", f"{variable} ({levels[0]})")
            )
            continue
        for level in levels:
            choices.append(
                Covariate(f"share:{variable}:{level}", f"Anteil {level} an {variable}")
            )
    return choices


def covariate_frame(survey: Survey, keys: Sequence[str]) -> pd.DataFrame:
    """One row per district of the layer, one column (the label) per covariate."""
    population = population_table(survey)
    codes = [d.code for d in districts_of(survey)]
    labels = {c.key: c.label for c in covariate_choices(survey)}
    columns: dict[str, pd.Series] = {}
    for key in keys:
        kind, variable, level = key.split(":", 2)
        rows = population[population["variable"] == variable]
        counts = rows.pivot_table(
            index="district", columns="level", values="count", aggfunc="sum"
        ).reindex(codes)
        if kind == "share":
            total = counts.sum(axis=1, min_count=1)
            values = counts[level] / total.where(total > 0)
        else:
            values = counts[level].astype(float)
        columns[labels.get(key, key)] = values
    return pd.DataFrame(columns, index=codes)


# ---------------------------------------------------------------------- set-up
def setups(survey: Survey) -> dict[str, SmallAreaSetup]:
    rows = db.session.execute(
        select(SmallAreaSetup).where(SmallAreaSetup.survey_id == survey.id)
    ).scalars()
    return {row.indicator_key: row for row in rows}


def modelable(definitions: Sequence[IndicatorDef]) -> list[IndicatorDef]:
    """Indicators a model can be fitted to: means and shares."""
    return [d for d in definitions if d.statistic in ("mean", "share")]


def save_setup(
    survey: Survey,
    definition: IndicatorDef,
    covariates: Sequence[str],
    method: str,
    actor_id: int | None,
) -> SmallAreaSetup:
    """Store the model choice (not yet enabled); :class:`SetupError` on bad input."""
    known = {c.key for c in covariate_choices(survey)}
    problems: list[tuple[str, str]] = []
    if not covariates:
        problems.append(("covariates", "Bitte mindestens eine Kovariate wählen."))
    unknown = [c for c in covariates if c not in known]
    if unknown:
        problems.append(
            (
                "covariates",
                f"Die Kovariate „{unknown[0]}“ gibt es in der Bevölkerungstabelle "
                "des Gebietslayers nicht.",
            )
        )
    if method not in METHODS:
        problems.append(("method", "Unbekanntes Schätzverfahren."))
    if problems:
        raise SetupError(problems)
    setup = setups(survey).get(definition.key)
    if setup is None:
        setup = SmallAreaSetup(survey_id=survey.id, indicator_key=definition.key)
        db.session.add(setup)
    setup.covariates = list(dict.fromkeys(covariates))
    setup.method = method
    setup.enabled = False
    setup.updated_at = utc_now()
    setup.updated_by_id = actor_id
    audit.record(
        actor_id,
        "save_small_area_model",
        f"survey:{survey.id}",
        indicator=definition.key,
        method=method,
    )
    db.session.commit()
    return setup


def set_enabled(
    survey: Survey,
    state: WeightingState,
    definition: IndicatorDef,
    enabled: bool,
    actor_id: int | None,
) -> None:
    """Use the model in findings and reports (only if it can be fitted) or stop."""
    setup = setups(survey).get(definition.key)
    if setup is None:
        raise SetupError([("model", "Für diesen Indikator gibt es noch kein Modell.")])
    if enabled:
        fit_model(survey, state, definition, setup)  # raises SetupError
    setup.enabled = enabled
    setup.updated_at = utc_now()
    setup.updated_by_id = actor_id
    audit.record(
        actor_id,
        "enable_small_area_model" if enabled else "disable_small_area_model",
        f"survey:{survey.id}",
        indicator=definition.key,
    )
    db.session.commit()


# ---------------------------------------------------------------------- fitting
def withheld_districts(direct: IndicatorTable) -> list[str]:
    """Districts whose direct value the indicator's table does not publish
    (fewer respondents than the minimum, dominance or secondary suppression):
    the model leaves them out, so no model value gives their answers away."""
    return [row.code for row in direct.districts if row.suppressed and row.code]


def fit_model(
    survey: Survey,
    state: WeightingState,
    definition: IndicatorDef,
    setup: SmallAreaSetup,
    direct_table: IndicatorTable | None = None,
) -> FayHerriot:
    """Fit the set-up's model; :class:`SetupError` with the German reason if not.

    ``direct_table`` is the indicator's published table (computed if not given):
    districts it suppresses get the synthetic estimate and do not enter the fit.
    """
    if direct_table is None:
        direct_table = findings(state, [definition])[0]
    design = state.weighted.design
    if design is None or definition.column not in design.data.columns:
        raise SetupError([("model", "Für diesen Indikator gibt es keine Antworten.")])
    common = {
        "by": analysis.DOMAIN,
        "missing": definition.missing,
        "alpha": analysis.ALPHA,
        "min_n": 0,
    }
    try:
        if definition.statistic == "mean":
            direct = estimate_mean(design, definition.column, **common)  # type: ignore[arg-type]
        else:
            direct = estimate_share(
                design,
                definition.column,
                list(definition.codes),
                **common,  # type: ignore[arg-type]
            )
        # districts without population figures get no model value
        covariates = covariate_frame(survey, setup.covariates).dropna()
        return model_estimate(
            direct,
            covariates,
            method=setup.method,  # type: ignore[arg-type]
            skip_unknown=True,
            withheld=withheld_districts(direct_table),
        )
    except AnalysisError as error:
        raise SetupError(
            [("model", f"Das Modell lässt sich nicht schätzen: {error.message}")]
        ) from error


@dataclass(frozen=True)
class DiagnosticRow:
    code: str
    name: str
    n: int
    direct_shown: bool
    direct: float
    direct_se: float
    estimate: float
    ci_lower: float
    ci_upper: float
    gamma: float
    gain: float
    residual: float
    kind: str


@dataclass(frozen=True)
class Diagnostics:
    """What the analyst sees before enabling a model."""

    fit: FayHerriot
    direct: IndicatorTable
    table: ModelTable
    rows: tuple[DiagnosticRow, ...]
    outliers: int


def diagnostics(
    survey: Survey,
    state: WeightingState,
    definition: IndicatorDef,
    setup: SmallAreaSetup,
) -> Diagnostics:
    direct = findings(state, [definition])[0]
    fit = fit_model(survey, state, definition, setup, direct)
    names = {d.code: d.name for d in state.data.districts}
    labels = list(covariate_frame(survey, setup.covariates).columns)
    table = model_table(fit, direct, names, labels, rules_of(survey).min_n)
    gain = fit.gain
    rows = tuple(
        DiagnosticRow(
            code=row.code,
            name=row.name,
            n=row.n,
            direct_shown=not row.direct_suppressed,
            direct=float(fit.direct[i]),
            direct_se=float(fit.direct_se[i]),
            estimate=row.estimate,
            ci_lower=row.ci_lower,
            ci_upper=row.ci_upper,
            gamma=row.gamma,
            gain=float(gain[i]),
            residual=float(fit.residual[i]),
            kind=row.kind,
        )
        for i, row in enumerate(table.rows)
    )
    outliers = sum(1 for r in rows if math.isfinite(r.residual) and abs(r.residual) > 2)
    return Diagnostics(fit, direct, table, rows, outliers)


def enabled_models(
    survey: Survey,
    state: WeightingState,
    tables: Sequence[IndicatorTable],
    definitions: Sequence[IndicatorDef],
) -> list[ModelTable]:
    """Model tables of every enabled model that can still be fitted."""
    chosen = {s.indicator_key: s for s in setups(survey).values() if s.enabled}
    if not chosen:
        return []
    names = {d.code: d.name for d in state.data.districts}
    by_key = {t.key: t for t in tables}
    result = []
    for definition in definitions:
        setup = chosen.get(definition.key)
        direct = by_key.get(definition.key)
        if setup is None or direct is None:
            continue
        try:
            fit = fit_model(survey, state, definition, setup, direct)
        except SetupError:
            continue
        labels = list(covariate_frame(survey, setup.covariates).columns)
        result.append(model_table(fit, direct, names, labels, rules_of(survey).min_n))
    return result


@dataclass(frozen=True)
class FindingsModel:
    """What the findings page shows about the chosen indicator's model."""

    setup: SmallAreaSetup | None
    table: ModelTable | None
    problem: str | None


def findings_model(
    survey: Survey,
    state: WeightingState,
    definition: IndicatorDef | None,
    direct: IndicatorTable | None,
) -> FindingsModel | None:
    """The enabled model of the indicator (or why it cannot be shown)."""
    if (
        definition is None
        or direct is None
        or definition.statistic
        not in (
            "mean",
            "share",
        )
    ):
        return None
    setup = setups(survey).get(definition.key)
    if setup is None or not setup.enabled:
        return FindingsModel(setup, None, None)
    try:
        fit = fit_model(survey, state, definition, setup, direct)
    except SetupError as error:
        return FindingsModel(setup, None, "; ".join(m for _f, m in error.problems))
    names = {d.code: d.name for d in state.data.districts}
    labels = list(covariate_frame(survey, setup.covariates).columns)
    return FindingsModel(
        setup, model_table(fit, direct, names, labels, rules_of(survey).min_n), None
    )


def report_note(models: Sequence[ModelTable], min_n: int) -> str | None:
    """The method box's sentence on model estimates, if any are shown."""
    if not models:
        return None
    return (
        f"Für {len(models)} Merkmal(e) stehen zusätzlich Modellschätzungen "
        "(Fay–Herriot) in eigenen, als „Modellschätzung“ gekennzeichneten Tabellen. "
        "Sozialräume, deren direkter Wert nicht ausgewiesen wird (weniger als "
        f"{min_n} Antworten oder zum Schutz anderer Werte), erhalten dort die "
        "synthetische Schätzung, in die ihre Antworten nicht eingehen; ihr direkter "
        "Wert bleibt unterdrückt."
    )


def gain_text(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.1f}".replace(".", ",")
