"""Result cards, API hits and clinic pages read as plain rows show what the listing holds."""

from __future__ import annotations

from dataclasses import fields
from dataclasses import is_dataclass as dataclass_instance
from datetime import date, timedelta

from directory.extensions import db
from directory.listings import rows
from directory.models import (
    ClinicQuote,
    ClinicStatus,
    GeocodePrecision,
    Location,
    Phone,
    PhoneKind,
    Provenance,
    VerifiedBy,
)
from tests.conftest import json_ld, main, price, text


def _rich_clinic(make_clinic):  # type: ignore[no-untyped-def]
    """A listing with two locations, two phones, several treatments and mixed prices."""
    clinic = make_clinic(
        "Lakeside Ketamine",
        slug="lakeside",
        near="60614",
        treatments=("iv-infusion", "esketamine", "kap"),
        prices=(
            price("iv-infusion", 450),
            price("iv-infusion", 525),
            price("esketamine", 775, insurance=True),
            price("iv-infusion", 2400, "series", sessions=6),
            price("kap", 300, source_url=None),  # no source: never shown
        ),
        website="https://lakeside.example.com/",
        free_consultation=True,
        accepts_insurance=True,
        payment_options="cash,financing",
        languages="en,es",
        accepting_new_patients=True,
        first_appointment_wait="about a week",
        rems_certified=True,
        access_as_of=date.today() - timedelta(days=40),
        last_verified_on=date.today() - timedelta(days=10),
        last_verified_by=VerifiedBy.OWNER,
    )
    clinic.locations.append(
        Location(
            address_1="9 Second St",
            address_2="Suite 4",
            city="Evanston",
            state="IL",
            postal_code="60201",
            latitude=42.05,
            longitude=-87.68,
            geocode_precision=GeocodePrecision.ADDRESS,
        )
    )
    clinic.phones.append(
        Phone(
            e164="+15555550123", display="(555) 555-0123", vanity="(555) KETA", kind=PhoneKind.TEXT
        )
    )
    db.session.commit()
    return clinic


def test_an_api_hit_carries_the_summary_the_clinic_endpoint_gives(client, make_clinic):
    _rich_clinic(make_clinic)
    hit = client.get("/api/v1/clinics?near=60614").get_json()["results"][0]
    detail = client.get("/api/v1/clinics/lakeside").get_json()

    assert hit["slug"] == "lakeside"
    summary_keys = set(hit) - {"distance_miles", "lowest_session_price_cents"}
    assert {k: hit[k] for k in summary_keys} == {k: detail[k] for k in summary_keys}
    assert [p["amount_cents"] for p in hit["prices"]] == [45_000, 52_500, 77_500, 240_000]
    assert [p["e164"] for p in hit["phones"]] == ["+15555550100", "+15555550123"]
    assert hit["treatments"] == ["iv-infusion", "esketamine", "kap"]
    assert hit["lowest_session_price_cents"] == 45_000 and hit["distance_miles"] == 0


def test_a_card_shows_the_clinic_facts_and_only_sourced_prices(client, make_clinic):
    _rich_clinic(make_clinic)
    page = text(client.get("/search?near=60614").get_data(as_text=True))

    assert "IV from $450" in page and "Spravato $775" in page
    assert "$300" not in page  # the unsourced price
    assert "Insurance accepted for Esketamine (Spravato)" in page
    assert "Free consultation" in page and "Accepting new patients" in page
    assert "(555) 555-0100" in page
    assert "1 Test St" in page and "Testville, IL 60614" in page


def test_a_telehealth_card_names_the_states_it_serves(client, make_clinic):
    make_clinic("Statewide Telehealth", slug="statewide", service_areas=("IL", "WI"))
    page = text(client.get("/search?near=60614").get_data(as_text=True))
    assert "Statewide Telehealth" in page and "Serves IL, WI by telehealth" in page


def test_a_clinic_page_read_as_rows_shows_everything_the_listing_holds(client, make_clinic):
    clinic = _rich_clinic(make_clinic)
    clinic.administered_by = "Anesthesiologists"
    clinic.hours = "Mon-Fri 9-5"
    clinic.sources.append(
        Provenance(
            field="website", source_url="https://lakeside.example.com/about", quote="Call us"
        )
    )
    clinic.quotes.append(
        ClinicQuote(topic="Safety", quote="Monitored throughout.", source_document="page.html")
    )
    db.session.commit()

    page = client.get("/clinics/lakeside").get_data(as_text=True)
    words = text(main(page))
    assert "(555) 555-0100" in words and "(555) KETA" in words and "text" in words
    assert "Depression" in words and "Anesthesiologists" in words and "Mon-Fri 9-5" in words
    assert "$450" in words and "$2,400" in words and "$300" not in words
    assert "Monitored throughout." in words and "Call us" in words
    offers = [b for b in json_ld(page) if b.get("@type") == "MedicalClinic"][0]["makesOffer"]
    assert len(offers) == 4


def test_an_unpublished_or_unknown_clinic_page_is_a_404(client, make_clinic):
    make_clinic("Draft Clinic", slug="draft", status=ClinicStatus.DRAFT)
    assert client.get("/clinics/draft").status_code == 404
    assert client.get("/clinics/no-such-clinic").status_code == 404
    assert client.get("/clinics/%00").status_code == 404


def test_listing_rows_hold_the_values_the_listing_holds_on_either_database(app, make_clinic):
    """On PostgreSQL the rows come as JSON from one statement; they must still be the
    listing's own values and types (enums, dates, floats, booleans)."""
    clinic = _rich_clinic(make_clinic)
    clinic.locations[1].latitude = 42.0  # JSON gives a whole number back as an int
    clinic.sources.append(Provenance(field="hours", source_url=None, quote="Open daily"))
    clinic.quotes.append(
        ClinicQuote(topic="Safety", quote="Monitored throughout.", source_document="page.html")
    )
    db.session.commit()

    def same(row: object, orm: object) -> None:
        for name in (f.name for f in fields(row)):  # type: ignore[arg-type]
            value, expected = getattr(row, name), getattr(orm, name)
            if not dataclass_instance(value):
                assert (name, value, type(value)) == (name, expected, type(expected))

    (listing,) = rows.load(db.session, [clinic.id]).values()
    page = rows.published_page(db.session, "lakeside")
    assert page is not None
    for read in (listing, page):
        for row, orm in zip(read.locations, clinic.locations, strict=True):
            same(row, orm)
        for row, orm in zip(read.phones, clinic.phones, strict=True):
            same(row, orm)
        published = [p for p in clinic.prices if p.source_url]
        for row, orm in zip(read.public_prices, published, strict=True):
            same(row, orm)
            assert row.treatment.slug == orm.treatment.slug
        assert [t.slug for t in read.treatments] == ["iv-infusion", "esketamine", "kap"]
    assert isinstance(page.locations[1].latitude, float)
    for row, orm in zip(page.sources, clinic.sources, strict=True):
        same(row, orm)
    for row, orm in zip(page.quotes, clinic.quotes, strict=True):
        same(row, orm)
    assert [c.slug for c in page.conditions] == [c.slug for c in clinic.conditions]
    assert rows.published_page(db.session, "no-such-clinic") is None
