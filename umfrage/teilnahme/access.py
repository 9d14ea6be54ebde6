"""How a respondent gets to a response: codes, the respondent cookie, rate limits.

Codes (issues 10 and 18, docs/security.md "Einladungscodes und Unverknüpfbarkeit"):

- An invitation code starts a response *and resumes it* until it is submitted, on
  any device, without a time limit: the partial response's ``resume_code_hash`` is
  the code's ``InvitationCode.code_hash``. Nothing is written to the invitation code
  when a response starts. At submission the hash is cleared from the response and
  the code is recorded as spent (``umfrage.spent_codes``) in the same transaction;
  from then on nothing in the database ties the code to the response.
- A response started without an invitation code has a random resume code
  (``hash_code(code, key, "resume")``); a new one is made whenever the respondent
  asks to continue later.
- What a code entry reveals: unknown, started (the response opens), submitted or
  survey closed. The state of a code is told only for the full, valid code.

The respondent cookie holds only a random handle per survey; the server keeps the
handle's hash with the response (``RespondentSession``), never the code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request
from limits import parse
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from fragebogen import routing

from ..codes import ALPHABET, generate_code, hash_code, normalise_code
from ..extensions import db, limiter
from ..models import (
    InvitationCode,
    RespondentSession,
    Response,
    ResponseStatus,
    Survey,
    local_today,
)
from ..services import questionnaire_of, version_without_definition
from ..spent_codes import is_spent
from .services import (
    SurveyNotAvailableError,
    accepts_code,
    availability,
    languages_of,
    needs_code,
)

RESUME_PURPOSE = "resume"
CODE_LENGTH = 10


class InvitationCodeError(Exception):
    """A code was needed but missing (``missing``), matches nothing of this survey
    (``unknown``), or belongs to a submitted questionnaire (``submitted``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    """The result of entering a code: the response, and whether it was resumed
    (``True``) or has just been started."""

    response: Response
    resumed: bool


# -- codes ---------------------------------------------------------------------------


def is_code_shaped(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def new_start_code() -> str:
    """A fresh random resume code for a response started without invitation code."""
    return generate_code(CODE_LENGTH)


def _key() -> str:
    return str(current_app.config["SECRET_KEY"])


def invitation_hash(survey: Survey, code: str) -> str:
    return hash_code(code, _key(), f"invitation:{survey.id}")


def resume_hash(code: str) -> str:
    return hash_code(code, _key(), RESUME_PURPOSE)


def partial_response_for_code(survey: Survey, code: str) -> Response | None:
    """The unfinished response this code (letter or resume code) opens, if any."""
    if not is_code_shaped(code):
        return None
    return db.session.execute(
        select(Response).where(
            Response.survey_id == survey.id,
            Response.status == ResponseStatus.PARTIAL,
            or_(
                Response.resume_code_hash == resume_hash(code),
                Response.resume_code_hash == invitation_hash(survey, code),
            ),
        )
    ).scalar_one_or_none()


def code_state(survey: Survey, code: str) -> str:
    """``started``, ``submitted``, ``fresh`` (an unused invitation code) or
    ``unknown``; only a full, valid code gets anything but ``unknown``."""
    if not is_code_shaped(code):
        return "unknown"
    if partial_response_for_code(survey, code) is not None:
        return "started"
    code_hash = invitation_hash(survey, code)
    if is_spent(survey.id, code_hash):
        return "submitted"
    exists = db.session.execute(
        select(InvitationCode.id).where(
            InvitationCode.survey_id == survey.id,
            InvitationCode.code_hash == code_hash,
        )
    ).first()
    return "fresh" if exists is not None else "unknown"


def enter_code(
    survey: Survey, code: str, new_response: Response, *, may_start: bool = True
) -> Entry:
    """Open the response of ``code``: resume the unfinished one, or start
    ``new_response`` (not yet added) with it when the code is an unused invitation
    code and ``may_start``. Raises ``InvitationCodeError`` (changes nothing)."""
    code = normalise_code(code)
    if not code:
        raise InvitationCodeError("missing")
    existing = partial_response_for_code(survey, code)
    if existing is not None:
        return Entry(existing, resumed=True)
    state = code_state(survey, code)
    if state == "submitted":
        raise InvitationCodeError("submitted")
    if state != "fresh" or not may_start or not accepts_code(survey):
        raise InvitationCodeError("unknown")
    new_response.resume_code_hash = invitation_hash(survey, code)
    # the same code sent twice at once: the other request started it
    response, created = _add_or_find(
        new_response, lambda: partial_response_for_code(survey, code)
    )
    return Entry(response, resumed=not created)


def _add_or_find(
    response: Response, find: Callable[[], Response | None]
) -> tuple[Response, bool]:
    """Add and commit ``response``; when its resume code hash is taken meanwhile
    (a concurrent request), the response that took it. True when added."""
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = find()
        if existing is None:
            raise
        return existing, False
    return response, True


def started_with_invitation(response: Response) -> bool:
    """Whether the letter's code resumes this (partial) response."""
    if response.resume_code_hash is None:
        return False
    return (
        db.session.execute(
            select(InvitationCode.id).where(
                InvitationCode.survey_id == response.survey_id,
                InvitationCode.code_hash == response.resume_code_hash,
            )
        ).first()
        is not None
    )


def resume_code_for(response: Response, handle: str) -> str | None:
    """The resume code shown on "continue later" for a partial response started
    without invitation code (None for one the letter's code opens). It is derived
    from this browser's handle, so a reload shows the same code without the code
    being stored anywhere; when another device asks, its code replaces the older
    one (only the code shown last works)."""
    if response.status != ResponseStatus.PARTIAL or started_with_invitation(response):
        return None
    digest = hmac.new(
        _key().encode(), f"resume-handle:{handle}".encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest[:8], "big") >> (64 - 5 * CODE_LENGTH)
    code = "".join(
        ALPHABET[(number >> (5 * shift)) & 31] for shift in reversed(range(CODE_LENGTH))
    )
    if response.resume_code_hash != resume_hash(code):
        response.resume_code_hash = resume_hash(code)
        try:
            db.session.commit()
        except IntegrityError:  # another response has this code: 2**-50
            db.session.rollback()
            return None
    return code


def start(
    survey: Survey, language: str, start_code: str, invitation_code: str | None
) -> Entry:
    """The landing page's start button: with an invitation code, open that code's
    response (resume or start); without one (open access), start a response whose
    resume code is ``start_code`` (the same start form sent twice finds it again).
    Raises ``SurveyNotAvailableError`` or ``InvitationCodeError``."""
    reason = availability(survey)
    if reason is not None:
        raise SurveyNotAvailableError(reason)
    if language not in languages_of(survey):
        language = languages_of(survey)[0]
    code = normalise_code(invitation_code or "")
    if needs_code(survey) and not code:
        raise InvitationCodeError("missing")
    if code and accepts_code(survey):
        return enter_code(survey, code, new_partial_response(survey, language))
    start_hash = resume_hash(start_code)
    existing = _partial_by_hash(survey, start_hash)
    if existing is not None:  # the same start form again (reload, double click)
        return Entry(existing, resumed=False)
    response = new_partial_response(survey, language)
    response.resume_code_hash = start_hash
    response, _created = _add_or_find(
        response, lambda: _partial_by_hash(survey, start_hash)
    )
    return Entry(response, resumed=False)


def resume(survey: Survey, code: str, language: str) -> Entry:
    """The resume page: a resume code or a letter's code opens its unfinished
    response; an unused letter code starts one (in ``language``)."""
    reason = availability(survey)
    if reason is not None:
        raise SurveyNotAvailableError(reason)
    if language not in languages_of(survey):
        language = languages_of(survey)[0]
    return enter_code(survey, code, new_partial_response(survey, language))


def _partial_by_hash(survey: Survey, code_hash: str) -> Response | None:
    return db.session.execute(
        select(Response).where(
            Response.survey_id == survey.id,
            Response.resume_code_hash == code_hash,
        )
    ).scalar_one_or_none()


# -- respondent cookie ---------------------------------------------------------------


def _handle_hash(handle: str) -> str:
    return hashlib.sha256(f"{_key()}:respondent:{handle}".encode()).hexdigest()


def new_handle(response: Response) -> str:
    """A random handle for the cookie, bound to the response on the server."""
    handle = secrets.token_urlsafe(24)
    db.session.add(
        RespondentSession(handle_hash=_handle_hash(handle), response_id=response.id)
    )
    db.session.commit()
    return handle


_RESPONSE_VERSION = version_without_definition(Response.questionnaire_version)


def response_for_handle(survey: Survey, handle: object) -> Response | None:
    if not isinstance(handle, str) or not 16 <= len(handle) <= 64:
        return None
    # one query for handle and response; the version comes without its
    # definition (``services.questionnaire_of`` has it parsed already)
    return db.session.execute(
        select(Response)
        .join(RespondentSession, RespondentSession.response_id == Response.id)
        .where(
            RespondentSession.handle_hash == _handle_hash(handle),
            Response.survey_id == survey.id,
        )
        .options(_RESPONSE_VERSION)
    ).scalar_one_or_none()


def purge_handles(days: int) -> int:
    """Delete cookie handles older than ``days`` days (``umfrage purge``)."""
    cutoff = local_today() - timedelta(days=days)
    count = db.session.execute(
        delete(RespondentSession).where(RespondentSession.created_on < cutoff)
    ).rowcount
    db.session.commit()
    return int(count or 0)


# -- rate limits ----------------------------------------------------------------------
#
# Wrong codes are counted per client address (hashed; behind a reverse proxy the
# address is the one the app's proxy configuration yields) and per code part (first
# and last five characters, hashed). An address over its limit gets 429 for wrong
# codes only: a valid code is evaluated and accepted anyway, so a school or a city
# proxy where everybody shares one address does not lock out families with letters.
# A code part over its limit blocks every code with that part, valid or not, so
# someone who saw half of a letter cannot try the other half.


def _limits_on() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _address_key() -> str:
    address = request.remote_addr or "-"
    return hashlib.sha256(f"{_key()}:{address}".encode()).hexdigest()[:32]


def _part_keys(survey: Survey, code: str) -> list[str]:
    code = normalise_code(code)
    parts = [f"head:{code[:5]}", f"tail:{code[-5:]}"] if code else []
    return [
        hashlib.sha256(f"{_key()}:{survey.id}:{part}".encode()).hexdigest()[:32]
        for part in parts
    ]


def code_parts_blocked(survey: Survey, code: str) -> bool:
    """True when the code's first or last part has had too many wrong attempts."""
    if not _limits_on():
        return False
    item = parse(current_app.config["RESPONDENT_CODE_PART_LIMIT"])
    return any(
        not limiter.limiter.test(item, "respondent-code-part", key)
        for key in _part_keys(survey, code)
    )


def address_blocked() -> bool:
    if not _limits_on():
        return False
    item = parse(current_app.config["RESPONDENT_CODE_RATE_LIMIT"])
    return not limiter.limiter.test(item, "respondent-code-address", _address_key())


def count_wrong_code(survey: Survey, code: str) -> None:
    if not _limits_on():
        return
    address_item = parse(current_app.config["RESPONDENT_CODE_RATE_LIMIT"])
    limiter.limiter.hit(address_item, "respondent-code-address", _address_key())
    part_item = parse(current_app.config["RESPONDENT_CODE_PART_LIMIT"])
    for key in _part_keys(survey, code):
        limiter.limiter.hit(part_item, "respondent-code-part", key)


def new_partial_response(survey: Survey, language: str) -> Response:
    """A fresh partial response (not added to the session)."""
    return Response(
        survey_id=survey.id,
        questionnaire_version_id=survey.questionnaire_version_id,
        language=language,
        status=ResponseStatus.PARTIAL,
        answers={},
        last_page=routing.route(
            questionnaire_of(survey.questionnaire_version), {}
        ).first,
        started_on=local_today(),
    )
