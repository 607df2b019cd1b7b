"""Result cards rendered when their listing changes, kept for the searches that show them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base, str_enum
from directory.models.clinic import GeocodePrecision


class ListingCard(Base):
    """The listing part of one published listing's result card, showing one of its
    locations, in one language: HTML escaped already, as the site rendered it; and the
    API's search result for that location."""

    __tablename__ = "listing_cards"

    # The listing first: each refresh deletes a listing's rows by its id.
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    # Which of the listing's locations the card shows, as the search counts them.
    location_index: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(16), primary_key=True)
    # What a search page adds to the card: the link, the name in the compare links, and
    # the location measured to (none for a telehealth program).
    slug: Mapped[str] = mapped_column(String(120))
    name: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str | None] = mapped_column(String(2))
    geocode_precision: Mapped[GeocodePrecision | None] = mapped_column(str_enum(GeocodePrecision))
    # What rendered it: the templates, messages and settings the card reads. A card whose
    # renderer has changed since (a new release, another staleness limit) is not used.
    renderer: Mapped[str] = mapped_column(String(64))
    # The last day its "over 12 months old" flags hold (none: no flag will turn).
    good_through: Mapped[date | None] = mapped_column(Date)
    # Up to its address, and from its phone on: the distance goes between them.
    top: Mapped[str] = mapped_column(Text)
    rest: Mapped[str] = mapped_column(Text)
    # The API's search result for the listing at this location, as JSON without its
    # distance and lowest price (which the search adds): on the default language's row
    # only, as the API's fields are the same in every language.
    summary: Mapped[str | None] = mapped_column(Text)
