"""A population table file waiting for its column mapping (upload → map → confirm)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utc_now


class PopulationUpload(db.Model):  # type: ignore[name-defined,misc]
    """A read population table (CSV or XLSX) for one layer, kept between the upload
    and the confirmed import so that any worker can finish it.

    At most one per admin; removed on confirm or discard, stale ones after a day.
    ``content`` is ``umfrage.verwaltung.population.RawTable.to_data()``: header,
    data rows with their row numbers, format and notes.
    """

    __tablename__ = "population_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("district_layer.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
