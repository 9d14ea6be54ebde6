"""Respondent-side reads and writes: open a survey, start, resume and save responses.

Privacy rules kept here (ARCHITECTURE "Anonymity"): a response keeps dates only,
no address, no user agent. Codes, starting and resuming live in ``access``; here,
submission clears the response's resume code hash and records an invitation code as
spent in the same transaction (``umfrage.spent_codes``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import Any

from flask import abort, current_app
from sqlalchemy import select

from fragebogen import routing, validation
from fragebogen.model import Questionnaire, QuestionType
from fragebogen.routing import Route

from .. import spent_codes
from ..caching import BoundedCache
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
from ..services import database_key, questionnaire_of, version_without_definition
from ..verwaltung.services import streets_by_district

# Seconds a respondent needs per answer field, for the estimated duration.
_SECONDS_PER_ANSWER = 15


class SurveyNotAvailableError(Exception):
    """The survey exists but cannot be answered now; ``reason`` says why
    (``closed``, ``not_yet_open``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


# -- surveys -----------------------------------------------------------------


# the version usually comes with the response (``access``); built once
_SURVEY_VERSION = version_without_definition(Survey.questionnaire_version, False)


def find_survey(slug: str) -> Survey | None:
    """The survey respondents can see at ``slug`` (drafts are invisible)."""
    survey = db.session.execute(
        select(Survey).where(Survey.slug == slug).options(_SURVEY_VERSION)
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


@dataclass(frozen=True, eq=False)
class LayerVersion:
    """What respondent pages need of one version of a district layer: its
    districts by name and its street directory. Read once per version and
    process (districts and streets are replaced, never edited in place, so
    ``district_map.layer_stamp`` tells a new version)."""

    layer_id: int
    stamp: tuple[int, ...]
    choices: tuple[DistrictChoice, ...]
    streets: Mapping[str, tuple[str, ...]]

    @cached_property
    def codes(self) -> frozenset[str]:
        return frozenset(choice.code for choice in self.choices)

    @cached_property
    def names(self) -> Mapping[str, str]:
        return MappingProxyType({c.code: c.name for c in self.choices})


def layer_of(survey: Survey) -> LayerVersion | None:
    """The survey's district layer as it is now (one query when it is cached)."""
    layer_id = survey.district_layer_id
    if layer_id is None:
        return None
    from .district_map import layer_stamp  # district_map imports this module

    stamp = layer_stamp(layer_id)
    key = (database_key(), layer_id)
    cached = _LAYERS.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    rows = db.session.execute(
        select(District.code, District.name, District.parent_name)
        .where(District.layer_id == layer_id)
        .order_by(District.name)
    )
    choices = tuple(DistrictChoice(code, name, parent) for code, name, parent in rows)
    streets = {
        code: tuple(names) for code, names in streets_by_district(layer_id).items()
    }
    layer = LayerVersion(layer_id, stamp, choices, MappingProxyType(streets))
    _LAYERS.put(key, layer)
    return layer


# keyed by (database, layer), like the map cache; the stamp says which version
_LAYERS: BoundedCache[tuple[str, int], LayerVersion] = BoundedCache(32)


def district_choices(survey: Survey) -> list[DistrictChoice]:
    """The layer's districts by name."""
    layer = layer_of(survey)
    return [] if layer is None else list(layer.choices)


# -- responses ----------------------------------------------------------------------


def set_language(survey: Survey, response: Response, language: str) -> None:
    if language in languages_of(survey) and response.language != language:
        response.language = language
        db.session.commit()


# -- pages ------------------------------------------------------------------------


def route_of(
    survey: Survey, response: Response, layer: LayerVersion | None = None
) -> Route:
    """The respondent's path with the answers stored so far (asked once per
    request; see :mod:`fragebogen.routing`); ``layer`` is the survey's, when the
    caller has it already."""
    questionnaire = questionnaire_of(response.questionnaire_version)
    codes = layer.codes if layer is not None else _district_codes(survey)
    return routing.route(questionnaire, response.answers, codes)


def _district_codes(survey: Survey) -> frozenset[str]:
    layer = layer_of(survey)
    return frozenset() if layer is None else layer.codes


def review_index(response: Response) -> int:
    """The index standing for the review page (one past the last page)."""
    return len(questionnaire_of(response.questionnaire_version).pages)


def resume_target(path: Route, response: Response) -> int | None:
    """Where a returning respondent continues: the page reached last, or None for
    the review page once it was reached and every page is complete."""
    if response.last_page >= path.page_count:
        # the review page was reached; a page that since lacks answers comes first
        return path.first_incomplete
    reached = min(response.last_page, path.page_count - 1)
    return path.nearest(reached, reached)


def page_is_reachable(response: Response, page_index: int) -> bool:
    questionnaire = questionnaire_of(response.questionnaire_version)
    return 0 <= page_index < len(questionnaire.pages) and (
        page_index <= response.last_page
    )


def review_is_reachable(path: Route, response: Response) -> bool:
    return response.last_page >= path.page_count and path.complete


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

    ``direction`` ``forward`` (Weiter) returns the next relevant page, or None for
    the review page when every relevant page is complete; ``back`` (Zurück)
    returns the previous page, and stores nothing when the page was left empty;
    ``stay`` (save and continue later) returns ``page_index``. Invalid answers raise
    ``AnswerError`` and change nothing; answers to questions that became irrelevant
    are dropped. Nothing is submitted here: that is :func:`submit`, from the review
    page.
    """
    reason = availability(survey)
    if reason is not None:
        raise SurveyNotAvailableError(reason)
    questionnaire = questionnaire_of(response.questionnaire_version)
    codes = _district_codes(survey)
    if direction != "forward" and all(_is_blank(value) for value in raw.values()):
        path = routing.route(questionnaire, response.answers, codes)
        return _target(path, page_index, direction)
    page = questionnaire.pages[page_index]
    page_fields = {
        name
        for question in page.questions
        for name in validation.answer_fields(question)
    }
    previous = {k: v for k, v in response.answers.items() if k not in page_fields}
    cleaned = validation.validate_page(
        questionnaire, page_index, raw, previous, codes, language=response.language
    )
    answers = routing.relevant_answers(questionnaire, previous | cleaned)
    response.answers = dict(answers)
    response.district_id = _district_id(survey, questionnaire, answers)
    path = routing.route(questionnaire, answers, codes)
    if direction != "forward":
        db.session.commit()
        return _target(path, page_index, direction)
    following = path.next_after(page_index)
    if following is not None:
        response.last_page = max(response.last_page, following)
        db.session.commit()
        return following
    if path.first_incomplete is not None:
        response.last_page = max(response.last_page, path.first_incomplete)
        db.session.commit()
        raise IncompleteResponseError(path.first_incomplete)
    response.last_page = path.page_count
    db.session.commit()
    return None


def submit(survey: Survey, response: Response) -> None:
    """Send the response for good (the review page's "Antworten absenden").

    Raises ``SurveyNotAvailableError`` or ``IncompleteResponseError`` (a relevant
    page lacks answers); a response already complete stays as it is.
    """
    if response.status == ResponseStatus.COMPLETE:
        return
    reason = availability(survey)
    if reason is not None:
        raise SurveyNotAvailableError(reason)
    path = route_of(survey, response)
    if path.first_incomplete is not None:
        raise IncompleteResponseError(path.first_incomplete)
    response.status = ResponseStatus.COMPLETE
    response.completed_on = local_today()
    response.last_page = path.page_count
    if response.resume_code_hash is not None:
        spent_codes.record_spent(survey.id, response.resume_code_hash)
    response.resume_code_hash = None
    db.session.commit()
    spent_codes.flush_if_due(survey.id, current_app.config["SPENT_CODE_FLUSH_SIZE"])


def _target(path: Route, page_index: int, direction: str) -> int:
    if direction == "back":
        previous = path.previous_before(page_index)
        return page_index if previous is None else previous
    return page_index


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
