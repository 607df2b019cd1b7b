"""HSDS organization and service ids are stored with each listing: a lookup is one probe."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from directory.api import hsds
from directory.extensions import db
from directory.models import (
    Clinic,
    ClinicStatus,
    GeocodePrecision,
    HsdsServiceAtLocationId,
    HsdsServiceId,
    Location,
)
from tests.conftest import MICHIGAN, approve, price, propose

BASE = "/api/v1/hsds"


def _lookup(client: Any, org_id: str, kind: str = "organizations") -> tuple[int, Any]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(f"{BASE}/{kind}/{org_id}")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen), response


def test_every_listing_stores_the_id_its_hsds_records_carry(make_clinic, runner):
    make_clinic("Lakeside", slug="lakeside")
    result = runner.invoke(args=["demo-data", "--clinics", "15", "--seed", "4"])
    assert result.exit_code == 0, result.output
    clinics = db.session.execute(select(Clinic)).scalars().all()
    assert len(clinics) == 16
    for clinic in clinics:
        assert clinic.hsds_id == hsds.organization_id(clinic)


def test_an_organization_is_found_by_its_id_in_the_same_queries_at_any_size(client, make_clinic):
    first = make_clinic("Lakeside", slug="lakeside")
    few, response = _lookup(client, hsds.organization_id(first))
    assert response.status_code == 200
    assert response.get_json()["name"] == "Lakeside"
    for n in range(30):
        make_clinic(f"Clinic {n}", slug=f"clinic-{n}")
    many, again = _lookup(client, hsds.organization_id(first).upper())
    assert again.status_code == 200 and again.get_json()["id"] == hsds.organization_id(first)
    assert few == many


def test_unknown_and_unpublished_organizations_are_404(client, make_clinic):
    hidden = make_clinic("Hidden", slug="hidden", status=ClinicStatus.SUSPENDED)
    assert client.get(f"{BASE}/organizations/{hsds.organization_id(hidden)}").status_code == 404
    unknown = hsds.make_id("organization", "no-such-listing")
    assert client.get(f"{BASE}/organizations/{unknown}").status_code == 404
    assert client.get(f"{BASE}/organizations/not-a-uuid").status_code == 404


def test_the_organization_filter_of_services_uses_the_stored_id(client, make_clinic):
    alpha = make_clinic("Alpha", slug="alpha")
    make_clinic("Beta", slug="beta")
    body = client.get(f"{BASE}/services?organization_id={hsds.organization_id(alpha)}").get_json()
    assert {s["organization_id"] for s in body["contents"]} == {hsds.organization_id(alpha)}
    assert body["total_items"] == 1


def _stored_services() -> set[tuple[str, int, int]]:
    rows = db.session.execute(
        select(HsdsServiceId.id, HsdsServiceId.clinic_id, HsdsServiceId.treatment_id)
    ).all()
    return {tuple(r) for r in rows}


def _offered(listing: Clinic) -> set[str]:
    """The treatments a listing lists or prices, by slug: its services."""
    return {t.slug for t in listing.treatments} | {p.treatment.slug for p in listing.public_prices}


def test_service_ids_are_stored_for_what_a_listing_lists_or_prices(make_clinic, runner):
    clinic = make_clinic(
        "Lakeside",
        slug="lakeside",
        treatments=("iv-infusion",),
        prices=(price("esketamine", 775),),
    )
    assert {(i, c) for i, c, _ in _stored_services()} == {
        (hsds.service_id(clinic, "iv-infusion"), clinic.id),
        (hsds.service_id(clinic, "esketamine"), clinic.id),
    }
    result = runner.invoke(args=["demo-data", "--clinics", "10", "--seed", "5"])
    assert result.exit_code == 0, result.output
    expected = set()
    for listing in db.session.execute(select(Clinic)).scalars():
        expected |= {hsds.service_id(listing, s) for s in _offered(listing)}
    assert {i for i, _, _ in _stored_services()} == expected


def test_a_service_is_found_by_its_id_and_follows_approved_changes(client, make_clinic):
    clinic = make_clinic("Lakeside", slug="lakeside", treatments=("iv-infusion", "esketamine"))
    esketamine = hsds.service_id(clinic, "esketamine")
    found = client.get(f"{BASE}/services/{esketamine}")
    assert found.status_code == 200 and found.get_json()["id"] == esketamine

    clinic.treatments = [t for t in clinic.treatments if t.slug != "esketamine"]
    db.session.commit()
    assert client.get(f"{BASE}/services/{esketamine}").status_code == 404
    iv = hsds.service_id(clinic, "iv-infusion")
    assert client.get(f"{BASE}/services/{iv.upper()}").status_code == 200
    assert client.get(f"{BASE}/services/not-a-uuid").status_code == 404


def test_an_unpublished_listing_has_no_service_to_show(client, make_clinic):
    hidden = make_clinic("Hidden", slug="hidden", status=ClinicStatus.SUSPENDED)
    assert (
        client.get(f"{BASE}/services/{hsds.service_id(hidden, 'iv-infusion')}").status_code == 404
    )


def _sal_id(clinic: Clinic, treatment: str, index: int) -> str:
    return hsds.service_at_location_id(
        hsds.service_id(clinic, treatment), hsds.location_id(clinic, index)
    )


def _second_location(clinic: Clinic) -> Location:
    return Location(
        address_1="2 Second St",
        city="Detroit",
        state="MI",
        latitude=42.33,
        longitude=-83.05,
        geocode_precision=GeocodePrecision.ADDRESS,
    )


def test_a_service_at_a_location_is_found_by_its_id_and_follows_changes(client, make_clinic):
    clinic = make_clinic("Lakeside", slug="lakeside", treatments=("iv-infusion", "esketamine"))
    listed = client.get(f"{BASE}/service_at_locations").get_json()["contents"]
    assert {s["id"] for s in listed} == {
        _sal_id(clinic, "iv-infusion", 0),
        _sal_id(clinic, "esketamine", 0),
    }
    for sal in listed:
        found = client.get(f"{BASE}/service_at_locations/{sal['id'].upper()}")
        assert found.status_code == 200
        assert found.get_json()["id"] == sal["id"]
        assert found.get_json()["location"]["id"] == hsds.location_id(clinic, 0)

    # A second location: each service is offered there too, under its own id.
    clinic.locations.append(_second_location(clinic))
    db.session.commit()
    second = client.get(f"{BASE}/service_at_locations/{_sal_id(clinic, 'iv-infusion', 1)}")
    assert second.status_code == 200
    assert second.get_json()["location"]["id"] == hsds.location_id(clinic, 1)
    assert second.get_json()["location"]["addresses"][0]["address_1"] == "2 Second St"

    # A treatment taken off, then the second location closed: their ids name nothing.
    clinic.treatments = [t for t in clinic.treatments if t.slug != "esketamine"]
    db.session.commit()
    gone = _sal_id(clinic, "esketamine", 0)
    assert client.get(f"{BASE}/service_at_locations/{gone}").status_code == 404
    clinic.locations.remove(clinic.locations[1])
    db.session.commit()
    closed = _sal_id(clinic, "iv-infusion", 1)
    assert client.get(f"{BASE}/service_at_locations/{closed}").status_code == 404
    kept = _sal_id(clinic, "iv-infusion", 0)
    assert client.get(f"{BASE}/service_at_locations/{kept}").status_code == 200


def test_a_service_at_a_location_is_found_in_the_same_queries_at_any_size(client, make_clinic):
    first = make_clinic("Lakeside", slug="lakeside")
    sal = _sal_id(first, "iv-infusion", 0)
    few, response = _lookup(client, sal, "service_at_locations")
    assert response.status_code == 200 and response.get_json()["id"] == sal
    for n in range(30):
        make_clinic(f"Clinic {n}", slug=f"clinic-{n}", treatments=("iv-infusion", "kap"))
    many, again = _lookup(client, sal, "service_at_locations")
    assert again.status_code == 200 and again.get_json()["id"] == sal
    assert few == many


def test_an_unpublished_listing_has_no_service_at_a_location_to_show(client, make_clinic):
    hidden = make_clinic("Hidden", slug="hidden", status=ClinicStatus.SUSPENDED)
    sal = _sal_id(hidden, "iv-infusion", 0)
    assert client.get(f"{BASE}/service_at_locations/{sal}").status_code == 404


def test_service_at_location_ids_are_stored_for_every_service_and_location(runner):
    result = runner.invoke(args=["demo-data", "--clinics", "25", "--seed", "6"])
    assert result.exit_code == 0, result.output
    expected = set()
    for listing in db.session.execute(select(Clinic)).scalars():
        for index in range(len(listing.locations)):
            expected |= {_sal_id(listing, slug, index) for slug in _offered(listing)}
    stored = set(db.session.execute(select(HsdsServiceAtLocationId.id)).scalars())
    assert expected and stored == expected


def test_the_totals_of_the_lists_follow_each_change(client, make_clinic):
    make_clinic("Alpha", slug="alpha", treatments=("iv-infusion", "esketamine"))
    paths = ("/organizations", "/services", "/service_at_locations")
    before = {p: client.get(f"{BASE}{p}?per_page=1").get_json()["total_items"] for p in paths}
    assert before == {"/organizations": 1, "/services": 2, "/service_at_locations": 2}
    make_clinic("Beta", slug="beta", treatments=("kap",))
    after = {p: client.get(f"{BASE}{p}?per_page=1").get_json()["total_items"] for p in paths}
    assert after == {"/organizations": 2, "/services": 3, "/service_at_locations": 3}
    last = client.get(f"{BASE}/services?per_page=1&page=3").get_json()
    assert [s["name"] for s in last["contents"]] == ["Ketamine-assisted psychotherapy"]


def test_an_approved_change_of_treatments_and_address_moves_the_services_at_locations(
    client, owner_client, admin_client
):
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    before = _sal_id(clinic, "iv-infusion", 0)
    added = _sal_id(clinic, "esketamine", 0)
    assert client.get(f"{BASE}/service_at_locations/{added}").status_code == 404

    # The proposal replaces the listing's location (a new street) and adds a treatment.
    revision = propose(
        owner_client, treatments=["iv-infusion", "esketamine"], address_1="1 New Street"
    )
    approve(admin_client, revision)

    for sal in (before, added):
        found = client.get(f"{BASE}/service_at_locations/{sal}")
        assert found.status_code == 200
        assert found.get_json()["location"]["addresses"][0]["address_1"] == "1 New Street"
