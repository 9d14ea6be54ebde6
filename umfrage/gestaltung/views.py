"""Designer area: questionnaires (designer, versions, import/export, preview),
surveys (settings, field period, invitation codes) and field monitoring."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
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
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from fragebogen import validation
from fragebogen.errors import AnswerError, DefinitionError
from fragebogen.model import QuestionType, text_direction
from fragebogen.translation import translation_units

from ..auth import role_required
from ..extensions import db
from ..models import (
    AccessMode,
    Role,
    Survey,
    SurveyStatus,
    VersionStatus,
    local_today,
)
from ..services import questionnaire_of
from ..teilnahme import district_map
from ..teilnahme.chrome import translate
from ..teilnahme.forms import build_page_form as build_respondent_form
from ..teilnahme.forms import field_of, has_field, raw_answers
from ..teilnahme.services import DistrictChoice
from ..teilnahme.shown_answers import ShownAnswers
from ..templating import language_name
from ..urls import public_url
from . import code_jobs, editing, forms, letter_templates, services
from .bursts import find_burst
from .review import review_flags

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


@bp.route("/fragebogen/<int:questionnaire_id>/seiten", methods=["POST"])
@role_required(Role.DESIGNER)
def add_page(questionnaire_id: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    form = forms.AddPageForm()
    if not form.validate_on_submit():
        return _stale_or_invalid(
            row,
            services.DesignError(
                _("Bitte Name und Überschrift der Seite angeben: ") + _form_errors(form)
            ),
        )
    count = len(questionnaire_of(services.latest_version(row)).pages)
    return _change(
        row,
        form.base.data,
        partial(
            editing.add_page, name=form.name.data.strip(), title=form.title.data.strip()
        ),
        url_for(".edit_page", questionnaire_id=row.id, page_no=count + 1),
    )


def _form_errors(form: FlaskForm) -> str:
    return "; ".join(
        f"{form[name].label.text}: {' '.join(str(e) for e in errors)}"
        for name, errors in form.errors.items()
        if name in form
    )


def _page_index(row: Any, page_no: int) -> int:
    questionnaire = questionnaire_of(services.latest_version(row))
    if not 1 <= page_no <= len(questionnaire.pages):
        abort(404)
    return page_no - 1


@bp.route(
    "/fragebogen/<int:questionnaire_id>/seite/<int:page_no>", methods=["GET", "POST"]
)
@role_required(Role.DESIGNER)
def edit_page(questionnaire_id: int, page_no: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    index = _page_index(row, page_no)
    version = services.latest_version(row)
    questionnaire = questionnaire_of(version)
    page = questionnaire.pages[index]
    languages = questionnaire.languages
    submitted = request.method == "POST"
    form = forms.build_page_form(page, languages, request.form if submitted else None)
    if not submitted:
        form.base.data = version.fingerprint
    error_message = None
    if submitted and form.validate():
        try:
            result = services.change_draft(
                _actor(),
                row,
                form.base.data,
                lambda q: editing.replace_page(
                    q, index, forms.page_from_form(form, q.pages[index], languages)
                ),
            )
        except services.DesignError as error:
            error_message = error.message
        else:
            _changed(result)
            return redirect(
                url_for(".edit_page", questionnaire_id=row.id, page_no=page_no)
            )
    problems = [
        (problem, editing.describe_place(questionnaire, problem.place))
        for problem in services.definition_problems(version)
        if problem.place.startswith(f"pages[{index}]")
    ]
    return render_template(
        "gestaltung/edit_page.html",
        row=row,
        version=version,
        questionnaire=questionnaire,
        page=page,
        page_no=page_no,
        form=form,
        title_fields=forms.text_fields(form, "title", languages),
        add_form=forms.AddQuestionForm(
            formdata=None, data={"base": version.fingerprint, "kind": "single_choice"}
        ),
        action_form=forms.BaseForm(formdata=None, data={"base": version.fingerprint}),
        problems=problems,
        error_message=error_message,
        published=version.status == VersionStatus.PUBLISHED,
        type_labels=forms.TYPE_LABELS,
    ), (422 if submitted else 200)


def _direction() -> int:
    value = request.form.get("richtung")
    if value not in ("hoch", "runter"):
        abort(400)
    return -1 if value == "hoch" else 1


@bp.route(
    "/fragebogen/<int:questionnaire_id>/seite/<int:page_no>/verschieben",
    methods=["POST"],
)
@role_required(Role.DESIGNER)
def move_page(questionnaire_id: int, page_no: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    index = _page_index(row, page_no)
    form = _posted_base_form()
    return _change(
        row,
        form.base.data,
        partial(editing.move_page, index=index, delta=_direction()),
        url_for(".edit_questionnaire", questionnaire_id=row.id) + "#seiten",
    )


@bp.route(
    "/fragebogen/<int:questionnaire_id>/seite/<int:page_no>/loeschen",
    methods=["POST"],
)
@role_required(Role.DESIGNER)
def delete_page(questionnaire_id: int, page_no: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    index = _page_index(row, page_no)
    form = _posted_base_form()
    return _change(
        row,
        form.base.data,
        partial(editing.delete_page, index=index),
        url_for(".edit_questionnaire", questionnaire_id=row.id) + "#seiten",
    )


@bp.route(
    "/fragebogen/<int:questionnaire_id>/seite/<int:page_no>/fragen", methods=["POST"]
)
@role_required(Role.DESIGNER)
def add_question(questionnaire_id: int, page_no: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    index = _page_index(row, page_no)
    form = forms.AddQuestionForm()
    if not form.validate_on_submit():
        return _stale_or_invalid(
            row,
            services.DesignError(
                _("Die Frage wurde nicht angelegt: ") + _form_errors(form)
            ),
        )
    questionnaire = questionnaire_of(services.latest_version(row))
    question = editing.new_question(
        form.name.data.strip(),
        QuestionType(form.kind.data),
        form.label.data or "",
        questionnaire.languages,
    )
    count = len(questionnaire.pages[index].questions)
    return _change(
        row,
        form.base.data,
        partial(editing.add_question, page_index=index, question=question),
        url_for(
            ".edit_question",
            questionnaire_id=row.id,
            page_no=page_no,
            question_no=count + 1,
        ),
    )


def _question_index(row: Any, page_index: int, question_no: int) -> int:
    questionnaire = questionnaire_of(services.latest_version(row))
    if not 1 <= question_no <= len(questionnaire.pages[page_index].questions):
        abort(404)
    return question_no - 1


@bp.route(
    "/fragebogen/<int:questionnaire_id>/seite/<int:page_no>/frage/<int:question_no>",
    methods=["GET", "POST"],
)
@role_required(Role.DESIGNER)
def edit_question(questionnaire_id: int, page_no: int, question_no: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    page_index = _page_index(row, page_no)
    index = _question_index(row, page_index, question_no)
    version = services.latest_version(row)
    questionnaire = questionnaire_of(version)
    question = questionnaire.pages[page_index].questions[index]
    languages = questionnaire.languages
    submitted = request.method == "POST"
    form = forms.build_question_form(
        question, languages, request.form if submitted else None
    )
    if not submitted:
        form.base.data = version.fingerprint
    error_message = None
    if submitted and form.validate():
        typed = forms.question_from_form(form, question, languages)
        action = request.form.get("aktion", "save")
        if typed is not None:
            changed = editing.apply_row_action(typed, action, languages)
            try:
                result = services.change_draft(
                    _actor(),
                    row,
                    form.base.data,
                    partial(
                        editing.replace_question,
                        page_index=page_index,
                        index=index,
                        question=changed,
                    ),
                )
            except services.DesignError as error:
                error_message = error.message
            else:
                _changed(result)
                anchor = (
                    "#optionen"
                    if "option" in action
                    else ("#zeilen" if "item" in action else "")
                )
                return redirect(
                    url_for(
                        ".edit_question",
                        questionnaire_id=row.id,
                        page_no=page_no,
                        question_no=question_no,
                    )
                    + anchor
                )
    place = f"pages[{page_index}].questions[{index}]"
    problems = [
        (problem, editing.describe_place(questionnaire, problem.place))
        for problem in services.definition_problems(version)
        if problem.place == place or problem.place.startswith(place + ".")
    ]
    return render_template(
        "gestaltung/edit_question.html",
        row=row,
        version=version,
        questionnaire=questionnaire,
        question=question,
        page_no=page_no,
        question_no=question_no,
        place=place,
        form=form,
        languages=languages,
        texts=[
            (_("Fragetext"), forms.text_fields(form, "label", languages)),
            (_("Hinweis"), forms.text_fields(form, "hint", languages)),
            (_("Einheit (nur Zahl)"), forms.text_fields(form, "unit", languages)),
            (
                _("Meldung, wenn die Prüfregel verletzt ist"),
                forms.text_fields(form, "constraint_message", languages),
            ),
        ],
        options=forms.option_rows(form, question, languages),
        items=forms.item_rows(form, question, languages),
        action_form=forms.BaseForm(formdata=None, data={"base": version.fingerprint}),
        problems=problems,
        error_message=error_message,
        form_has_errors=any(field.errors for field in form),
        published=version.status == VersionStatus.PUBLISHED,
        show_options=question.type.value
        in ("single_choice", "multiple_choice", "likert", "likert_matrix", "district"),
        show_items=question.type is QuestionType.LIKERT_MATRIX,
        show_numbers=question.type in (QuestionType.NUMBER, QuestionType.YEAR),
    ), (422 if submitted else 200)


@bp.route(
    "/fragebogen/<int:questionnaire_id>/seite/<int:page_no>/frage/<int:question_no>"
    "/verschieben",
    methods=["POST"],
)
@role_required(Role.DESIGNER)
def move_question(questionnaire_id: int, page_no: int, question_no: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    page_index = _page_index(row, page_no)
    index = _question_index(row, page_index, question_no)
    form = _posted_base_form()
    return _change(
        row,
        form.base.data,
        partial(
            editing.move_question,
            page_index=page_index,
            index=index,
            delta=_direction(),
        ),
        url_for(".edit_page", questionnaire_id=row.id, page_no=page_no) + "#fragen",
    )


@bp.route(
    "/fragebogen/<int:questionnaire_id>/seite/<int:page_no>/frage/<int:question_no>"
    "/loeschen",
    methods=["POST"],
)
@role_required(Role.DESIGNER)
def delete_question(questionnaire_id: int, page_no: int, question_no: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    page_index = _page_index(row, page_no)
    index = _question_index(row, page_index, question_no)
    form = _posted_base_form()
    return _change(
        row,
        form.base.data,
        partial(editing.delete_question, page_index=page_index, index=index),
        url_for(".edit_page", questionnaire_id=row.id, page_no=page_no) + "#fragen",
    )


@bp.route("/fragebogen/<int:questionnaire_id>/uebersetzungen", methods=["GET", "POST"])
@role_required(Role.DESIGNER)
def edit_translations(questionnaire_id: int) -> Any:
    row = services.questionnaire_or_404(questionnaire_id)
    version = services.latest_version(row)
    questionnaire = questionnaire_of(version)
    places = list(editing.text_places(questionnaire))
    languages = questionnaire.languages
    submitted = request.method == "POST"
    form = forms.build_translations_form(
        places, languages, request.form if submitted else None
    )
    if not submitted:
        form.base.data = version.fingerprint
    error_message = None
    keys = {unit.place: unit.key for unit in translation_units(questionnaire)}
    if submitted and form.validate():
        texts = forms.translations_from_form(form, places, languages)
        reviewed = forms.reviewed_translations(request.form, keys, languages)
        try:
            result = services.change_draft(
                _actor(),
                row,
                form.base.data,
                partial(editing.set_texts, texts=texts),
                review=dict.fromkeys(reviewed, False),
            )
        except services.DesignError as error:
            error_message = error.message
        else:
            _changed(result)
            flash(_("Die Übersetzungen sind gespeichert."))
            return redirect(url_for(".edit_translations", questionnaire_id=row.id))
    missing = {
        (problem.place, problem.params.get("language"))
        for problem in services.definition_problems(version)
        if problem.code == "missing_translation"
    }
    rows = [
        (
            place,
            editing.describe_place(questionnaire, place.place).text,
            forms.text_fields(form, f"t{number}", languages),
        )
        for number, place in enumerate(places)
    ]
    places_of = {key: place for place, key in keys.items()}
    review = {
        (places_of[key], language)
        for key, language in review_flags(version)
        if key in places_of
    }
    return render_template(
        "gestaltung/edit_translations.html",
        review=review,
        row=row,
        version=version,
        questionnaire=questionnaire,
        form=form,
        rows=rows,
        missing=missing,
        languages=languages,
        error_message=error_message,
        published=version.status == VersionStatus.PUBLISHED,
        text_direction=text_direction,
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


# ------------------------------------------------------------------------ surveys


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


# the letter page's routes live in their own module, on this blueprint
from . import import_views, letter_views  # noqa: E402, F401
