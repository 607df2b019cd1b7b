"""The HSDS ids of the services listings offer, stored so a service lookup is one probe."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base, ClinicId


class HsdsServiceId(Base):
    """The HSDS service id of one treatment a listing offers or prices."""

    __tablename__ = "hsds_service_ids"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[ClinicId]
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id", ondelete="CASCADE"))
