"""Analyst routes for small-area models: choose covariates, see the diagnostics,
enable or stop the model (registered on the ``berichte`` blueprint)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import role_required
from ..models import Role
from ..templating import findings_formats
from . import analysis_views, forms, outputs, services, small_area
from .analysis import IndicatorDef, SetupError
from .rules import rules_of
from .views import BAD_REQUEST, _attach, bp


def _definition_or_404(survey: Any, key: str | None) -> IndicatorDef:
    """The modelable indicator ``key``; without a key the first one (the page
    opened from the survey's overview)."""
    definitions = small_area.modelable(outputs.indicators(survey))
    if key is None and definitions:
        return definitions[0]
    chosen = next((d for d in definitions if d.key == key), None)
    if chosen is None:
        abort(404)
    return chosen


def _model_page(
    survey_id: int,
    key: str | None,
    form: forms.SmallAreaForm | None = None,
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Any:
    survey = services.survey_or_404(survey_id)
    definition = _definition_or_404(survey, key)
    setup = small_area.setups(survey).get(definition.key)
    choices = small_area.covariate_choices(survey)
    if form is None:
        form = forms.SmallAreaForm(
            data={
                "covariates": list(setup.covariates) if setup else [],
                "method": setup.method if setup else "reml",
            }
        )
    form.covariates.choices = [(c.key, c.label) for c in choices]
    state = analysis_views.current_state(survey)
    diagnostics = None
    model_problem = None
    if setup is not None:
        try:
            diagnostics = small_area.diagnostics(survey, state, definition, setup)
        except SetupError as error:
            model_problem = "; ".join(message for _f, message in error.problems)
    return (
        render_template(
            "berichte/edit_small_area.html",
            survey=survey,
            state=state,
            definition=definition,
            setup=setup,
            form=form,
            action_form=forms.ActionForm(),
            problems=problems or [],
            diagnostics=diagnostics,
            model_problem=model_problem,
            **findings_formats(),
            gain=small_area.gain_text,
            min_n=rules_of(survey).min_n,
        ),
        status,
    )


@bp.route("/<int:survey_id>/modell", methods=["GET", "POST"])
@role_required(Role.ANALYST)
def edit_small_area(survey_id: int) -> Any:
    key = request.args.get("indikator")
    if request.method == "GET":
        return _model_page(survey_id, key)
    survey = services.survey_or_404(survey_id)
    definition = _definition_or_404(survey, key)
    form = forms.SmallAreaForm()
    form.covariates.choices = [
        (c.key, c.label) for c in small_area.covariate_choices(survey)
    ]
    if not form.validate_on_submit():
        return _model_page(survey_id, key, form=form, status=BAD_REQUEST)
    try:
        small_area.save_setup(
            survey,
            definition,
            form.covariates.data or [],
            form.method.data or "",
            current_user.id,
        )
    except SetupError as error:
        _attach(form, error)
        return _model_page(
            survey_id, key, form=form, problems=error.problems, status=BAD_REQUEST
        )
    flash(_("Das Modell ist gespeichert. Bitte die Diagnose prüfen."))
    return redirect(
        url_for(".edit_small_area", survey_id=survey_id, indikator=key) + "#diagnose"
    )


@bp.route("/<int:survey_id>/modell/verwenden", methods=["POST"])
@role_required(Role.ANALYST)
def enable_small_area(survey_id: int) -> Any:
    return _switch(survey_id, enabled=True)


@bp.route("/<int:survey_id>/modell/beenden", methods=["POST"])
@role_required(Role.ANALYST)
def disable_small_area(survey_id: int) -> Any:
    return _switch(survey_id, enabled=False)


def _switch(survey_id: int, *, enabled: bool) -> Any:
    survey = services.survey_or_404(survey_id)
    key = request.args.get("indikator")
    definition = _definition_or_404(survey, key)
    if not forms.ActionForm().validate_on_submit():
        abort(BAD_REQUEST)
    state = analysis_views.current_state(survey)
    try:
        small_area.set_enabled(survey, state, definition, enabled, current_user.id)
    except SetupError as error:
        return _model_page(survey_id, key, problems=error.problems, status=BAD_REQUEST)
    if enabled:
        flash(_("Die Modellschätzungen erscheinen jetzt in Ergebnissen und Berichten."))
        return redirect(url_for(".show_findings", survey_id=survey_id, indikator=key))
    flash(_("Die Modellschätzungen werden nicht mehr gezeigt."))
    return redirect(url_for(".edit_small_area", survey_id=survey_id, indikator=key))
