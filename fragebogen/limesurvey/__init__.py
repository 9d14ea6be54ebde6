"""LimeSurvey import (``.lss``, the XML export of LimeSurvey 3-6).

:func:`import_lss` reads a survey export forgivingly, like
:func:`fragebogen.xlsform.import_xlsform`; :data:`TYPES` lists what each LimeSurvey
question type becomes.
"""

from fragebogen.limesurvey.read import import_lss
from fragebogen.limesurvey.tables import TYPES

__all__ = ["TYPES", "import_lss"]
