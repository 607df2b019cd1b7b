"""The offline gazetteer: US ZIP centroids and city centroids."""

from __future__ import annotations

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base, IntPk


class Place(Base):
    """A named point a patient can search from: a ZIP code or a city."""

    __tablename__ = "places"
    __table_args__ = (
        Index("ix_places_kind_key", "kind", "key", unique=True),
        # A city's ZIP codes, counted to rank suggestions while a patient types.
        Index("ix_places_kind_name_state", "kind", "name", "state"),
    )

    id: Mapped[IntPk]
    kind: Mapped[str] = mapped_column(String(10))  # "zip" or "city"
    key: Mapped[str] = mapped_column(String(120))  # "48336" or "farmington hills, mi"
    name: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(2), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<Place {self.kind} {self.key}>"
