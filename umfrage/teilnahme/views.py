"""Respondent pages at ``/s/<slug>``: no account, no IP, one session cookie.

The session (Flask's signed cookie, 24 hours from the last request) holds, per
survey slug, only a random handle (``access.new_handle``): no response id, no code.
Codes, the handle and the rate limits of code entry live in ``access``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as HttpResponse

from fragebogen.errors import AnswerError
from fragebogen.model import Questionnaire, text_direction

from ..codes import format_code
from ..extensions import _no_client_address, limiter, login_manager
from ..languages import base_language
from ..models import Response, ResponseStatus, Survey
from ..urls import public_url
from . import access, district_map, services
from .chrome import format_day, translate, use_language
from .conditions import page_conditions
from .forms import StartForm, build_page_form, field_of, has_field, raw_answers
from .problems import ShownProblem, code_message, shown_problems
from .review import review_pages
from .shown_answers import ShownAnswers

bp = Blueprint("teilnahme", __name__, url_prefix="/s")

_SESSION_KEY = "responses"
_ACTIONS = {"weiter": "forward", "zurueck": "back", "spaeter": "stay"}


# -- session ------------------------------------------------------------------


def _remembered_response(survey: Survey) -> Response | None:
    handle = session.get(_SESSION_KEY, {}).get(survey.slug)
    return access.response_for_handle(survey, handle)


def _remember(slug: str, response: Response) -> None:
    """Give this browser a fresh handle for the response (never the code or id)."""
    responses = dict(session.get(_SESSION_KEY, {}))
    responses[slug] = access.new_handle(response)
    session[_SESSION_KEY] = responses
    session.permanent = True


# -- helpers --------------------------------------------------------------------


def _start_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="teilnahme-start")


def _open_with_code(
    survey: Survey, code: str, open_response: Callable[[], access.Entry]
) -> tuple[access.Entry | None, str | None]:
    """Rate limits, then ``open_response``: the entry, or why the code failed
    (wrong codes count against the limits)."""
    _check_code(survey, code)
    try:
        return open_response(), None
    except access.InvitationCodeError as error:
        if error.reason == "unknown":
            access.count_wrong_code(survey, code)
        return None, error.reason


def _check_code(survey: Survey, code: str) -> None:
    """Rate limits of code entry (``access``): 429 when the code's parts had too
    many wrong attempts, or when the address did and this code is wrong too."""
    if not code:
        return
    if access.code_parts_blocked(survey, code):
        abort(429)
    if access.address_blocked() and access.code_state(survey, code) == "unknown":
        access.count_wrong_code(survey, code)
        abort(429)


def _render(template: str, status: int = 200, **context: Any) -> Any:
    language = context["language"]
    use_language(language)
    context.setdefault("direction", text_direction(language))
    context.setdefault("languages", [])
    context["page_language"] = language
    context["format_day"] = format_day
    context["code_message"] = lambda reason: code_message(reason, language)
    return render_template(template, **context), status


def _shown_answers(
    questionnaire: Questionnaire,
    response: Response,
    layer: services.LayerVersion | None,
) -> ShownAnswers:
    """Fills answers into the texts that show them, in the response's language."""
    language = response.language
    return ShownAnswers(
        questionnaire,
        response.answers,
        language,
        {} if layer is None else layer.names,
        lambda text: translate(text, language),
    )


def _landing_language(survey: Survey) -> tuple[str, list[str]]:
    """The language chosen (``?sprache=``), else the response's, else the best of
    the browser's Accept-Language among the survey's, else the survey's first."""
    languages = services.languages_of(survey)
    language = request.values.get("sprache", "")
    if language not in languages:
        remembered = _remembered_response(survey)
        language = remembered.language if remembered else _browser_language(languages)
    return language, languages


def _browser_language(languages: list[str]) -> str:
    """The first of ``languages`` the browser's Accept-Language asks for
    (``de-DE`` matches ``de``); nothing of it is stored."""
    accepted = request.accept_languages
    by_base: dict[str, str] = {}
    for code in languages:
        by_base.setdefault(base_language(code), code)
    for value, quality in accepted:
        if quality <= 0:  # "not this one"
            continue
        if value in languages:
            return value
        base = base_language(value)
        if base in by_base:
            return by_base[base]
    return languages[0]


@bp.before_request
def _respondent_request() -> None:
    """Respondent pages are anonymous: they never load a staff account (so Flask-
    Login's session protection sets no cookies here), and the session cookie lasts
    24 hours from the last request from the very first page on."""
    g._login_user = login_manager.anonymous_user()
    if "_user_id" not in session:
        session.permanent = True


@bp.after_request
def _respondent_headers(response: HttpResponse) -> HttpResponse:
    """Answers are never cached (the app-wide policy in ``security`` adds CSP,
    no referrer and no framing)."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(CSRFError)
def _expired(error: CSRFError) -> Any:
    """A form sent after the session ended: explain, offer the resume code."""
    survey = services.find_survey((request.view_args or {}).get("slug", ""))
    if survey is None:
        return render_template("errors/400.html", reason="csrf"), 400
    language, _languages = _landing_language(survey)
    return _render(
        "teilnahme/expired.html",
        400,
        survey=survey,
        questionnaire=services.questionnaire_of(survey.questionnaire_version),
        language=language,
    )


@bp.errorhandler(TooManyRequests)
def _too_many(error: TooManyRequests) -> Any:
    survey = services.find_survey((request.view_args or {}).get("slug", ""))
    if survey is None:
        return render_template("errors/429.html", reason=None), 429
    language, _languages = _landing_language(survey)
    return _render(
        "teilnahme/too_many.html",
        429,
        survey=survey,
        questionnaire=services.questionnaire_of(survey.questionnaire_version),
        language=language,
    )


def respondent_error(code: int) -> Any | None:
    """A generic error page (400, 404, 405, 429) for a request under
    ``/s/<slug>`` of a survey respondents can see, in the survey's language (the
    chosen one, the response's, else the survey's first); None elsewhere."""
    parts = request.path.split("/")
    if len(parts) < 3 or parts[1] != "s" or not parts[2]:
        return None
    survey = services.find_survey(parts[2][:80])
    if survey is None:
        return None
    language, _languages = _landing_language(survey)
    return _render(
        "teilnahme/error.html",
        code,
        code=code,
        survey=survey,
        questionnaire=services.questionnaire_of(survey.questionnaire_version),
        language=language,
    )


def _open_limit() -> str:
    return str(current_app.config["OPEN_RESPONSE_RATE_LIMIT"])


def _address_and_survey() -> str:
    """Hashed client address per survey (no address is kept in clear)."""
    slug = (request.view_args or {}).get("slug", "")
    return f"open:{slug}:{_no_client_address()}"


# New responses per address and survey and hour: one address cannot flood an
# open survey; continuing one's own response or a code start never counts.
_new_responses = limiter.limit(
    _open_limit,
    key_func=_address_and_survey,
    methods=["POST"],
    deduct_when=lambda _response: bool(g.get("new_response_started")),
)


# -- landing ----------------------------------------------------------------------


@bp.route("/<slug>", methods=["GET", "POST"])
@_new_responses
def landing(slug: str) -> Any:
    survey = services.survey_or_404(slug)
    language, languages = _landing_language(survey)
    form = StartForm()
    response = _remembered_response(survey)
    code_problem: str | None = None
    entered_code = request.form.get("code", "")[:100]
    if form.validate_on_submit():
        if response is not None and response.status == ResponseStatus.PARTIAL:
            if "sprache" in request.args:  # a language chosen on the landing page
                services.set_language(survey, response, language)
            return _continue(survey, response)
        start_code = _start_code_from_form()
        try:
            entry, code_problem = _open_with_code(
                survey,
                entered_code,
                lambda: access.start(
                    survey, language, start_code, entered_code or None
                ),
            )
        except services.SurveyNotAvailableError:
            return redirect(url_for(".landing", slug=slug, sprache=language))
        if entry is not None:
            # Only open starts count: a code start is limited by its code.
            g.new_response_started = not entered_code and not entry.resumed
            if entry.resumed and "sprache" in request.args:
                services.set_language(survey, entry.response, language)
            _remember(slug, entry.response)
            return _continue(survey, entry.response, resumed=entry.resumed)
    questionnaire = services.questionnaire_of(survey.questionnaire_version)
    return _render(
        "teilnahme/landing.html",
        422 if code_problem else 200,
        survey=survey,
        questionnaire=questionnaire,
        language=language,
        languages=languages,
        unavailable=services.availability(survey),
        needs_code=services.needs_code(survey),
        accepts_code=services.accepts_code(survey),
        code_problem=code_problem,
        entered_code=entered_code,
        minutes=services.estimated_minutes(survey),
        response=response,
        form=form,
        start_token=_start_serializer().dumps(access.new_start_code()),
        retention_months=current_app.config["RESPONSE_RETENTION_MONTHS"],
    )


def _start_code_from_form() -> str:
    """The start code the landing page was rendered with (signed, so only codes the
    server made are accepted; a tampered token is a bad request)."""
    try:
        code = _start_serializer().loads(request.form.get("start", ""))
    except BadSignature:
        abort(400)
    if not isinstance(code, str) or not access.is_code_shaped(code):
        abort(400)
    return code


def _cannot_go_on(
    slug: str,
    error: services.IncompleteResponseError | services.SurveyNotAvailableError,
) -> Any:
    """An earlier page lacks answers (show it, marked), or the survey closed."""
    if isinstance(error, services.IncompleteResponseError):
        return redirect(
            url_for(".show_page", slug=slug, page_no=error.page_index + 1, fehlt="1")
        )
    return redirect(url_for(".landing", slug=slug))


def _continue(survey: Survey, response: Response, resumed: bool = False) -> Any:
    return redirect(_continue_url(survey, response, resumed))


def _continue_url(survey: Survey, response: Response, resumed: bool = False) -> str:
    """The page (or the review page) where the respondent left off; a resumed
    response's page says so (``weiter=1``)."""
    target = services.resume_target(services.route_of(survey, response), response)
    values = {"weiter": "1"} if resumed else {}
    if target is None:
        return url_for(".review", slug=survey.slug, **values)
    return url_for(".show_page", slug=survey.slug, page_no=target + 1, **values)


# -- resume -----------------------------------------------------------------------


@bp.route("/<slug>/fortsetzen", methods=["GET", "POST"])
def resume(slug: str) -> Any:
    """Continue an unfinished response with the letter's code or a resume code, on
    any device. A link may carry the code in its fragment (``#code=…``), which
    never reaches the server: a small local script fills in and sends the form."""
    survey = services.survey_or_404(slug)
    language, languages = _landing_language(survey)
    form = FlaskForm()
    entered = request.form.get("code", "")[:100]
    problem: str | None = None
    if form.validate_on_submit():
        try:
            entry, problem = _open_with_code(
                survey, entered, lambda: access.resume(survey, entered, language)
            )
        except services.SurveyNotAvailableError:
            return redirect(url_for(".resume", slug=slug, sprache=language))
        if entry is not None:
            _remember(slug, entry.response)
            return _continue(survey, entry.response, resumed=entry.resumed)
    return _render(
        "teilnahme/resume.html",
        422 if problem else 200,
        survey=survey,
        questionnaire=services.questionnaire_of(survey.questionnaire_version),
        language=language,
        languages=languages,
        unavailable=services.availability(survey),
        problem=problem,
        entered=entered,
        form=form,
    )


@bp.route("/<slug>/spaeter")
def later(slug: str) -> Any:
    """How to continue later: the letter's code, or this browser's resume code and
    link (``access.resume_code_for``); the link carries the code in its fragment."""
    survey = services.survey_or_404(slug)
    response = _remembered_response(survey)
    if response is None:
        return redirect(url_for(".landing", slug=slug))
    if response.status == ResponseStatus.COMPLETE:
        return redirect(url_for(".thanks", slug=slug))
    handle = session.get(_SESSION_KEY, {}).get(slug)
    code = access.resume_code_for(response, str(handle))
    shown = format_code(code) if code else None
    return _render(
        "teilnahme/later.html",
        survey=survey,
        questionnaire=services.questionnaire_of(response.questionnaire_version),
        language=response.language,
        code=shown,
        letter_code=code is None and access.started_with_invitation(response),
        resume_url=public_url("teilnahme.resume", slug=slug) + f"#code={shown}"
        if shown
        else None,
        continue_url=_continue_url(survey, response),
    )


# -- pages --------------------------------------------------------------------------


@bp.route("/<slug>/sprache", methods=["POST"])
def change_language(slug: str) -> Any:
    survey = services.survey_or_404(slug)
    response = _remembered_response(survey)
    form = FlaskForm()
    page_no = request.form.get("seite", "1")
    target = int(page_no) if page_no.isdigit() and len(page_no) < 4 else 1
    if response is None:
        return redirect(url_for(".landing", slug=slug))
    if form.validate_on_submit():
        services.set_language(survey, response, request.form.get("language", ""))
    if request.form.get("ziel") == "uebersicht":
        return redirect(url_for(".review", slug=slug))
    return redirect(url_for(".show_page", slug=slug, page_no=max(target, 1)))


@bp.route("/<slug>/seite/<int:page_no>", methods=["GET", "POST"])
def show_page(slug: str, page_no: int) -> Any:
    survey = services.survey_or_404(slug)
    response = _remembered_response(survey)
    if response is None:
        return redirect(url_for(".landing", slug=slug))
    if response.status == ResponseStatus.COMPLETE:
        return redirect(url_for(".thanks", slug=slug))
    page_index = page_no - 1
    if not services.page_is_reachable(response, page_index):
        abort(404)
    layer = services.layer_of(survey)
    path = services.route_of(survey, response, layer)
    relevant_index = path.nearest(page_index, response.last_page)
    if relevant_index != page_index:
        return redirect(url_for(".show_page", slug=slug, page_no=relevant_index + 1))
    if services.availability(survey) is not None:
        return redirect(url_for(".landing", slug=slug))
    questionnaire = services.questionnaire_of(response.questionnaire_version)
    page = questionnaire.pages[page_index]
    language = response.language
    use_language(language)
    fallback = questionnaire.default_language
    districts = [] if layer is None else list(layer.choices)
    submitted = request.method == "POST"
    shown = _shown_answers(questionnaire, response, layer)
    form = build_page_form(
        page,
        shown,
        districts,
        data=response.answers,
        formdata=request.form if submitted else None,
    )
    problems: list[ShownProblem] = []
    action = _ACTIONS.get(request.form.get("_aktion", "weiter"), "forward")
    switch_to = request.form.get("_sprache") if submitted else None
    if switch_to is not None:
        # the header's language buttons belong to this form: what was typed is
        # shown again in the new language, nothing is checked or stored yet
        services.set_language(survey, response, switch_to)
        language = response.language
        use_language(language)
        shown = _shown_answers(questionnaire, response, layer)
        form = build_page_form(page, shown, districts, formdata=request.form)
        submitted = False
    elif submitted and form.validate():
        try:
            target = services.save_page(
                survey, response, page_index, raw_answers(form, page), action
            )
        except AnswerError as error:
            problems = shown_problems(
                error.problems, page, form, language, fallback, shown.text
            )
            for problem in problems:
                if has_field(form, problem.field):
                    field_of(form, problem.field).errors = [problem.message]
        except (
            services.IncompleteResponseError,
            services.SurveyNotAvailableError,
        ) as error:
            return _cannot_go_on(slug, error)
        else:
            if target is None:
                return redirect(url_for(".review", slug=slug))
            if action == "stay":
                return redirect(url_for(".later", slug=slug))
            return redirect(url_for(".show_page", slug=slug, page_no=target + 1))
    previous = path.previous_before(page_index)
    district_question = next(
        (q for q in page.questions if q.type.value == "district"), None
    )
    return _render(
        "teilnahme/show_page.html",
        422 if submitted else 200,
        survey=survey,
        questionnaire=questionnaire,
        page=page,
        page_no=page_no,
        progress=path.progress(page_index),
        last_page=path.next_after(page_index) is None,
        conditions=page_conditions(questionnaire, page_index, response.answers, shown),
        shown=shown,
        previous_no=None if previous is None else previous + 1,
        back_failed=submitted and action == "back",
        incomplete=request.args.get("fehlt") == "1" and not submitted,
        resumed=request.args.get("weiter") == "1" and not submitted,
        form=form,
        field_of=field_of,
        problems=problems,
        language=language,
        languages=services.languages_of(survey),
        fallback=fallback,
        districts=districts,
        district_map=district_map.map_for(layer.layer_id, layer.stamp)
        if district_question is not None and layer is not None
        else None,
        district_groups=district_map.groups_of(layer)
        if district_question is not None and layer is not None
        else []
        if district_question is not None
        else None,
    )


@bp.route("/<slug>/uebersicht", methods=["GET", "POST"])
def review(slug: str) -> Any:
    """Every answer, page by page, with "ändern" links; "Antworten absenden" sends
    the response for good."""
    survey = services.survey_or_404(slug)
    response = _remembered_response(survey)
    if response is None:
        return redirect(url_for(".landing", slug=slug))
    if response.status == ResponseStatus.COMPLETE:
        return redirect(url_for(".thanks", slug=slug))
    if services.availability(survey) is not None:
        return redirect(url_for(".landing", slug=slug))
    path = services.route_of(survey, response)
    if not services.review_is_reachable(path, response):
        return redirect(_continue_url(survey, response))
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            services.submit(survey, response)
        except (
            services.IncompleteResponseError,
            services.SurveyNotAvailableError,
        ) as error:
            return _cannot_go_on(slug, error)
        return redirect(url_for(".thanks", slug=slug))
    questionnaire = services.questionnaire_of(response.questionnaire_version)
    language = response.language
    previous = path.previous_before(path.page_count)
    return _render(
        "teilnahme/review.html",
        survey=survey,
        questionnaire=questionnaire,
        language=language,
        languages=services.languages_of(survey),
        fallback=questionnaire.default_language,
        pages=review_pages(
            questionnaire,
            path,
            response.answers,
            language,
            {d.code: d.name for d in services.district_choices(survey)},
            lambda text: translate(text, language),
        ),
        progress=path.progress(path.page_count),
        previous_no=None if previous is None else previous + 1,
        form=form,
    )


@bp.route("/<slug>/danke")
def thanks(slug: str) -> Any:
    survey = services.survey_or_404(slug)
    response = _remembered_response(survey)
    if response is None or response.status != ResponseStatus.COMPLETE:
        return redirect(url_for(".landing", slug=slug))
    return _render(
        "teilnahme/thanks.html",
        survey=survey,
        questionnaire=services.questionnaire_of(response.questionnaire_version),
        language=response.language,
    )
