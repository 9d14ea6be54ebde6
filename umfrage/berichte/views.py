"""Analyst area: weighting set-up with diagnostics, findings per district (table,
chart, map), PDF reports and data exports."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth import role_required
from ..models import Role, Survey
from ..services import questionnaire_of
from ..templating import findings_formats
from . import (
    analysis,
    forms,
    mapping,
    outputs,
    report_jobs,
    report_settings,
    rules,
    services,
    small_area,
    svg,
    weighting,
    weighting_preview,
)
from .analysis import SetupError

bp = Blueprint("berichte", __name__, url_prefix="/berichte")

BAD_REQUEST = 400


@bp.context_processor
def _weighting_helpers() -> dict[str, Any]:
    return {"weighting_label": weighting.weighting_label}


@bp.route("/")
@role_required(Role.ANALYST)
def index() -> Any:
    return render_template("berichte/index.html", overviews=services.survey_overviews())


@bp.route("/<int:survey_id>/")
@role_required(Role.ANALYST)
def show_survey(survey_id: int) -> Any:
    return _survey_page(survey_id)


def _survey_page(
    survey_id: int, form: forms.KeyIndicatorForm | None = None, status: int = 200
) -> Any:
    survey = services.survey_or_404(survey_id)
    state = analysis_views.current_state(survey)
    definitions = outputs.indicators(survey)
    if form is None:
        chosen = report_settings.chosen_keys(survey, definitions)
        form = forms.KeyIndicatorForm(
            formdata=None,
            data={"indikatoren": [d.key for d in definitions if d.key in chosen]},
        )
    form.indikatoren.choices = [
        (d.key, f"{d.group} – {d.label}" if d.group != d.question else d.label)
        for d in definitions
    ]
    return (
        render_template(
            "berichte/show_survey.html",
            survey=survey,
            state=state,
            districts=state.data.districts,
            district_rows=services.district_rows(survey, state.data),
            term=report_settings.area_term(survey),
            indicator_form=form,
            as_jobs=_outputs_as_jobs(len(state.data.frame)),
        ),
        status,
    )


def _outputs_as_jobs(complete: int) -> bool:
    """Whether a survey is too large for reports and exports made in a request."""
    return complete > int(current_app.config["DIRECT_DOWNLOAD_MAX_RESPONSES"])


def _too_large_for_a_request(survey: Survey) -> Response | None:
    """For a large survey, a direct download goes back to the survey page, where
    each report and export is offered as a job; None for a small one."""
    if not _outputs_as_jobs(services.complete_count(survey)):
        return None
    flash(
        _(
            "Diese Befragung hat mehr als %(limit)s vollständige Antworten: Berichte "
            "und Exporte entstehen als Auftrag im Hintergrund. Wählen Sie die Datei "
            "unten noch einmal.",
            limit=format_decimal(current_app.config["DIRECT_DOWNLOAD_MAX_RESPONSES"]),
        )
    )
    return redirect(url_for(".show_survey", survey_id=survey.id, _anchor="dateien"))


@bp.route("/<int:survey_id>/kernindikatoren", methods=["POST"])
@role_required(Role.ANALYST)
def choose_key_indicators(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    form = forms.KeyIndicatorForm()
    if not form.validate_on_submit():
        abort(BAD_REQUEST)
    try:
        chosen = report_settings.choose_key_indicators(
            survey,
            outputs.indicators(survey),
            form.indikatoren.data or [],
            current_user.id,
        )
    except report_settings.ReportSettingError as error:
        form.indikatoren.errors = [str(error)]
        return _survey_page(survey_id, form=form, status=BAD_REQUEST)
    flash(
        _(
            "Der Stadtbericht zeigt jetzt %(count)d Kernindikatoren mit eigener Seite.",
            count=len(chosen),
        )
    )
    return redirect(url_for(".show_survey", survey_id=survey_id) + "#kernindikatoren")


# -- weighting --------------------------------------------------------------------


def _weighting_page(
    survey_id: int,
    form: forms.WeightingForm | None = None,
    upload_form: forms.MarginsUploadForm | None = None,
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
    choices: list[mapping.VariableChoice] | None = None,
    preview: list[weighting_preview.VariablePreview] | None = None,
) -> Any:
    survey = services.survey_or_404(survey_id)
    state = analysis_views.current_state(survey, draft=True)
    setup = state.setup
    if form is None:
        form = forms.WeightingForm(
            data={
                "method": setup.method if setup else "poststratify",
                "source": setup.source if setup else "layer",
                "mappings": "",
                "auto_collapse": True,
                "cross_with_district": setup.cross_with_district if setup else True,
                "lower_bound": _decimal(setup.lower_bound) if setup else "",
                "upper_bound": _decimal(setup.upper_bound) if setup else "",
                "min_cell_size": setup.min_cell_size if setup else 5,
                "collapse": analysis.collapse_text(setup.collapse) if setup else "",
            }
        )
    if choices is None:
        choices = mapping.choices_for(
            state.data.questionnaire,
            services.population_totals(survey),
            setup.mappings if setup else None,
        )
    drawn, _outline = outputs.map_data(survey)
    merges = [m for p in preview or () for m in p.merges]
    return (
        render_template(
            "berichte/edit_weighting.html",
            survey=survey,
            state=state,
            form=form,
            upload_form=upload_form or forms.MarginsUploadForm(),
            action_form=forms.ActionForm(),
            problems=problems or [],
            choices=choices,
            mapping_questions=mapping.question_infos(state.data.questionnaire),
            preview=preview,
            # a variable, not a literal: Jinja would format a constant once, at
            # compile time, in the language of the first request
            misfit_floor=0.001,
            merge_map=svg.groups_map_svg(drawn, merges, "zusammenlegen-karte")
            if drawn is not None and merges
            else None,
            district_names={d.code: d.name for d in state.data.districts},
            histogram=svg.histogram_svg(
                state.weighted.diagnosis.histogram, "histogramm-titel"
            ),
        ),
        status,
    )


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:g}".replace(".", ",")


@bp.route("/<int:survey_id>/gewichtung", methods=["GET", "POST"])
@role_required(Role.ANALYST)
def edit_weighting(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    if request.method == "GET":
        return _weighting_page(survey_id)
    form = forms.WeightingForm()
    questionnaire = questionnaire_of(survey.questionnaire_version)
    choices, mapping_list, mapping_problems = mapping.choices_from_form(
        request.form, questionnaire, services.population_totals(survey)
    )
    if not form.validate_on_submit():
        return _weighting_page(
            survey_id, form=form, choices=choices, status=BAD_REQUEST
        )
    if request.form.get("action") == "preview":
        return _preview(
            survey_id, survey, form, choices, mapping_list, mapping_problems
        )
    defer = bool(form.auto_collapse.data) and weighting.too_large_for_a_request(survey)
    try:
        setup = weighting.save_weighting_setup(
            survey,
            {
                "method": form.method.data,
                "source": form.source.data,
                "mappings": form.mappings.data,
                "mapping_list": mapping_list,
                "mapping_problems": mapping_problems,
                "auto_collapse": form.auto_collapse.data,
                "cross_with_district": form.cross_with_district.data,
                "lower_bound": form.lower_bound.data,
                "upper_bound": form.upper_bound.data,
                "min_cell_size": form.min_cell_size.data,
                "collapse": form.collapse.data,
            },
            current_user.id,
            defer_collapse=defer,
        )
    except SetupError as error:
        _attach(form, error)
        return _weighting_page(
            survey_id,
            form=form,
            problems=error.problems,
            choices=choices,
            status=BAD_REQUEST,
        )
    if defer and setup.method != "none":
        # a large survey: the job merges the small cells and diagnoses
        analysis_jobs.start_draft(survey, current_user.id, merge_small_cells=True)
    flash(
        _("Die Gewichtung ist gespeichert. Bitte die Diagnose prüfen und bestätigen.")
    )
    return redirect(url_for(".edit_weighting", survey_id=survey_id) + "#diagnose")


def _wait_for_diagnosis(survey: Survey, pending: weighting.AnalysisPending) -> Any:
    """A large survey's diagnosis (or responses) is not computed yet: queue
    its job and go to the weighting page, which shows its progress."""
    analysis_views.queue(survey, pending)
    if pending.draft:
        flash(
            _(
                "Die Diagnose der Gewichtung wird noch im Hintergrund berechnet. "
                "Bitte prüfen Sie sie, sobald sie angezeigt wird, und versuchen "
                "Sie es dann erneut."
            )
        )
    else:
        flash(
            _(
                "Die Antworten werden noch im Hintergrund gelesen und gewichtet. "
                "Bitte versuchen Sie es erneut, sobald die Seite sie zeigt."
            )
        )
    return redirect(url_for(".edit_weighting", survey_id=survey.id))


def _preview(
    survey_id: int,
    survey: Any,
    form: forms.WeightingForm,
    choices: list[mapping.VariableChoice],
    mapping_list: list[dict[str, Any]],
    problems: list[tuple[str, str]],
) -> Any:
    """The cells the posted set-up would weight, without saving it."""
    if problems:
        return _weighting_page(
            survey_id,
            form=form,
            problems=problems,
            choices=choices,
            status=BAD_REQUEST,
        )
    try:
        preview = weighting.preview_cells(
            survey,
            {
                "method": form.method.data,
                "mapping_list": mapping_list,
                "cross_with_district": form.cross_with_district.data,
                "min_cell_size": form.min_cell_size.data,
                "collapse": "" if form.auto_collapse.data else form.collapse.data,
            },
            in_request=True,
        )
    except weighting.AnalysisPending as pending:
        return _wait_for_diagnosis(survey, pending)
    except SetupError as error:
        return _weighting_page(
            survey_id,
            form=form,
            problems=error.problems,
            choices=choices,
            status=BAD_REQUEST,
        )
    return _weighting_page(survey_id, form=form, choices=choices, preview=preview)


def _attach(form: Any, error: SetupError) -> None:
    for name, message in error.problems:
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            errors = list(field.errors)
            errors.append(message)
            field.errors = errors


@bp.route("/<int:survey_id>/gewichtung/randverteilungen", methods=["POST"])
@role_required(Role.ANALYST)
def upload_margins(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    upload_form = forms.MarginsUploadForm()
    if not upload_form.validate_on_submit():
        return _weighting_page(survey_id, upload_form=upload_form, status=BAD_REQUEST)
    upload = upload_form.file.data
    try:
        weighting.store_margins(
            survey,
            upload.filename or "randverteilungen.csv",
            upload.read(),
            current_user.id,
        )
    except SetupError as error:
        _attach(upload_form, error)
        return _weighting_page(
            survey_id,
            upload_form=upload_form,
            problems=error.problems,
            status=BAD_REQUEST,
        )
    flash(_("Die Randverteilungen sind übernommen."))
    return redirect(url_for(".edit_weighting", survey_id=survey_id) + "#diagnose")


@bp.route("/<int:survey_id>/gewichtung/zusammenlegen", methods=["POST"])
@role_required(Role.ANALYST)
def apply_collapse(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    if not forms.ActionForm().validate_on_submit():
        abort(BAD_REQUEST)
    try:
        merged = weighting.apply_collapse_suggestion(
            survey, current_user.id, in_request=True
        )
    except weighting.AnalysisPending as pending:
        return _wait_for_diagnosis(survey, pending)
    except SetupError as error:
        return _weighting_page(survey_id, problems=error.problems, status=BAD_REQUEST)
    flash(
        _(
            "%(count)d Sozialräume werden für die Gewichtung zusammengelegt.",
            count=merged,
        )
    )
    return redirect(url_for(".edit_weighting", survey_id=survey_id) + "#diagnose")


@bp.route("/<int:survey_id>/gewichtung/bestaetigen", methods=["POST"])
@role_required(Role.ANALYST)
def confirm_weighting(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    if not forms.ActionForm().validate_on_submit():
        abort(BAD_REQUEST)
    try:
        weighting.confirm_weighting(survey, current_user.id, in_request=True)
    except weighting.AnalysisPending as pending:
        return _wait_for_diagnosis(survey, pending)
    except SetupError as error:
        return _weighting_page(survey_id, problems=error.problems, status=BAD_REQUEST)
    flash(_("Die Gewichtung wird jetzt für alle Ergebnisse verwendet."))
    return redirect(url_for(".show_findings", survey_id=survey_id))


# -- findings ---------------------------------------------------------------------


@bp.route("/<int:survey_id>/ergebnisse")
@role_required(Role.ANALYST)
def show_findings(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    definitions = outputs.indicators(survey)
    key = request.args.get("indikator")
    chosen = next((d for d in definitions if d.key == key), None)
    if key is not None and chosen is None:
        abort(404)
    if chosen is None and definitions:
        chosen = definitions[0]
    state = analysis_views.current_state(survey)
    table = outputs.findings(state, [chosen])[0] if chosen else None
    published = rules.rules_of(survey)
    drawn, _outline = outputs.map_data(survey) if table else (None, None)
    return render_template(
        "berichte/show_findings.html",
        model=small_area.findings_model(survey, state, chosen, table),
        survey=survey,
        state=state,
        definitions=definitions,
        chosen=chosen,
        table=table,
        chart=svg.chart_svg(table, "grafik-titel", published.min_n) if table else None,
        map=svg.map_svg(drawn, table, "karte-titel", published.min_n)
        if table and drawn
        else None,
        legend=svg.map_legend(table) if table else [],
        **findings_formats(),
        min_n=published.min_n,
        cv_limit=round(100 * published.cv_limit),
        rules=published,
    )


# -- downloads --------------------------------------------------------------------


def _download(content: bytes, filename: str, media_type: str) -> Response:
    response = Response(content, mimetype=media_type.split(";")[0])
    if "charset" in media_type:
        response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "befragung"


@bp.route("/<int:survey_id>/bericht.pdf")
@role_required(Role.ANALYST)
def city_report(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    if (large := _too_large_for_a_request(survey)) is not None:
        return large
    return _download(
        outputs.city_report_pdf(survey),
        f"{_slug(survey.slug)}-bericht.pdf",
        "application/pdf",
    )


@bp.route("/<int:survey_id>/profile.pdf")
@role_required(Role.ANALYST)
def district_profiles(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    if (large := _too_large_for_a_request(survey)) is not None:
        return large
    return _download(
        outputs.district_profiles_pdf(survey),
        f"{_slug(survey.slug)}-profile.pdf",
        "application/pdf",
    )


@bp.route("/<int:survey_id>/profil/<int:district_id>.pdf")
@role_required(Role.ANALYST)
def district_profile(survey_id: int, district_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    district = services.district_or_404(survey, district_id)
    return _download(
        outputs.district_profiles_pdf(survey, district.code),
        f"{_slug(survey.slug)}-profil-{_slug(district.code)}.pdf",
        "application/pdf",
    )


@bp.route("/<int:survey_id>/export")
@role_required(Role.ANALYST)
def export_responses(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    if (large := _too_large_for_a_request(survey)) is not None:
        return large
    kind = request.args.get("format", "csv")
    if kind not in outputs.EXPORT_FORMATS:
        abort(404)
    media_type, extension = outputs.MEDIA_TYPES[kind]
    suffix = {"csv-excel": "-excel", "codebook": "-codebuch"}.get(kind, "")
    return _download(
        outputs.export_file(survey, kind, current_user.id),
        f"{_slug(survey.slug)}-antworten{suffix}.{extension}"
        if kind != "codebook"
        else f"{_slug(survey.slug)}-codebuch.{extension}",
        media_type,
    )


@bp.route("/<int:survey_id>/ergebnistabelle")
@role_required(Role.ANALYST)
def export_findings(survey_id: int) -> Any:
    survey = services.survey_or_404(survey_id)
    if (large := _too_large_for_a_request(survey)) is not None:
        return large
    kind = request.args.get("format", "csv")
    if kind not in outputs.FINDINGS_FORMATS:
        abort(404)
    media_type, extension = outputs.MEDIA_TYPES[kind]
    suffix = "-excel" if kind == "csv-excel" else ""
    return _download(
        outputs.findings_file(survey, kind),
        f"{_slug(survey.slug)}-ergebnisse{suffix}.{extension}",
        media_type,
    )


@bp.route("/<int:survey_id>/auftrag", methods=["POST"])
@role_required(Role.ANALYST)
def queue_output(survey_id: int) -> Any:
    """Make a report or export as a job (for large surveys) and show its page."""
    survey = services.survey_or_404(survey_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        job = report_jobs.queue_output(
            int(current_user.id),
            survey,
            request.form.get("output", ""),
            request.form.get("format", ""),
        )
    except ValueError:
        abort(400)
    return redirect(url_for("auftraege.show_job", job_id=job.id))


# Registers the analysis, model and rules routes on bp.
from . import (  # noqa: E402, F401 - the last two register their routes
    analysis_jobs,
    analysis_views,
    rules_views,
    small_area_views,
)
