"""The telehealth and at-home programs each state's searches list, kept in their order."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base


class StateProgram(Base):
    """A published listing under one state it serves, with the name it is listed by."""

    __tablename__ = "state_programs"
    __table_args__ = (Index("ix_state_programs_order", "state", "sort_name", "clinic_id"),)

    # The listing first: each refresh deletes a listing's rows by its id.
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(2), primary_key=True)
    # lower(coalesce(name, '')), as the database computes it: the search's order by name.
    # Text: lowering can lengthen a name.
    sort_name: Mapped[str] = mapped_column(Text)
