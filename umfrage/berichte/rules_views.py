"""Analyst route for a survey's publication rules (minimum n, dominance rule,
secondary suppression, precision limit)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import role_required
from ..models import Role
from . import forms, rules, services
from .analysis import SetupError
from .views import BAD_REQUEST, _attach, bp


def _rules_page(
    survey_id: int,
    form: forms.PublicationRulesForm | None = None,
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Any:
    survey = services.survey_or_404(survey_id)
    current = rules.rules_of(survey)
    if form is None:
        form = forms.PublicationRulesForm(formdata=None, data=_form_data(current))
    if problems is None:
        problems = [
            (field.name, f"{field.label.text}: {message}")
            for field in form
            for message in field.errors
        ]
    return (
        render_template(
            "berichte/edit_rules.html",
            survey=survey,
            form=form,
            reset_form=forms.ActionForm(prefix="zuruecksetzen"),
            current=current,
            defaults=_form_data(rules.default_rules()),
            problems=problems,
        ),
        status,
    )


def _form_data(published: rules.PublicationRules) -> dict[str, int]:
    values = published.values()
    return {
        name: round(100 * value) if name in rules.PERCENT_FIELDS else int(value)
        for name, value in values.items()
    }


@bp.route("/<int:survey_id>/veroeffentlichung", methods=["GET", "POST"])
@role_required(Role.ANALYST)
def edit_rules(survey_id: int) -> Any:
    if request.method == "GET":
        return _rules_page(survey_id)
    survey = services.survey_or_404(survey_id)
    if "zuruecksetzen-csrf_token" in request.form:
        if not forms.ActionForm(prefix="zuruecksetzen").validate_on_submit():
            abort(BAD_REQUEST)
        rules.save_rules(survey, None, current_user.id)
        flash(_("Es gelten wieder die Voreinstellungen."))
        return redirect(url_for(".edit_rules", survey_id=survey_id))
    form = forms.PublicationRulesForm()
    if not form.validate_on_submit():
        return _rules_page(survey_id, form=form, status=BAD_REQUEST)
    values: dict[str, Any] = {name: getattr(form, name).data for name in rules.LIMITS}
    for name in rules.PERCENT_FIELDS:
        values[name] = values[name] / 100
    try:
        checked = rules.check_rules(values)
    except SetupError as error:
        _attach(form, error)
        return _rules_page(
            survey_id, form=form, problems=error.problems, status=BAD_REQUEST
        )
    rules.save_rules(survey, checked, current_user.id)
    flash(
        _(
            "Die Regeln sind gespeichert. Sie gelten ab sofort für die Ergebnisseite, "
            "die Berichte und die Ergebnistabellen."
        )
    )
    return redirect(url_for(".edit_rules", survey_id=survey_id))
