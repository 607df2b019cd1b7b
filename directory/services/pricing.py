"""Comparing like with like: per-session prices, series, consultations, first-course totals."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory import geo
from directory.models import Clinic, ClinicStatus, Location, Price, PriceUnit, ServiceArea
from directory.services.search import SearchQuery
from directory.taxonomy import TREATMENT_NAMES

DEFAULT_SERIES_LENGTH = 6  # the usual initial series of IV infusions (DESIGN.md)


@dataclass(frozen=True)
class Amount:
    """A sum of money and how it was arrived at."""

    cents: int
    estimated: bool = False
    note: str = ""
    price: Price | None = None


@dataclass
class CostProfile:
    """What one clinic charges, arranged for a side-by-side comparison."""

    clinic: Clinic
    treatment: str
    per_session: dict[str, Amount] = field(default_factory=dict)
    series: Amount | None = None
    consultation: Amount | None = None
    integration: Amount | None = None
    first_course: Amount | None = None
    stale_prices: int = 0


def lowest(prices: list[Price], treatment: str, unit: PriceUnit) -> Price | None:
    """The cheapest published price of a treatment in a unit."""
    matching = [
        p for p in prices if p.is_publishable and p.treatment.slug == treatment and p.unit == unit
    ]
    return min(matching, key=lambda p: p.amount_cents, default=None)


def cost_profile(clinic: Clinic, treatment: str, today: date, stale_after_days: int) -> CostProfile:
    """Arrange a clinic's published prices for comparison; computed figures are estimates."""
    published = clinic.public_prices
    profile = CostProfile(clinic=clinic, treatment=treatment)
    profile.stale_prices = sum(1 for p in published if p.is_stale(today, stale_after_days))

    for slug in TREATMENT_NAMES:
        if slug in ("consultation", "integration"):
            continue
        price = lowest(published, slug, PriceUnit.SESSION) or lowest(
            published, slug, PriceUnit.MONTH
        )
        if price:
            profile.per_session[slug] = Amount(price.amount_cents, price=price)

    series = lowest(published, treatment, PriceUnit.SERIES)
    session_price = lowest(published, treatment, PriceUnit.SESSION)
    if series:
        n = series.sessions_included
        profile.series = Amount(
            series.amount_cents, note=f"{n} sessions" if n else "", price=series
        )
    elif session_price:
        profile.series = Amount(
            session_price.amount_cents * DEFAULT_SERIES_LENGTH,
            estimated=True,
            note=f"{DEFAULT_SERIES_LENGTH} × the per-session price",
        )

    consultation = lowest(published, "consultation", PriceUnit.CONSULTATION) or lowest(
        published, "consultation", PriceUnit.SESSION
    )
    if consultation:
        profile.consultation = Amount(consultation.amount_cents, price=consultation)
    elif clinic.free_consultation:
        profile.consultation = Amount(0, note="free, as the clinic states")

    integration = lowest(published, "integration", PriceUnit.SESSION)
    if integration:
        profile.integration = Amount(integration.amount_cents, price=integration)

    if profile.series is not None:
        total = profile.series.cents
        parts = ["series"]
        if profile.consultation is not None:
            total += profile.consultation.cents
            parts.insert(0, "consultation")
        if profile.integration is not None:
            total += profile.integration.cents
            parts.append("one integration session")
        profile.first_course = Amount(total, estimated=True, note=" + ".join(parts))
    return profile


@dataclass(frozen=True)
class SummaryRow:
    """Count, min, median and max of one kind of price in a region."""

    treatment: str
    unit: PriceUnit
    count: int
    min_cents: int
    median_cents: int
    max_cents: int

    @property
    def label(self) -> str:
        """Treatment and unit, for headings."""
        unit = {
            "session": "per session",
            "series": "initial series",
            "consultation": "consultation",
            "month": "per month",
        }[self.unit.value]
        return f"{TREATMENT_NAMES.get(self.treatment, self.treatment)}, {unit}"


@dataclass
class RegionSummary:
    """The price summary of a state or of the area around a place."""

    label: str
    rows: list[SummaryRow]
    clinic_count: int
    prices: list[Price]


def region_prices(
    session: Session,
    state: str | None = None,
    place: geo.SearchPlace | None = None,
    radius: float | None = None,
) -> tuple[list[Price], int]:
    """Published prices of published clinics in a state, or within radius of a place."""
    stmt = (
        select(Clinic)
        .where(Clinic.status == ClinicStatus.PUBLISHED)
        .options(selectinload(Clinic.prices), selectinload(Clinic.locations))
    )
    if place is not None and place.has_point and radius:
        assert place.latitude is not None and place.longitude is not None  # noqa: S101
        box = geo.bounding_box(place.latitude, place.longitude, radius)
        stmt = (
            stmt.join(Location, Location.clinic_id == Clinic.id)
            .where(
                Location.latitude.between(box.min_lat, box.max_lat),
                Location.longitude.between(box.min_lng, box.max_lng),
            )
            .distinct()
        )
        clinics = [
            c
            for c in session.execute(stmt).scalars()
            if any(
                geo.distance_miles(place.latitude, place.longitude, loc.latitude, loc.longitude)
                <= radius
                for loc in c.locations
            )
        ]
    elif state:
        in_state = Clinic.locations.any(Location.state == state) | Clinic.service_areas.any(
            ServiceArea.state == state
        )
        clinics = list(session.execute(stmt.where(in_state)).scalars())
    else:
        clinics = list(session.execute(stmt).scalars())
    prices = [p for c in clinics for p in c.public_prices]
    return prices, len(clinics)


def summarise(prices: list[Price]) -> list[SummaryRow]:
    """Count, min, median and max per treatment and unit, in taxonomy order."""
    groups: dict[tuple[str, PriceUnit], list[int]] = {}
    for p in prices:
        groups.setdefault((p.treatment.slug, p.unit), []).append(p.amount_cents)
    order = {slug: i for i, slug in enumerate(TREATMENT_NAMES)}
    units = list(PriceUnit)
    rows = [
        SummaryRow(slug, unit, len(v), min(v), int(round(statistics.median(v))), max(v))
        for (slug, unit), v in groups.items()
    ]
    rows.sort(key=lambda r: (order.get(r.treatment, 99), units.index(r.unit)))
    return rows


def region_summary(session: Session, query: SearchQuery) -> RegionSummary:
    """The summary for a validated query's state or place; geo.UnknownPlace if unknown."""
    place = geo.resolve_place(session, query.near) if query.near else None
    state = query.state
    radius = None
    if place is not None and place.kind == "state":
        state, place = place.state, None
    if place is not None:
        radius = query.radius if query.radius_given else (place.default_radius or query.radius)
    prices, clinic_count = region_prices(session, state=state, place=place, radius=radius)
    if place is not None:
        label = f"within {radius:g} miles of {place.label}"
    elif state:
        label = geo.state_name(state)
    else:
        label = "the whole directory"
    return RegionSummary(label, summarise(prices), clinic_count, prices)
