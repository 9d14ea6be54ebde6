"""What is published: indicator tables with comparisons, precision and
disclosure control, the PDF reports and the data exports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from flask import current_app

from auswertung import export, pdf
from auswertung import findings as findings_table
from auswertung.findings import IndicatorTable

from .. import audit
from ..extensions import db
from ..models import AccessMode, Survey
from ..services import questionnaire_of
from ..spent_codes import issued_codes
from . import analysis, cache, publication, report_settings
from .rules import PublicationRules, rules_of
from .weighting import WeightingState, weighting_label, weighting_state

EXPORT_FORMATS = ("csv", "csv-excel", "xlsx", "sav", "dta", "codebook")
FINDINGS_FORMATS = ("csv", "csv-excel", "xlsx")
MEDIA_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "csv-excel": ("text/csv; charset=utf-8", "csv"),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "sav": ("application/x-spss-sav", "sav"),
    "dta": ("application/x-stata-dta", "dta"),
    "codebook": ("text/csv; charset=utf-8", "csv"),
}


def indicators(survey: Survey) -> list[analysis.IndicatorDef]:
    return analysis.indicators_of(questionnaire_of(survey.questionnaire_version))


def findings(
    state: WeightingState, definitions: Sequence[analysis.IndicatorDef]
) -> list[IndicatorTable]:
    """The indicator tables as published: estimates, comparisons, precision,
    register values, and primary and secondary suppression. Secondary
    suppression links the indicators of one question, so every indicator of
    that question is computed even when only some are asked for.

    Stored per weighting state, publication rules and indicators (``cache``)."""
    published = rules_of(state.survey)
    if not state.key:
        return _findings(state, definitions, published)
    return cache.stored(
        "findings",
        state.survey.id,
        state.key,
        [published.values(), [d.key for d in definitions]],
        lambda: _findings(state, definitions, published),
        store=state.stale is None,
    )


def store_each_finding(
    state: WeightingState,
    definitions: Sequence[analysis.IndicatorDef],
    progress: Callable[[int, int], None],
) -> int:
    """Compute and store the table of every indicator the way the findings page
    asks for it (one indicator at a time), one question at a time (its
    indicators are protected together); returns how many were computed."""
    published = rules_of(state.survey)
    by_question: dict[str, list[analysis.IndicatorDef]] = {}
    for definition in definitions:
        by_question.setdefault(definition.question_name, []).append(definition)
    stored = cache.which_stored(
        "findings",
        state.survey.id,
        state.key,
        [[published.values(), [d.key]] for d in definitions],
    )
    already = {d.key for d, there in zip(definitions, stored, strict=True) if there}
    done = computed = 0
    for group in by_question.values():
        missing = [d for d in group if d.key not in already]
        tables = (
            {t.key: t for t in _findings(state, missing, published)} if missing else {}
        )
        items = [
            ([published.values(), [d.key]], [tables[d.key]])
            for d in missing
            if d.key in tables
        ]
        if items:
            cache.put_each("findings", state.survey.id, state.key, items)
        computed += len(items)
        done += len(group)
        progress(done, len(definitions))
    cache.COMPUTED["findings"] += computed
    return computed


def _findings(
    state: WeightingState,
    definitions: Sequence[analysis.IndicatorDef],
    published: PublicationRules,
) -> list[IndicatorTable]:
    districts = [(d.code, d.name) for d in state.data.districts]
    rules = published.disclosure()
    wanted = {d.key for d in definitions}
    questions = {d.question_name for d in definitions}
    everything = analysis.indicators_of(state.data.questionnaire)
    linked = [d for d in everything if d.question_name in questions]
    linked = linked or list(definitions)
    tables = [
        analysis.indicator_table(
            state.weighted.design,
            definition,
            districts,
            min_n=rules.min_n,
            cv_limit=published.cv_limit,
            fixed=analysis.fixed_by_weighting(definition, state.spec, state.weighted),
            rules=rules,
        )
        for definition in linked
    ]
    protected = publication.protect(tables, linked, rules)
    by_key = {t.key: t for t in protected}
    return [by_key[d.key] for d in definitions if d.key in wanted and d.key in by_key]


def map_data(survey: Survey) -> tuple[Any, pdf.MapData | None]:
    """The layer's drawn map (for SVG) and the same outlines for PDFs."""
    if survey.district_layer_id is None:
        return None, None
    from ..teilnahme.district_map import map_for

    drawn = map_for(survey.district_layer_id)
    if drawn is None:
        return None, None
    known = _OUTLINES.get(id(drawn))
    if known is not None and known[0] is drawn:
        return drawn, known[1]
    shapes = tuple(pdf.MapShape(d.code, _rings(d.path)) for d in drawn.districts)
    outline = pdf.MapData(
        float(drawn.width), float(drawn.height), shapes, tuple(drawn.insets)
    )
    if len(_OUTLINES) > 16:
        _OUTLINES.clear()
    _OUTLINES[id(drawn)] = (drawn, outline)
    return drawn, outline


#: The outlines of each drawn map (the map itself is cached per layer version).
_OUTLINES: dict[int, tuple[Any, pdf.MapData]] = {}


def _rings(path: str) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Absolute rings from the map's SVG path data (``M x y l dx dy … z``)."""
    rings = []
    for part in path.split("M")[1:]:
        body = part.rstrip("z").replace("l", " ")
        numbers = [float(v) for v in body.split()]
        if len(numbers) < 6:
            continue
        x, y = numbers[0], numbers[1]
        points = [(x, y)]
        for i in range(2, len(numbers) - 1, 2):
            x += numbers[i]
            y += numbers[i + 1]
            points.append((x, y))
        rings.append(tuple(points))
    return tuple(rings)


def report_info(survey: Survey, state: WeightingState) -> pdf.ReportInfo:
    rules = rules_of(survey)
    period = ""
    if survey.field_start and survey.field_end:
        period = (
            f"{survey.field_start.strftime('%d.%m.%Y')}–"
            f"{survey.field_end.strftime('%d.%m.%Y')}"
        )
    elif survey.field_start:
        period = f"ab {survey.field_start.strftime('%d.%m.%Y')}"
    complete = len(state.data.frame)
    rate = None
    if survey.access_mode == AccessMode.CODE:
        codes = issued_codes(survey.id)
        if codes:
            rate = complete / int(codes)
    weighted = state.weighted
    analysed = weighted.diagnosis.n_weighted if weighted.weighted else complete
    term = report_settings.area_term(survey)
    notes = []
    if weighted.weighted:
        for text, count in weighted.diagnosis.excluded:
            notes.append(
                f"{count} Antworten {text} konnten nicht gewichtet werden und fehlen "
                "in den Ergebnissen."
            )
    return pdf.ReportInfo(
        survey_title=survey.title,
        organisation=survey.operator_name or current_app.config["OPERATOR_NAME"],
        extraction_date=state.data.extraction_date,
        field_period=period,
        n_responses=complete,
        n_analysed=analysed,
        response_rate=rate,
        weighting=weighting_label(state),
        ci_method=(
            "Mittelwerte: t-Intervall, Anteile: Logit-Intervall; Standardfehler "
            "durch Taylor-Linearisierung unter Berücksichtigung der Gewichtung "
            "(wie das R-Paket survey)"
        ),
        min_n=rules.min_n,
        alpha=analysis.ALPHA,
        notes=tuple(notes),
        attribution=survey.district_layer.attribution if survey.district_layer else "",
        cv_limit=rules.cv_limit,
        district_term=term.singular,
        district_term_plural=term.plural,
    )


# ---------------------------------------------------------------------- outputs
def _with_models(
    survey: Survey, state: WeightingState, tables: list[IndicatorTable]
) -> tuple[pdf.ReportInfo, list[Any]]:
    """The report info (with the method note) and the enabled small-area models."""
    from . import small_area

    models = small_area.enabled_models(survey, state, tables, indicators(survey))
    info = report_info(survey, state)
    note = small_area.report_note(models, rules_of(survey).min_n)
    if note:
        info = replace(info, notes=(*info.notes, note))
    return info, models


def city_report_pdf(survey: Survey) -> bytes:
    state = weighting_state(survey)
    definitions = indicators(survey)
    tables = report_settings.with_key_indicators(
        findings(state, definitions),
        report_settings.chosen_keys(survey, definitions),
    )
    _drawn, outline = map_data(survey)
    info, models = _with_models(survey, state, tables)
    return pdf.city_report(info, tables, state.data.districts, outline, models)


def district_profiles_pdf(survey: Survey, code: str | None = None) -> bytes:
    """One district's profile (``code``) or all of them in one file."""
    state = weighting_state(survey)
    tables = findings(state, indicators(survey))
    _drawn, outline = map_data(survey)
    info, models = _with_models(survey, state, tables)
    if code is None:
        return pdf.district_profiles(
            info, tables, state.data.districts, outline, models
        )
    for district in state.data.districts:
        if district.code == code:
            return pdf.district_profile(info, tables, district, outline, models)
    raise LookupError(code)


def export_file(survey: Survey, kind: str, actor_id: int | None) -> bytes:
    """Responses (with weights) or the codebook in one of :data:`EXPORT_FORMATS`."""
    if kind not in EXPORT_FORMATS:
        raise LookupError(kind)
    state = weighting_state(survey)
    data = state.data
    columns = [*export.STANDARD_VARIABLES, *data.variables]
    if kind == "codebook":
        content = export.to_codebook_csv(columns)
    else:
        frame = data.frame.copy()
        frame["weight"] = _weights(state)
        # the file says which set-up its weights come from, or that it has none
        frame["weighting"] = weighting_label(state)
        label = f"{survey.title}, Datenstand {data.extraction_date:%d.%m.%Y}"
        if kind == "csv":
            content = export.to_csv(frame, columns)
        elif kind == "csv-excel":
            content = export.to_csv(frame, columns, excel=True)
        elif kind == "xlsx":
            content = export.to_xlsx(frame, columns, title=label)
        elif kind == "sav":
            content = export.to_sav(frame, columns, file_label=label)
        else:
            content = export.to_dta(frame, columns, file_label=label)
    audit.record(
        actor_id,
        "export_responses",
        f"survey:{survey.id}",
        format=kind,
        rows=len(data.frame),
    )
    db.session.commit()
    return content


def _weights(state: WeightingState) -> np.ndarray:
    """Each response's weight: the calibrated weight where the set-up is in use
    (empty for responses left out of the weighting), else 1. Stored per
    weighting state (``cache``)."""
    if not state.key:
        return _weights_of(state)
    return cache.weights_of(state.key, state.survey.id, lambda: _weights_of(state))


def _weights_of(state: WeightingState) -> np.ndarray:
    frame = state.data.frame
    weighted = state.weighted
    if not weighted.weighted or weighted.design is None:
        return np.ones(len(frame))
    weights = pd.Series(np.nan, index=frame.index, dtype="float64")
    design = weighted.design
    weights.loc[design.data.index] = np.asarray(design.weights)
    return weights.to_numpy()


def findings_file(survey: Survey, kind: str) -> bytes:
    if kind not in FINDINGS_FORMATS:
        raise LookupError(kind)
    state = weighting_state(survey)
    tables = findings(state, indicators(survey))
    label = weighting_label(state)
    min_n = rules_of(survey).min_n
    if kind == "xlsx":
        return findings_table.findings_xlsx(
            tables, title=survey.title, min_n=min_n, weighting=label
        )
    return findings_table.findings_csv(
        tables, excel=kind == "csv-excel", min_n=min_n, weighting=label
    )
