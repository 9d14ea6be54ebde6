"""Honest findings on the demo city (issue 11): with the post-stratified and the
raked set-up no published "höher"/"niedriger" contradicts the interval printed
beside it, and an item everyone answers alike flags nothing."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from flask import Flask

from auswertung.disclosure import DisclosureRules, attacker_intervals
from auswertung.findings import IndicatorTable, findings_frame, n_text, value_text
from tests.umfrage.helpers import add_demo
from umfrage.berichte import analysis, outputs, rules, services, weighting
from umfrage.berichte.publication import district_counts
from umfrage.extensions import db
from umfrage.models import Survey

MAPPING = "haushaltstyp -> family_type: 1,3 = couple_family; 2 = single_parent"
DEMO_RESPONSES = 1500


def _confirm(survey: Survey, method: str) -> weighting.WeightingState:
    weighting.save_weighting_setup(
        survey,
        {
            "method": method,
            "source": "layer",
            "mappings": MAPPING,
            "cross_with_district": method == "poststratify",
            "min_cell_size": 1,
        },
        None,
    )
    if weighting.weighting_state(survey, draft=True).weighted.diagnosis.suggestion:
        weighting.apply_collapse_suggestion(survey, None)
    weighting.confirm_weighting(survey, None)
    state = weighting.weighting_state(survey)
    assert state.weighted.weighted, state.weighted.diagnosis.error
    return state


def _contradictions(tables: list[IndicatorTable]) -> list[str]:
    found = []
    for table in tables:
        city = table.city.estimate
        for row in table.districts:
            if row.comparison not in ("higher", "lower"):
                continue
            inside = row.ci_lower <= city <= row.ci_upper
            wrong_side = (row.comparison == "higher") != (row.estimate > city)
            if row.suppressed or inside or wrong_side or not math.isfinite(city):
                found.append(f"{table.key} {row.code} {row.comparison}")
    return found


@pytest.mark.sqlite_only
@pytest.mark.parametrize("method", ["poststratify", "rake"])
def test_demo_flags_agree_with_their_intervals(app: Flask, method: str) -> None:
    add_demo(app, responses=DEMO_RESPONSES)
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        state = _confirm(survey, method)
        definitions = outputs.indicators(survey)
        assert len(definitions) >= 30
        tables = outputs.findings(state, definitions)
        flags = sum(
            row.comparison in ("higher", "lower")
            for table in tables
            for row in table.districts
        )
        untested = sum(
            row.comparison == "untested" for t in tables for row in t.districts
        )
        assert _contradictions(tables) == []
        # the demo has real district moods: the rule still finds some
        assert flags > 0
        # 0 %/100 % cells exist in the demo and are never tested
        assert untested > 0
        for table in tables:
            for row in table.districts:
                if row.comparison == "untested":
                    assert row.note.startswith("nicht prüfbar")
                    assert math.isnan(row.p_value)
                if row.comparison in ("higher", "lower"):
                    assert row.p_adjusted < analysis.ALPHA

        # the weighting variable: register values, never tested
        population = services.population_table(survey)
        families = population[population["variable"] == "family_type"]
        single = families[families["level"] == "single_parent"].set_index("district")
        totals = families.groupby("district")["count"].sum()
        register = (single["count"] / totals).dropna()
        city_register = float(single["count"].sum() / totals.sum())
        by_key = {t.key: t for t in tables}
        fixed = by_key["share:haushaltstyp:2"]
        assert fixed.city.fixed
        assert fixed.city.estimate == pytest.approx(city_register, rel=1e-12)
        assert math.isnan(fixed.city.ci_lower)
        collapsed = set(state.spec.collapse.get("district", {}))
        collapsed |= set(state.spec.collapse.get("district", {}).values())
        for row in fixed.districts:
            assert row.comparison in (None, "weighting"), row
            crossed = method == "poststratify" and row.code in register.index
            if crossed and row.code not in collapsed:
                assert row.fixed
                assert row.estimate == pytest.approx(register[row.code], rel=1e-12)
            else:
                assert not row.fixed
        assert any(row.fixed for row in fixed.districts) == (method == "poststratify")
        for key in ("share:haushaltstyp:1", "share:haushaltstyp:3"):
            part = by_key[key]  # a part of couple families: estimated, not tested
            assert not part.city.fixed
            assert all(r.comparison in (None, "weighting") for r in part.districts)

        # precision: CV above the limit in parentheses, SE and CV in the CSV
        limit = rules.rules_of(survey).cv_limit
        rows = [r for t in tables for r in (t.city, *t.districts) if not r.suppressed]
        imprecise = [r for r in rows if r.imprecise]
        assert imprecise
        assert all(r.cv > limit for r in imprecise)
        assert all(not r.cv > limit for r in rows if not r.imprecise and not r.fixed)
        some = imprecise[0]
        assert value_text(some, "share").startswith("(")
        frame = findings_frame(tables)
        assert {"Standardfehler", "Variationskoeffizient (%)"} <= set(frame.columns)
        marked = frame[frame["Aussagewert eingeschränkt"] == "ja"]
        assert len(marked) == len(imprecise)

        # disclosure: dominance, "< 5", and an attacker who fails
        disclosure = rules.rules_of(survey).disclosure()
        secondary = 0
        for table in tables:
            for row in table.districts:
                if row.suppressed:
                    assert math.isnan(row.estimate)
                    text = n_text(row, disclosure.min_n)
                    assert (
                        text == "."
                        if row.secondary
                        else not 0 < row.n < 5 or (text == "< 5")
                    )
                    secondary += row.secondary
                elif table.statistic == "share" and not row.fixed:
                    extreme = row.estimate in (0.0, 1.0)
                    assert not (extreme and row.n < disclosure.dominance_n), row
        assert secondary > 0
        _assert_attacker_fails(tables, definitions, state, disclosure)

        # an item everyone answers alike flags nothing (share and mean)
        definition = next(d for d in definitions if d.key.startswith("top2:"))
        top = max(definition.codes)
        constant = state.data.frame.copy()
        constant[definition.column] = top
        weighted_again = analysis.weight_design(
            constant,
            state.spec,
            population=services.population_table(survey),
            district_codes=[d.code for d in state.data.districts],
            district_names={d.code: d.name for d in state.data.districts},
            neighbours=services.neighbours_of(survey),
            parents={d.code: d.parent_name for d in services.districts_of(survey)},
            labels={},
            use=True,
        )
        districts = [(d.code, d.name) for d in state.data.districts]
        for item in (definition, replace(definition, statistic="mean")):
            table = analysis.indicator_table(
                weighted_again.design,
                item,
                districts,
                min_n=rules.rules_of(survey).min_n,
            )
            assert all(
                row.comparison in (None, "untested") for row in table.districts
            ), item.statistic
            if item.statistic == "share":
                assert table.city.estimate == 1.0
                assert math.isfinite(table.city.ci_lower)


def _assert_attacker_fails(
    tables: list[IndicatorTable],
    definitions: list[analysis.IndicatorDef],
    state: weighting.WeightingState,
    rules: DisclosureRules,
) -> None:
    """Per question: the attacker knows every published cell, the city values,
    the weighted totals of every district (also of suppressed ones) and that
    single-choice shares add up to 1; linear programming finds the tightest
    interval of every suppressed cell. None may be narrower than the protection.
    The true values come from the unsuppressed estimates."""
    design = state.weighted.design
    assert design is not None
    districts = [(d.code, d.name) for d in state.data.districts]
    groups: dict[str, list[int]] = {}
    for position, definition in enumerate(definitions):
        kind = definition.key.split(":", 1)[0]
        name = (
            definition.column if kind in ("mean", "top2") else definition.question_name
        )
        groups.setdefault(f"{kind in ('share',)}:{name}", []).append(position)
    checked = 0
    for key, members in groups.items():
        sum_to_one = key.startswith("True:")
        published = [tables[m] for m in members]
        truth = [
            analysis.indicator_table(design, definitions[m], districts, min_n=0)
            for m in members
        ]
        codes = [row.code for row in published[0].districts]
        hidden = np.array(
            [[r.suppressed and not r.fixed for r in t.districts] for t in published]
        )
        if not hidden.any():
            continue
        values = np.array([[r.estimate for r in t.districts] for t in truth])
        weights = np.array(
            [
                [
                    district_counts(design, definitions[m])[0].get(str(c), 0.0)
                    for c in codes
                ]
                for m in members
            ]
        )
        bounds = np.array([list(t.scale) for t in published], dtype=float)
        lower, upper = attacker_intervals(
            np.nan_to_num(values), weights, hidden, bounds, sum_to_one=sum_to_one
        )
        width = (upper - lower) / (bounds[:, 1] - bounds[:, 0])[:, None]
        # a city value of 0 %/100 % publishes every answer by itself
        city = np.array([t.city.estimate for t in truth])
        span = bounds[:, 1] - bounds[:, 0]
        open_rows = (city > bounds[:, 0] + 1e-12 * span) & (
            city < bounds[:, 1] - 1e-12 * span
        )
        solvable = hidden & (weights > 0) & open_rows[:, None]
        assert (width[solvable] >= rules.protection - 1e-6).all(), (
            key,
            float(np.nanmin(width[solvable])),
        )
        checked += int(solvable.sum())
    assert checked > 0


def test_confirmed_weighting_stays_in_force_while_a_new_one_is_edited(
    app: Flask,
) -> None:
    add_demo(app, responses=160)
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert survey is not None
        unweighted = outputs.export_file(survey, "csv", None).decode("utf-8")
        assert "ungewichtet" in unweighted.splitlines()[1]
        _confirm(survey, "poststratify")
        first = weighting.weighting_state(survey)
        label = weighting.weighting_label(first)
        assert label.startswith("Gewichtung Nr. 1, bestätigt am ")
        assert "Nachschichtung" in label
        weights = first.weighted.design.weights.copy()  # type: ignore[union-attr]

        # editing (not confirming) changes nothing in the outputs
        weighting.save_weighting_setup(
            survey,
            {
                "method": "rake",
                "source": "layer",
                "mappings": MAPPING,
                "cross_with_district": False,
                "min_cell_size": 1,
            },
            None,
        )
        still = weighting.weighting_state(survey)
        assert still.weighted.weighted
        assert weighting.weighting_label(still) == label
        assert (still.weighted.design.weights == weights).all()  # type: ignore[union-attr]
        draft = weighting.weighting_state(survey, draft=True)
        assert draft.spec.method == "rake"
        assert not draft.weighted.weighted
        exported = outputs.export_file(survey, "csv", None).decode("utf-8")
        assert "Gewichtung Nr. 1" in exported.splitlines()[1]
        findings = outputs.findings_file(survey, "csv").decode("utf-8")
        assert "Gewichtung Nr. 1" in findings.splitlines()[1]
        assert "Gewichtung Nr. 1" in outputs.report_info(survey, still).weighting

        # confirming the edited set-up puts it in force as number 2
        if weighting.weighting_state(survey, draft=True).weighted.diagnosis.suggestion:
            weighting.apply_collapse_suggestion(survey, None)
        assert weighting.weighting_label(weighting.weighting_state(survey)) == label
        weighting.confirm_weighting(survey, None)
        second = weighting.weighting_state(survey)
        assert weighting.weighting_label(second).startswith("Gewichtung Nr. 2")
        assert "Raking" in weighting.weighting_label(second)
