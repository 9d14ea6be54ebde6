"""Report settings per survey: which indicators the city report shows on pages
of their own (chosen by the analyst)."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ReportSetting(db.Model):  # type: ignore[name-defined,misc]
    """The analyst's choice for a survey's reports; no row: the defaults.

    ``key_indicators`` lists indicator keys (``mean:zufriedenheit``,
    ``top2:…``, ``mc:angebote:3``) shown with a page, map and forest plot in
    the city report; keys the questionnaire no longer has are ignored.
    """

    __tablename__ = "report_setting"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True
    )
    key_indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
