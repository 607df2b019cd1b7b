"""The compare page shows how to pay, languages, new patients, REMS and verification age."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.conftest import price
from tests.test_pages import between, get, table_rows, text

RECENT = date.today() - timedelta(days=20)
OLD = date.today() - timedelta(days=400)


@pytest.fixture
def two_clinics(make_clinic):
    """One clinic that states every fact, recently verified; one that states none, long ago."""
    make_clinic(
        "Stated Everything Clinic",
        slug="stated-everything",
        payment_options="self-pay,medicaid,hsa-fsa",
        languages="en,es",
        accepting_new_patients=True,
        first_appointment_wait="About a week",
        rems_certified=True,
        prices=(price("iv-infusion", 450),),
        last_verified_on=RECENT,
    )
    make_clinic(
        "Stated Nothing Clinic",
        slug="stated-nothing",
        accepting_new_patients=False,
        rems_certified=False,
        prices=(price("iv-infusion", 500),),
        last_verified_on=OLD,
    )
    make_clinic("Never Verified Clinic", slug="never-verified")


def _row(page: str, label: str) -> list[str]:
    table = between(page, '<table class="compare">', "</table>")
    found = [row for row in table_rows(table) if row and row[0] == label]
    assert len(found) == 1, f"expected one row {label!r}, found {found}"
    return found[0][1:]


def _card(page: str, slug: str) -> str:
    cards = re.findall(r'<li class="compare-card">.*?</li>', page, re.S)
    found = [c for c in cards if f'href="/clinics/{slug}"' in c]
    assert len(found) == 1, f"expected one card for {slug}"
    return text(found[0])


URL = "/compare?clinics=stated-everything,stated-nothing,never-verified"


def test_compare_table_has_a_row_per_listing_fact(client, two_clinics):
    page = get(client, URL)
    assert _row(page, "How to pay") == [
        "Self-pay, Medicaid, HSA or FSA card",
        "Not stated",
        "Not stated",
    ]
    assert _row(page, "Languages spoken") == ["English, Spanish", "Not stated", "Not stated"]
    assert _row(page, "New patients") == [
        "Accepting new patients; first appointment: About a week",
        "Not taking new patients",
        "Not stated",
    ]
    assert _row(page, "Spravato REMS-certified treatment center") == ["Yes", "No", "Not stated"]


def test_compare_flags_listings_not_verified_for_over_a_year(client, two_clinics):
    page = get(client, URL)
    recent, old, never = _row(page, "Listing last verified")
    assert "Not verified in over 12 months" not in recent
    assert str(RECENT.year) in recent
    assert old.endswith("Not verified in over 12 months")
    assert never == "Not yet verified"


def test_compare_cards_for_phones_carry_the_same_facts(client, two_clinics):
    page = get(client, URL)
    everything = _card(page, "stated-everything")
    assert "How to pay Self-pay, Medicaid, HSA or FSA card" in everything
    assert "Languages spoken English, Spanish" in everything
    assert "New patients Accepting new patients; first appointment: About a week" in everything
    assert "Spravato REMS-certified Yes" in everything
    assert "Not verified in over 12 months" not in everything
    nothing = _card(page, "stated-nothing")
    assert "How to pay Not stated" in nothing
    assert "New patients Not taking new patients" in nothing
    assert "Spravato REMS-certified No" in nothing
    assert "Not verified in over 12 months" in nothing


def test_compare_escapes_a_stated_wait(client, make_clinic):
    make_clinic(
        "A", slug="clinic-a", accepting_new_patients=True, first_appointment_wait="<b>2 weeks</b>"
    )
    make_clinic("B", slug="clinic-b")
    page = get(client, "/compare?clinics=clinic-a,clinic-b")
    assert "<b>2 weeks</b>" not in page
    assert (
        _row(page, "New patients")[0] == "Accepting new patients; first appointment: <b>2 weeks</b>"
    )
