"""What a clinic charges: a cost option after Open Referral HSDS."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models.base import Base, ClinicId, IntPk, str_enum

if TYPE_CHECKING:
    from directory.models.clinic import Clinic
    from directory.models.treatment import Treatment


class PriceUnit(enum.StrEnum):
    """What one amount pays for."""

    SESSION = "session"
    SERIES = "series"
    CONSULTATION = "consultation"
    MONTH = "month"


class Price(Base):
    """One published price, with the source and the date it was true."""

    __tablename__ = "prices"
    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        Index("ix_prices_treatment_unit", "treatment_id", "unit"),
    )

    id: Mapped[IntPk]
    clinic_id: Mapped[ClinicId]
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    unit: Mapped[PriceUnit] = mapped_column(str_enum(PriceUnit))
    sessions_included: Mapped[int | None]
    included: Mapped[str] = mapped_column(Text, default="")
    insurance_accepted: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    source_url: Mapped[str | None] = mapped_column(String(500))
    as_of: Mapped[date | None]

    clinic: Mapped[Clinic] = relationship(back_populates="prices")
    treatment: Mapped[Treatment] = relationship(lazy="joined")

    @hybrid_property
    def is_publishable(self) -> bool:
        """A price without a source and an as-of date is never shown to patients."""
        return bool(self.source_url) and self.as_of is not None

    @is_publishable.inplace.expression
    @classmethod
    def _is_publishable_expression(cls) -> ColumnElement[bool]:
        return and_(cls.source_url.is_not(None), cls.source_url != "", cls.as_of.is_not(None))

    def is_stale(self, today: date, stale_after_days: int) -> bool:
        """True when the as-of date is older than the staleness limit."""
        return self.as_of is not None and (today - self.as_of).days > stale_after_days

    def __repr__(self) -> str:
        return f"<Price {self.amount_cents} per {self.unit}>"
