"""District layers, their districts, population figures, streets and uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utc_now


class DistrictLayer(db.Model):  # type: ignore[name-defined,misc]
    """A set of districts (e.g. Hamburg's 104 Stadtteile) with its data source."""

    __tablename__ = "district_layer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    attribution: Mapped[str] = mapped_column(Text, default="")
    # what the layer calls its areas, for reports ("Stadtteil", "Stadtteile")
    area_term: Mapped[str] = mapped_column(
        String(100), default="Sozialraum", server_default="Sozialraum"
    )
    area_term_plural: Mapped[str] = mapped_column(
        String(100), default="Sozialräume", server_default="Sozialräume"
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )

    districts: Mapped[list[District]] = relationship(
        back_populates="layer",
        cascade="all, delete-orphan",
        order_by="District.code",
    )


class District(db.Model):  # type: ignore[name-defined,misc]
    """One district (Sozialraum) of a layer; geometry is GeoJSON in WGS84."""

    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("layer_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("district_layer.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    parent_name: Mapped[str | None] = mapped_column(String(200))
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    layer: Mapped[DistrictLayer] = relationship(back_populates="districts")
    population: Mapped[list[PopulationFigure]] = relationship(
        back_populates="district", cascade="all, delete-orphan"
    )


class PopulationFigure(db.Model):  # type: ignore[name-defined,misc]
    """A population count of a district for one level of a group variable
    (e.g. variable ``family_type``, level ``single_parent``)."""

    __tablename__ = "population_figure"
    __table_args__ = (UniqueConstraint("district_id", "variable", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )
    variable: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(100))
    count: Mapped[int] = mapped_column(Integer)

    district: Mapped[District] = relationship(back_populates="population")


class Street(db.Model):  # type: ignore[name-defined,misc]
    """A street of a layer's street directory and one district it lies in; a long
    street has one row per district it crosses."""

    __tablename__ = "street"
    __table_args__ = (UniqueConstraint("layer_id", "name", "district_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("district_layer.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200), index=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )

    district: Mapped[District] = relationship()


class LayerUpload(db.Model):  # type: ignore[name-defined,misc]
    """A district layer file, checked and reprojected to WGS84, waiting for its
    admin to choose the id and name properties (upload → preview → confirm).

    Kept in the database so that any worker can finish the import; at most one per
    admin, removed on confirm or discard, stale ones after a day. ``content`` is
    ``umfrage.verwaltung.geodata.LayerFile.to_data()``.
    """

    __tablename__ = "layer_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now
    )
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


# --- Analyst: weighting set-up per survey (issue 7) ---------------------------------
