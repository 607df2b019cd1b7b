"""Hospital standard charges read from price transparency files, and each import of one."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models.base import Base, ClinicId, CreatedAt, IntPk, str_enum

if TYPE_CHECKING:
    from directory.models.clinic import Clinic
    from directory.models.treatment import Treatment


class ChargeKind(enum.StrEnum):
    """Which of a hospital's standard charges a row is (45 CFR 180.50)."""

    GROSS = "gross"
    DISCOUNTED_CASH = "discounted_cash"
    NEGOTIATED_DOLLAR = "negotiated_dollar"
    NEGOTIATED_PERCENTAGE = "negotiated_percentage"
    NEGOTIATED_ALGORITHM = "negotiated_algorithm"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"


class IdentifierScheme(enum.StrEnum):
    """What an identifier of a listing is."""

    STATE_LICENCE = "state_licence"
    NPI = "npi"
    # The price file's licence, hospital and location name: how later imports find a listing.
    PRICE_FILE_LOCATION = "price_file_location"


class ClinicIdentifier(Base):
    """An official identifier of a listing: a state licence number or an NPI."""

    __tablename__ = "clinic_identifiers"
    __table_args__ = (Index("ix_clinic_identifiers_scheme_value", "scheme", "value"),)

    id: Mapped[IntPk]
    clinic_id: Mapped[ClinicId]
    scheme: Mapped[IdentifierScheme] = mapped_column(str_enum(IdentifierScheme))
    value: Mapped[str] = mapped_column(String(400))
    state: Mapped[str | None] = mapped_column(String(2))


class PriceFileImport(Base):
    """One import of a hospital price file: where it came from, what it attests, the counts."""

    __tablename__ = "price_file_imports"

    id: Mapped[IntPk]
    source: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_format: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(20))
    hospital_name: Mapped[str] = mapped_column(String(200))
    last_updated_on: Mapped[date]
    attestation: Mapped[str] = mapped_column(Text, default="")
    attestation_confirmed: Mapped[bool] = mapped_column(default=False)
    attester_name: Mapped[str | None] = mapped_column(String(200))
    items_seen: Mapped[int] = mapped_column(default=0)
    items_kept: Mapped[int] = mapped_column(default=0)
    charges_written: Mapped[int] = mapped_column(default=0)
    listings_created: Mapped[int] = mapped_column(default=0)
    listings_updated: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[CreatedAt]

    @property
    def items_skipped(self) -> int:
        """Items whose codes the directory does not take."""
        return self.items_seen - self.items_kept


class HospitalCharge(Base):
    """One standard charge a hospital published for a relevant code, as of the file's date.

    Charges are never edited: a newer file closes the current ones (valid_to) and adds
    its own, so the older charges stay as history.
    """

    __tablename__ = "hospital_charges"
    __table_args__ = (
        Index("ix_hospital_charges_clinic_valid_to", "clinic_id", "valid_to"),
        Index("ix_hospital_charges_treatment_kind", "treatment_id", "kind"),
    )

    id: Mapped[IntPk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    import_id: Mapped[int] = mapped_column(ForeignKey("price_file_imports.id"), index=True)
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"))
    code: Mapped[str] = mapped_column(String(20))
    code_type: Mapped[str] = mapped_column(String(12))
    covers: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    setting: Mapped[str] = mapped_column(String(20))
    kind: Mapped[ChargeKind] = mapped_column(str_enum(ChargeKind, length=24))
    amount_cents: Mapped[int | None]
    payer_name: Mapped[str | None] = mapped_column(String(200))
    plan_name: Mapped[str | None] = mapped_column(String(200))
    percentage: Mapped[str | None] = mapped_column(String(40))
    algorithm: Mapped[str | None] = mapped_column(Text)
    methodology: Mapped[str | None] = mapped_column(String(60))
    modifiers: Mapped[str | None] = mapped_column(String(200))
    drug_unit: Mapped[str | None] = mapped_column(String(40))
    drug_unit_type: Mapped[str | None] = mapped_column(String(4))
    median_cents: Mapped[int | None]
    p10_cents: Mapped[int | None]
    p90_cents: Mapped[int | None]
    estimated_cents: Mapped[int | None]
    count: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    as_of: Mapped[date]
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    clinic: Mapped[Clinic] = relationship()
    treatment: Mapped[Treatment] = relationship(lazy="joined")
    source: Mapped[PriceFileImport] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<HospitalCharge {self.code} {self.kind} {self.amount_cents}>"
