"""Admin routes for a layer's population table: upload (CSV or XLSX), map the
columns with a report, confirm."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import role_required
from ..models import Role
from . import forms, geodata, population_jobs, services
from . import population_import as imports
from .population import Report
from .views import BAD_REQUEST, _layer_page, bp


@bp.route("/gebiete/<int:layer_id>/bevoelkerung", methods=["POST"])
@role_required(Role.ADMIN)
def upload_population(layer_id: int) -> Any:
    form = forms.PopulationUploadForm(prefix="population")
    if not form.validate_on_submit():
        return _layer_page(
            layer_id,
            population_form=form,
            problems=tuple(
                geodata.Problem(str(form.file.label.text), str(e))
                for e in form.file.errors
            ),
            problems_for="population",
            status=BAD_REQUEST,
        )
    upload = form.file.data
    job = population_jobs.queue_population_upload(
        current_user.id,
        services.layer_or_404(layer_id),
        upload.filename or "",
        upload.read(),
    )
    return redirect(url_for("auftraege.show_job", job_id=job.id))


def _mapping_page(
    layer_id: int,
    form: forms.PopulationMappingForm | None = None,
    report: Report | None = None,
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Any:
    upload = imports.pending_population_upload(current_user.id, layer_id)
    if upload is None:
        flash(_("Es wartet keine Bevölkerungstabelle auf Zuordnung."))
        return redirect(url_for(".show_layer", layer_id=layer_id) + "#bevoelkerung")
    page = imports.mapping_page(upload)
    if form is None:
        form = forms.population_mapping_form(page.table, page.proposal, upload.id)
    return (
        render_template(
            "verwaltung/map_population.html",
            page=page,
            form=form,
            report=report,
            problems=problems or [],
            discard_form=forms.ConfirmForm(),
            column_letter=forms.column_letter,
        ),
        status,
    )


@bp.route("/gebiete/<int:layer_id>/bevoelkerung/zuordnung", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def map_population(layer_id: int) -> Any:
    if request.method == "GET":
        return _mapping_page(layer_id)
    upload = imports.pending_population_upload(current_user.id, layer_id)
    if upload is None:
        return _mapping_page(layer_id)
    page = imports.mapping_page(upload)
    form = forms.population_mapping_form(
        page.table, page.proposal, upload.id, formdata=request.form
    )
    if not form.validate_on_submit():
        return _mapping_page(layer_id, form=form, status=BAD_REQUEST)
    mapping = forms.mapping_of(form, page.table)
    upload_id = int(form.upload_id.data) if form.upload_id.data.isdigit() else 0
    confirm = request.form.get("action") == "confirm"
    try:
        report = imports.population_report(upload, mapping)
        if confirm:
            report = imports.confirm_population_import(
                current_user.id, upload_id, layer_id, mapping
            )
    except imports.MappingError as error:
        _attach(form, error.problems)
        if report_of_values(error):
            return _mapping_page(layer_id, form=form, report=report, status=BAD_REQUEST)
        return _mapping_page(
            layer_id, form=form, problems=error.problems, status=BAD_REQUEST
        )
    if not confirm:
        status = 200 if report.ok else BAD_REQUEST
        return _mapping_page(layer_id, form=form, report=report, status=status)
    flash(
        _(
            "%(rows)d Bevölkerungszahlen für %(areas)d Gebiete übernommen "
            "(Merkmale: %(variables)s).",
            rows=len(report.figures),
            areas=len(report.matched),
            variables=", ".join(v for v, _levels in report.variables),
        )
    )
    return redirect(url_for(".show_layer", layer_id=layer_id))


def report_of_values(error: imports.MappingError) -> bool:
    """The confirm failed only on values the report names itself."""
    return all(name == "values" for name, _message in error.problems)


def _attach(form: forms.PopulationMappingForm, problems: list[tuple[str, str]]) -> None:
    for name, message in problems:
        target = name.replace("-", "_")
        field = getattr(form, f"{target}_level", None) or getattr(form, target, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]


@bp.route("/gebiete/<int:layer_id>/bevoelkerung/verwerfen", methods=["POST"])
@role_required(Role.ADMIN)
def discard_population(layer_id: int) -> Any:
    if not forms.ConfirmForm().validate_on_submit():
        abort(BAD_REQUEST)
    imports.discard_population_upload(current_user.id)
    flash(_("Die hochgeladene Bevölkerungstabelle ist verworfen."))
    return redirect(url_for(".show_layer", layer_id=layer_id))
