"""The accepted spellings of XLSForm column headers and question types.

XLSForm is written by hand in many spellings: ``label:English`` (one colon),
``bind::relevant``, ``LIST_NAME``, ``select one from X``, ``… or specify other``.
:func:`column_of` and :func:`type_of` map every accepted spelling to one name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Column", "TypeSpec", "ascii_name", "column_of", "type_of"]

#: Columns that hold a text per language.
TEXT_KEYS = frozenset(
    {"label", "hint", "constraint_message", "required_message", "guidance_hint", "unit"}
)
#: Media columns (pictures, sound); never languages of their own.
MEDIA_KEYS = frozenset({"image", "big-image", "audio", "video"})

_ALIASES = {
    "list name": "list_name",
    "list_name": "list_name",
    "caption": "label",
    "relevance": "relevant",
    "constraint message": "constraint_message",
    "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "constraintmsg": "constraint_message",
    "required message": "required_message",
    "jr:requiredmsg": "required_message",
    "requiredmsg": "required_message",
    "guidance hint": "guidance_hint",
    "calculate": "calculation",
    "readonly": "read_only",
    "read only": "read_only",
    "choice filter": "choice_filter",
    "repeat count": "repeat_count",
    "jr:count": "repeat_count",
    "count": "repeat_count",
    "question type": "question_type",
    "form title": "form_title",
    "form id": "form_id",
    "set_form_title": "form_title",
    "set_form_id": "form_id",
    "default language": "default_language",
    "command": "type",
    "tag": "name",
    "value": "name",
}
_PREFIXES = ("bind", "control", "body", "media", "instance")


@dataclass(frozen=True)
class Column:
    """A header read: its ``key`` and, for texts, the written ``language`` part."""

    key: str
    language: str | None = None
    media: bool = False


def _key(word: str) -> str:
    word = re.sub(r"\s+", " ", word.strip().lower())
    return _ALIASES.get(word, word)


def column_of(header: str) -> Column:
    """The meaning of a column header in any accepted spelling."""
    text = re.sub(r"\s+", " ", header.strip())
    parts = [part.strip() for part in re.split(r"::|:(?!:)", text)]
    # jr:constraintMsg, jr:requiredMsg, jr:count are names with one colon
    if len(parts) >= 2 and parts[0].lower() == "jr":
        parts = [f"jr:{parts[1]}", *parts[2:]]
    if len(parts) >= 3 and parts[0].lower() == "bind" and parts[1].lower() == "jr":
        parts = [f"jr:{parts[2]}", *parts[3:]]
    if len(parts) >= 2 and parts[0].lower() in _PREFIXES:
        prefix = parts[0].lower()
        if prefix == "media":
            return Column(_key(parts[1]), parts[2] if len(parts) > 2 else None, True)
        parts = parts[1:]
    key = _key(parts[0])
    if key in MEDIA_KEYS:
        return Column(key, parts[1] if len(parts) > 1 else None, True)
    if len(parts) > 1 and key in TEXT_KEYS | {
        "questionnaire_title",
        "questionnaire_description",
    }:
        return Column(key, "::".join(parts[1:]))
    if len(parts) > 1:
        return Column("::".join([key, *parts[1:]]))
    return Column(key)


@dataclass(frozen=True)
class TypeSpec:
    """A question type read: ``kind`` and, for selects, list and or_other."""

    kind: str
    list_name: str = ""
    or_other: bool = False


_SELECT = re.compile(
    r"^(?:add\s+)?select[_ ]?(one|1|multiple|all[_ ]that[_ ]apply)"
    r"(?:[_ ](?:from|using))?(?:\s+prompt\s+using)?\s+(\S+)"
    r"(?:\s+(or_other|or\s+specify\s+other))?$",
    re.IGNORECASE,
)
_FROM_FILE = re.compile(r"^select[_ ](one|multiple)[_ ]from[_ ]file\b", re.IGNORECASE)


def type_of(text: str) -> TypeSpec:
    """The question type in any accepted spelling (``kind`` in lower case)."""
    written = re.sub(r"\s+", " ", text.strip())
    if _FROM_FILE.match(written):
        return TypeSpec("select_from_file")
    match = _SELECT.match(written)
    if match:
        kind = "select_one" if match.group(1).lower() in ("one", "1") else "select_all"
        kind = "select_multiple" if kind == "select_all" else kind
        return TypeSpec(kind, match.group(2), bool(match.group(3)))
    kind = written.lower()
    kind = re.sub(r"^add (.*) prompt$", r"\1", kind)
    kind = re.sub(r"^q ", "", kind)
    kind = kind.replace("_", " ")
    kind = {
        "begin group": "begin_group",
        "end group": "end_group",
        "begin repeat": "begin_repeat",
        "end repeat": "end_repeat",
        "begin loop": "begin_repeat",
        "end loop": "end_repeat",
        "begin lgroup": "begin_repeat",
        "end lgroup": "end_repeat",
        "begin looped group": "begin_repeat",
        "end looped group": "end_repeat",
        "int": "integer",
        "string": "text",
        "select1": "select_one",
        "date time": "datetime",
    }.get(kind, kind)
    return TypeSpec(kind)


def ascii_name(text: str) -> str:
    """``text`` as lower-case ASCII letters, digits and ``_`` (ä -> ae …)."""
    text = text.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")
