"""The translators' workflow: export a version's texts as XLSX, PO or XLIFF 1.2 and
import a file back: read -> report -> confirm.

A job reads the file and keeps the comparison with the newest version
(:mod:`.translation_jobs`); the confirm step applies exactly the reported changes
from that stored comparison, without reading the file again, if the draft is still
in the state the report was made for (``base``): in one transaction through
:func:`.questionnaires.change_draft`, and audited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _

from fragebogen.errors import QuestionnaireError
from fragebogen.model import Questionnaire, Text
from fragebogen.translation import (
    Comparison,
    TranslationChange,
    compare,
    read_translation_file,
    translation_units,
    write_po,
    write_xliff,
    write_xlsx,
)

from ..audit import record
from ..extensions import db
from ..models import QuestionnaireVersion, VersionStatus
from ..services import questionnaire_of
from . import editing
from .design_errors import DesignError
from .questionnaires import EditResult, QuestionnaireRow, change_draft
from .review import review_flags

EXPORTS = {
    "xlsx": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "po": ("po", "text/x-gettext-translation; charset=utf-8"),
    "xliff": ("xlf", "application/xliff+xml"),
}


def export_translations(
    actor_id: int | None,
    version: QuestionnaireVersion,
    kind: str,
    language: str | None = None,
) -> tuple[bytes, str, str]:
    """(content, filename, mimetype) of the version's texts for translators; PO and
    XLIFF for one target ``language`` (404 for another)."""
    questionnaire = questionnaire_of(version)
    flags = review_flags(version)
    stem = f"{questionnaire.name}-v{version.number}"
    suffix, mimetype = EXPORTS[kind]
    if kind == "xlsx":
        content = write_xlsx(questionnaire, flags)
        filename = f"{stem}-uebersetzungen.{suffix}"
    else:
        if language not in questionnaire.languages[1:]:
            abort(404)
        writer = write_po if kind == "po" else write_xliff
        content = writer(questionnaire, language, flags)
        filename = f"{stem}-{language}.{suffix}"
    record(
        actor_id,
        "export_translations",
        f"questionnaire:{version.questionnaire_id}",
        version=version.number,
        format=kind,
        language=language or "",
    )
    db.session.commit()
    return content, filename, mimetype


@dataclass(frozen=True)
class TranslationImport:
    """What an uploaded translators' file would change in the newest version."""

    filename: str
    version: QuestionnaireVersion
    questionnaire: Questionnaire
    comparison: Comparison

    @property
    def new_draft(self) -> bool:
        return self.version.status == VersionStatus.PUBLISHED


def read_translations(
    row: QuestionnaireRow, filename: str, content: bytes
) -> TranslationImport:
    """Read and compare an upload with the newest version; DesignError (with the
    file's own German message) when it cannot be read."""
    version = row.versions[-1]
    questionnaire = questionnaire_of(version)
    try:
        file = read_translation_file(filename, content)
        comparison = compare(questionnaire, review_flags(version), file)
    except QuestionnaireError as error:
        raise DesignError(error.message) from None
    if not comparison.languages:
        raise DesignError(
            _(
                "Die Datei enthält keine Sprache dieses Fragebogens außer der "
                "Ausgangssprache (Sprachen des Fragebogens: %(languages)s).",
                languages=", ".join(questionnaire.languages),
            )
        )
    return TranslationImport(filename, version, questionnaire, comparison)


def _apply(
    changes: tuple[TranslationChange, ...], questionnaire: Questionnaire
) -> Questionnaire:
    by_key: dict[str, dict[str, str]] = defaultdict(dict)
    for change in changes:
        by_key[change.key][change.language] = change.new
    for unit in translation_units(questionnaire):
        if unit.key in by_key:
            texts = unit.text.to_dict()
            texts.update(by_key[unit.key])
            questionnaire = editing.set_at(questionnaire, unit.place, Text(texts))
    return questionnaire


def confirm_translations(
    actor_id: int | None, row: QuestionnaireRow, base: str, report: TranslationImport
) -> EditResult:
    """Apply the reported changes (texts and review states) in one transaction.

    ``base`` is the fingerprint the report was made for: StaleVersionError if the
    draft changed since. A published newest version gets a new draft."""
    changes = report.comparison.changes
    if not changes:
        raise DesignError(_("Die Datei ändert nichts am Fragebogen."))
    review = {(c.key, c.language): c.review_after for c in changes}
    return change_draft(
        actor_id,
        row,
        base,
        lambda current: _apply(changes, current),
        review=review,
        audit={
            "action": "import_translations",
            "format": report.comparison.kind,
            "languages": list(report.comparison.languages),
            "changes": len(changes),
        },
    )
