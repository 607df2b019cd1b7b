"""The fixed taxonomies: treatments a clinic offers and conditions it treats."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base, IntPk

clinic_treatments = Table(
    "clinic_treatments",
    Base.metadata,
    Column("clinic_id", ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True),
    Column("treatment_id", ForeignKey("treatments.id", ondelete="CASCADE"), primary_key=True),
)

clinic_conditions = Table(
    "clinic_conditions",
    Base.metadata,
    Column("clinic_id", ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True),
    Column("condition_id", ForeignKey("conditions.id", ondelete="CASCADE"), primary_key=True),
)


class Treatment(Base):
    """A kind of treatment, for example an IV ketamine infusion."""

    __tablename__ = "treatments"

    id: Mapped[IntPk]
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Treatment {self.slug}>"


class Condition(Base):
    """A condition a clinic says it treats, for example PTSD."""

    __tablename__ = "conditions"

    id: Mapped[IntPk]
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Condition {self.slug}>"
