"""The two-step import of XLSForms: read -> report of notices -> confirm.

The uploaded file travels between the steps inside the confirm form, compressed and
signed with the app's secret key (no server-side state, so any web host can take the
confirmation). Each step reads the file again within the limits of
:mod:`fragebogen.xlsform.sheets`, so nothing in the form is trusted, and in a child
process with a hard time and memory budget (:mod:`fragebogen.isolated`,
``IMPORT_MAX_SECONDS``, ``IMPORT_MAX_MEMORY_MB``).
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Optional, Regexp

from fragebogen.errors import Problem
from fragebogen.isolated import ImportLimits, IsolatedImportError, import_file
from fragebogen.xlsform import ImportResult
from fragebogen.xlsform.sheets import MAX_FILE_BYTES

from .design_errors import DesignError
from .questionnaires import QuestionnaireRow, _new_row

__all__ = [
    "XLSFORM_SUFFIXES",
    "ImportReport",
    "build_confirm_form",
    "create_questionnaire",
    "notice_rows",
    "pack",
    "read_upload",
    "unpack",
]

XLSFORM_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".csv", ".md", ".lss")
_SALT = "xlsform-import"
_LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"

#: What happens to the named part, in the UI language.
ACTION_LABELS = {
    "skipped": _l("übersprungen"),
    "as_text": _l("als Text übernommen"),
    "changed": _l("angepasst"),
    "check": _l("bitte prüfen"),
}

#: A short title per kind of notice, in the UI language.
NOTICE_TITLES = {
    "unsupported_type": _l("Fragetyp nicht unterstützt"),
    "unsupported_column": _l("Spalte nicht unterstützt"),
    "unsupported_sheet": _l("Blatt nicht unterstützt"),
    "unsupported_appearance": _l("Darstellung nicht unterstützt"),
    "type_as_text": _l("Fragetyp als Textfrage übernommen"),
    "range_as_number": _l("Schieberegler als Zahlenfrage übernommen"),
    "repeat_flattened": _l("Wiederholung als einfache Gruppe übernommen"),
    "group_dissolved": _l("Gruppe in Gruppe aufgelöst"),
    "matrix_split": _l("Tabelle als einzelne Fragen übernommen"),
    "other_details_dropped": _l("Angaben des Feldes „Sonstiges“"),
    "conditional_required": _l("Bedingte Pflichtfrage"),
    "name_changed": _l("Name geändert"),
    "option_renamed": _l("Optionsname geändert"),
    "duplicate_column": _l("Doppelte Spalte"),
    "duplicate_choice": _l("Doppelte Option"),
    "unknown_language": _l("Unbekannte Sprache"),
    "language_assumed": _l("Sprache angenommen"),
    "unknown_list": _l("Auswahlliste fehlt"),
    "missing_name": _l("Name fehlt"),
    "incomplete_choice": _l("Unvollständige Option"),
    "unbalanced_group": _l("Gruppe nicht geschlossen"),
    "too_many_columns": _l("Zu viele Spalten"),
    "missing_translation": _l("Übersetzung fehlt"),
    "relevance_not_translated": _l("Bedingung nicht übersetzt"),
    "unsupported_attribute": _l("Einstellung nicht unterstützt"),
    "comment_skipped": _l("Kommentarfeld nicht unterstützt"),
    "split_subquestions": _l("Teilfragen als einzelne Fragen übernommen"),
    "soft_mandatory": _l("Weiche Pflichtfrage"),
    "dual_scale": _l("Zweite Skala nicht unterstützt"),
    "matrix_by_column": _l("Matrix nach Spalten"),
    "conditions_not_translated": _l("Bedingungen nicht übersetzt"),
    "subquestion_relevance": _l("Bedingung einer Teilfrage"),
    "duplicate_question_code": _l("Doppelter Fragecode"),
    "option_code_changed": _l("Antwortcode geändert"),
    "question_without_group": _l("Frage ohne Gruppe"),
    "text_expression": _l("Ausdruck im Text"),
    "invalid_flag": _l("Ungültige Angabe"),
    "not_a_number": _l("Keine Zahl"),
    "extra_settings_row": _l("Weitere Einstellungszeile"),
    "unknown_question_type": _l("Unbekannter Fragetyp"),
    "unknown_shown_answer": _l("Antwort im Text: Frage fehlt"),
    "later_shown_answer": _l("Antwort im Text: Frage kommt später"),
    "own_shown_answer": _l("Antwort im Text: eigene Frage"),
    "answer_not_here": _l("Antwort im Text nicht möglich"),
}


@dataclass(frozen=True)
class ImportReport:
    """What an XLSForm upload would become, with its notices."""

    filename: str
    result: ImportResult
    payload: str


def pack(
    filename: str, content: bytes, unknown: Sequence[str], salt: str = _SALT
) -> str:
    """The upload as a signed, compressed string for the confirm form."""
    serializer = URLSafeSerializer(current_app.secret_key or "", salt=salt)
    data = base64.b64encode(zlib.compress(content, 6)).decode("ascii")
    return str(serializer.dumps({"f": filename, "c": data, "u": list(unknown)}))


def unpack(payload: str, salt: str = _SALT) -> tuple[str, bytes, list[str]]:
    """The upload packed by :func:`pack`; DesignError if it was altered."""
    serializer = URLSafeSerializer(current_app.secret_key or "", salt=salt)
    try:
        data = serializer.loads(payload)
        decompressor = zlib.decompressobj()
        content = decompressor.decompress(
            base64.b64decode(data["c"]), MAX_FILE_BYTES + 1
        )
        filename, unknown = str(data["f"]), [str(u) for u in data["u"]]
    except (BadSignature, KeyError, TypeError, ValueError, zlib.error):
        raise DesignError(
            _(
                "Die Angaben zum Import sind ungültig. Bitte laden Sie die Datei "
                "neu hoch."
            )
        ) from None
    return filename, content, unknown


def read_upload(
    filename: str,
    content: bytes,
    languages: Mapping[str, str] | None = None,
    default_language: str | None = None,
    unknown: Sequence[str] | None = None,
) -> ImportReport:
    """Read an XLSForm upload; DefinitionError when it cannot be read at all."""
    if not content:
        raise DesignError(_("Die Datei ist leer."))
    limits = ImportLimits(
        seconds=float(current_app.config["IMPORT_MAX_SECONDS"]),
        memory_bytes=int(current_app.config["IMPORT_MAX_MEMORY_MB"]) * 1024 * 1024,
    )
    try:
        result = import_file(
            "lss" if filename.lower().endswith(".lss") else "xlsform",
            content,
            filename=filename,
            languages=languages or {},
            default_language=default_language,
            limits=limits,
        )
    except IsolatedImportError as error:
        current_app.logger.warning(
            "import of %r stopped: %s", filename[:100], error.reason
        )
        if error.reason == "time":
            raise DesignError(
                _(
                    "Die Datei ließ sich nicht in %(seconds)d Sekunden lesen und "
                    "wurde nicht übernommen. Ist sie sehr groß? Teilen Sie sie auf "
                    "oder entfernen Sie nicht benötigte Blätter und Zeilen.",
                    seconds=int(limits.seconds),
                )
            ) from None
        if error.reason == "memory":
            raise DesignError(
                _(
                    "Die Datei braucht zum Lesen mehr als %(mb)d MB Speicher und "
                    "wurde nicht übernommen. Entfernen Sie nicht benötigte Blätter, "
                    "Zeilen und Bilder.",
                    mb=limits.memory_bytes // (1024 * 1024),
                )
            ) from None
        raise DesignError(
            _(
                "Die Datei ließ sich nicht lesen und wurde nicht übernommen. Bitte "
                "prüfen Sie, ob sie ein XLSForm (xlsx, xls, csv) oder ein "
                "LimeSurvey-Export (lss) ist."
            )
        ) from None
    if unknown is None:
        unknown = result.unknown_languages
    return ImportReport(filename, result, pack(filename, content, unknown))


def create_questionnaire(
    actor_id: int | None, report: ImportReport
) -> QuestionnaireRow:
    """The imported questionnaire as a new draft (version 1), problems and all."""
    return _new_row(actor_id, report.result.questionnaire, "import_questionnaire")


def notice_rows(notices: Sequence[Problem], german: bool) -> list[dict[str, Any]]:
    """The notices as table rows: place, title, action and (German) details."""
    rows = []
    for notice in notices:
        params = notice.params
        if params.get("source") == "lss":
            rows.append(_lss_row(notice))
            continue
        parts = [_("Blatt %(sheet)s", sheet=params.get("sheet", ""))]
        if params.get("row"):
            rows_list = params.get("rows") or [params["row"]]
            shown = ", ".join(str(number) for number in rows_list[:12])
            if len(rows_list) > 12:
                shown += ", …"
            parts.append(
                _("Zeile %(row)s", row=shown)
                if len(rows_list) == 1
                else _("Zeilen %(rows)s", rows=shown)
            )
        if params.get("column"):
            parts.append(_("Spalte %(column)s", column=params["column"]))
        title = NOTICE_TITLES.get(notice.code)
        rows.append(
            {
                "place": ", ".join(parts),
                "title": str(title) if title is not None else "",
                "action": str(ACTION_LABELS.get(params.get("action", ""), "")),
                "details": notice.message if german or title is None else "",
                "name": params.get("name") or "",
            }
        )
    return rows


def _lss_row(notice: Problem) -> dict[str, Any]:
    """A notice of a LimeSurvey import: the question code and field name it."""
    params = notice.params
    if params.get("name"):
        place = _("Frage %(name)s", name=params["name"])
    else:
        place = _("Gruppe %(gid)s", gid=params.get("row", ""))
    if params.get("column"):
        place += ", " + _("Feld %(field)s", field=params["column"])
    title = NOTICE_TITLES.get(notice.code)
    return {
        "place": place,
        "title": str(title) if title is not None else "",
        "action": str(ACTION_LABELS.get(params.get("action", ""), "")),
        "details": notice.message,
        "name": "",
    }


class _ConfirmForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])
    # the job whose report this form belongs to (to show it again on bad input)
    job_id = HiddenField()
    default_language = StringField(
        _l("Sprache der Spalten ohne Sprachangabe (Kürzel, zum Beispiel de)"),
        validators=[
            Optional(),
            Regexp(_LANGUAGE, message=_l("Ein Sprachkürzel wie de, en, tr.")),
        ],
    )
    check = SubmitField(_l("Erneut prüfen"))
    confirm = SubmitField(_l("Übernehmen"))


def build_confirm_form(unknown: Sequence[str], **kwargs: Any) -> _ConfirmForm:
    """The confirm form with one code field per unknown language name."""

    class ConfirmForm(_ConfirmForm):
        pass

    for index, spec in enumerate(unknown):
        setattr(
            ConfirmForm,
            f"language_{index}",
            StringField(
                _l("Sprachkürzel für „%(name)s“", name=spec),
                validators=[
                    Optional(),
                    Regexp(_LANGUAGE, message=_l("Ein Sprachkürzel wie de, en, tr.")),
                ],
            ),
        )
    return ConfirmForm(**kwargs)


def language_answers(form: Any, unknown: Sequence[str]) -> dict[str, str]:
    """The codes the designer gave for unknown language names."""
    answers = {}
    for index, spec in enumerate(unknown):
        value = (getattr(form, f"language_{index}").data or "").strip()
        if value:
            answers[spec] = value
    return answers
