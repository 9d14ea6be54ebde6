"""Designer area, the ``gestaltung`` blueprint: a questionnaire as a whole (new,
settings, publish, export, preview) and what the other route modules share.

Its pages and questions are edited in ``page_views``; surveys, invitation codes and
the field monitor live in ``survey_views``; translations, imports and letters in
``translation_views``, ``import_views`` and ``letter_views``.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import Response as HttpResponse
from flask_babel import gettext as _
from flask_login import current_user

from fragebogen import validation
from fragebogen.errors import AnswerError, DefinitionError
from fragebogen.model import QuestionType, text_direction

from ..auth import role_required
from ..models import (
    Role,
    VersionStatus,
)
from ..services import questionnaire_of
from ..teilnahme import district_map
from ..teilnahme.chrome import translate
from ..teilnahme.forms import build_page_form as build_respondent_form
from ..teilnahme.forms import field_of, has_field, raw_answers
from ..teilnahme.services import DistrictChoice
from ..teilnahme.shown_answers import ShownAnswers
from . import editing, forms, services

bp = Blueprint("gestaltung", __name__, url_prefix="/gestaltung")


def _actor() -> int:
    return int(current_user.id)


@bp.context_processor
def _designer_helpers() -> dict[str, Any]:
    return {
        "text_direction": text_direction,
        "text_fields": forms.text_fields,
        "access_labels": forms.ACCESS_LABELS,
    }


def _posted_base_form() -> forms.BaseForm:
    """The POSTed form that carries only the CSRF token and the definition's
    fingerprint; anything else is a bad request."""
    form = forms.BaseForm()
    if not form.validate_on_submit():
        abort(400)
    return form


@bp.route("/")
@role_required(Role.DESIGNER)
def index() -> Any:
    return render_template(
        "gestaltung/index.html",
        summaries=services.survey_summaries(),
        questionnaires=services.questionnaire_listings(),
    )


# ------------------------------------------------------------------ questionnaires


@bp.route("/fragebogen/neu", methods=["GET", "POST"])
@role_required(Role.DESIGNER)
def new_questionnaire() -> Any:
    form = forms.NewQuestionnaireForm()
    status = 200
    if form.validate_on_submit():
        try:
            row = services.create_questionnaire(
                _actor(),
                form.name.data.strip(),
                form.title.data.strip(),
                forms.parse_languages(form.languages.data),
            )
        except services.DesignError as error:
            form.name.errors.append(error.message)
        else:
            return redirect(url_for(".edit_questionnaire", questionnaire_id=row.id))
    if form.errors or request.method == "POST":
        status = 422
    return render_template(
        "gestaltung/new_questionnaire.html", form=form, import_form=forms.ImportForm()
    ), status


def _definition_context(row: Any) -> dict[str, Any]:
    version = services.latest_version(row)
    questionnaire = questionnaire_of(version)
    problems = services.definition_problems(version)
    return {
        "row": row,
        "version": version,
        "questionnaire": questionnaire,
        "problems": problems,
        "described": [
            (problem, editing.describe_place(questionnaire, problem.place))
            for problem in problems
        ],
        "published": version.status == VersionStatus.PUBLISHED,
        "base": version.fingerprint,
        "action_form": forms.BaseForm(
            formdata=None, data={"base": version.fingerprint}
        ),
    }


@bp.route("/fragebogen/<int:questionnaire_id>")
@role_required(Role.DESIGNER)
def edit_questionnaire(questionnaire_id: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    context = _definition_context(row)
    return render_template(
        "gestaltung/edit_questionnaire.html",
        add_page_form=forms.AddPageForm(formdata=None, data={"base": context["base"]}),
        replace_form=forms.ReplaceDraftForm(
            formdata=None, data={"base": context["base"]}
        ),
        **context,
    )


def _changed(result: services.EditResult) -> None:
    if result.new_version:
        flash(
            _(
                "Die veröffentlichte Version bleibt unverändert; Ihre Änderung steht "
                "in der neuen Version %(number)d (Entwurf).",
                number=result.version.number,
            )
        )


def _stale_or_invalid(row: Any, error: services.DesignError) -> Any:
    """Render the questionnaire page with the reason a button did nothing."""
    context = _definition_context(row)
    status = 409 if isinstance(error, services.StaleVersionError) else 422
    return render_template(
        "gestaltung/edit_questionnaire.html",
        add_page_form=forms.AddPageForm(formdata=None, data={"base": context["base"]}),
        replace_form=forms.ReplaceDraftForm(
            formdata=None, data={"base": context["base"]}
        ),
        error_message=error.message,
        **context,
    ), status


def _change(row: Any, base: str, change: Any, target: str) -> Any:
    try:
        result = services.change_draft(_actor(), row, base, change)
    except services.DesignError as error:
        return _stale_or_invalid(row, error)
    _changed(result)
    return redirect(target)


@bp.route("/fragebogen/<int:questionnaire_id>/einstellungen", methods=["GET", "POST"])
@role_required(Role.DESIGNER)
def edit_settings(questionnaire_id: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    version = services.latest_version(row)
    questionnaire = questionnaire_of(version)
    submitted = request.method == "POST"
    form = forms.build_settings_form(
        questionnaire, formdata=request.form if submitted else None
    )
    if not submitted:
        form.base.data = version.fingerprint
    error_message = None
    if submitted and form.validate():
        try:
            result = services.change_draft(
                _actor(),
                row,
                form.base.data,
                lambda q: forms.settings_from_form(form, q),
            )
        except services.DesignError as error:
            error_message = error.message
        else:
            _changed(result)
            return redirect(url_for(".edit_questionnaire", questionnaire_id=row.id))
    return render_template(
        "gestaltung/edit_settings.html",
        row=row,
        version=version,
        questionnaire=questionnaire,
        form=form,
        error_message=error_message,
        published=version.status == VersionStatus.PUBLISHED,
    ), (422 if submitted else 200)


@bp.route("/fragebogen/<int:questionnaire_id>/ausdruck-pruefen", methods=["POST"])
@role_required(Role.DESIGNER)
def check_expression(questionnaire_id: int) -> Any:
    """JSON feedback for an expression while it is typed (optional JavaScript)."""
    row = services.questionnaire_or_404(questionnaire_id)
    version = services.latest_version(row)
    place = str(request.form.get("place", ""))[:200]
    text = str(request.form.get("expression", ""))[:2000]
    try:
        problems = services.expression_feedback(version, place, text)
    except services.DesignError as error:
        return jsonify({"ok": False, "problems": [{"message": error.message}]}), 400
    return jsonify(
        {
            "ok": not problems,
            "problems": [
                {
                    "message": problem.message,
                    "position": problem.params.get("position"),
                }
                for problem in problems
            ],
        }
    )


@bp.route("/fragebogen/<int:questionnaire_id>/veroeffentlichen", methods=["POST"])
@role_required(Role.DESIGNER)
def publish(questionnaire_id: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    form = _posted_base_form()
    try:
        version = services.publish(_actor(), row, form.base.data)
    except DefinitionError as error:
        return _stale_or_invalid(
            row,
            services.DesignError(
                _(
                    "Der Fragebogen kann nicht veröffentlicht werden: "
                    "%(n)d Problem(e), siehe unten.",
                    n=len(error.problems),
                )
            ),
        )
    except services.DesignError as error:
        return _stale_or_invalid(row, error)
    flash(
        _(
            "Version %(number)d ist veröffentlicht und kann nicht mehr "
            "geändert werden.",
            number=version.number,
        )
    )
    return redirect(url_for(".edit_questionnaire", questionnaire_id=row.id))


@bp.route("/fragebogen/<int:questionnaire_id>/entwurf-loeschen", methods=["POST"])
@role_required(Role.DESIGNER)
def delete_draft(questionnaire_id: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    form = _posted_base_form()
    try:
        gone = services.delete_draft(_actor(), row, form.base.data)
    except services.DesignError as error:
        return _stale_or_invalid(row, error)
    flash(_("Der Entwurf ist gelöscht."))
    if gone:
        return redirect(url_for(".index"))
    return redirect(url_for(".edit_questionnaire", questionnaire_id=questionnaire_id))


@bp.route("/fragebogen/<int:questionnaire_id>/version/<int:number>/export.yaml")
@role_required(Role.DESIGNER)
def export_yaml(questionnaire_id: int, number: int) -> Any:
    return _export(questionnaire_id, number, "yaml")


@bp.route("/fragebogen/<int:questionnaire_id>/version/<int:number>/export.xlsx")
@role_required(Role.DESIGNER)
def export_xlsform(questionnaire_id: int, number: int) -> Any:
    return _export(questionnaire_id, number, "xlsform")


def _export(questionnaire_id: int, number: int, kind: str) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    version = services.version_or_404(row, number)
    content, filename, mimetype = services.export_file(_actor(), version, kind)
    return _attachment(content, filename, mimetype)


def _attachment(content: bytes, filename: str, mimetype: str) -> HttpResponse:
    response = HttpResponse(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(
    "/fragebogen/<int:questionnaire_id>/version/<int:number>/vorschau/<int:page_no>",
    methods=["GET", "POST"],
)
@role_required(Role.DESIGNER)
def preview_page(questionnaire_id: int, number: int, page_no: int) -> Any:
    """A page as respondents see it, in any language; answers are checked, never
    stored."""
    row = services.questionnaire_or_404(questionnaire_id)
    version = services.version_or_404(row, number)
    questionnaire = questionnaire_of(version)
    if not 1 <= page_no <= len(questionnaire.pages):
        abort(404)
    language = request.args.get("sprache", questionnaire.default_language)
    if language not in questionnaire.languages:
        language = questionnaire.default_language
    page_index = page_no - 1
    page = questionnaire.pages[page_index]
    fallback = questionnaire.default_language
    layer = services.preview_layer(version, request.args.get("gebiete"))
    districts = [
        DistrictChoice(d.code, d.name, d.parent_name)
        for d in (layer.districts if layer is not None else [])
    ]
    submitted = request.method == "POST"
    # no answers in a preview: a text that shows one names the question instead
    shown = ShownAnswers(
        questionnaire,
        {},
        language,
        {},
        lambda text: translate(text, language),
        unanswered=lambda name: f"[{name}]",
    )
    form = build_respondent_form(
        page, shown, districts, formdata=request.form if submitted else None
    )
    problems: list[Any] = []
    valid = False
    if submitted and form.validate():
        try:
            validation.validate_page(
                questionnaire,
                page_index,
                raw_answers(form, page),
                {},
                [d.code for d in districts],
            )
        except AnswerError as error:
            problems = list(error.problems)
            for problem in problems:
                if has_field(form, problem.place):
                    field_of(form, problem.place).errors = [problem.message]
        else:
            valid = True
    has_district = any(q.type is QuestionType.DISTRICT for q in page.questions)
    return render_template(
        "gestaltung/preview_page.html",
        row=row,
        version=version,
        questionnaire=questionnaire,
        page=page,
        page_no=page_no,
        page_count=len(questionnaire.pages),
        form=form,
        field_of=field_of,
        has_field=has_field,
        problems=problems,
        valid=valid,
        language=language,
        fallback=fallback,
        preview_direction=text_direction(language),
        shown=shown,
        districts=districts,
        district_map=district_map.map_for(layer.id)
        if has_district and layer is not None
        else None,
        district_groups=district_map.list_groups(
            district_map.search_entries(districts, {})
        )
        if has_district
        else None,
        layer=layer,
        layers=services.layers() if has_district else [],
    ), (422 if problems else 200)


from . import (  # noqa: E402, F401  (routes on the blueprint)
    import_views,
    letter_views,
    page_views,
    survey_views,
    translation_views,
)
