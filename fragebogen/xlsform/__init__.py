"""XLSForm import and export.

- :func:`to_xlsform` (module :mod:`~fragebogen.xlsform.write`) writes a workbook that
  :func:`from_xlsform` reads back unchanged.
- :func:`import_xlsform` (module :mod:`~fragebogen.xlsform.read`) reads real XLSForms
  forgivingly: everything representable is imported, everything else is named in a
  notice with sheet, row and column. :func:`from_xlsform` is the strict variant that
  raises :class:`~fragebogen.errors.DefinitionError` when there is any notice.
- Files are read within limits (:mod:`~fragebogen.xlsform.sheets`): size, zip
  entries' uncompressed sizes and ratios, rows and columns, checked before parsing.
"""

from fragebogen.xlsform.languages import LANGUAGE_NAMES, language_code
from fragebogen.xlsform.read import ImportResult, from_xlsform, import_xlsform
from fragebogen.xlsform.write import to_xlsform

__all__ = [
    "LANGUAGE_NAMES",
    "ImportResult",
    "from_xlsform",
    "import_xlsform",
    "language_code",
    "to_xlsform",
]
