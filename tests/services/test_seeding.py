"""The clinics from the seed documents: every fact sourced, nothing invented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.listings import seeding
from directory.models import Clinic, ClinicStatus, GeocodePrecision, Price

DOCUMENTS = seeding.SEED_FILE.parent / "documents"
# The shared originals, beside the checkout; the copies under seeds/ must match them.
SHARED_DOCUMENTS = Path(__file__).resolve().parents[3] / "shared" / "seed-documents"


def _clinic(slug: str) -> Clinic:
    return db.session.execute(select(Clinic).where(Clinic.slug == slug)).scalar_one()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_cited_documents_are_kept_with_the_seeds():
    names = sorted(p.name for p in DOCUMENTS.glob("*.txt"))
    assert len(names) == 5
    assert {r["document"] for r in seeding.read_seed_file()} == set(names)
    if SHARED_DOCUMENTS.is_dir():
        for name in names:
            original = (SHARED_DOCUMENTS / name).read_bytes()
            assert (DOCUMENTS / name).read_bytes() == original, name


def test_every_quoted_fact_appears_word_for_word_in_its_document():
    records = seeding.read_seed_file()
    checked = 0
    for record in records:
        text = _squash((DOCUMENTS / record["document"]).read_text(encoding="utf-8"))
        quotes = [
            record[k]["quote"] for k in ("name", "location", "free_consultation") if k in record
        ]
        for key in ("phones", "treatments", "conditions", "quotes"):
            quotes += [item["quote"] for item in record.get(key, [])]
        for quote in quotes:
            assert _squash(quote) in text, (
                f"{record['slug']}: {quote!r} not in {record['document']}"
            )
            checked += 1
    assert checked >= 25


def test_michigan_clinic_address_and_phone(seeded):
    clinic = _clinic("ketamine-institute-of-michigan")
    assert clinic.status is ClinicStatus.PUBLISHED
    assert clinic.name == "Ketamine Institute of Michigan"
    loc = clinic.location
    assert (loc.address_1, loc.address_2, loc.city, loc.state, loc.postal_code) == (
        "23800 Orchard Lake Rd.",
        "Suite 100",
        "Farmington Hills",
        "MI",
        "48336",
    )
    # Placed at the ZIP centroid from the gazetteer, and says so.
    assert loc.geocode_precision is GeocodePrecision.POSTAL_CODE
    assert loc.latitude == pytest.approx(42.4656, abs=1e-3)
    assert loc.longitude == pytest.approx(-83.3638, abs=1e-3)
    [phone] = clinic.phones
    assert (phone.e164, phone.display, phone.vanity) == (
        "+18555382646",
        "(855) 538-2646",
        "(855) KETAMINE",
    )
    assert [t.slug for t in clinic.treatments] == ["iv-infusion"]
    assert {c.slug for c in clinic.conditions} == {"depression", "chronic-pain"}
    assert clinic.website is None  # the page names no web address
    assert {s.source_document for s in clinic.sources} == {"000_ae40677ab993d68a.txt"}


def test_renew_ketamine_is_placed_only_at_region_level(seeded):
    clinic = _clinic("renew-ketamine")
    assert clinic.status is ClinicStatus.PUBLISHED
    loc = clinic.location
    assert loc.address_1 is None and loc.city is None and loc.postal_code is None
    assert (loc.state, loc.metro) == ("IL", "Chicagoland")
    assert loc.geocode_precision is GeocodePrecision.REGION
    assert clinic.free_consultation is True
    assert clinic.sources_for("free_consultation")[0].quote.startswith("Contact us today")


@pytest.mark.parametrize(
    ("slug", "has_name"),
    [
        ("serenity-mental-health-centers", True),
        ("unnamed-clinic-seed-002", False),
        ("unnamed-clinic-seed-003", False),
    ],
)
def test_clinics_without_name_or_location_stay_unpublished_drafts(seeded, client, slug, has_name):
    clinic = _clinic(slug)
    assert clinic.status is ClinicStatus.DRAFT
    assert clinic.locations == []
    assert (clinic.name is not None) is has_name
    assert clinic.status_note  # the reason is recorded for the moderators
    assert client.get(f"/clinics/{slug}").status_code == 404
    assert client.get(f"/api/v1/clinics/{slug}").status_code == 404


def test_draft_002_keeps_its_phone_with_source(seeded):
    clinic = _clinic("unnamed-clinic-seed-002")
    assert [p.e164 for p in clinic.phones] == ["+18003334116"]
    assert "(800) 333-4116" in clinic.sources_for("phone")[0].quote


def test_no_seed_clinic_has_a_price(seeded, client):
    assert db.session.execute(select(Price)).first() is None
    for slug in ("ketamine-institute-of-michigan", "renew-ketamine"):
        assert "No published prices" in client.get(f"/clinics/{slug}").get_data(as_text=True)


def _snapshot() -> dict[str, list[tuple]]:
    tables = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [tuple(r) for r in rows]
    return tables


def test_seeding_twice_changes_nothing(app):
    first = seeding.load_seed_clinics(db.session)
    db.session.commit()
    before = _snapshot()
    second = seeding.load_seed_clinics(db.session)
    db.session.commit()
    assert len(first.created) == 5 and second.created == []
    assert len(second.skipped) == 5
    assert _snapshot() == before


def test_seed_never_overwrites_a_listing_changed_since(app):
    seeding.load_seed_clinics(db.session)
    db.session.commit()
    clinic = _clinic("renew-ketamine")
    clinic.description = "Corrected by a moderator"
    db.session.commit()
    seeding.load_seed_clinics(db.session)
    db.session.commit()
    assert _clinic("renew-ketamine").description == "Corrected by a moderator"
