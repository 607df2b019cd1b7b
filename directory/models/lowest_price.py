"""Each clinic's lowest published per-session price, kept beside its prices for sorting."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base, IntPk


class LowestPrice(Base):
    """A clinic's lowest publishable per-session price for one treatment (NULL: any)."""

    __tablename__ = "lowest_prices"
    __table_args__ = (
        Index("ix_lowest_prices_clinic_treatment", "clinic_id", "treatment_id"),
        Index("ix_lowest_prices_treatment_amount", "treatment_id", "amount_cents"),
    )

    id: Mapped[IntPk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    treatment_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatments.id", ondelete="CASCADE")
    )
    amount_cents: Mapped[int]
