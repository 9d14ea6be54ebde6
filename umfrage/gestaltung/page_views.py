"""Designer routes for the draft's pages and questions (on the ``gestaltung``
blueprint): add, edit, move and delete them; each change is made on the draft
the designer saw (its fingerprint) or refused with the reason."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import (
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from fragebogen.model import QuestionType

from ..auth import role_required
from ..models import (
    Role,
    VersionStatus,
)
from ..services import questionnaire_of
from . import editing, forms, services
from .views import (
    _actor,
    _change,
    _changed,
    _posted_base_form,
    _stale_or_invalid,
    bp,
)


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
