"""The XML document of a LimeSurvey export, checked before it is read.

A file is refused (:class:`~fragebogen.errors.DefinitionError` with code
``unreadable_file``) when it is too large, is a ZIP archive (``.lsa``), is not
well-formed XML or declares a DTD or entities (read with defusedxml), or is the export
of a part of a survey (``.lsg``, ``.lsq``, ``.lsl``) or of something else; the message
says what to upload instead.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import ParseError, fromstring  # type: ignore[import-untyped]

from fragebogen.errors import DefinitionError, Problem
from fragebogen.xlsform.sheets import MAX_FILE_BYTES

__all__ = ["refuse", "survey_document"]

#: LimeSurveyDocType of exports of a part of a survey -> what they are, in German.
_PARTS = {
    "Group": "der Export einer Fragengruppe (.lsg)",
    "Question": "der Export einer einzelnen Frage (.lsq)",
    "Label set": "der Export eines Labelsets (.lsl)",
}


def refuse(message: str) -> DefinitionError:
    """The error refusing a whole file, with a German ``message``."""
    return DefinitionError([Problem("unreadable_file", "", message)])


def survey_document(source: bytes) -> Element:
    """The root element of a LimeSurvey survey export, or a refusal."""
    if len(source) > MAX_FILE_BYTES:
        raise refuse(f"Die Datei ist größer als {MAX_FILE_BYTES // 1_000_000} MB.")
    if source.startswith(b"PK\x03\x04"):
        raise refuse(
            "Die Datei ist ein ZIP-Archiv (etwa ein LimeSurvey-Archiv .lsa), kein "
            "Umfrageexport. Laden Sie die Umfragestruktur (.lss) hoch; sie liegt "
            "auch im .lsa-Archiv."
        )
    try:
        root: Element = fromstring(source, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise refuse(
            "Die Datei ist kein lesbarer LimeSurvey-Export (.lss, XML)."
        ) from None
    kind = (root.findtext("LimeSurveyDocType") or "").strip()
    if root.tag != "document" or kind != "Survey":
        part = _PARTS.get(kind) if root.tag == "document" else None
        raise refuse(
            f"Die Datei ist {part}, kein Export einer ganzen Umfrage. Exportieren Sie "
            "in LimeSurvey die Umfragestruktur (.lss)."
            if part
            else "Die Datei ist kein LimeSurvey-Umfrageexport (.lss)."
        )
    return root
