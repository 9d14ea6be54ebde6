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
from .jobs import Job, JobStatus
from .letters import LetterTemplate
from .population_uploads import PopulationUpload
from .questionnaires import (
    PublishedVersionError,
    Questionnaire,
    QuestionnaireVersion,
)
from .reports import ReportSetting
from .surveys import (
    InvitationBatch,
    InvitationCode,
    RespondentSession,
    Response,
    SpentCode,
    Survey,
    new_response_id,
)
from .translations import TranslationReview

__all__ = [
    "LOCAL_TIMEZONE",
    "AccessMode",
    "AnalysisCacheEntry",
    "AuditLog",
    "District",
    "DistrictLayer",
    "InvitationBatch",
    "InvitationCode",
    "Job",
    "JobStatus",
    "LayerUpload",
    "LetterTemplate",
    "PopulationFigure",
    "PopulationUpload",
    "PublishedVersionError",
    "Questionnaire",
    "QuestionnaireVersion",
    "ReportSetting",
    "RespondentSession",
    "Response",
    "ResponseStatus",
    "Role",
    "SmallAreaSetup",
    "SpentCode",
    "Street",
    "Survey",
    "TranslationReview",
    "SurveyStatus",
    "User",
    "VersionStatus",
    "WeightingSetup",
    "local_today",
    "new_response_id",
    "utc_now",
]
