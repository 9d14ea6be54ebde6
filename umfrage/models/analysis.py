"""The analyst's set-ups: weighting and small-area estimation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utc_now
from .surveys import Survey


class WeightingSetup(db.Model):  # type: ignore[name-defined,misc]
    """How a survey's responses are weighted to the population (one per survey).

    ``mappings`` maps questionnaire variables to population variables with a code
    mapping: ``[{"question": "haushaltstyp", "variable": "family_type", "codes":
    {"1": "couple_family", "3": "couple_family", "2": "single_parent"}}]``.
    ``margins`` holds uploaded population totals (``[{"variable", "level",
    "population_total"}]``) when ``source`` is ``upload``; ``collapse`` merges
    levels before weighting (``{"district": {"0105": "0104"}}``). Findings use the
    weights only once an analyst has looked at the diagnostics and ``confirmed``
    the set-up; every change clears ``confirmed``. Confirming copies the set-up to
    ``in_force`` (with its number and date): that copy weights every output until
    a changed set-up is confirmed in turn, so editing never silently unweights.
    """

    __tablename__ = "weighting_setup"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), unique=True
    )
    # "layer" (the district layer's population table) or "upload" (margins CSV)
    source: Mapped[str] = mapped_column(String(20), default="layer")
    # "rake", "poststratify" or "none"
    method: Mapped[str] = mapped_column(String(20), default="poststratify")
    mappings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    cross_with_district: Mapped[bool] = mapped_column(Boolean, default=True)
    lower_bound: Mapped[float | None] = mapped_column()
    upper_bound: Mapped[float | None] = mapped_column()
    # weighting cells with fewer respondents are flagged, with a collapse suggestion
    min_cell_size: Mapped[int] = mapped_column(Integer, default=5)
    collapse: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    margins: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    margins_filename: Mapped[str | None] = mapped_column(String(255))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # the confirmed set-up in force: the fields above as they were when confirmed
    in_force: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    in_force_number: Mapped[int] = mapped_column(Integer, default=0)
    in_force_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    survey: Mapped[Survey] = relationship()


class SmallAreaSetup(db.Model):  # type: ignore[name-defined,misc]
    """A Fay–Herriot model for one indicator of a survey (issue 15).

    ``indicator_key`` names the indicator (``mean:…`` or a share), ``covariates``
    the population-table covariates (``share:family_type:single_parent``) and
    ``method`` ``reml`` or ``ml``. Findings and reports show model estimates only
    once an analyst has looked at the diagnostics and ``enabled`` the model; every
    change clears ``enabled``.
    """

    __tablename__ = "small_area_setup"
    __table_args__ = (UniqueConstraint("survey_id", "indicator_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    indicator_key: Mapped[str] = mapped_column(String(200))
    covariates: Mapped[list[str]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(10), default="reml")
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    survey: Mapped[Survey] = relationship()
