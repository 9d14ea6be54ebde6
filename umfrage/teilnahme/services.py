"""Respondent-side reads and writes: open a survey, start, resume and save responses.

Privacy rules kept here (ARCHITECTURE "Anonymity"):

- a response keeps dates only, no address, no user agent;
- an invitation code is consumed (``used = True``) in the same transaction that
  creates the response it unlocks, and the response never learns which code that
  was (no id, no hash, no time: codes have no "used at" column);
- the resume code is stored only as a keyed hash on the partial response and
  cleared when the response completes.

Why an invitation code is consumed when the response *starts*: a response that was
started with a code may be continued on another device with the resume code; as no
link between code and response is stored, completing there could not consume the
code any more. A reload or double submit of the start form finds the response it
already created (by its start token) instead of asking for a second code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fragebogen import validation
from fragebogen.errors import AnswerError
from fragebogen.model import Questionnaire, QuestionType

from ..codes import ALPHABET, generate_code, hash_code, normalise_code
from ..extensions import db
from ..models import (
    AccessMode,
    District,
    InvitationCode,
    Response,
    ResponseStatus,
    Survey,
    SurveyStatus,
    local_today,
)
from ..services import questionnaire_of
from ..verwaltung.services import streets_by_district

RESUME_PURPOSE = "resume"
CODE_LENGTH = 10
# Seconds a respondent needs per answer field, for the estimated duration.
_SECONDS_PER_ANSWER = 15


class SurveyNotAvailableError(Exception):
    """The survey exists but cannot be answered now; ``reason`` says why
    (``closed``, ``not_yet_open``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvitationCodeError(Exception):
    """An invitation code was needed but missing (``missing``), is not one of this
    survey's codes (``unknown``) or has been used already (``used``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ResumeCodeError(Exception):
    """A resume code matches no partial response of this survey."""


class IncompleteResponseError(Exception):
    """The last page was sent, but an earlier relevant page lacks answers (e.g. after
    a page was skipped by editing the address bar); ``page_index`` is that page."""

    def __init__(self, page_index: int) -> None:
        super().__init__(page_index)
        self.page_index = page_index


@dataclass(frozen=True)
class DistrictChoice:
    code: str
    name: str
    parent_name: str | None


@dataclass(frozen=True)
class Progress:
    """Where a page stands among the pages the respondent will see."""

    position: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * (self.position - 1) / self.total) if self.total else 0


# -- surveys -----------------------------------------------------------------


def find_survey(slug: str) -> Survey | None:
    """The survey respondents can see at ``slug`` (drafts are invisible)."""
    survey = db.session.execute(
        select(Survey).where(Survey.slug == slug)
    ).scalar_one_or_none()
    if survey is None or survey.status == SurveyStatus.DRAFT:
        return None
    return survey


def survey_or_404(slug: str) -> Survey:
    survey = find_survey(slug)
    if survey is None:
        abort(404)
    return survey


def availability(survey: Survey, today: date | None = None) -> str | None:
    """Why the survey cannot be answered today (``closed``, ``not_yet_open``), or
    None when it can."""
    today = today or local_today()
    if survey.status == SurveyStatus.CLOSED:
        return "closed"
    if survey.field_start and today < survey.field_start:
        return "not_yet_open"
    if survey.field_end and today > survey.field_end:
        return "closed"
    return None


def needs_code(survey: Survey) -> bool:
    return survey.access_mode == AccessMode.CODE


def accepts_code(survey: Survey) -> bool:
    return survey.access_mode in (AccessMode.CODE, AccessMode.BOTH)


def languages_of(survey: Survey) -> list[str]:
    questionnaire = questionnaire_of(survey.questionnaire_version)
    offered = [lang for lang in survey.languages if lang in questionnaire.languages]
    return offered or list(questionnaire.languages)


def estimated_minutes(survey: Survey) -> int:
    """The survey's stated duration, else an estimate from its answer fields."""
    if survey.duration_minutes:
        return int(survey.duration_minutes)
    questionnaire = questionnaire_of(survey.questionnaire_version)
    fields = sum(
        len(validation.answer_fields(question))
        for question in questionnaire.questions()
    )
    return max(1, math.ceil(fields * _SECONDS_PER_ANSWER / 60))


def district_choices(survey: Survey) -> list[DistrictChoice]:
    if survey.district_layer_id is None:
        return []
    rows = db.session.execute(
        select(District.code, District.name, District.parent_name)
        .where(District.layer_id == survey.district_layer_id)
        .order_by(District.name)
    )
    return [DistrictChoice(code, name, parent) for code, name, parent in rows]


def street_directory(survey: Survey) -> dict[str, list[str]]:
    """Street names per district code of the survey's layer (empty when the layer
    has no street directory), for the district search; the names are sent with
    the page (see ``district_map.search_entries``)."""
    if survey.district_layer_id is None:
        return {}
    return streets_by_district(survey.district_layer_id)


# -- start and resume -----------------------------------------------------------


def new_start_code() -> str:
    """A fresh code for the start form: it becomes the response's resume code, and a
    second submission of the same form finds the response it created."""
    return generate_code(CODE_LENGTH)


def is_code_shaped(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def _hash(code: str, purpose: str) -> str:
    return hash_code(code, current_app.config["SECRET_KEY"], purpose)


def _response_by_resume_code(survey: Survey, code: str) -> Response | None:
    return db.session.execute(
        select(Response).where(
            Response.survey_id == survey.id,
            Response.resume_code_hash == _hash(code, RESUME_PURPOSE),
        )
    ).scalar_one_or_none()


def start_response(
    survey: Survey,
    language: str,
    start_code: str,
    invitation_code: str | None = None,
) -> Response:
    """Create a partial response whose resume code is ``start_code``, consuming the
    invitation code if one is needed or given. Submitting the same start form again
    (reload, double click) returns the response it created the first time.

    Raises ``SurveyNotAvailableError`` or ``InvitationCodeError``; changes nothing
    then.
    """
    reason = availability(survey)
    if reason is not None:
        raise SurveyNotAvailableError(reason)
    existing = _response_by_resume_code(survey, start_code)
    if existing is not None:
        return existing
    if language not in languages_of(survey):
        language = languages_of(survey)[0]
    code = normalise_code(invitation_code or "")
    if needs_code(survey) and not code:
        raise InvitationCodeError("missing")
    if code and not accepts_code(survey):
        code = ""  # an open survey ignores codes
    if code:
        _consume_invitation(survey, code, start_code)
    response = Response(
        survey_id=survey.id,
        questionnaire_version_id=survey.questionnaire_version_id,
        language=language,
        status=ResponseStatus.PARTIAL,
        answers={},
        last_page=first_page_index(questionnaire_of(survey.questionnaire_version), {}),
        started_on=local_today(),
        resume_code_hash=_hash(start_code, RESUME_PURPOSE),
    )
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:
        # the same start form, sent twice at once: the other request won
        db.session.rollback()
        existing = _response_by_resume_code(survey, start_code)
        if existing is None:
            raise
        return existing
    return response


def _consume_invitation(survey: Survey, code: str, start_code: str) -> None:
    """Mark the code used (in the caller's transaction) or raise."""
    code_hash = _hash(code, f"invitation:{survey.id}")
    found = db.session.execute(
        select(InvitationCode.id).where(
            InvitationCode.survey_id == survey.id,
            InvitationCode.code_hash == code_hash,
        )
    ).scalar_one_or_none()
    if found is None:
        raise InvitationCodeError("unknown")
    # Conditional update: of two requests racing for one code only one wins.
    result = db.session.execute(
        update(InvitationCode)
        .where(InvitationCode.id == found, InvitationCode.used.is_(False))
        .values(used=True)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise InvitationCodeError("used")


def resume_response(survey: Survey, code: str) -> Response:
    """The partial response with this resume code (raises ``ResumeCodeError``)."""
    if not is_code_shaped(code):
        raise ResumeCodeError(code)
    response = _response_by_resume_code(survey, code)
    if response is None or response.status != ResponseStatus.PARTIAL:
        raise ResumeCodeError(code)
    return response


def response_for(survey: Survey, response_id: int | None) -> Response | None:
    if response_id is None:
        return None
    response = db.session.get(Response, response_id)
    if response is None or response.survey_id != survey.id:
        return None
    return response


def set_language(survey: Survey, response: Response, language: str) -> None:
    if language in languages_of(survey) and response.language != language:
        response.language = language
        db.session.commit()


# -- pages ------------------------------------------------------------------------


def first_page_index(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> int:
    if validation.page_is_relevant(questionnaire, 0, answers):
        return 0
    following = validation.next_page_index(questionnaire, 0, answers)
    return 0 if following is None else following


def relevant_pages(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> list[int]:
    """The indexes of the pages the respondent sees with the answers so far."""
    pages = []
    index: int | None = first_page_index(questionnaire, answers)
    if index is not None and not validation.page_is_relevant(
        questionnaire, index, answers
    ):
        return []
    while index is not None:
        pages.append(index)
        index = validation.next_page_index(questionnaire, index, answers)
    return pages


def progress(
    questionnaire: Questionnaire, page_index: int, answers: Mapping[str, Any]
) -> Progress:
    pages = relevant_pages(questionnaire, answers)
    if page_index in pages:
        return Progress(pages.index(page_index) + 1, len(pages))
    before = sum(1 for index in pages if index < page_index)
    return Progress(before + 1, max(len(pages), before + 1))


def page_is_reachable(response: Response, page_index: int) -> bool:
    questionnaire = questionnaire_of(response.questionnaire_version)
    return 0 <= page_index < len(questionnaire.pages) and (
        page_index <= response.last_page
    )


def nearest_relevant_page(response: Response, page_index: int) -> int:
    """``page_index`` if relevant now, else the next (or previous) relevant page."""
    questionnaire = questionnaire_of(response.questionnaire_version)
    answers = response.answers
    if validation.page_is_relevant(questionnaire, page_index, answers):
        return page_index
    following = validation.next_page_index(questionnaire, page_index, answers)
    if following is not None and following <= response.last_page:
        return following
    previous = validation.previous_page_index(questionnaire, page_index, answers)
    return first_page_index(questionnaire, answers) if previous is None else previous


def previous_page(response: Response, page_index: int) -> int | None:
    questionnaire = questionnaire_of(response.questionnaire_version)
    return validation.previous_page_index(questionnaire, page_index, response.answers)


def _is_blank(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(_is_blank(element) for element in value)
    return False


def save_page(
    survey: Survey,
    response: Response,
    page_index: int,
    raw: Mapping[str, Any],
    direction: str = "forward",
) -> int | None:
    """Validate and store one page's answers; return the page to show next.

    ``direction`` ``forward`` (Weiter) returns the next relevant page, or None when
    the response is now complete; ``back`` (Zurück) returns the previous page, and
    stores nothing when the page was left empty; ``stay`` (save and continue later)
    returns ``page_index``. Invalid answers raise ``AnswerError`` and change
    nothing; answers to questions that became irrelevant are dropped.
    """
    reason = availability(survey)
    if reason is not None:
        raise SurveyNotAvailableError(reason)
    questionnaire = questionnaire_of(response.questionnaire_version)
    if direction != "forward" and all(_is_blank(value) for value in raw.values()):
        return _target(questionnaire, response, page_index, direction)
    page = questionnaire.pages[page_index]
    page_fields = {
        name
        for question in page.questions
        for name in validation.answer_fields(question)
    }
    previous = {k: v for k, v in response.answers.items() if k not in page_fields}
    codes = {choice.code for choice in district_choices(survey)}
    cleaned = validation.validate_page(
        questionnaire, page_index, raw, previous, codes, language=response.language
    )
    answers = validation.relevant_answers(questionnaire, previous | cleaned)
    response.answers = dict(answers)
    response.district_id = _district_id(survey, questionnaire, answers)
    if direction != "forward":
        db.session.commit()
        return _target(questionnaire, response, page_index, direction)
    following = validation.next_page_index(questionnaire, page_index, answers)
    if following is not None:
        response.last_page = max(response.last_page, following)
        db.session.commit()
        return following
    incomplete = _first_incomplete_page(questionnaire, answers, codes)
    if incomplete is not None:
        response.last_page = max(response.last_page, incomplete)
        db.session.commit()
        raise IncompleteResponseError(incomplete)
    response.status = ResponseStatus.COMPLETE
    response.completed_on = local_today()
    response.last_page = page_index
    response.resume_code_hash = None
    db.session.commit()
    return None


def _target(
    questionnaire: Questionnaire, response: Response, page_index: int, direction: str
) -> int:
    if direction == "back":
        previous = validation.previous_page_index(
            questionnaire, page_index, response.answers
        )
        return page_index if previous is None else previous
    return page_index


def _first_incomplete_page(
    questionnaire: Questionnaire, answers: Mapping[str, Any], codes: set[str]
) -> int | None:
    """The first relevant page whose stored answers do not pass its validation."""
    for index in relevant_pages(questionnaire, answers):
        page = questionnaire.pages[index]
        fields = [
            name
            for question in page.questions
            for name in validation.answer_fields(question)
        ]
        raw = {name: answers.get(name) for name in fields}
        previous = {k: v for k, v in answers.items() if k not in fields}
        try:
            validation.validate_page(questionnaire, index, raw, previous, codes)
        except AnswerError:
            return index
    return None


def _district_id(
    survey: Survey, questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> int | None:
    if survey.district_layer_id is None:
        return None
    for question in questionnaire.questions():
        if question.type == QuestionType.DISTRICT and question.name in answers:
            return db.session.execute(
                select(District.id).where(
                    District.layer_id == survey.district_layer_id,
                    District.code == str(answers[question.name]),
                )
            ).scalar_one_or_none()
    return None
