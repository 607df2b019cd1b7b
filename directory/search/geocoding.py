"""Coordinates for an owner-entered address: the offline gazetteer, or Nominatim by choice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy.orm import Session

from directory.models import GeocodePrecision
from directory.search import places as geo
from directory.settings import Settings


@dataclass(frozen=True)
class Position:
    """Where an address was placed, and how exactly."""

    latitude: float
    longitude: float
    precision: GeocodePrecision


class Geocoder(Protocol):
    """Anything that turns an address into a position."""

    def locate(self, session: Session, address: Mapping[str, Any]) -> Position:
        """The position of the address; geo.UnknownPlace when it cannot be placed."""
        ...


class GazetteerGeocoder:
    """Offline: the ZIP centroid, else the city centre. Never uses the network."""

    def locate(self, session: Session, address: Mapping[str, Any]) -> Position:
        """Place by ZIP code, or by city and state."""
        if address.get("postal_code"):
            place = geo.resolve_place(session, str(address["postal_code"]))
            precision = GeocodePrecision.POSTAL_CODE
        elif address.get("city") and address.get("state"):
            place = geo.resolve_place(session, f"{address['city']}, {address['state']}")
            precision = GeocodePrecision.CITY
        else:
            raise geo.UnknownPlace("Give a ZIP code, or a city and state.")
        assert place.latitude is not None and place.longitude is not None  # noqa: S101
        return Position(place.latitude, place.longitude, precision)


class NominatimGeocoder:
    """OpenStreetMap's Nominatim, rate limited and cached; falls back to the gazetteer."""

    def __init__(self, user_agent: str) -> None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        self._geocode = lru_cache(maxsize=4096)(
            RateLimiter(Nominatim(user_agent=user_agent).geocode, min_delay_seconds=1.0)
        )
        self._fallback = GazetteerGeocoder()

    def locate(self, session: Session, address: Mapping[str, Any]) -> Position:
        """A street-level position when Nominatim finds one."""
        parts = [address.get(k) for k in ("address_1", "city", "state", "postal_code")]
        query = ", ".join(str(p) for p in parts if p)
        found = self._geocode(f"{query}, USA") if address.get("address_1") else None
        if found is not None:
            return Position(found.latitude, found.longitude, GeocodePrecision.ADDRESS)
        return self._fallback.locate(session, address)


def current() -> Geocoder:
    """The application's geocoder, built once by the app factory (its cache and rate
    limiter live as long as the process)."""
    from flask import current_app

    return current_app.extensions["geocoder"]


def from_settings(settings: Settings) -> Geocoder:
    """The geocoder chosen by the GEOCODER setting."""
    if settings.geocoder == "nominatim":
        return NominatimGeocoder(settings.nominatim_user_agent)
    return GazetteerGeocoder()
