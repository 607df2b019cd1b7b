"""Comparing like with like: per-session prices, series, consultations, first-course totals."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from flask_babel import gettext, ngettext
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, contains_eager

from directory import formatting
from directory.caching import VersionedMemo
from directory.listings.taxonomy import SUPPORT_SERVICES, TREATMENT_NAMES
from directory.models import (
    Clinic,
    ClinicStatus,
    Location,
    Price,
    PriceUnit,
    ServiceArea,
    Treatment,
)
from directory.search import places as geo
from directory.search import query as search
from directory.search.query import SearchQuery
from directory.terms import term

DEFAULT_SERIES_LENGTH = 6  # the usual initial series of IV infusions (DESIGN.md)
# Where a treatment's first course is set elsewhere: Spravato's prescribing information
# gives an induction phase of two sessions a week for weeks 1 to 4.
SERIES_LENGTHS = {"esketamine": 8}


def series_length(treatment: str) -> int:
    """How many sessions an estimated initial series of a treatment counts."""
    return SERIES_LENGTHS.get(treatment, DEFAULT_SERIES_LENGTH)


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
    per_session: dict[tuple[str, PriceUnit], Amount] = field(default_factory=dict)
    series: Amount | None = None
    consultation: Amount | None = None
    integration: Amount | None = None
    first_course: Amount | None = None
    stale_prices: int = 0


def lowest(
    prices: list[Price], treatment: str, unit: PriceUnit, current: Callable[[Price], bool]
) -> Price | None:
    """The cheapest published price of a treatment in a unit, among the `current` ones when
    there are any: a clinic's price list of this year stands for it, not an older price
    (often another service under the same treatment) that happens to be lower."""
    matching = [
        p for p in prices if p.is_publishable and p.treatment.slug == treatment and p.unit == unit
    ]
    recent = [p for p in matching if current(p)]
    return min(recent or matching, key=lambda p: p.amount_cents, default=None)


def cost_profile(clinic: Clinic, treatment: str, today: date, stale_after_days: int) -> CostProfile:
    """Arrange a clinic's published prices for comparison; computed figures are estimates."""
    published = clinic.public_prices
    profile = CostProfile(clinic=clinic, treatment=treatment)
    profile.stale_prices = sum(1 for p in published if p.is_stale(today, stale_after_days))

    def current(price: Price) -> bool:
        return not price.is_stale(today, stale_after_days)

    for slug in TREATMENT_NAMES:
        if slug in SUPPORT_SERVICES:
            continue
        for unit in (PriceUnit.SESSION, PriceUnit.MONTH):
            price = lowest(published, slug, unit, current)
            if price:
                profile.per_session[(slug, unit)] = Amount(price.amount_cents, price=price)

    series = lowest(published, treatment, PriceUnit.SERIES, current)
    session_price = lowest(published, treatment, PriceUnit.SESSION, current)
    if series:
        profile.series = Amount(series.amount_cents, note=_series_note(series), price=series)
    elif session_price:
        count = series_length(treatment)
        profile.series = Amount(
            session_price.amount_cents * count,
            estimated=True,
            note=gettext("%(count)s × the per-session price", count=count),
        )

    consultation = lowest(published, "consultation", PriceUnit.CONSULTATION, current) or lowest(
        published, "consultation", PriceUnit.SESSION, current
    )
    if consultation:
        profile.consultation = Amount(consultation.amount_cents, price=consultation)
    elif clinic.free_consultation:
        profile.consultation = Amount(0, note=gettext("as the clinic states"))

    integration = lowest(published, "integration", PriceUnit.SESSION, current)
    if integration:
        profile.integration = Amount(integration.amount_cents, price=integration)

    # A program priced by the month (at-home ketamine, most often) starts with its first.
    month = lowest(published, treatment, PriceUnit.MONTH, current)
    course = profile.series or (Amount(month.amount_cents, price=month) if month else None)
    if course is not None:
        total = course.cents
        parts = [gettext("series") if profile.series else gettext("first month")]
        if profile.consultation is not None:
            total += profile.consultation.cents
            parts.insert(0, gettext("consultation"))
        if profile.integration is not None:
            total += profile.integration.cents
            parts.append(gettext("one integration session"))
        profile.first_course = Amount(total, estimated=True, note=" + ".join(parts))
    return profile


def _series_note(series: Price) -> str:
    """How many sessions a published series holds, and what that makes each: series of
    4 and of 6 sessions side by side compare by the session."""
    n = series.sessions_included
    if not n:
        return ""
    count = ngettext("%(num)s session", "%(num)s sessions", n)
    if n < 2:
        return count
    each = formatting.money(_half_up(series.amount_cents / n / 100) * 100)
    return gettext("%(count)s, about %(each)s each", count=count, each=each)


@dataclass(frozen=True)
class ComparisonRow:
    """One line of the comparison table: a treatment priced per session or per month."""

    treatment: str
    unit: PriceUnit

    @property
    def key(self) -> tuple[str, PriceUnit]:
        """The key into CostProfile.per_session."""
        return (self.treatment, self.unit)

    @property
    def label(self) -> str:
        """For example "IV ketamine infusion, per session"."""
        return f"{TREATMENT_NAMES[self.treatment]}, per {self.unit.value}"

    def shown_label(self) -> str:
        """The label in the reader's language."""
        return line_label(self.treatment, self.unit)


def comparison_rows(profiles: list[CostProfile]) -> list[ComparisonRow]:
    """The treatment-and-unit lines that at least one compared clinic publishes."""
    keys = {key for profile in profiles for key in profile.per_session}
    return [
        ComparisonRow(slug, unit)
        for slug in TREATMENT_NAMES
        for unit in (PriceUnit.SESSION, PriceUnit.MONTH)
        if (slug, unit) in keys
    ]


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
        name = TREATMENT_NAMES.get(self.treatment, self.treatment)
        if self.unit is PriceUnit.CONSULTATION:
            if self.treatment == "consultation":
                return "Consultation fee"
            return f"{name}, consultation"
        unit = {"session": "per session", "series": "initial series", "month": "per month"}
        return f"{name}, {unit[self.unit.value]}"

    def shown_label(self) -> str:
        """The label in the reader's language (`label` is the API's English)."""
        return line_label(self.treatment, self.unit)


def line_label(treatment: str, unit: PriceUnit) -> str:
    """A treatment and what its price covers, in the reader's language: for example "IV
    ketamine infusion, per session"."""
    if unit is PriceUnit.CONSULTATION and treatment == "consultation":
        return gettext("Consultation fee")
    name = term(TREATMENT_NAMES.get(treatment, treatment))
    if unit is PriceUnit.CONSULTATION:
        return gettext("%(treatment)s, consultation", treatment=name)
    if unit is PriceUnit.SERIES:
        return gettext("%(treatment)s, initial series", treatment=name)
    if unit is PriceUnit.MONTH:
        return gettext("%(treatment)s, per month", treatment=name)
    return gettext("%(treatment)s, per session", treatment=name)


@dataclass
class RegionSummary:
    """The price summary of a state or of the area around a place."""

    label: str
    rows: list[SummaryRow]
    clinic_count: int
    price_count: int
    state: str | None = None
    place: geo.SearchPlace | None = None
    radius: float | None = None
    example_price_count: int = 0  # prices from fictional example clinics, labelled as such
    priced_clinic_count: int = 0  # listings with at least one of the prices counted

    def place_phrase(self) -> str:
        """The region in the reader's language, to follow "in": `label` is the API's English.

        A summary is kept for every reader alike, so its words are chosen when shown.
        """
        if self.place is not None and self.radius and self.state:
            return gettext(
                "the area within %(radius)s miles of %(place)s, in %(state)s",
                radius=formatting.number(self.radius),
                place=geo.place_label(self.place),
                state=geo.state_display_name(self.state),
            )
        if self.place is not None and self.radius:
            return gettext(
                "the area within %(radius)s miles of %(place)s",
                radius=formatting.number(self.radius),
                place=geo.place_label(self.place),
            )
        if self.state:
            return geo.state_display_name(self.state)
        return gettext("the whole directory")


def _region_filter(
    session: Session, state: str | None, place: geo.SearchPlace | None, radius: float | None
) -> list[ColumnElement[bool]]:
    """Conditions on Clinic for a state (with the programs serving it), a radius, or the
    part of a radius in a state."""
    conditions: list[ColumnElement[bool]] = [Clinic.status == ClinicStatus.PUBLISHED]
    if place is not None and place.has_point and radius:
        conditions.append(Clinic.id.in_(search.within_ids(place, radius, state)))
    elif state:
        # Uncorrelated IN subqueries run once; a correlated EXISTS per clinic would let
        # SQLite scan the whole state's locations for every clinic in the table.
        conditions.append(
            Clinic.id.in_(select(Location.clinic_id).where(Location.state == state))
            | Clinic.id.in_(select(ServiceArea.clinic_id).where(ServiceArea.state == state))
        )
    return conditions


def _publishable() -> list[ColumnElement[bool]]:
    return [cast(ColumnElement[bool], Price.is_publishable)]


def region_prices(
    session: Session,
    state: str | None = None,
    place: geo.SearchPlace | None = None,
    radius: float | None = None,
    limit: int | None = None,
) -> tuple[list[Price], int]:
    """Published prices (as rows, for export) in a region, at most `limit` of them, and how
    many listings the region has."""
    conditions = _region_filter(session, state, place, radius)
    prices = list(
        session.execute(
            select(Price)
            .join(Clinic, Clinic.id == Price.clinic_id)
            .where(*conditions, *_publishable())
            .options(contains_eager(Price.clinic))
            .order_by(Price.id)
            .limit(limit)
        ).scalars()
    )
    return prices, _listing_count(session, conditions)


def _listing_count(session: Session, conditions: list[ColumnElement[bool]]) -> int:
    return session.execute(select(func.count(Clinic.id)).where(*conditions)).scalar_one()


_SUMMARIES = VersionedMemo(size=512)


# The search parameters a region's price summary reads. Its page, CSV and API read only
# these: a search's filters in the same address (a treatment, a way to pay, a page) are
# neither applied nor checked.
REGION_PARAMS = ("near", "radius", "state")


def region_args(args: Mapping[str, str]) -> dict[str, str]:
    """The parameters of a request a region's summary reads (the first of repeated ones),
    in a fixed order: what its page keys, shows in its form and puts in its CSV link."""
    return {name: args[name] for name in REGION_PARAMS if name in args}


def region_summary(session: Session, query: SearchQuery) -> RegionSummary:
    """The summary for a validated query's state or place; geo.UnknownPlace if unknown.

    Summaries are kept per data version: every approval and import moves the version in
    its own transaction, so a kept summary is never older than the data it describes.
    """
    place = geo.searched_place(session, query.near) if query.near else None
    geo.check_state_filter(session, query.near or "", place, query.state)
    state = query.state
    radius = None
    if place is not None and place.kind == "state":
        state, place = place.state, None
    if place is not None:
        radius = query.radius if query.radius_given else (place.default_radius or query.radius)
    return _SUMMARIES.get(
        session,
        (state, place, radius),
        lambda: _region_summary(session, state, place, radius),
    )


def _region_summary(
    session: Session, state: str | None, place: geo.SearchPlace | None, radius: float | None
) -> RegionSummary:
    conditions = _region_filter(session, state, place, radius)
    rows = _summary_rows(session, conditions)
    if place is not None and state:
        label = f"within {radius:g} miles of {place.label}, in {geo.state_name(state)}"
    elif place is not None:
        label = f"within {radius:g} miles of {place.label}"
    elif state:
        label = geo.state_name(state)
    else:
        label = "the whole directory"
    priced_clinics, example_prices = _price_sources(session, conditions) if rows else (0, 0)
    return RegionSummary(
        label,
        rows,
        _listing_count(session, conditions),
        sum(r.count for r in rows),
        state=state,
        place=place,
        radius=radius,
        example_price_count=example_prices,
        priced_clinic_count=priced_clinics,
    )


def _price_sources(session: Session, conditions: list[ColumnElement[bool]]) -> tuple[int, int]:
    """How many of a region's listings publish a price the summary counts, and how many of
    those prices belong to fictional example clinics: one pass over the prices."""
    stmt = (
        select(
            func.count(func.distinct(Price.clinic_id)),
            func.count(case((Clinic.is_example.is_(True), Price.id))),
        )
        .join(Clinic, Clinic.id == Price.clinic_id)
        .where(*conditions, *_publishable())
    )
    clinics, examples = session.execute(stmt).one()
    return int(clinics), int(examples)


def _summary_rows(session: Session, conditions: list[ColumnElement[bool]]) -> list[SummaryRow]:
    """Count, min, median and max per treatment and unit, from how many prices each amount
    has.

    The database counts the prices of each treatment, unit and amount: a few hundred rows
    come back even for the whole directory's hundreds of thousands of prices, and the
    middle of each group is found by walking its amounts. (Ranking every price with window
    functions took five times as long.)
    """
    stmt = (
        select(Price.treatment_id, Price.unit, Price.amount_cents, func.count())
        .join(Clinic, Clinic.id == Price.clinic_id)
        .where(*conditions, *_publishable())
        .group_by(Price.treatment_id, Price.unit, Price.amount_cents)
    )
    groups: dict[tuple[int, Any], list[tuple[int, int]]] = {}
    for treatment_id, unit, cents, count in session.execute(stmt):
        groups.setdefault((treatment_id, unit), []).append((int(cents), int(count)))
    slugs = dict(session.execute(select(Treatment.id, Treatment.slug)).all())
    rows = []
    for (treatment_id, unit), amounts in groups.items():
        amounts.sort()
        n = sum(count for _, count in amounts)
        middle = (_nth(amounts, (n + 1) // 2) + _nth(amounts, (n + 2) // 2)) / 2
        low, high = amounts[0][0], amounts[-1][0]
        rows.append(
            SummaryRow(slugs[treatment_id], PriceUnit(unit), n, low, _half_up(middle), high)
        )
    return _in_taxonomy_order(rows)


def _nth(amounts: list[tuple[int, int]], k: int) -> int:
    """The k-th smallest price (from 1) of (amount, how many) pairs in order of amount."""
    seen = 0
    for cents, count in amounts:
        seen += count
        if seen >= k:
            return cents
    raise ValueError(k)


def _in_taxonomy_order(rows: list[SummaryRow]) -> list[SummaryRow]:
    """Treatments in the taxonomy's order, units in PriceUnit's."""
    order = {slug: i for i, slug in enumerate(TREATMENT_NAMES)}
    units = list(PriceUnit)
    return sorted(rows, key=lambda r: (order.get(r.treatment, 99), units.index(r.unit)))


def _half_up(value: float) -> int:
    """Round a median of cents to whole cents, halves upwards (Python rounds to even)."""
    return math.floor(value + 0.5)


def summarise(points: Iterable[tuple[str, PriceUnit, int]]) -> list[SummaryRow]:
    """Count, min, median and max per treatment and unit, in taxonomy order.

    `points` are (treatment slug, unit, amount in cents).
    """
    groups: dict[tuple[str, PriceUnit], list[int]] = {}
    for slug, unit, cents in points:
        groups.setdefault((slug, unit), []).append(cents)
    rows = [
        SummaryRow(slug, unit, len(v), min(v), _half_up(statistics.median(v)), max(v))
        for (slug, unit), v in groups.items()
    ]
    return _in_taxonomy_order(rows)
