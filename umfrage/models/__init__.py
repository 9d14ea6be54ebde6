"""Database models, one module per noun; everything is importable from here.

Anonymity by construction: a ``Response`` has no IP address, user agent or time of
day and a random id; an ``InvitationCode`` keeps only a hash, and once the response
it unlocked is submitted nothing links the two (see ``SpentCode``).
"""

from .accounts import AuditLog, User
from .analysis import SmallAreaSetup, WeightingSetup
from .analysis_cache import AnalysisCacheEntry
from .base import (
    LOCAL_TIMEZONE,
    AccessMode,
    ResponseStatus,
    Role,
    SurveyStatus,
    VersionStatus,
    local_today,
    utc_now,
)
from .districts import District, DistrictLayer, LayerUpload, PopulationFigure, Street
from .questionnaires import (
    PublishedVersionError,
    Questionnaire,
    QuestionnaireVersion,
)
from .surveys import (
    InvitationBatch,
    InvitationCode,
    RespondentSession,
    Response,
    SpentCode,
    Survey,
    new_response_id,
)

__all__ = [
    "LOCAL_TIMEZONE",
    "AccessMode",
    "AnalysisCacheEntry",
    "AuditLog",
    "District",
    "DistrictLayer",
    "InvitationBatch",
    "InvitationCode",
    "LayerUpload",
    "PopulationFigure",
    "PublishedVersionError",
    "Questionnaire",
    "QuestionnaireVersion",
    "RespondentSession",
    "Response",
    "ResponseStatus",
    "Role",
    "SmallAreaSetup",
    "SpentCode",
    "Street",
    "Survey",
    "SurveyStatus",
    "User",
    "VersionStatus",
    "WeightingSetup",
    "local_today",
    "new_response_id",
    "utc_now",
]
