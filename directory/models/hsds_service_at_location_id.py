"""The HSDS ids of the services listings offer at each of their locations, stored so a
service-at-location lookup is one probe."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base, ClinicId


class HsdsServiceAtLocationId(Base):
    """The HSDS id of one service a listing offers at one of its locations (the location
    by its place among the listing's, as HSDS location ids count them)."""

    __tablename__ = "hsds_service_at_location_ids"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[ClinicId]
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id", ondelete="CASCADE"))
    location_index: Mapped[int]
