"""Reading published listings: one clinic, a selection to compare, regions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from flask_babel import gettext
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from directory.caching import VersionedMemo
from directory.listings import rows
from directory.models import Clinic, ClinicQuote, ClinicStatus, Location, ServiceArea
from directory.models.clinic import display_name as clinic_display_name
from directory.models.user import clinic_owners
from directory.search import places as geo

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")


class NotFound(LookupError):
    """No published listing answers to that name."""


class InvalidSelection(ValueError):
    """A comparison names clinics that cannot be compared."""


def full_clinic() -> list[Any]:
    """Loader options for a clinic with everything its page shows, each in one query."""
    return [
        selectinload(Clinic.locations),
        selectinload(Clinic.phones),
        selectinload(Clinic.service_areas),
        selectinload(Clinic.treatments),
        selectinload(Clinic.conditions),
        selectinload(Clinic.prices),
        selectinload(Clinic.sources),
        selectinload(Clinic.quotes),
    ]


def published_clinic(session: Session, slug: str) -> Clinic:
    """The published clinic with this slug and everything on its page; else NotFound."""
    if not SLUG_RE.match(slug):
        raise NotFound(slug)
    clinic = session.execute(
        select(Clinic)
        .where(Clinic.slug == slug, Clinic.status == ClinicStatus.PUBLISHED)
        .options(*full_clinic())
    ).scalar_one_or_none()
    if clinic is None:
        raise NotFound(slug)
    return clinic


def published_page(session: Session, slug: str) -> rows.ListingPage:
    """The published listing with this slug as its page shows it (plain rows); else NotFound."""
    page = rows.published_page(session, slug) if SLUG_RE.match(slug) else None
    if page is None:
        raise NotFound(slug)
    return page


def any_clinic(session: Session, slug: str) -> Clinic:
    """A listing by slug whatever its status (for owners and admins); else NotFound."""
    if not SLUG_RE.match(slug):
        raise NotFound(slug)
    clinic = session.execute(select(Clinic).where(Clinic.slug == slug)).scalar_one_or_none()
    if clinic is None:
        raise NotFound(slug)
    return clinic


def parse_slugs(values: list[str], limit: int) -> list[str]:
    """Slugs from ?clinics=a,b and ?clinics=a&clinics=b, in order, without repeats."""
    slugs: list[str] = []
    for value in values:
        for part in value.split(","):
            slug = part.strip().lower()
            if slug and slug not in slugs:
                slugs.append(slug)
    if len(slugs) > limit:
        raise InvalidSelection(gettext("Compare at most %(limit)s clinics at a time.", limit=limit))
    bad = [s for s in slugs if not SLUG_RE.match(s)]
    if bad:
        raise InvalidSelection(gettext("Some of the clinics asked for do not exist."))
    return slugs


def clinics_to_compare(session: Session, slugs: list[str]) -> tuple[list[Clinic], list[str]]:
    """The published clinics among the slugs, in the order asked, and the slugs not found."""
    if not slugs:
        return [], []
    found = {
        c.slug: c
        for c in session.execute(
            select(Clinic)
            .where(Clinic.slug.in_(slugs), Clinic.status == ClinicStatus.PUBLISHED)
            .options(*full_clinic())
        ).scalars()
    }
    return [found[s] for s in slugs if s in found], [s for s in slugs if s not in found]


@dataclass(frozen=True)
class RegionCount:
    """A state or city and how many published listings it has."""

    code: str
    name: str
    clinics: int
    remote_programs: int = 0


# Each state's counts, and each state page's lists, while the data stands: they group
# every published location (a quarter of a second at 100,000 listings), and the pages
# that show them are in every page's navigation.
_REGIONS = VersionedMemo(size=64)


def state_counts(session: Session) -> tuple[RegionCount, ...]:
    """Every state with published clinics or telehealth programs, by name."""
    return _REGIONS.get(session, "states", lambda: _state_counts(session))


def _state_counts(session: Session) -> tuple[RegionCount, ...]:
    published = Clinic.status == ClinicStatus.PUBLISHED
    clinics = dict(
        session.execute(
            select(Location.state, func.count(func.distinct(Location.clinic_id)))
            .join(Clinic, Clinic.id == Location.clinic_id)
            .where(published)
            .group_by(Location.state)
        ).all()
    )
    remote = dict(
        session.execute(
            select(ServiceArea.state, func.count(ServiceArea.clinic_id))
            .join(Clinic, Clinic.id == ServiceArea.clinic_id)
            .where(published)
            .group_by(ServiceArea.state)
        ).all()
    )
    codes = set(clinics) | set(remote)
    rows = [
        RegionCount(code, geo.state_name(code), clinics.get(code, 0), remote.get(code, 0))
        for code in codes
    ]
    return tuple(sorted(rows, key=lambda r: r.name))


STATE_LIST_LIMIT = 300  # beyond this a state page lists cities only, each linked to a search


@dataclass(frozen=True)
class ListedClinic:
    """What a state page shows of a listing: its link, name and badges."""

    slug: str
    name: str | None
    is_example: bool
    is_remote_program: bool

    @classmethod
    def of(cls, row: Any) -> ListedClinic:
        """A listing from the columns `_listed_columns` reads."""
        slug, name, is_example, serves_states = row
        return cls(slug, name, bool(is_example), bool(serves_states))

    @property
    def display_name(self) -> str:
        """The name, as the listing's page gives it."""
        return clinic_display_name(self.name, self.slug)


@dataclass(frozen=True)
class CityListing:
    """A clinic under one of a state's cities, with its street there (if published)."""

    clinic: ListedClinic
    street: str | None


@dataclass(frozen=True)
class StateDirectory:
    """A state's cities with counts, its clinics by city, and the programs serving it."""

    code: str
    name: str
    cities: tuple[RegionCount, ...]
    clinic_count: int
    clinics_by_city: Mapping[str, tuple[CityListing, ...]]
    remote: tuple[ListedClinic, ...]
    remote_count: int


def _listed_columns() -> tuple[Any, ...]:
    serves_states = (
        select(ServiceArea.state)
        .where(ServiceArea.clinic_id == Clinic.id)
        .correlate_except(ServiceArea)
        .exists()
    )
    return (Clinic.slug, Clinic.name, Clinic.is_example, serves_states)


def state_directory(session: Session, code: str) -> StateDirectory:
    """Everything the state page lists; NotFound for an unknown state."""
    state = geo.state_code(code) if len(code) <= 40 else None
    if state is None:
        raise NotFound(code)
    return _REGIONS.get(session, ("state", state), lambda: _state_directory(session, state))


def _state_directory(session: Session, state: str) -> StateDirectory:
    published = Clinic.status == ClinicStatus.PUBLISHED
    city = func.coalesce(Location.city, Location.metro, "")  # "": no city (shown last)
    in_state = (
        select(city.label("city"), Location.clinic_id)
        .join(Clinic, Clinic.id == Location.clinic_id)
        .where(published, Location.state == state)
        .distinct()
        .subquery()
    )
    counts: list[Any] = list(
        session.execute(
            select(in_state.c.city, func.count())
            .group_by(in_state.c.city)
            .order_by(in_state.c.city == "", in_state.c.city)
        )
    )
    cities = tuple(RegionCount(name, name, n) for name, n in counts)
    total = sum(c.clinics for c in cities)

    by_city: dict[str, list[CityListing]] = {}
    if total <= STATE_LIST_LIMIT:
        # Each clinic under each of its cities in the state, with its street in that city.
        rows = session.execute(
            select(city, Clinic.id, Location.address_1, *_listed_columns())
            .join(Location, Location.clinic_id == Clinic.id)
            .where(published, Location.state == state)
            .order_by(city, Clinic.name, Location.id)
        ).all()
        listed: set[tuple[str, int]] = set()
        for row in rows:
            name, clinic_id, street = row[:3]
            if (name, clinic_id) not in listed:
                listed.add((name, clinic_id))
                clinic = ListedClinic.of(row[3:])
                by_city.setdefault(name, []).append(CityListing(clinic, street))

    remote_filter = (published, ServiceArea.state == state)
    remote_count = session.execute(
        select(func.count()).select_from(ServiceArea).join(Clinic).where(*remote_filter)
    ).scalar_one()
    remote = tuple(
        ListedClinic.of(row)
        for row in session.execute(
            select(*_listed_columns())
            .join(ServiceArea, ServiceArea.clinic_id == Clinic.id)
            .where(*remote_filter)
            .order_by(Clinic.name)
            .limit(STATE_LIST_LIMIT)
        )
    )
    return StateDirectory(
        state,
        geo.state_name(state),
        cities,
        total,
        MappingProxyType({name: tuple(group) for name, group in by_city.items()}),
        remote,
        remote_count,
    )


@dataclass(frozen=True)
class QuoteLine:
    """A published clinic's claim in its own words, with where it was said."""

    quote: str
    topic: str
    source_document: str
    clinic_name: str
    clinic_slug: str


_QUOTES = VersionedMemo(size=4)


def published_quotes(session: Session) -> list[QuoteLine]:
    """What published clinics' own pages claim, grouped by clinic (read once a data version)."""

    def read() -> list[QuoteLine]:
        rows = session.execute(
            select(
                ClinicQuote.quote,
                ClinicQuote.topic,
                ClinicQuote.source_document,
                Clinic.name,
                Clinic.slug,
            )
            .join(Clinic, Clinic.id == ClinicQuote.clinic_id)
            .where(Clinic.status == ClinicStatus.PUBLISHED)
            .order_by(Clinic.name, ClinicQuote.id)
        )
        return [
            QuoteLine(quote, topic, source, name or f"Unnamed clinic ({slug})", slug)
            for quote, topic, source, name, slug in rows
        ]

    return _QUOTES.get(session, "quotes", read)


# Built once and run on the session's connection: the ORM's per-statement work cost more
# than the query, which every clinic page runs.
_MANAGED = (
    select(clinic_owners.c.user_id)
    .join(Clinic, Clinic.id == clinic_owners.c.clinic_id)
    .where(Clinic.slug == bindparam("slug"))
    .limit(1)
)


def slug_is_managed(session: Session, slug: str) -> bool:
    """True once an approved claim links an owner's account to the clinic with this slug."""
    if not SLUG_RE.match(slug):
        return False  # nothing to look up (and PostgreSQL refuses a NUL byte)
    return session.connection().execute(_MANAGED, {"slug": slug}).first() is not None


def search_place_for(clinic: Clinic | rows.ListingRow) -> str | None:
    """What to type in the search box to find clinics around this one (ZIP, city, metro
    area or state)."""
    loc = clinic.location
    if loc is not None:
        if loc.postal_code:
            return loc.postal_code
        if loc.city:
            return f"{loc.city}, {loc.state}"
        if loc.metro and geo.is_metro(loc.metro):
            return loc.metro
        return loc.state
    if clinic.service_areas:
        return clinic.service_areas[0].state
    return None
