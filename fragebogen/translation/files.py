"""Writing and reading translators' files: XLSX (all languages), PO and XLIFF 1.2
(one file per target language).

Reading is hardened like the XLSForm import: at most
:data:`fragebogen.xlsform.sheets.MAX_FILE_BYTES`, zip archives checked before they
are opened, XML without DTDs or entities (defusedxml). Every entry keeps where it
was found (sheet, row and column, or line) so that a report can name it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from xml.etree import ElementTree as ET

from fragebogen.errors import QuestionnaireError
from fragebogen.model import Questionnaire, text_direction
from fragebogen.xlsform.sheets import MAX_FILE_BYTES, read_sheets

from .units import ReviewFlags, TranslationUnit, translation_units

__all__ = [
    "FileEntry",
    "Location",
    "TranslationFile",
    "TranslationFileError",
    "read_translation_file",
    "write_po",
    "write_xliff",
    "write_xlsx",
]

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
SHEET_NAME = "Übersetzungen"
KEY_HEADER = "Schlüssel"
STATUS_HEADER = "Status"
_CONTEXT_HEADERS = ("Seite", "Frage", "Feld")
#: What the status column says for texts that need review and missing texts.
REVIEW_WORD = "prüfen"
MISSING_WORD = "fehlt"
_REVIEW_WORDS = ("prüfen", "pruefen", "review", "fuzzy", "needs review")

_GERMAN_NAMES = {
    "de": "Deutsch",
    "en": "Englisch",
    "tr": "Türkisch",
    "ar": "Arabisch",
    "uk": "Ukrainisch",
    "ru": "Russisch",
    "pl": "Polnisch",
    "fa": "Persisch",
    "fr": "Französisch",
}
_FIELD_NAMES = {
    "title": "Titel des Fragebogens",
    "description": "Beschreibung",
    "page_title": "Seitentitel",
    "label": "Fragetext",
    "hint": "Hinweis",
    "unit": "Einheit",
    "constraint_message": "Meldung der Prüfregel",
    "item": "Zeile",
    "option": "Antwortoption",
}
_CODE_IN_HEADER = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*\)")
_CODE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


class TranslationFileError(QuestionnaireError):
    """A translators' file cannot be read; the message (German) says why and where."""


@dataclass(frozen=True)
class Location:
    """Where an entry was found: a sheet's row and column, or a line."""

    sheet: str = ""
    row: int | None = None
    column: str = ""
    line: int | None = None


@dataclass(frozen=True)
class FileEntry:
    """One translation in a file: the source it was made for and the target."""

    key: str
    language: str
    source: str
    target: str
    needs_review: bool
    location: Location


@dataclass(frozen=True)
class TranslationFile:
    kind: str
    source_language: str
    languages: tuple[str, ...]
    entries: tuple[FileEntry, ...] = field(default=())
    #: columns without a language in their header (not read)
    ignored_columns: tuple[Location, ...] = field(default=())


def _refuse(code: str, message: str, **params: Any) -> TranslationFileError:
    return TranslationFileError(code, message, params=params)


def _context(unit: TranslationUnit) -> str:
    parts = []
    if unit.page:
        parts.append(f"Seite {unit.page}")
    if unit.question:
        parts.append(f"Frage {unit.question}")
    what = _FIELD_NAMES.get(unit.field, unit.field)
    parts.append(f"{what} {unit.detail}" if unit.detail else what)
    return ", ".join(parts)


def _units(questionnaire: Questionnaire) -> list[TranslationUnit]:
    """The units with a source text (nothing to translate otherwise)."""
    source = questionnaire.default_language
    return [u for u in translation_units(questionnaire) if u.source(source).strip()]


def language_header(code: str) -> str:
    name = _GERMAN_NAMES.get(code)
    return f"{name} ({code})" if name else f"({code})"


# ------------------------------------------------------------------------ XLSX


def write_xlsx(questionnaire: Questionnaire, review: ReviewFlags) -> bytes:
    """One row per text: key, context, source, one column per target language and
    a status column (languages to review, languages missing)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    source = questionnaire.default_language
    targets = questionnaire.languages[1:]
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    headers = [
        KEY_HEADER,
        *_CONTEXT_HEADERS,
        f"{language_header(source)} – Quelle",
        *(language_header(code) for code in targets),
        STATUS_HEADER,
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    rtl = Alignment(wrap_text=True, vertical="top", readingOrder=2)
    first = len(_CONTEXT_HEADERS) + 3  # column number of the first target
    rtl_columns = {
        first + index
        for index, code in enumerate(targets)
        if text_direction(code) == "rtl"
    }
    for unit in _units(questionnaire):
        flagged = [code for code in targets if (unit.key, code) in review]
        missing = [code for code in targets if not unit.source(code).strip()]
        status = []
        if flagged:
            status.append(f"{REVIEW_WORD}: {', '.join(flagged)}")
        if missing:
            status.append(f"{MISSING_WORD}: {', '.join(missing)}")
        values = [
            unit.key,
            unit.page,
            unit.question,
            _FIELD_NAMES.get(unit.field, unit.field)
            + (f" {unit.detail}" if unit.detail else ""),
            unit.source(source),
            *(unit.source(code) for code in targets),
            "; ".join(status),
        ]
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # text, never a formula
            cell.alignment = rtl if cell.column in rtl_columns else wrap
    widths = [34, 14, 18, 22, 50, *([50] * len(targets)), 24]
    for number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "F2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{sheet.max_row}"
    notes = book.create_sheet("Hinweise")
    for line in (
        "Bitte nur die Sprachspalten und die Spalte Status bearbeiten.",
        "Schlüssel und Quelltext nicht ändern: Sie ordnen die Übersetzung zu.",
        f"Status „{REVIEW_WORD}: en“: Der Quelltext hat sich geändert; die "
        "Übersetzung bitte prüfen und die Sprache danach aus dem Status löschen.",
        "Platzhalter wie ${name} oder {name} und Auszeichnungen (<b>, **) "
        "unverändert übernehmen.",
    ):
        notes.append([line])
        notes.cell(row=notes.max_row, column=1).data_type = "s"
    notes.column_dimensions["A"].width = 110
    buffer = BytesIO()
    book.save(buffer)
    book.close()
    return buffer.getvalue()


def _header_language(header: str) -> str | None:
    match = _CODE_IN_HEADER.search(header)
    code = match.group(1) if match else header.strip()
    code = code.replace("_", "-")
    return code if _CODE.match(code) else None


def _status_languages(status: str) -> set[str]:
    flagged: set[str] = set()
    for part in status.split(";"):
        word, _, codes = part.partition(":")
        if word.strip().lower() in _REVIEW_WORDS:
            flagged.update(code.strip() for code in codes.split(",") if code.strip())
    return flagged


def _read_xlsx(content: bytes) -> TranslationFile:
    from openpyxl.utils import get_column_letter

    try:
        sheets = read_sheets(content, "translations.xlsx")
    except QuestionnaireError as error:
        raise _refuse(error.code, error.message) from None
    sheet = next(
        (s for s in sheets.values() if KEY_HEADER in s.headers or "key" in s.headers),
        None,
    )
    if sheet is None:
        raise _refuse(
            "no_key_column",
            f"Die Excel-Datei hat kein Blatt mit der Spalte „{KEY_HEADER}“. Bitte "
            "laden Sie eine Datei hoch, die hier als Übersetzungstabelle exportiert "
            "wurde.",
        )
    key_header = KEY_HEADER if KEY_HEADER in sheet.headers else "key"
    languages: list[tuple[str, str, str]] = []  # (header, code, column letter)
    ignored: list[Location] = []
    for index, header in enumerate(sheet.headers):
        if header in (key_header, STATUS_HEADER, *_CONTEXT_HEADERS) or not header:
            continue
        code = _header_language(header)
        if code is None:  # a translator's own column (comments …): reported
            ignored.append(
                Location(sheet=sheet.name, row=1, column=get_column_letter(index + 1))
            )
            continue
        languages.append((header, code, get_column_letter(index + 1)))
    if len(languages) < 2:
        raise _refuse(
            "no_languages",
            f"Blatt {sheet.name}: Die Tabelle braucht eine Spalte mit dem Quelltext "
            "und mindestens eine Sprachspalte.",
            sheet=sheet.name,
        )
    (source_header, source, _), targets = languages[0], languages[1:]
    entries = []
    for row in sheet.rows:
        review = _status_languages(row.get(STATUS_HEADER))
        for header, code, column in targets:
            entries.append(
                FileEntry(
                    key=row.get(key_header),
                    language=code,
                    source=row.get(source_header),
                    target=row.get(header),
                    needs_review=code in review,
                    location=Location(sheet=sheet.name, row=row.number, column=column),
                )
            )
    return TranslationFile(
        "xlsx",
        source,
        tuple(code for _, code, _ in targets),
        tuple(entries),
        tuple(ignored),
    )


# -------------------------------------------------------------------------- PO


def write_po(questionnaire: Questionnaire, language: str, review: ReviewFlags) -> bytes:
    """A PO file for ``language``: msgctxt = key, msgid = source, msgstr =
    translation; translations that need review carry the fuzzy flag."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po as babel_write_po

    source = questionnaire.default_language
    catalog = Catalog(
        locale=language.replace("-", "_"),
        project=questionnaire.name,
        fuzzy=False,
        header_comment=(
            f"# Fragebogen {questionnaire.name}: Übersetzung {source} -> {language}.\n"
            "# msgctxt ist der Schlüssel des Textes; bitte nicht ändern.\n"
            "# Platzhalter wie ${name} oder {name} und Auszeichnungen unverändert "
            "übernehmen."
        ),
    )
    for unit in _units(questionnaire):
        catalog.add(
            unit.source(source),
            unit.source(language),
            context=unit.key,
            auto_comments=[_context(unit)],
            flags=("fuzzy",) if (unit.key, language) in review else (),
        )
    buffer = BytesIO()
    babel_write_po(buffer, catalog, width=0)
    return buffer.getvalue()


def _read_po(content: bytes) -> TranslationFile:
    from babel.messages.pofile import PoFileError
    from babel.messages.pofile import read_po as babel_read_po

    try:
        catalog = babel_read_po(BytesIO(content), abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as error:
        raise _refuse(
            "unreadable_file",
            f"Die PO-Datei ist nicht lesbar: {str(error)[:200]}",
        ) from None
    language = (catalog.locale_identifier or "").replace("_", "-")
    if not _CODE.match(language):
        raise _refuse(
            "no_language",
            "Die PO-Datei nennt keine Sprache (Kopfzeile „Language“).",
        )
    entries = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            raise _refuse(
                "plural_entry",
                f"Zeile {message.lineno}: Mehrzahlformen gibt es in Fragebögen nicht.",
                line=message.lineno,
            )
        target = message.string if isinstance(message.string, str) else ""
        entries.append(
            FileEntry(
                key=message.context or "",
                language=language,
                source=message.id,
                target=target,
                needs_review=message.fuzzy,
                location=Location(line=message.lineno),
            )
        )
    return TranslationFile("po", "", (language,), tuple(entries))


# ------------------------------------------------------------------------ XLIFF


def write_xliff(
    questionnaire: Questionnaire, language: str, review: ReviewFlags
) -> bytes:
    """An XLIFF 1.2 file for ``language``: trans-unit id = key; translations that
    need review have ``state="needs-review-translation"``."""
    source = questionnaire.default_language
    ET.register_namespace("", XLIFF_NS)
    root = ET.Element(f"{{{XLIFF_NS}}}xliff", version="1.2")
    file_element = ET.SubElement(
        root,
        f"{{{XLIFF_NS}}}file",
        {
            "original": questionnaire.name,
            "source-language": source,
            "target-language": language,
            "datatype": "plaintext",
        },
    )
    body = ET.SubElement(file_element, f"{{{XLIFF_NS}}}body")
    for unit in _units(questionnaire):
        element = ET.SubElement(
            body,
            f"{{{XLIFF_NS}}}trans-unit",
            {"id": unit.key, "{http://www.w3.org/XML/1998/namespace}space": "preserve"},
        )
        ET.SubElement(element, f"{{{XLIFF_NS}}}source").text = unit.source(source)
        target_text = unit.source(language)
        if (unit.key, language) in review:
            state = "needs-review-translation"
        elif target_text.strip():
            state = "translated"
        else:
            state = "needs-translation"
        target = ET.SubElement(element, f"{{{XLIFF_NS}}}target", state=state)
        target.text = target_text
        ET.SubElement(element, f"{{{XLIFF_NS}}}note").text = _context(unit)
    ET.indent(root)
    content: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return content + b"\n"


class _XliffTarget:
    """A parser target that collects trans-units with their line numbers."""

    def __init__(self) -> None:
        self.parser: Any = None
        self.file_attrs: list[dict[str, str]] = []
        self.units: list[dict[str, Any]] = []
        self._unit: dict[str, Any] | None = None
        self._text: list[str] | None = None
        self._depth_in_text = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = tag.rsplit("}", 1)[-1]
        if self._text is not None:
            self._depth_in_text += 1
            return
        if name == "file":
            self.file_attrs.append(dict(attrs))
        elif name == "trans-unit":
            self._unit = {
                "id": attrs.get("id", ""),
                "line": self.parser.parser.CurrentLineNumber,
                "source": "",
                "target": "",
                "state": "",
            }
        elif name in ("source", "target") and self._unit is not None:
            self._text = []
            if name == "target":
                self._unit["state"] = attrs.get("state", "")

    def end(self, tag: str) -> None:
        name = tag.rsplit("}", 1)[-1]
        if self._text is not None:
            if self._depth_in_text:
                self._depth_in_text -= 1
                return
            if self._unit is not None:
                self._unit[name] = "".join(self._text)
            self._text = None
        elif name == "trans-unit" and self._unit is not None:
            self.units.append(self._unit)
            self._unit = None

    def data(self, text: str) -> None:
        if self._text is not None:
            self._text.append(text)

    def close(self) -> None:
        return None


def _read_xliff(content: bytes) -> TranslationFile:
    from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
    from defusedxml.ElementTree import (  # type: ignore[import-untyped]
        DefusedXMLParser,
    )

    target = _XliffTarget()
    parser = DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    target.parser = parser
    try:
        parser.feed(content)
        parser.close()
    except DefusedXmlException:
        raise _refuse(
            "hostile_file",
            "Die XLIFF-Datei enthält eine DTD oder Entitäten; solche Dateien werden "
            "aus Sicherheitsgründen nicht gelesen.",
        ) from None
    except ET.ParseError as error:
        line = error.position[0] if error.position else None
        raise _refuse(
            "unreadable_file",
            f"Die XLIFF-Datei ist kein gültiges XML (Zeile {line}).",
            line=line,
        ) from None
    if len(target.file_attrs) != 1:
        raise _refuse(
            "xliff_files",
            "Die XLIFF-Datei muss genau ein <file>-Element haben (eine Zielsprache).",
        )
    attrs = target.file_attrs[0]
    language = attrs.get("target-language", "").replace("_", "-")
    if not _CODE.match(language):
        raise _refuse(
            "no_language",
            "Die XLIFF-Datei nennt keine Zielsprache (target-language).",
        )
    entries = tuple(
        FileEntry(
            key=unit["id"],
            language=language,
            source=unit["source"],
            target=unit["target"],
            needs_review=unit["state"]
            in (
                "needs-review-translation",
                "needs-review-l10n",
                "needs-review-adaptation",
            ),
            location=Location(line=unit["line"]),
        )
        for unit in target.units
    )
    source = attrs.get("source-language", "").replace("_", "-")
    return TranslationFile("xliff", source, (language,), entries)


# ------------------------------------------------------------------------ read

SUFFIXES = {".xlsx": "xlsx", ".po": "po", ".xlf": "xliff", ".xliff": "xliff"}


def read_translation_file(filename: str, content: bytes) -> TranslationFile:
    """The entries of an uploaded XLSX, PO or XLIFF file (kind by the suffix).

    Raises :class:`TranslationFileError` for a file that is too large, hostile,
    unreadable or not a translators' file.
    """
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = SUFFIXES.get(suffix)
    if kind is None:
        raise _refuse(
            "unknown_format",
            "Bitte laden Sie eine Übersetzungstabelle (.xlsx), eine PO-Datei (.po) "
            "oder eine XLIFF-Datei (.xlf, .xliff) hoch.",
        )
    if not content.strip():
        raise _refuse("empty_file", "Die Datei ist leer.")
    if len(content) > MAX_FILE_BYTES:
        raise _refuse(
            "file_too_large",
            f"Die Datei ist größer als {MAX_FILE_BYTES // 1_000_000} MB.",
        )
    if kind == "xlsx":
        return _read_xlsx(content)
    if kind == "po":
        return _read_po(content)
    return _read_xliff(content)
