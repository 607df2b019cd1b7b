"""Cost profiles, region summaries and region prices, against figures worked out here."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from directory.extensions import db
from directory.models import ClinicStatus, PriceUnit
from directory.prices import pricing
from directory.search import places as geo
from directory.search.query import parse_query
from tests.conftest import at_fh, price

TODAY = date.today()
STALE_AFTER = 365
MILES_PER_DEGREE = 69.0934  # one degree of a great circle on geopy's 6371.009 km sphere


def profile(clinic, treatment: str = "iv-infusion") -> pricing.CostProfile:
    return pricing.cost_profile(clinic, treatment, TODAY, STALE_AFTER)


def unpublishable(**changes) -> dict:
    """A price specification with one of its source or as-of fields taken away."""
    spec = price("iv-infusion", 10)
    spec.update(changes)
    return spec


# --- cost_profile ---------------------------------------------------------------------------


def test_published_series_is_preferred_over_an_estimate(make_clinic):
    clinic = make_clinic(
        prices=(
            price("iv-infusion", 500),
            price("iv-infusion", 2700, "series", sessions=6),
        )
    )
    result = profile(clinic)
    assert result.series is not None
    assert result.series.cents == 270_000
    assert result.series.estimated is False
    assert result.series.price is not None and result.series.price.amount_cents == 270_000
    assert "6" in result.series.note


def test_cheapest_published_series_is_chosen(make_clinic):
    clinic = make_clinic(
        prices=(
            price("iv-infusion", 3000, "series", sessions=6),
            price("iv-infusion", 1900, "series", sessions=4),
            price("iv-infusion", 1500, "series", sessions=6, source_url=None),
        )
    )
    assert profile(clinic).series.cents == 190_000


def test_series_estimate_is_six_times_the_lowest_published_session_price(make_clinic):
    clinic = make_clinic(
        prices=(
            price("iv-infusion", 450),
            price("iv-infusion", 425.50),
            price("iv-infusion", 300, source_url=None),  # not published: ignored
            price("esketamine", 200),  # another treatment: ignored
        )
    )
    result = profile(clinic)
    assert result.series is not None
    assert result.series.cents == 6 * 42_550
    assert result.series.cents == 255_300
    assert result.series.estimated is True
    assert result.series.price is None
    assert result.per_session[("iv-infusion", PriceUnit.SESSION)].cents == 42_550
    assert result.per_session[("esketamine", PriceUnit.SESSION)].cents == 20_000


def test_series_follows_the_chosen_treatment(make_clinic):
    clinic = make_clinic(
        treatments=("iv-infusion", "esketamine"),
        prices=(price("iv-infusion", 500), price("esketamine", 250)),
    )
    # Spravato's induction: two sessions a week for four weeks.
    assert profile(clinic, "esketamine").series.cents == 8 * 25_000
    assert profile(clinic, "iv-infusion").series.cents == 6 * 50_000
    assert profile(clinic, "kap").series is None


def test_no_prices_means_nothing_to_compare(make_clinic):
    result = profile(make_clinic())
    assert result.per_session == {}
    assert (result.series, result.consultation, result.integration, result.first_course) == (
        None,
        None,
        None,
        None,
    )
    assert result.stale_prices == 0


def test_free_consultation_comes_from_the_clinic_statement(make_clinic):
    free = profile(make_clinic(free_consultation=True, prices=(price("iv-infusion", 400),)))
    assert free.consultation is not None
    assert free.consultation.cents == 0
    assert free.consultation.price is None
    not_stated = profile(make_clinic(free_consultation=None, prices=(price("iv-infusion", 400),)))
    assert not_stated.consultation is None
    not_free = profile(make_clinic(free_consultation=False, prices=(price("iv-infusion", 400),)))
    assert not_free.consultation is None


def test_published_consultation_fee_wins_over_the_free_statement(make_clinic):
    clinic = make_clinic(
        free_consultation=True,
        prices=(
            price("consultation", 250, "consultation"),
            price("consultation", 199, "consultation", source_url=None),
        ),
    )
    assert profile(clinic).consultation.cents == 25_000


def test_consultation_priced_per_session_counts_as_the_fee(make_clinic):
    clinic = make_clinic(prices=(price("consultation", 175),))
    result = profile(clinic)
    assert result.consultation.cents == 17_500
    assert "consultation" not in result.per_session


def test_first_course_adds_consultation_series_and_one_integration_session(make_clinic):
    clinic = make_clinic(
        prices=(
            price("iv-infusion", 500),
            price("iv-infusion", 2700, "series", sessions=6),
            price("consultation", 250, "consultation"),
            price("integration", 150),
            price("integration", 175),
        )
    )
    result = profile(clinic)
    assert result.integration.cents == 15_000
    assert "integration" not in result.per_session
    assert result.first_course is not None
    assert result.first_course.cents == 25_000 + 270_000 + 15_000
    assert result.first_course.estimated is True


def test_first_course_from_an_estimated_series_and_a_free_consultation(make_clinic):
    clinic = make_clinic(free_consultation=True, prices=(price("iv-infusion", 400),))
    result = profile(clinic)
    assert result.first_course.cents == 0 + 6 * 40_000
    assert result.first_course.estimated is True


def test_no_first_course_without_a_series_or_session_price(make_clinic):
    clinic = make_clinic(
        prices=(
            price("consultation", 250, "consultation"),
            price("integration", 150),
        )
    )
    result = profile(clinic)
    assert result.consultation.cents == 25_000
    assert result.series is None
    assert result.first_course is None


def test_monthly_price_is_used_when_no_session_price_is_published(make_clinic):
    clinic = make_clinic(
        treatments=("at-home",),
        prices=(
            price("at-home", 199, "month"),
            price("oral-ketamine", 120),
            price("oral-ketamine", 300, "month"),
        ),
    )
    result = profile(clinic, "at-home")
    assert result.per_session[("at-home", PriceUnit.MONTH)].cents == 19_900
    assert result.per_session[("at-home", PriceUnit.MONTH)].price.unit is PriceUnit.MONTH
    assert result.per_session[("oral-ketamine", PriceUnit.SESSION)].cents == 12_000
    assert result.per_session[("oral-ketamine", PriceUnit.SESSION)].price.unit is PriceUnit.SESSION
    assert result.series is None  # a monthly price says nothing about a series of sessions


def test_a_program_priced_by_the_month_estimates_its_first_month(make_clinic):
    clinic = make_clinic(
        treatments=("at-home",),
        prices=(price("at-home", 199, "month"), price("consultation", 99, "consultation")),
    )
    result = profile(clinic, "at-home")
    assert result.series is None
    assert result.first_course.cents == 9_900 + 19_900
    assert result.first_course.estimated is True
    assert result.first_course.note == "consultation + first month"
    assert profile(clinic, "iv-infusion").first_course is None  # not another treatment's


def test_a_published_series_says_what_each_of_its_sessions_comes_to(app, make_clinic):
    clinic = make_clinic(
        prices=(
            price("iv-infusion", 1900, "series", sessions=4),
            price("esketamine", 2000, "series", sessions=6),
            price("kap", 900, "series", sessions=1),
        )
    )
    with app.test_request_context():
        assert profile(clinic).series.note == "4 sessions, about $475 each"
        assert profile(clinic, "esketamine").series.note == "6 sessions, about $333 each"
        assert profile(clinic, "kap").series.note == "1 session"


def test_stale_prices_are_counted(make_clinic):
    clinic = make_clinic(
        prices=(
            price("iv-infusion", 500, as_of=TODAY - timedelta(days=30)),
            price("iv-infusion", 2700, "series", sessions=6, as_of=TODAY - timedelta(days=365)),
            price("consultation", 200, "consultation", as_of=TODAY - timedelta(days=366)),
            price("integration", 150, as_of=TODAY - timedelta(days=800)),
            price("esketamine", 900, as_of=TODAY - timedelta(days=900), source_url=None),
        )
    )
    assert profile(clinic).stale_prices == 2  # 366 and 800 days; the unpublished one not seen
    assert pricing.cost_profile(clinic, "iv-infusion", TODAY, 29).stale_prices == 4


# --- summarise ------------------------------------------------------------------------------


def prices_of(make_clinic, *specs):
    return [(p.treatment.slug, p.unit, p.amount_cents) for p in make_clinic(prices=specs).prices]


def test_summarise_odd_count(make_clinic):
    rows = pricing.summarise(
        prices_of(
            make_clinic,
            price("iv-infusion", 900),
            price("iv-infusion", 400),
            price("iv-infusion", 500),
        )
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row.treatment, row.unit) == ("iv-infusion", PriceUnit.SESSION)
    assert (row.count, row.min_cents, row.median_cents, row.max_cents) == (
        3,
        40_000,
        50_000,
        90_000,
    )
    assert row.label == "IV ketamine infusion, per session"


def test_summarise_even_count_takes_the_mean_of_the_middle_two(make_clinic):
    rows = pricing.summarise(
        prices_of(
            make_clinic,
            price("iv-infusion", 700),
            price("iv-infusion", 400),
            price("iv-infusion", 900),
            price("iv-infusion", 450),
        )
    )
    row = rows[0]
    assert (row.count, row.min_cents, row.median_cents, row.max_cents) == (
        4,
        40_000,
        (45_000 + 70_000) // 2,
        90_000,
    )
    assert row.median_cents == 57_500


def test_summarise_two_prices(make_clinic):
    rows = pricing.summarise(
        prices_of(make_clinic, price("esketamine", 250), price("esketamine", 325.50))
    )
    assert (rows[0].count, rows[0].min_cents, rows[0].median_cents, rows[0].max_cents) == (
        2,
        25_000,
        28_775,
        32_550,
    )


def test_summarise_groups_by_treatment_and_unit_in_taxonomy_order(make_clinic):
    rows = pricing.summarise(
        prices_of(
            make_clinic,
            price("consultation", 200, "consultation"),
            price("esketamine", 300),
            price("iv-infusion", 2400, "series", sessions=6),
            price("iv-infusion", 500),
            price("iv-infusion", 2000, "series", sessions=4),
            price("at-home", 199, "month"),
        )
    )
    assert [(r.treatment, r.unit.value, r.count) for r in rows] == [
        ("iv-infusion", "session", 1),
        ("iv-infusion", "series", 2),
        ("esketamine", "session", 1),
        ("at-home", "month", 1),
        ("consultation", "consultation", 1),
    ]
    series = rows[1]
    assert (series.min_cents, series.median_cents, series.max_cents) == (200_000, 220_000, 240_000)
    assert series.label == "IV ketamine infusion, initial series"
    assert rows[3].label == "At-home program, per month"


def test_summarise_nothing():
    assert pricing.summarise([]) == []


# --- region_prices --------------------------------------------------------------------------


@pytest.fixture
def region(make_clinic):
    """Clinics in and around Michigan, with the prices that count and those that must not."""
    made = {
        "near": make_clinic(
            "Near",
            **at_fh(0.1),
            prices=(
                price("iv-infusion", 400),
                unpublishable(source_url=None),
                unpublishable(source_url=""),
                unpublishable(as_of=None),
            ),
        ),
        "middle": make_clinic("Middle", **at_fh(0.2), prices=(price("iv-infusion", 700),)),
        "unpriced": make_clinic("Unpriced", **at_fh(0.05)),
        "grand_rapids": make_clinic(
            "Grand Rapids",
            latitude=42.9659,
            longitude=-85.6527,
            prices=(price("iv-infusion", 900),),
        ),
        "program": make_clinic(
            "Program", service_areas=("MI", "OH"), prices=(price("at-home", 199, "month"),)
        ),
        "ohio": make_clinic(
            "Ohio",
            state="OH",
            latitude=39.9671,
            longitude=-83.0044,
            prices=(price("iv-infusion", 1000),),
        ),
        "draft": make_clinic(
            "Draft", status=ClinicStatus.DRAFT, **at_fh(0.1), prices=(price("iv-infusion", 50),)
        ),
        "suspended": make_clinic(
            "Suspended",
            status=ClinicStatus.SUSPENDED,
            service_areas=("MI",),
            prices=(price("at-home", 60, "month"),),
        ),
    }
    return made


def amounts(prices) -> list[int]:
    return sorted(p.amount_cents for p in prices)


def test_state_prices_include_programs_serving_the_state(region):
    prices, count = pricing.region_prices(db.session, state="MI")
    assert amounts(prices) == [19_900, 40_000, 70_000, 90_000]
    assert count == 5  # near, middle, unpriced, grand_rapids, program
    assert {p.clinic.name for p in prices} == {"Near", "Middle", "Grand Rapids", "Program"}


def test_state_prices_of_a_state_with_only_a_program(region):
    prices, count = pricing.region_prices(db.session, state="OH")
    assert amounts(prices) == [19_900, 100_000]
    assert count == 2


def test_unpublished_prices_and_draft_clinics_never_count(region):
    prices, count = pricing.region_prices(db.session)
    assert amounts(prices) == [19_900, 40_000, 70_000, 90_000, 100_000]
    assert count == 6
    assert all(p.source_url and p.as_of for p in prices)
    assert not {"Draft", "Suspended"} & {p.clinic.name for p in prices}


def test_prices_near_a_place_exclude_clinics_outside_the_radius(region):
    place = geo.resolve_place(db.session, "48336")
    prices, count = pricing.region_prices(db.session, place=place, radius=25)
    assert amounts(prices) == [40_000, 70_000]  # 6.9 and 13.8 miles; Grand Rapids is ~130
    assert count == 3  # with the unpriced clinic 3.5 miles away
    wider, wider_count = pricing.region_prices(db.session, place=place, radius=150)
    assert amounts(wider) == [40_000, 70_000, 90_000]
    assert wider_count == 4


def test_radius_is_an_exact_distance_not_the_search_box(make_clinic, app):
    place = geo.resolve_place(db.session, "48336")
    inside = 9.9 / MILES_PER_DEGREE  # 9.9 miles north
    outside = 10.1 / MILES_PER_DEGREE  # 10.1 miles north
    make_clinic("Inside", **at_fh(inside), prices=(price("iv-infusion", 100),))
    make_clinic("Just outside", **at_fh(outside), prices=(price("iv-infusion", 200),))
    # Inside the 10-mile bounding box but about 11.6 miles away, across the diagonal.
    make_clinic("Corner", **at_fh(0.12, 0.16), prices=(price("iv-infusion", 300),))
    prices, count = pricing.region_prices(db.session, place=place, radius=10)
    assert [p.clinic.name for p in prices] == ["Inside"]
    assert count == 1


def test_region_summary_labels_and_counts(region):
    state = pricing.region_summary(db.session, parse_query({"state": "MI"}))
    assert state.label == "Michigan"
    assert state.clinic_count == 5
    assert [(r.treatment, r.unit.value, r.count, r.median_cents) for r in state.rows] == [
        ("iv-infusion", "session", 3, 70_000),
        ("at-home", "month", 1, 19_900),
    ]
    near = pricing.region_summary(db.session, parse_query({"near": "48336"}))
    assert near.label.startswith("within 25 miles of 48336")
    assert [(r.count, r.min_cents, r.median_cents, r.max_cents) for r in near.rows] == [
        (2, 40_000, 55_000, 70_000)
    ]
    by_name = pricing.region_summary(db.session, parse_query({"near": "Michigan"}))
    assert by_name.label == "Michigan"
    assert by_name.rows == state.rows and by_name.price_count == state.price_count


def test_a_current_price_stands_for_the_clinic_rather_than_an_older_lower_one(make_clinic):
    old = TODAY - timedelta(days=STALE_AFTER + 30)
    clinic = make_clinic(
        prices=(
            price("iv-infusion", 650, as_of=old),  # last year's price, or another protocol
            price("iv-infusion", 725),
            price("iv-infusion", 3000, "series", sessions=6, as_of=old),
        )
    )
    result = profile(clinic)
    assert result.per_session[("iv-infusion", PriceUnit.SESSION)].cents == 72_500
    assert result.series.cents == 300_000  # only an old series: still the one published
    assert result.first_course.cents == 300_000
    # with nothing current, the lowest of the old ones
    only_old = make_clinic(prices=(price("esketamine", 900, as_of=old),), name="Old Prices")
    assert profile(only_old, "esketamine").series.cents == 8 * 90_000
