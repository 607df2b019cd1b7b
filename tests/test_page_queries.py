"""Clinic pages and /about take a fixed number of queries; what searches keep follows filters."""

from __future__ import annotations

from typing import Any

from directory.extensions import db
from directory.models import GeocodePrecision, Location, Phone, Price, PriceUnit, Provenance
from tests.conftest import price
from tests.test_speed import _statements


def _grow(clinic: Any, n: int) -> None:
    """Add n more prices, locations, phones and sources to a listing."""
    iv = clinic.prices[0].treatment
    for i in range(n):
        clinic.prices.append(
            Price(
                treatment=iv,
                amount_cents=50_000 + i * 100,
                unit=PriceUnit.SESSION,
                source_url="https://lakeside.example.com/prices",
                as_of=clinic.prices[0].as_of,
            )
        )
        clinic.locations.append(
            Location(
                address_1=f"{i + 2} Test St",
                city="Chicago",
                state="IL",
                postal_code="60614",
                latitude=41.92 + i / 1000,
                longitude=-87.65,
                geocode_precision=GeocodePrecision.ADDRESS,
            )
        )
        clinic.phones.append(Phone(e164=f"+1555555{101 + i:04d}", display=f"(555) 555-{101 + i}"))
        clinic.sources.append(
            Provenance(field="website", source_url="https://lakeside.example.com/", quote="x")
        )
    db.session.commit()


def test_a_clinic_page_takes_the_same_queries_with_1_or_12_of_everything(app, client, make_clinic):
    clinic = make_clinic(
        "Lakeside", slug="lakeside", near="60614", prices=(price("iv-infusion", 400),)
    )
    few, small = _statements(app, client, "/clinics/lakeside")
    _grow(clinic, 11)
    many, large = _statements(app, client, "/clinics/lakeside")

    assert few == many
    html = large.get_data(as_text=True)
    assert "(555) 555-111" in html and "(555) 555-111" not in small.get_data(as_text=True)
    assert "$510" in html  # the twelfth price is on the page


def test_about_takes_the_same_queries_however_many_clinics_quote_themselves(
    app, client, make_clinic, seeded
):
    _, page = _statements(app, client, "/about")
    again, _ = _statements(app, client, "/about")
    assert "on its web page" in page.get_data(as_text=True)
    for n in range(5):
        make_clinic(f"Clinic {n}", slug=f"clinic-{n}")
    after_change, _ = _statements(app, client, "/about")
    steady, _ = _statements(app, client, "/about")
    # The data version; once a version the quotes and the layout's example-data flag.
    assert (after_change, steady) == (3, 1) and again == 1


def test_the_programs_kept_for_a_state_follow_every_filter(client, make_clinic):
    make_clinic("Spanish Telehealth", slug="spanish", service_areas=("IL",), languages="en,es")
    make_clinic("English Telehealth", slug="english", service_areas=("IL",), languages="en")
    everyone = client.get("/search?near=60614").get_data(as_text=True)
    assert "/clinics/spanish" in everyone and "/clinics/english" in everyone
    spanish = client.get("/search?near=60614&language=es").get_data(as_text=True)
    assert "/clinics/spanish" in spanish and "/clinics/english" not in spanish
    accepting = client.get("/search?near=60614&accepting=1").get_data(as_text=True)
    assert "/clinics/spanish" not in accepting and "/clinics/english" not in accepting
