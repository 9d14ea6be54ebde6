"""Designer reads and writes of questionnaires and their versions: listing,
creating, importing, editing drafts, publishing, deleting drafts and exporting.

Each write owns its transaction and records an audit entry where the issue asks for
one. Edits of a questionnaire always work on its newest version: if that one is
published, the first edit starts a new draft (number + 1), so published versions
never change and responses keep the version they were answered on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from fragebogen.definition import validate_definition
from fragebogen.errors import DefinitionError, Problem
from fragebogen.model import Questionnaire, fingerprint
from fragebogen.translation import review_after_edit
from fragebogen.xlsform import from_xlsform, to_xlsform
from fragebogen.yaml_format import YamlLimits, dump_yaml, load_yaml, to_data

from ..audit import record
from ..extensions import db
from ..models import (
    DistrictLayer,
    QuestionnaireVersion,
    Survey,
    VersionStatus,
    utc_now,
)
from ..models import Questionnaire as QuestionnaireRow
from ..services import questionnaire_of
from . import editing
from .design_errors import DesignError, StaleVersionError
from .review import review_flags, store_review_flags


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
