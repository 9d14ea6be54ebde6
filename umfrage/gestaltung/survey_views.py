"""Designer routes for surveys (on the ``gestaltung`` blueprint): settings and
field period, opening and closing, invitation codes and their files, and the
field monitor."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from ..auth import role_required
from ..extensions import db
from ..models import (
    AccessMode,
    Role,
    Survey,
    SurveyStatus,
    local_today,
)
from ..services import questionnaire_of
from ..templating import language_name
from ..urls import public_url
from . import code_jobs, forms, letter_templates, services
from .bursts import find_burst
from .views import (
    _actor,
    bp,
)


def _version_choices() -> list[tuple[int, str]]:
    return [
        (
            version.id,
            f"{version.questionnaire.name} – "
            + _("Version %(number)d", number=version.number),
        )
        for version in services.published_versions()
    ]


def _survey_form(formdata: Any = None, data: dict[str, Any] | None = None) -> FlaskForm:
    versions = services.published_versions()
    languages: dict[str, str] = {}
    for version in versions:
        for language in questionnaire_of(version).languages:
            languages.setdefault(language, language_name(language))
    return forms.build_survey_form(
        _version_choices(),
        [(layer.id, layer.name) for layer in services.layers()],
        sorted(languages.items()),
        formdata=formdata,
        data=data,
    )


def _settings(form: FlaskForm) -> services.SurveySettings:
    return services.SurveySettings(
        title=form.title.data.strip(),
        slug=form.slug.data.strip(),
        version_id=form.version_id.data,
        layer_id=form.layer_id.data or None,
        field_start=form.field_start.data,
        field_end=form.field_end.data,
        access_mode=AccessMode(form.access_mode.data),
        languages=list(form.languages.data or []),
        deletion_date=form.deletion_date.data,
        retention_months=current_app.config.get("RESPONSE_RETENTION_MONTHS"),
    )


@bp.route("/umfrage/neu", methods=["GET", "POST"])
@role_required(Role.DESIGNER)
def new_survey() -> Any:
    submitted = request.method == "POST"
    preset: dict[str, Any] = {"access_mode": "open", "layer_id": 0}
    version_id = request.args.get("version", type=int)
    if version_id:
        preset["version_id"] = version_id
    form = _survey_form(request.form if submitted else None, preset)
    error_message = None
    if submitted and form.validate():
        try:
            survey = services.create_survey(_actor(), _settings(form))
        except services.DesignError as error:
            error_message = error.message
        else:
            flash(
                _(
                    "Die Befragung ist angelegt (Entwurf). Öffnen Sie sie, wenn "
                    "alles stimmt."
                )
            )
            return redirect(url_for(".monitor_survey", survey_id=survey.id))
    return render_template(
        "gestaltung/edit_survey.html",
        form=form,
        survey=None,
        fixed=False,
        error_message=error_message,
        has_versions=bool(form.version_id.choices),
    ), (422 if submitted else 200)


@bp.route("/umfrage/<int:survey_id>/einstellungen", methods=["GET", "POST"])
@role_required(Role.DESIGNER)
def edit_survey(survey_id: int) -> Any:
    survey = db.get_or_404(Survey, survey_id)
    submitted = request.method == "POST"
    data = {
        "title": survey.title,
        "slug": survey.slug,
        "version_id": survey.questionnaire_version_id,
        "layer_id": survey.district_layer_id or 0,
        "field_start": survey.field_start,
        "field_end": survey.field_end,
        "access_mode": survey.access_mode.value,
        "languages": list(survey.languages),
        "deletion_date": survey.deletion_date,
    }
    form = _survey_form(request.form if submitted else None, data)
    fixed = services.survey_is_fixed(survey)
    error_message = None
    if submitted and form.validate():
        try:
            services.update_survey(_actor(), survey, _settings(form))
        except services.DesignError as error:
            db.session.rollback()
            error_message = error.message
        else:
            flash(_("Die Einstellungen sind gespeichert."))
            return redirect(url_for(".monitor_survey", survey_id=survey.id))
    return render_template(
        "gestaltung/edit_survey.html",
        form=form,
        survey=survey,
        fixed=fixed,
        error_message=error_message,
        has_versions=True,
    ), (422 if submitted else 200)


@bp.route("/umfrage/<int:survey_id>/status", methods=["POST"])
@role_required(Role.DESIGNER)
def set_survey_status(survey_id: int) -> Any:
    survey = db.get_or_404(Survey, survey_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = {"oeffnen": SurveyStatus.OPEN, "schliessen": SurveyStatus.CLOSED}.get(
        request.form.get("status", "")
    )
    if wanted is None:
        abort(400)
    try:
        services.set_survey_status(_actor(), survey, wanted)
    except services.DesignError as error:
        return _render_monitor(survey, error.message, 409)
    flash(
        _("Die Befragung ist geöffnet.")
        if wanted == SurveyStatus.OPEN
        else _("Die Befragung ist geschlossen.")
    )
    return redirect(url_for(".monitor_survey", survey_id=survey.id))


def _codes_form(survey: Survey, formdata: Any = None) -> forms.GenerateCodesForm:
    form = forms.GenerateCodesForm(formdata=formdata)
    choices = [SelectChoice("", _("– ohne Sozialraum –"))]
    if survey.district_layer is not None:
        choices.append(
            SelectChoice("each", _("für jeden Sozialraum die angegebene Anzahl"))
        )
        choices.extend(
            SelectChoice(str(d.id), f"{d.name} ({d.code})")
            for d in sorted(survey.district_layer.districts, key=lambda d: d.name)
        )
    form.district.choices = choices
    return form


def _min_batch() -> int:
    return int(current_app.config["INVITATION_COUNT_MIN_BATCH"])


def _render_codes(
    survey: Survey, form: FlaskForm, status: int = 200, error: str | None = None
) -> Any:
    return render_template(
        "gestaltung/invitation_codes.html",
        survey=survey,
        form=form,
        batches=services.batch_listings(survey, _min_batch()),
        counts=services.code_counts(survey, _min_batch()),
        min_batch=_min_batch(),
        action_form=FlaskForm(),
        error_message=error,
        hours=current_app.config["INVITATION_DOWNLOAD_HOURS"],
        limit=current_app.config["INVITATION_BATCH_LIMIT"],
        public_url=public_url("teilnahme.landing", slug=survey.slug),
        flush_size=current_app.config["SPENT_CODE_FLUSH_SIZE"],
        jobs=code_jobs.active_jobs(survey),
    ), status


@bp.route("/umfrage/<int:survey_id>/codes", methods=["GET", "POST"])
@role_required(Role.DESIGNER)
def invitation_codes(survey_id: int) -> Any:
    survey = db.get_or_404(Survey, survey_id)
    submitted = request.method == "POST"
    form = _codes_form(survey, request.form if submitted else None)
    if not submitted:
        return _render_codes(survey, form)
    if not form.validate_on_submit():
        return _render_codes(survey, form, 422)
    district_id, per_district = form.district_target()
    try:
        batch = services.generate_codes(
            _actor(),
            survey,
            form.count.data,
            district_id,
            per_district,
            key=current_app.config["SECRET_KEY"],
            limit=current_app.config["INVITATION_BATCH_LIMIT"],
            hours=current_app.config["INVITATION_DOWNLOAD_HOURS"],
        )
    except services.DesignError as error:
        return _render_codes(survey, form, 422, error.message)
    flash(
        _(
            "%(count)d Codes sind erzeugt. Erstellen Sie jetzt die Briefe (PDF) "
            "oder die Liste (CSV) und bestätigen Sie nach dem Herunterladen den "
            "Empfang; dann werden die Codes gelöscht.",
            count=batch.size,
        )
    )
    return redirect(
        url_for(".invitation_codes", survey_id=survey.id) + f"#stapel-{batch.id}"
    )


@bp.route("/umfrage/<int:survey_id>/codes/<int:batch_id>/<kind>", methods=["POST"])
@role_required(Role.DESIGNER)
def download_codes(survey_id: int, batch_id: int, kind: str) -> Any:
    """Make the batch's list ("liste", CSV) or letters ("briefe", PDF) as a job and
    show its page (the job already made for it, if there is one)."""
    survey = db.get_or_404(Survey, survey_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    formats = {"liste": "csv", "briefe": "pdf"}
    if kind not in formats:
        abort(404)
    try:  # before the batch is loaded: the codes page below lists it afresh
        settings = letter_templates.letter_settings(survey, current_app.config)
        if formats[kind] == "pdf":
            letter_templates.check_layout(settings)
    except services.DesignError as error:  # nothing queued
        return _render_codes(survey, _codes_form(survey), 409, error.message)
    batch = services.batch_or_404(survey, batch_id)
    try:
        job = code_jobs.request_file(_actor(), survey, batch, formats[kind])
    except services.DesignError as error:
        form = _codes_form(survey)
        return _render_codes(survey, form, 410, error.message)
    return redirect(url_for("auftraege.show_job", job_id=job.id))


@bp.route(
    "/umfrage/<int:survey_id>/codes/<int:batch_id>/zurueckziehen", methods=["POST"]
)
@role_required(Role.DESIGNER)
def withdraw_codes(survey_id: int, batch_id: int) -> Any:
    survey = db.get_or_404(Survey, survey_id)
    batch = services.batch_or_404(survey, batch_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    services.withdraw_batch(_actor(), batch)
    flash(_("Die noch nicht abgeschickten Codes dieses Stapels gelten nicht mehr."))
    return redirect(url_for(".invitation_codes", survey_id=survey.id))


@bp.route("/umfrage/<int:survey_id>")
@role_required(Role.DESIGNER)
def monitor_survey(survey_id: int) -> Any:
    return _render_monitor(db.get_or_404(Survey, survey_id))


def _render_monitor(survey: Survey, error: str | None = None, status: int = 200) -> Any:
    rows, unknown_complete, unknown_partial = services.returns_by_district(survey)
    days = services.responses_per_day(survey)
    return render_template(
        "gestaltung/monitor_survey.html",
        survey=survey,
        rows=rows,
        unknown_complete=unknown_complete,
        unknown_partial=unknown_partial,
        total_complete=sum(r.complete for r in rows) + unknown_complete,
        total_partial=sum(r.partial for r in rows) + unknown_partial,
        days=days,
        day_max=max([max(d.started, d.completed) for d in days], default=0),
        burst=find_burst(
            days,
            local_today(),
            float(current_app.config["RESPONSE_BURST_FACTOR"]),
            int(current_app.config["RESPONSE_BURST_MINIMUM"]),
        ),
        drop_off=services.drop_off_by_page(survey),
        codes=services.code_counts(survey, _min_batch()),
        status_form=FlaskForm(),
        version=survey.questionnaire_version,
        error_message=error,
    ), status
