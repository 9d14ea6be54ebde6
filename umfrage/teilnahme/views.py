"""Respondent pages at ``/s/<slug>``: no account, no IP, one session cookie."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm

from fragebogen import validation
from fragebogen.errors import AnswerError
from fragebogen.model import text_direction

from . import services
from .forms import build_page_form, raw_answers

bp = Blueprint("teilnahme", __name__, url_prefix="/s")

_SESSION_KEY = "responses"


def _remembered(slug: str) -> int | None:
    value = session.get(_SESSION_KEY, {}).get(slug)
    return int(value) if value is not None else None


def _remember(slug: str, response_id: int) -> None:
    responses = dict(session.get(_SESSION_KEY, {}))
    responses[slug] = response_id
    session[_SESSION_KEY] = responses
    session.permanent = True


@bp.route("/<slug>", methods=["GET", "POST"])
def landing(slug: str) -> Any:
    survey = services.survey_or_404(slug)
    questionnaire = services.questionnaire_of(survey.questionnaire_version)
    languages = services.languages_of(survey)
    language = request.args.get("sprache", languages[0])
    if language not in languages:
        language = languages[0]
    g.respondent_language = language
    form = FlaskForm()
    response = services.response_for(survey, _remembered(slug))
    if form.validate_on_submit():
        chosen = request.form.get("language", language)
        if response is None or response.status.value == "complete":
            try:
                response = services.start_response(survey, chosen)
            except services.SurveyNotAvailableError:
                return redirect(url_for(".landing", slug=slug))
            _remember(slug, response.id)
        return redirect(
            url_for(".show_page", slug=slug, page_no=response.last_page + 1)
        )
    return render_template(
        "teilnahme/landing.html",
        survey=survey,
        questionnaire=questionnaire,
        language=language,
        languages=languages,
        direction=text_direction(language),
        unavailable=services.availability(survey),
        response=response,
        form=form,
    )


@bp.route("/<slug>/seite/<int:page_no>", methods=["GET", "POST"])
def show_page(slug: str, page_no: int) -> Any:
    survey = services.survey_or_404(slug)
    response = services.response_for(survey, _remembered(slug))
    if response is None:
        return redirect(url_for(".landing", slug=slug))
    if response.status.value == "complete":
        return redirect(url_for(".thanks", slug=slug))
    questionnaire = services.questionnaire_of(response.questionnaire_version)
    page_index = page_no - 1
    if (
        not 0 <= page_index < len(questionnaire.pages)
        or page_index > response.last_page
    ):
        abort(404)
    page = questionnaire.pages[page_index]
    language = response.language
    g.respondent_language = language
    fallback = questionnaire.default_language
    districts = services.district_choices(survey)
    submitted = request.method == "POST"
    form = build_page_form(
        page,
        language,
        fallback,
        districts,
        data=response.answers,
        formdata=request.form if submitted else None,
    )
    problems: list[Any] = []
    if submitted and form.validate():
        try:
            following = services.save_page(
                survey, response, page_index, raw_answers(form, page)
            )
        except AnswerError as error:
            problems = list(error.problems)
            for problem in problems:
                if problem.place in form:
                    form[problem.place].errors = [problem.message]
        except services.SurveyNotAvailableError:
            return redirect(url_for(".landing", slug=slug))
        else:
            if following is None:
                return redirect(url_for(".thanks", slug=slug))
            return redirect(url_for(".show_page", slug=slug, page_no=following + 1))
    previous = validation.previous_page_index(
        questionnaire, page_index, response.answers
    )
    status = 422 if submitted else 200
    return (
        render_template(
            "teilnahme/show_page.html",
            survey=survey,
            questionnaire=questionnaire,
            page=page,
            page_no=page_no,
            page_count=len(questionnaire.pages),
            previous_no=None if previous is None else previous + 1,
            form=form,
            problems=problems,
            language=language,
            fallback=fallback,
            direction=text_direction(language),
        ),
        status,
    )


@bp.route("/<slug>/danke")
def thanks(slug: str) -> Any:
    survey = services.survey_or_404(slug)
    response = services.response_for(survey, _remembered(slug))
    if response is None or response.status.value != "complete":
        return redirect(url_for(".landing", slug=slug))
    questionnaire = services.questionnaire_of(response.questionnaire_version)
    g.respondent_language = response.language
    return render_template(
        "teilnahme/thanks.html",
        survey=survey,
        questionnaire=questionnaire,
        language=response.language,
        direction=text_direction(response.language),
    )
