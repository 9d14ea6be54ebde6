"""The audit log: who did what to which object (staff actions only)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from .extensions import db
from .models import AuditLog

#: Readable names of the actions, for the log page and its CSV export.
ACTION_NAMES: dict[str, Any] = {
    "change_own_password": _l("Eigenes Passwort geändert"),
    "change_publication_rules": _l("Veröffentlichungsregeln geändert"),
    "choose_key_indicators": _l("Kernindikatoren des Stadtberichts gewählt"),
    "change_role": _l("Rolle geändert"),
    "close_survey": _l("Befragung geschlossen"),
    "collapse_weighting_cells": _l("Gewichtungszellen zusammengelegt"),
    "confirm_weighting": _l("Gewichtung bestätigt"),
    "create_layer": _l("Gebietslayer angelegt"),
    "create_questionnaire": _l("Fragebogen angelegt"),
    "create_survey": _l("Befragung angelegt"),
    "create_user": _l("Konto angelegt"),
    "create_version": _l("Neue Fragebogenfassung begonnen"),
    "deactivate_user": _l("Konto deaktiviert"),
    "delete_draft": _l("Entwurf gelöscht"),
    "delete_layer": _l("Gebietslayer gelöscht"),
    "delete_questionnaire": _l("Fragebogen gelöscht"),
    "delete_responses": _l("Antworten gelöscht"),
    "disable_second_factor": _l("Zweiten Faktor ausgeschaltet"),
    "disable_small_area_model": _l("Modellschätzung beendet"),
    "download_codes": _l("Einladungscodes heruntergeladen"),
    "edit_draft": _l("Fragebogenentwurf bearbeitet"),
    "edit_letter_template": _l("Anschreiben geändert"),
    "enable_second_factor": _l("Zweiten Faktor eingeschaltet"),
    "enable_small_area_model": _l("Modellschätzung verwendet"),
    "erase_codes": _l("Einladungscodes gelöscht (Empfang bestätigt)"),
    "export_audit_log": _l("Protokoll heruntergeladen"),
    "export_questionnaire": _l("Fragebogen exportiert"),
    "export_responses": _l("Antworten exportiert"),
    "export_translations": _l("Übersetzungen exportiert"),
    "failed_login": _l("Fehlgeschlagene Anmeldung"),
    "failed_second_factor": _l("Falscher Code beim zweiten Faktor"),
    "generate_codes": _l("Einladungscodes erzeugt"),
    "import_population": _l("Bevölkerungszahlen eingelesen"),
    "import_questionnaire": _l("Fragebogen eingelesen"),
    "import_streets": _l("Straßenverzeichnis eingelesen"),
    "import_translations": _l("Übersetzungen eingelesen"),
    "open_survey": _l("Befragung geöffnet"),
    "publish_version": _l("Fragebogen veröffentlicht"),
    "reactivate_user": _l("Konto wieder aktiviert"),
    "remove_letterhead": _l("Briefkopf entfernt"),
    "reopen_survey": _l("Befragung wieder geöffnet"),
    "reset_password": _l("Passwort neu gesetzt"),
    "reset_second_factor": _l("Zweiten Faktor zurückgesetzt"),
    "save_small_area_model": _l("Modellschätzung eingerichtet"),
    "save_weighting": _l("Gewichtung gespeichert"),
    "update_survey": _l("Befragung geändert"),
    "upload_letterhead": _l("Briefkopf hochgeladen"),
    "upload_margins": _l("Randverteilungen hochgeladen"),
    "withdraw_codes": _l("Einladungscodes zurückgezogen"),
}


def action_name(action: str) -> str:
    """The readable name of an action (its code if it has none yet)."""
    name = ACTION_NAMES.get(action)
    return str(name) if name is not None else action


def record(actor_id: int | None, action: str, target: str, **details: Any) -> AuditLog:
    """Add an entry to the current transaction; the calling service commits.

    ``action`` is a short English verb phrase (``publish_version``, ``open_survey``,
    ``generate_codes``, ``export_responses``, ``delete_responses``) with a readable
    name in :data:`ACTION_NAMES`; ``target`` names the object (``survey:3``). Never
    put respondent answers into ``details``.
    """
    entry = AuditLog(user_id=actor_id, action=action, target=target, details=details)
    db.session.add(entry)
    return entry
