"""Respondent-side reads and writes: open a survey, keep a response, save pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort
from sqlalchemy import select

from fragebogen import validation
from fragebogen.model import Questionnaire, QuestionType

from ..extensions import db
from ..models import (
    AccessMode,
    District,
    Response,
    ResponseStatus,
    Survey,
    SurveyStatus,
    local_today,
)
from ..services import questionnaire_of


class SurveyNotAvailableError(Exception):
    """The survey exists but cannot be answered now; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DistrictChoice:
    code: str
    name: str
    parent_name: str | None


def survey_or_404(slug: str) -> Survey:
    survey = db.session.execute(
        select(Survey).where(Survey.slug == slug)
    ).scalar_one_or_none()
    if survey is None or survey.status == SurveyStatus.DRAFT:
        abort(404)
    return survey


def availability(survey: Survey, today: date | None = None) -> str | None:
    """Why the survey cannot be answered today, or None when it can."""
    today = today or local_today()
    if survey.status == SurveyStatus.CLOSED:
        return "closed"
    if survey.field_start and today < survey.field_start:
        return "not_yet_open"
    if survey.field_end and today > survey.field_end:
        return "closed"
    if survey.access_mode == AccessMode.CODE:
        return "code_required"
    return None


def languages_of(survey: Survey) -> list[str]:
    questionnaire = questionnaire_of(survey.questionnaire_version)
    offered = [lang for lang in survey.languages if lang in questionnaire.languages]
    return offered or list(questionnaire.languages)


def district_choices(survey: Survey) -> list[DistrictChoice]:
    if survey.district_layer_id is None:
        return []
    rows = db.session.execute(
        select(District.code, District.name, District.parent_name)
        .where(District.layer_id == survey.district_layer_id)
        .order_by(District.name)
    )
    return [DistrictChoice(code, name, parent) for code, name, parent in rows]


def start_response(survey: Survey, language: str) -> Response:
    """Create a new partial response; the caller keeps its id in the session."""
    reason = availability(survey)
    if reason is not None:
        raise SurveyNotAvailableError(reason)
    if language not in languages_of(survey):
        language = languages_of(survey)[0]
    response = Response(
        survey_id=survey.id,
        questionnaire_version_id=survey.questionnaire_version_id,
        language=language,
        status=ResponseStatus.PARTIAL,
        answers={},
        last_page=0,
        started_on=local_today(),
    )
    db.session.add(response)
    db.session.commit()
    return response


def response_for(survey: Survey, response_id: int | None) -> Response | None:
    if response_id is None:
        return None
    response = db.session.get(Response, response_id)
    if response is None or response.survey_id != survey.id:
        return None
    return response


def first_page_index(questionnaire: Questionnaire, answers: dict[str, Any]) -> int:
    if validation.page_is_relevant(questionnaire, 0, answers):
        return 0
    following = validation.next_page_index(questionnaire, 0, answers)
    return 0 if following is None else following


def save_page(
    survey: Survey, response: Response, page_index: int, raw: dict[str, Any]
) -> int | None:
    """Validate and store one page's answers; return the next page index, or None
    when the response is complete. Raises ``AnswerError`` and changes nothing on
    invalid input."""
    reason = availability(survey)
    if reason is not None:
        raise SurveyNotAvailableError(reason)
    questionnaire = questionnaire_of(response.questionnaire_version)
    page = questionnaire.pages[page_index]
    page_fields = {
        name
        for question in page.questions
        for name in validation.answer_fields(question)
    }
    previous = {k: v for k, v in response.answers.items() if k not in page_fields}
    codes = [choice.code for choice in district_choices(survey)]
    cleaned = validation.validate_page(questionnaire, page_index, raw, previous, codes)

    answers = _drop_irrelevant(questionnaire, previous | cleaned)
    response.answers = answers
    response.district_id = _district_id(survey, questionnaire, answers)
    following = validation.next_page_index(questionnaire, page_index, answers)
    response.last_page = page_index if following is None else following
    if following is None:
        response.status = ResponseStatus.COMPLETE
        response.completed_on = local_today()
    db.session.commit()
    return following


def _drop_irrelevant(
    questionnaire: Questionnaire, answers: dict[str, Any]
) -> dict[str, Any]:
    """Answers on pages that became irrelevant are removed."""
    kept = dict(answers)
    for index, page in enumerate(questionnaire.pages):
        if not validation.page_is_relevant(questionnaire, index, kept):
            for question in page.questions:
                for name in validation.answer_fields(question):
                    kept.pop(name, None)
    return kept


def _district_id(
    survey: Survey, questionnaire: Questionnaire, answers: dict[str, Any]
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
