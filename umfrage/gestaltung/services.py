"""Designer reads and writes: questionnaires and their versions, surveys, invitation
codes, retention and field monitoring.

Each write owns its transaction and records an audit entry where the issue asks for
one. Edits of a questionnaire always work on its newest version: if that one is
published, the first edit starts a new draft (number + 1), so published versions
never change and responses keep the version they were answered on.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from fragebogen.definition import validate_definition
from fragebogen.errors import DefinitionError, Problem
from fragebogen.model import Questionnaire, fingerprint
from fragebogen.translation import review_after_edit
from fragebogen.xlsform import from_xlsform, to_xlsform
from fragebogen.yaml_format import YamlLimits, dump_yaml, load_yaml, to_data

from .. import spent_codes
from ..audit import record
from ..codes import ALPHABET, hash_code
from ..extensions import db
from ..models import (
    AccessMode,
    District,
    DistrictLayer,
    InvitationBatch,
    InvitationCode,
    PopulationFigure,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    SpentCode,
    Survey,
    SurveyStatus,
    VersionStatus,
    local_today,
    utc_now,
)
from ..models import Questionnaire as QuestionnaireRow
from ..services import questionnaire_of
from . import editing
from .review import review_flags, store_review_flags


class DesignError(Exception):
    """A designer action cannot be done; ``message`` says why (German)."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class StaleVersionError(DesignError):
    """The form was made for an older state of the draft."""


# ------------------------------------------------------------------ questionnaires


@dataclass(frozen=True)
class QuestionnaireListing:
    row: QuestionnaireRow
    latest: QuestionnaireVersion
    published: list[QuestionnaireVersion]
    surveys: int


def questionnaire_listings() -> list[QuestionnaireListing]:
    rows = db.session.execute(
        select(QuestionnaireRow).order_by(QuestionnaireRow.name, QuestionnaireRow.id)
    ).scalars()
    survey_counts = dict(
        db.session.execute(
            select(QuestionnaireVersion.questionnaire_id, func.count(Survey.id))
            .join(Survey, Survey.questionnaire_version_id == QuestionnaireVersion.id)
            .group_by(QuestionnaireVersion.questionnaire_id)
        ).all()
    )
    listings = []
    for row in rows:
        if not row.versions:
            continue
        published = [v for v in row.versions if v.status == VersionStatus.PUBLISHED]
        listings.append(
            QuestionnaireListing(
                row, row.versions[-1], published, int(survey_counts.get(row.id, 0))
            )
        )
    return listings


def questionnaire_or_404(questionnaire_id: int) -> QuestionnaireRow:
    row: QuestionnaireRow = db.get_or_404(QuestionnaireRow, questionnaire_id)
    if not row.versions:
        abort(404)
    return row


def latest_version(row: QuestionnaireRow) -> QuestionnaireVersion:
    return row.versions[-1]


def version_or_404(row: QuestionnaireRow, number: int) -> QuestionnaireVersion:
    for version in row.versions:
        if version.number == number:
            return version
    abort(404)


def definition_problems(version: QuestionnaireVersion) -> list[Problem]:
    return validate_definition(questionnaire_of(version))


def _new_row(
    actor_id: int | None, questionnaire: Questionnaire, how: str
) -> QuestionnaireRow:
    row = QuestionnaireRow(
        name=questionnaire.title.get_text(
            questionnaire.default_language, questionnaire.default_language
        )
        or questionnaire.name
    )
    row.versions.append(
        QuestionnaireVersion(
            number=1,
            definition=to_data(questionnaire),
            fingerprint=fingerprint(questionnaire),
            status=VersionStatus.DRAFT,
        )
    )
    db.session.add(row)
    db.session.flush()
    record(actor_id, how, f"questionnaire:{row.id}", name=questionnaire.name)
    db.session.commit()
    return row


def create_questionnaire(
    actor_id: int | None, name: str, title: str, languages: list[str]
) -> QuestionnaireRow:
    """A new questionnaire with an empty draft (version 1)."""
    questionnaire = editing.blank_questionnaire(name, title, languages)
    problems = [
        p
        for p in validate_definition(questionnaire)
        if p.place == "name" or p.place.startswith("languages")
    ]
    if problems:
        raise DesignError(problems[0].message, problems)
    return _new_row(actor_id, questionnaire, "create_questionnaire")


IMPORT_FORMATS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".xlsx": "xlsform",
    ".xls": "xlsform",
}


def read_definition_file(filename: str, content: bytes) -> Questionnaire:
    """The questionnaire in an uploaded YAML or XLSForm file, checked as a whole.

    Raises DefinitionError (every problem with its place) or DesignError."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = IMPORT_FORMATS.get(suffix)
    if kind is None:
        raise DesignError(
            _(
                "Bitte laden Sie eine YAML-Datei (.yaml, .yml) oder ein XLSForm "
                "(.xlsx, .xls) hoch."
            )
        )
    if not content:
        raise DesignError(_("Die Datei ist leer."))
    if kind == "yaml":
        config = current_app.config
        limits = YamlLimits(
            max_bytes=int(config["YAML_MAX_BYTES"]),
            max_depth=int(config["YAML_MAX_DEPTH"]),
            max_aliases=int(config["YAML_MAX_ALIASES"]),
            max_nodes=int(config["YAML_MAX_NODES"]),
        )
        return load_yaml(content, limits)
    return from_xlsform(content)


def import_questionnaire(
    actor_id: int | None, filename: str, content: bytes
) -> QuestionnaireRow:
    """Import a file as a new questionnaire (draft version 1); all or nothing."""
    questionnaire = read_definition_file(filename, content)
    return _new_row(actor_id, questionnaire, "import_questionnaire")


@dataclass(frozen=True)
class EditResult:
    version: QuestionnaireVersion
    new_version: bool


def change_draft(
    actor_id: int | None,
    row: QuestionnaireRow,
    base: str,
    change: Callable[[Questionnaire], Questionnaire],
    review: Mapping[tuple[str, str], bool] | None = None,
    audit: Mapping[str, Any] | None = None,
) -> EditResult:
    """Apply ``change`` to the newest version's definition and store it.

    ``base`` is the fingerprint the form was made for; if the definition has
    changed since, StaleVersionError (nothing is stored). A published newest version
    is never changed: a new draft (number + 1) starts from its definition.
    Raises DesignError (from ``editing.EditError``) when the edit is impossible.

    The translations' review flags follow the edit (a changed source text flags its
    translations, an edited translation is cleared) and then ``review``, which
    sets (True) or clears (False) the flag of (key, language) pairs. ``audit``
    (``action`` and details) is recorded in the same transaction.
    """
    version = latest_version(row)
    if base != version.fingerprint:
        raise StaleVersionError(
            _(
                "Der Fragebogen wurde inzwischen geändert. Bitte laden Sie die "
                "Seite neu und wiederholen Sie die Änderung."
            )
        )
    current = questionnaire_of(version)
    try:
        changed = change(current)
    except editing.EditError as error:
        raise DesignError(str(error)) from None
    data = to_data(changed)
    flags_before = review_flags(version)
    flags = review_after_edit(current, changed, flags_before)
    for pair, needs_review in (review or {}).items():
        if needs_review:
            flags.add(pair)
        else:
            flags.discard(pair)
    new_version = version.status == VersionStatus.PUBLISHED
    if new_version:
        if changed == current and flags == flags_before:
            return EditResult(version, False)
        version = QuestionnaireVersion(
            number=version.number + 1, status=VersionStatus.DRAFT
        )
        row.versions.append(version)
        record(
            actor_id,
            "create_version",
            f"questionnaire:{row.id}",
            version=version.number,
        )
    if changed != current:
        record(
            actor_id, "edit_draft", f"questionnaire:{row.id}", version=version.number
        )
    version.definition = data
    version.fingerprint = fingerprint(changed)
    store_review_flags(version, flags)
    if audit is not None:
        details = {k: v for k, v in audit.items() if k != "action"}
        record(
            actor_id,
            audit["action"],
            f"questionnaire:{row.id}",
            version=version.number,
            **details,
        )
    if changed.title != current.title:
        row.name = (
            changed.title.get_text(changed.default_language, changed.default_language)
            or changed.name
        )[:200]
    db.session.commit()
    return EditResult(version, new_version)


def replace_draft_from_file(
    actor_id: int | None,
    row: QuestionnaireRow,
    base: str,
    filename: str,
    content: bytes,
) -> EditResult:
    """Replace the draft's definition by an uploaded file; all or nothing."""
    imported = read_definition_file(filename, content)
    result = change_draft(actor_id, row, base, lambda _current: imported)
    record(
        actor_id,
        "import_questionnaire",
        f"questionnaire:{row.id}",
        version=result.version.number,
    )
    db.session.commit()
    return result


def publish(
    actor_id: int | None, row: QuestionnaireRow, base: str
) -> QuestionnaireVersion:
    """Freeze the newest version; its definition must have no problems."""
    version = latest_version(row)
    if version.status == VersionStatus.PUBLISHED:
        raise DesignError(
            _("Version %(number)d ist bereits veröffentlicht.", number=version.number)
        )
    if base != version.fingerprint:
        raise StaleVersionError(
            _("Der Fragebogen wurde inzwischen geändert. Bitte prüfen Sie ihn erneut.")
        )
    problems = definition_problems(version)
    if problems:
        raise DefinitionError(problems)
    version.status = VersionStatus.PUBLISHED
    version.published_at = utc_now()
    record(
        actor_id,
        "publish_version",
        f"questionnaire:{row.id}",
        version=version.number,
        fingerprint=version.fingerprint,
    )
    db.session.commit()
    return version


def delete_draft(actor_id: int | None, row: QuestionnaireRow, base: str) -> bool:
    """Discard the newest version if it is a draft; the whole questionnaire if it
    has no other version. Returns True if the questionnaire is gone."""
    version = latest_version(row)
    if version.status != VersionStatus.DRAFT:
        raise DesignError(_("Veröffentlichte Versionen können nicht gelöscht werden."))
    if base != version.fingerprint:
        raise StaleVersionError(_("Der Entwurf wurde inzwischen geändert."))
    gone = len(row.versions) == 1
    record(
        actor_id,
        "delete_questionnaire" if gone else "delete_draft",
        f"questionnaire:{row.id}",
        version=version.number,
    )
    if gone:
        db.session.delete(row)
    else:
        row.versions.remove(version)
        db.session.delete(version)
    db.session.commit()
    return gone


def export_file(
    actor_id: int | None, version: QuestionnaireVersion, kind: str
) -> tuple[bytes, str, str]:
    """(content, filename, mimetype) of a version as YAML or XLSForm."""
    questionnaire = questionnaire_of(version)
    stem = f"{questionnaire.name}-v{version.number}"
    if kind == "yaml":
        content = dump_yaml(questionnaire).encode("utf-8")
        result = (content, f"{stem}.yaml", "application/yaml")
    else:
        result = (
            to_xlsform(questionnaire),
            f"{stem}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    record(
        actor_id,
        "export_questionnaire",
        f"questionnaire:{version.questionnaire_id}",
        version=version.number,
        format=kind,
    )
    db.session.commit()
    return result


def expression_feedback(
    version: QuestionnaireVersion, place: str, text: str
) -> list[Problem]:
    """The problems an expression would have at ``place`` of the definition
    (syntax with position, unknown or later references, unknown option values)."""
    questionnaire = questionnaire_of(version)
    if not place.endswith((".relevant", ".constraint")):
        raise DesignError(_("Unbekannte Stelle."))
    try:
        changed = editing.set_at(questionnaire, place, text.strip() or None)
    except editing.EditError as error:
        raise DesignError(str(error)) from None
    return [p for p in validate_definition(changed) if p.place == place]


def preview_layer(
    version: QuestionnaireVersion, chosen: str | None = None
) -> DistrictLayer | None:
    """The district layer shown in a version's preview: the one the designer chose
    (``chosen``, a layer id as text), else that of the newest survey using this
    version (or another version of its questionnaire), else the first by name."""
    if chosen and chosen.isdigit() and len(chosen) < 10:
        layer = db.session.get(DistrictLayer, int(chosen))
        if layer is not None:
            return layer
    for condition in (
        Survey.questionnaire_version_id == version.id,
        QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
    ):
        layer = db.session.execute(
            select(DistrictLayer)
            .join(Survey, Survey.district_layer_id == DistrictLayer.id)
            .join(
                QuestionnaireVersion,
                QuestionnaireVersion.id == Survey.questionnaire_version_id,
            )
            .where(condition)
            .order_by(Survey.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if layer is not None:
            return layer
    return db.session.execute(
        select(DistrictLayer).order_by(DistrictLayer.name).limit(1)
    ).scalar_one_or_none()


# ------------------------------------------------------------------------ surveys


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


# ----------------------------------------------------------------- invitation codes
#
# Codes are never stored, only their keyed hashes
# (``hash_code(code, SECRET_KEY, "invitation:<survey id>")``). A batch keeps a random
# seed; its codes are HMAC-SHA256(SECRET_KEY, seed, index), so the seed alone (a copy
# of the database) does not reveal them. The CSV list and the PDF letters are made by
# jobs (``code_jobs``) as files in the instance folder, which can be downloaded
# until the designer confirms receipt ("Briefe erhalten – Codes jetzt
# unwiderruflich löschen") or the deadline ``expires_at`` passes
# (``INVITATION_DOWNLOAD_HOURS``, default 7 days); then the seed and the files are
# erased together (by the confirmation, by the first read after the deadline and by
# ``umfrage purge``). Without the seed nobody, not even an admin, can show the codes
# again; lost letters are handled by withdrawing the batch's unused codes and
# generating a new batch.


def _derive_codes(key: str, seed: str, count: int, length: int = 10) -> list[str]:
    """``count`` distinct codes derived from the batch seed with the secret key
    (HMAC-SHA256, 50 bits each); the same seed and key give the same codes."""
    codes: list[str] = []
    seen: set[str] = set()
    index = 0
    while len(codes) < count:
        digest = hmac.new(
            key.encode(), f"invitation-batch:{seed}:{index}".encode(), hashlib.sha256
        ).digest()
        index += 1
        number = int.from_bytes(digest[:8], "big") >> (64 - 5 * length)
        code = "".join(
            ALPHABET[(number >> (5 * shift)) & 31] for shift in reversed(range(length))
        )
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


@dataclass(frozen=True)
class BatchListing:
    """A batch with its number of valid codes and of submitted ones (``None`` when
    the batch is too small to show it; see ``spent_codes.spent_counts``)."""

    batch: InvitationBatch
    codes: int
    submitted: int | None

    @property
    def downloadable(self) -> bool:
        return self.batch.seed is not None


def batch_listings(survey: Survey, min_batch_size: int) -> list[BatchListing]:
    """The survey's batches, newest first. No per-code state is ever shown: only how
    many codes of a batch have been submitted, counted at the last shuffled flush,
    and only for batches of at least ``min_batch_size`` codes."""
    wipe_expired_seeds()
    batches = (
        db.session.execute(
            select(InvitationBatch)
            .where(InvitationBatch.survey_id == survey.id)
            .order_by(InvitationBatch.id.desc())
        )
        .scalars()
        .all()
    )
    sizes = {b.id: b.size for b in batches}
    counts = spent_codes.spent_counts(survey.id, sizes, min_batch_size)
    return [BatchListing(b, b.size, counts.per_batch.get(b.id)) for b in batches]


def code_counts(survey: Survey, min_batch_size: int) -> tuple[int, int | None]:
    """(valid codes, submitted codes at the last flush, or None when the survey has
    fewer than ``min_batch_size`` codes)."""
    issued = spent_codes.issued_codes(survey.id)
    counts = spent_codes.spent_counts(survey.id, {0: issued}, min_batch_size)
    return issued, counts.total


def batch_or_404(survey: Survey, batch_id: int) -> InvitationBatch:
    batch = db.session.get(InvitationBatch, batch_id)
    if batch is None or batch.survey_id != survey.id:
        abort(404)
    return batch


def generate_codes(
    actor_id: int | None,
    survey: Survey,
    count: int,
    district_id: int | None,
    per_district: bool,
    *,
    key: str,
    limit: int,
    hours: int,
) -> InvitationBatch:
    """A batch of ``count`` codes (``per_district``: ``count`` for each district of
    the survey's layer; else optionally all for one district), stored as hashes."""
    if survey.status == SurveyStatus.CLOSED:
        raise DesignError(_("Für eine beendete Befragung werden keine Codes erzeugt."))
    if survey.access_mode == AccessMode.OPEN:
        raise DesignError(
            _(
                "Die Befragung ist über den offenen Link erreichbar; stellen Sie den "
                "Zugang auf „Einladungscode“ oder „beides“, um Codes zu erzeugen."
            )
        )
    if count < 1:
        raise DesignError(_("Bitte geben Sie eine Anzahl ab 1 an."))
    targets: list[int | None]
    if per_district:
        if survey.district_layer_id is None:
            raise DesignError(_("Die Befragung hat keine Gebietsgliederung."))
        ids = (
            db.session.execute(
                select(District.id)
                .where(District.layer_id == survey.district_layer_id)
                .order_by(District.code)
            )
            .scalars()
            .all()
        )
        targets = [d for d in ids for _ in range(count)]
        district_id = None
    else:
        if district_id is not None:
            district = db.session.get(District, district_id)
            if district is None or district.layer_id != survey.district_layer_id:
                raise DesignError(_("Dieser Sozialraum gehört nicht zur Befragung."))
        targets = [district_id] * count
    if len(targets) > limit:
        raise DesignError(
            _(
                "Höchstens %(limit)d Codes je Stapel (angefordert: %(count)d).",
                limit=limit,
                count=len(targets),
            )
        )
    purpose = f"invitation:{survey.id}"
    for _attempt in range(5):
        seed = secrets.token_hex(16)
        codes = _derive_codes(key, seed, len(targets))
        hashes = [hash_code(code, key, purpose) for code in codes]
        if _any_hash_exists(hashes):
            continue
        batch = InvitationBatch(
            survey_id=survey.id,
            created_by_id=actor_id,
            size=len(targets),
            district_id=district_id,
            per_district=per_district,
            seed=seed,
            expires_at=utc_now() + timedelta(hours=hours),
        )
        db.session.add(batch)
        db.session.flush()
        today = local_today()
        db.session.execute(
            InvitationCode.__table__.insert(),
            [
                {
                    "survey_id": survey.id,
                    "code_hash": code_hash,
                    "district_id": target,
                    "created_on": today,
                    "batch_id": batch.id,
                }
                for code_hash, target in zip(hashes, targets, strict=True)
            ],
        )
        record(
            actor_id,
            "generate_codes",
            f"survey:{survey.id}",
            batch=batch.id,
            count=len(targets),
            district_id=district_id,
            per_district=per_district,
        )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        return batch
    raise DesignError(
        _("Die Codes konnten nicht erzeugt werden; bitte erneut versuchen.")
    )


def _any_hash_exists(hashes: list[str]) -> bool:
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        if db.session.execute(
            select(InvitationCode.id)
            .where(InvitationCode.code_hash.in_(chunk))
            .limit(1)
        ).first():
            return True
    return False


def wipe_expired_seeds(now: datetime | None = None) -> int:
    """Erase the seeds of batches whose download window has passed, and the
    letter and list files made from them (their jobs keep them until then)."""
    from ..auftraege.runner import purge_results

    now = now or utc_now()
    result = db.session.execute(
        update(InvitationBatch)
        .where(InvitationBatch.seed.is_not(None), InvitationBatch.expires_at <= now)
        .values(seed=None)
    )
    db.session.commit()
    purge_results(now)
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class ClaimedCode:
    code: str
    district_code: str | None
    district_name: str | None


def open_batch(batch_id: int) -> InvitationBatch | None:
    """The batch if its codes can still be shown (seed kept, deadline not passed)."""
    return db.session.execute(
        select(InvitationBatch).where(
            InvitationBatch.id == batch_id,
            InvitationBatch.seed.is_not(None),
            InvitationBatch.expires_at > utc_now(),
        )
    ).scalar_one_or_none()


def batch_codes(batch: InvitationBatch, key: str) -> list[ClaimedCode]:
    """The batch's codes that are still valid (not withdrawn), derived again from
    its seed, sorted by district and code. Reads only; the caller (a job) makes
    the file. Raises DesignError when the seed is gone or the key has changed."""
    if batch.seed is None:
        raise DesignError(
            _(
                "Die Codes dieses Stapels sind gelöscht und können nicht noch einmal "
                "angezeigt werden. Erzeugen Sie bei Bedarf einen neuen Stapel und "
                "ziehen Sie den alten zurück."
            )
        )
    codes = _derive_codes(key, batch.seed, batch.size)
    purpose = f"invitation:{batch.survey_id}"
    rows = db.session.execute(
        select(InvitationCode.code_hash, District.code, District.name)
        .outerjoin(District, District.id == InvitationCode.district_id)
        .where(InvitationCode.batch_id == batch.id)
    ).all()
    districts = {row[0]: (row[1], row[2]) for row in rows}
    claimed_codes = []
    for code in codes:
        code_hash = hash_code(code, key, purpose)
        if code_hash not in districts:
            continue  # withdrawn, or the secret key has changed
        claimed_codes.append(ClaimedCode(code, *districts[code_hash]))
    if rows and not claimed_codes:
        raise DesignError(
            _(
                "Die Codes passen nicht zu den gespeicherten Prüfsummen (wurde der "
                "geheime Schlüssel geändert?). Bitte erzeugen Sie einen neuen Stapel."
            )
        )
    claimed_codes.sort(key=lambda c: (c.district_code or "", c.code))
    return claimed_codes


def withdraw_batch(actor_id: int | None, batch: InvitationBatch) -> None:
    """Invalidate the batch's codes that have not been submitted (e.g. letters lost)
    and erase its seed. A questionnaire already started with one of them can still
    be finished. How many codes that were is neither shown nor logged: for a small
    batch it would tell who has submitted."""
    spent = select(SpentCode.code_hash).where(
        SpentCode.survey_id == batch.survey_id, SpentCode.pending.is_(False)
    )
    db.session.execute(
        delete(InvitationCode)
        .where(
            InvitationCode.batch_id == batch.id,
            InvitationCode.code_hash.not_in(spent),
        )
        .execution_options(synchronize_session=False)
    )
    batch.seed = None
    batch.withdrawn = True
    record(actor_id, "withdraw_codes", f"survey:{batch.survey_id}", batch=batch.id)
    db.session.commit()


# --------------------------------------------------------------------- monitoring


@dataclass(frozen=True)
class SurveySummary:
    survey: Survey
    complete: int
    partial: int


@dataclass(frozen=True)
class DistrictReturns:
    code: str
    name: str
    parent_name: str | None
    complete: int
    partial: int
    complete_share: float | None
    population_share: float | None


@dataclass(frozen=True)
class DayCount:
    day: date
    started: int
    completed: int


@dataclass(frozen=True)
class PageDropOff:
    page_no: int
    title: str
    partial: int
    share: float | None


def survey_summaries() -> list[SurveySummary]:
    counts = _status_counts(Response.survey_id)
    surveys = db.session.execute(select(Survey).order_by(Survey.id)).scalars()
    return [SurveySummary(survey, *counts.get(survey.id, (0, 0))) for survey in surveys]


def returns_by_district(survey: Survey) -> tuple[list[DistrictReturns], int, int]:
    """Complete and partial responses per district of the survey's layer, beside the
    district's share of the population; plus responses without a district."""
    counts = _status_counts(Response.district_id, Response.survey_id == survey.id)
    total_complete = sum(c for c, _ in counts.values())
    population = dict(
        db.session.execute(
            select(PopulationFigure.district_id, func.sum(PopulationFigure.count))
            .join(District)
            .where(District.layer_id == survey.district_layer_id)
            .group_by(PopulationFigure.district_id)
        ).all()
    )
    population_total = sum(population.values())
    districts = db.session.execute(
        select(District)
        .where(District.layer_id == survey.district_layer_id)
        .order_by(District.code)
    ).scalars()
    rows = []
    for district in districts:
        complete, partial = counts.get(district.id, (0, 0))
        people = population.get(district.id)
        rows.append(
            DistrictReturns(
                code=district.code,
                name=district.name,
                parent_name=district.parent_name,
                complete=complete,
                partial=partial,
                complete_share=complete / total_complete if total_complete else None,
                population_share=(
                    people / population_total
                    if people is not None and population_total
                    else None
                ),
            )
        )
    unknown_complete, unknown_partial = counts.get(None, (0, 0))
    return rows, unknown_complete, unknown_partial


def responses_per_day(survey: Survey) -> list[DayCount]:
    """Responses started and completed per day, every day from the first to the
    last with any (at most the last 120 days)."""
    started = dict(
        db.session.execute(
            select(Response.started_on, func.count(Response.id))
            .where(Response.survey_id == survey.id)
            .group_by(Response.started_on)
        ).all()
    )
    completed = dict(
        db.session.execute(
            select(Response.completed_on, func.count(Response.id))
            .where(Response.survey_id == survey.id, Response.completed_on.is_not(None))
            .group_by(Response.completed_on)
        ).all()
    )
    days = set(started) | set(completed)
    if not days:
        return []
    first, last = min(days), max(days)
    first = max(first, last - timedelta(days=119))
    result = []
    day = first
    while day <= last:
        result.append(
            DayCount(day, int(started.get(day, 0)), int(completed.get(day, 0)))
        )
        day += timedelta(days=1)
    return result


def drop_off_by_page(survey: Survey) -> list[PageDropOff]:
    """Partial responses by the last page they reached (1-based), per page of the
    survey's questionnaire version."""
    rows = dict(
        db.session.execute(
            select(Response.last_page, func.count(Response.id))
            .where(
                Response.survey_id == survey.id,
                Response.status == ResponseStatus.PARTIAL,
                Response.questionnaire_version_id == survey.questionnaire_version_id,
            )
            .group_by(Response.last_page)
        ).all()
    )
    questionnaire = questionnaire_of(survey.questionnaire_version)
    total = sum(int(v) for v in rows.values())
    language = questionnaire.default_language
    return [
        PageDropOff(
            index + 1,
            page.title.get_text(language, language),
            int(rows.get(index, 0)),
            int(rows.get(index, 0)) / total if total else None,
        )
        for index, page in enumerate(questionnaire.pages)
    ]


def _status_counts(key: Any, *conditions: Any) -> dict[Any, tuple[int, int]]:
    complete = func.sum(case((Response.status == ResponseStatus.COMPLETE, 1), else_=0))
    partial = func.sum(case((Response.status == ResponseStatus.PARTIAL, 1), else_=0))
    rows = db.session.execute(
        select(key, complete, partial).where(*conditions).group_by(key)
    ).all()
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in rows}
