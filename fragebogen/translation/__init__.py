"""Translators' files for a questionnaire: XLSX, PO and XLIFF 1.2, and their check.

Every translatable text of a definition is a :class:`TranslationUnit` with a stable
key built from names (``question.kinder_anzahl.label``), so a file stays valid when
pages or questions move. :func:`read_translation_file` reads any of the three formats
into :class:`FileEntry` rows; :func:`compare` says what an import would change, what
is missing, what no longer matches the source and what is refused.
"""

from .compare import Comparison, Finding, TranslationChange, compare
from .files import (
    FileEntry,
    Location,
    TranslationFile,
    TranslationFileError,
    read_translation_file,
    write_po,
    write_xliff,
    write_xlsx,
)
from .markup import markup_difference
from .units import TranslationUnit, review_after_edit, translation_units

__all__ = [
    "Comparison",
    "FileEntry",
    "Finding",
    "Location",
    "TranslationChange",
    "TranslationFile",
    "TranslationFileError",
    "TranslationUnit",
    "compare",
    "markup_difference",
    "read_translation_file",
    "review_after_edit",
    "translation_units",
    "write_po",
    "write_xliff",
    "write_xlsx",
]
