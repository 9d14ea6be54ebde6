"""Designer reads and writes of surveys: their settings, status and retention
(deleting responses past the deletion date)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from fragebogen.definition import validate_definition

from .. import spent_codes
from ..audit import record
from ..extensions import db
from ..models import (
    AccessMode,
    DistrictLayer,
    InvitationCode,
    QuestionnaireVersion,
    Response,
    Survey,
    SurveyStatus,
    VersionStatus,
    local_today,
)
from ..services import questionnaire_of
from .design_errors import DesignError
from .invitations import wipe_expired_seeds


def published_versions() -> list[QuestionnaireVersion]:
    return list(
        db.session.execute(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.status == VersionStatus.PUBLISHED)
            .order_by(
                QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.number
            )
        ).scalars()
    )


def layers() -> list[DistrictLayer]:
    return list(
        db.session.execute(select(DistrictLayer).order_by(DistrictLayer.name)).scalars()
    )


@dataclass(frozen=True)
class SurveySettings:
    title: str
    slug: str
    version_id: int
    layer_id: int | None
    field_start: date | None
    field_end: date | None
    access_mode: AccessMode
    languages: list[str]
    deletion_date: date | None
    # The privacy notice promises deletion at most this many months after the end
    # of the field period (RESPONSE_RETENTION_MONTHS); None: no limit.
    retention_months: int | None = None


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def with_default_deletion_date(settings: SurveySettings) -> SurveySettings:
    """Without a deletion date, responses are deleted when the promised retention
    after the field period ends."""
    if (
        settings.deletion_date is None
        and settings.field_end is not None
        and settings.retention_months
    ):
        return replace(
            settings,
            deletion_date=add_months(settings.field_end, settings.retention_months),
        )
    return settings


def _check_settings(
    settings: SurveySettings, survey: Survey | None
) -> QuestionnaireVersion:
    version = db.session.get(QuestionnaireVersion, settings.version_id)
    if version is None or version.status != VersionStatus.PUBLISHED:
        raise DesignError(_("Bitte wählen Sie eine veröffentlichte Fragebogenversion."))
    if (
        settings.layer_id is not None
        and db.session.get(DistrictLayer, settings.layer_id) is None
    ):
        raise DesignError(_("Diese Gebietsgliederung gibt es nicht."))
    taken = db.session.execute(
        select(Survey.id).where(Survey.slug == settings.slug)
    ).scalar_one_or_none()
    if taken is not None and (survey is None or taken != survey.id):
        raise DesignError(
            _("Die Adresse /s/%(slug)s ist schon vergeben.", slug=settings.slug)
        )
    questionnaire = questionnaire_of(version)
    unknown = [
        lang for lang in settings.languages if lang not in questionnaire.languages
    ]
    if unknown:
        raise DesignError(
            _(
                "Der Fragebogen hat diese Sprachen nicht: %(languages)s.",
                languages=", ".join(unknown),
            )
        )
    if settings.layer_id is None:
        problems = validate_definition(questionnaire, has_district_layer=False)
        district = [p for p in problems if "district" in p.code]
        if district:
            raise DesignError(
                _(
                    "Der Fragebogen fragt nach dem Sozialraum; bitte wählen Sie "
                    "eine Gebietsgliederung."
                ),
                district,
            )
    if (
        settings.field_start
        and settings.field_end
        and settings.field_start > settings.field_end
    ):
        raise DesignError(_("Das Ende der Feldzeit liegt vor dem Beginn."))
    if settings.retention_months and settings.deletion_date is None:
        raise DesignError(
            _(
                "Bitte geben Sie ein Löschdatum an oder ein Ende der Feldzeit (dann "
                "gilt: %(months)d Monate danach).",
                months=settings.retention_months,
            )
        )
    if settings.deletion_date and settings.retention_months and not settings.field_end:
        # Without an end, the field period ends at the latest today: the promise
        # of the privacy notice is counted from here.
        latest = add_months(local_today(), settings.retention_months)
        if settings.deletion_date > latest:
            raise DesignError(
                _(
                    "Ohne Ende der Feldzeit darf das Löschdatum höchstens %(months)d "
                    "Monate in der Zukunft liegen, also bis zum %(date)s.",
                    months=settings.retention_months,
                    date=latest.strftime("%d.%m.%Y"),
                )
            )
    if settings.deletion_date:
        last = settings.field_end
        if last and settings.retention_months:
            latest = add_months(last, settings.retention_months)
            if settings.deletion_date > latest:
                raise DesignError(
                    _(
                        "Die Antworten müssen spätestens %(months)d Monate nach dem "
                        "Ende der Feldzeit gelöscht werden (so steht es im "
                        "Datenschutzhinweis), also bis zum %(date)s.",
                        months=settings.retention_months,
                        date=latest.strftime("%d.%m.%Y"),
                    )
                )
        if last and settings.deletion_date <= last:
            raise DesignError(
                _("Das Löschdatum muss nach dem Ende der Feldzeit liegen.")
            )
    return version


def create_survey(actor_id: int | None, settings: SurveySettings) -> Survey:
    settings = with_default_deletion_date(settings)
    version = _check_settings(settings, None)
    survey = Survey(
        slug=settings.slug,
        title=settings.title,
        questionnaire_version=version,
        district_layer_id=settings.layer_id,
        field_start=settings.field_start,
        field_end=settings.field_end,
        access_mode=settings.access_mode,
        status=SurveyStatus.DRAFT,
        languages=list(settings.languages),
        deletion_date=settings.deletion_date,
    )
    db.session.add(survey)
    db.session.flush()
    record(
        actor_id,
        "create_survey",
        f"survey:{survey.id}",
        slug=survey.slug,
        version_id=version.id,
    )
    db.session.commit()
    return survey


def survey_is_fixed(survey: Survey) -> bool:
    """Once a survey has been in the field or has codes, its address, questionnaire
    version and district layer stay as they are."""
    if survey.status != SurveyStatus.DRAFT:
        return True
    has_codes = db.session.execute(
        select(InvitationCode.id).where(InvitationCode.survey_id == survey.id).limit(1)
    ).first()
    has_responses = db.session.execute(
        select(Response.id).where(Response.survey_id == survey.id).limit(1)
    ).first()
    return has_codes is not None or has_responses is not None


def update_survey(
    actor_id: int | None, survey: Survey, settings: SurveySettings
) -> None:
    if survey_is_fixed(survey) and (
        settings.slug != survey.slug
        or settings.version_id != survey.questionnaire_version_id
        or settings.layer_id != survey.district_layer_id
    ):
        raise DesignError(
            _(
                "Adresse, Fragebogenversion und Gebietsgliederung können nicht mehr "
                "geändert werden, seit die Befragung im Feld war oder Codes hat."
            )
        )
    settings = with_default_deletion_date(settings)
    _check_settings(settings, survey)
    survey.title = settings.title
    survey.slug = settings.slug
    survey.questionnaire_version_id = settings.version_id
    survey.district_layer_id = settings.layer_id
    survey.field_start = settings.field_start
    survey.field_end = settings.field_end
    survey.access_mode = settings.access_mode
    survey.languages = list(settings.languages)
    survey.deletion_date = settings.deletion_date
    record(actor_id, "update_survey", f"survey:{survey.id}")
    db.session.commit()


def set_survey_status(
    actor_id: int | None, survey: Survey, status: SurveyStatus
) -> None:
    """Open (also reopen) or close a survey."""
    if status == survey.status:
        return
    if status == SurveyStatus.DRAFT:
        raise DesignError(_("Eine Befragung kann nicht zurück in den Entwurf."))
    if (
        status == SurveyStatus.OPEN
        and survey.deletion_date
        and survey.deletion_date <= local_today()
    ):
        raise DesignError(
            _(
                "Das Löschdatum der Befragung ist erreicht; sie kann nicht mehr "
                "geöffnet werden."
            )
        )
    action = {
        (SurveyStatus.DRAFT, SurveyStatus.OPEN): "open_survey",
        (SurveyStatus.CLOSED, SurveyStatus.OPEN): "reopen_survey",
    }.get((survey.status, status), "close_survey")
    survey.status = status
    record(actor_id, action, f"survey:{survey.id}", slug=survey.slug)
    db.session.commit()
    if status == SurveyStatus.CLOSED:
        spent_codes.flush(survey.id)  # no submitted code stays pending


def purge_expired_responses(today: date | None = None) -> list[tuple[Survey, int]]:
    """Delete the responses of every survey whose deletion date has come; such a
    survey is closed. Also erases expired invitation seeds. One audit entry per
    survey."""
    today = today or local_today()
    wipe_expired_seeds()
    surveys = (
        db.session.execute(
            select(Survey).where(
                Survey.deletion_date.is_not(None), Survey.deletion_date <= today
            )
        )
        .scalars()
        .all()
    )
    done = []
    for survey in surveys:
        count = db.session.execute(
            delete(Response).where(Response.survey_id == survey.id)
        ).rowcount
        if survey.status == SurveyStatus.OPEN:
            survey.status = SurveyStatus.CLOSED
            record(None, "close_survey", f"survey:{survey.id}", reason="deletion_date")
        if count:
            record(
                None,
                "delete_responses",
                f"survey:{survey.id}",
                count=int(count),
                deletion_date=survey.deletion_date.isoformat()
                if survey.deletion_date
                else None,
            )
        done.append((survey, int(count or 0)))
    db.session.commit()
    return done
