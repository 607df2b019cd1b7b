"""Where each published listing can be found, kept narrow for nearest-first searches."""

from __future__ import annotations

from sqlalchemy import Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base

# A band is a quarter degree of latitude (about 17 miles): a search reads the bands its box
# spans, each one by longitude, instead of the whole width of the country.
BANDS_PER_DEGREE = 4


class SearchPoint(Base):
    """One location of a published listing, with what a search without filters orders by:
    its name and its lowest per-session price."""

    __tablename__ = "search_points"
    __table_args__ = (
        # Covering: a search reads its box and orders the page from this index alone.
        Index(
            "ix_search_points_box",
            "band",
            "longitude",
            "latitude",
            "clinic_id",
            "sort_name",
            "lowest_cents",
            "single",
            "x",
            "y",
            "z",
        ),
        Index("ix_search_points_state", "state", "clinic_id"),
        # Each refresh deletes a listing's rows by its id.
        Index("ix_search_points_clinic_id", "clinic_id"),
    )

    # No foreign keys: a cascade would delete rows at the flush that deletes a location,
    # outside the lock every recompute takes first (listings/derived.py), and two writers
    # could deadlock on PostgreSQL. Each listing's rows are replaced before it commits.
    location_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    clinic_id: Mapped[int]
    # floor(latitude * BANDS_PER_DEGREE), as the database computes it.
    band: Mapped[int]
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(2))
    # lower(coalesce(name, '')), as the database computes it: the search's order by name.
    sort_name: Mapped[str] = mapped_column(Text)
    # The listing's lowest publishable per-session price, any treatment (None: none).
    lowest_cents: Mapped[int | None]
    # The listing's only point: a search takes it as it is, without grouping the points
    # it finds by listing to keep each listing's nearest.
    single: Mapped[bool]
    # Where it lies on the unit sphere: a search's closeness to it is then a dot product,
    # instead of five trigonometric functions for every point in the box.
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    z: Mapped[float] = mapped_column(Float)
