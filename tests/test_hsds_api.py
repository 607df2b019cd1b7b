"""The HSDS 3.0 API under /api/v1/hsds/: every endpoint, every page, checked against Open
Referral's own schemas (tests/hsds_schemas), with no unknown keys and no nulls."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import price
from hsds_validation import check
from sqlalchemy import event, func, select, update

from directory.api.hsds import TERM_INDEX
from directory.demo import clinics as demo_clinics
from directory.extensions import db
from directory.listings import moderation, seeding, snapshots
from directory.models import Clinic, ClinicStatus, GeocodePrecision, Location, PhoneKind
from directory.search import places as geo
from directory.search.geocoding import GazetteerGeocoder

BASE = "/api/v1/hsds"
KIM = "ketamine-institute-of-michigan"


def get(client, url: str, status: int = 200, **params: Any) -> dict[str, Any]:
    response = client.get(url, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.content_type == "application/json"
    return response.get_json()


def nulls(node: Any, path: str = "") -> list[str]:
    """Paths holding null: HSDS omits an absent optional field instead."""
    if node is None:
        return [path]
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in nulls(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in nulls(v, f"{path}[{i}]")]
    return []


def every_page(client, path: str, item_schema: str, **params: Any) -> list[dict[str, Any]]:
    """Fetch every page of a list, checking the envelope and each item."""
    items: list[dict[str, Any]] = []
    number = 1
    while True:
        body = get(client, BASE + path, page=str(number), per_page="17", **params)
        assert body["page_number"] == number
        assert body["first_page"] is (number == 1)
        assert body["size"] == len(body["contents"]) <= 17
        assert body["empty"] is (not body["contents"])
        assert not nulls(body), nulls(body)
        for item in body["contents"]:
            check(item, item_schema)
        items += body["contents"]
        if body["last_page"]:
            assert body["total_pages"] == number or body["total_items"] == 0
            assert body["total_items"] == len(items)
            return items
        number += 1


def facts(record: dict[str, Any]) -> dict[str, list[str]]:
    """A record's attributes as term code -> values."""
    found: dict[str, list[str]] = {}
    for attribute in record.get("attributes", []):
        _taxonomy, code = TERM_INDEX[attribute["taxonomy_term_id"]]
        found.setdefault(code, []).append(attribute.get("value", ""))
    return found


def slug_of(org: dict[str, Any]) -> str:
    [identifier] = org["organization_identifiers"]
    assert identifier["identifier_type"] == "slug"
    return identifier["identifier"]


@pytest.fixture
def site(app, make_clinic) -> None:
    """Seed clinics, 60 example clinics (some telehealth) and a priced telehealth program."""
    seeding.load_seed_clinics(db.session)
    demo_clinics.create_example_clinics(db.session, 60, seed=7, today=date.today())
    db.session.commit()
    make_clinic(
        "Remote Program",
        slug="remote-program",
        service_areas=("MI", "OH"),
        treatments=("at-home", "consultation"),
        hours="Mon-Fri 9am-5pm by video",
        prices=(price("at-home", 299, "month"), price("consultation", 0, "consultation")),
    )


# ---------------------------------------------------------------- every endpoint, every page


def test_every_endpoint_over_every_page_validates(client, site):
    published = db.session.execute(
        select(func.count()).select_from(Clinic).where(Clinic.status == ClinicStatus.PUBLISHED)
    ).scalar_one()

    root = get(client, BASE + "/")
    assert root["version"] == "3.0"
    assert root["profile"].startswith("https://docs.openreferral.org/")
    assert get(client, root["openapi_url"].removeprefix("http://localhost"))["paths"]

    orgs = every_page(client, "/organizations", "compiled/organization_list.json")
    assert len(orgs) == published > 60
    assert len({o["id"] for o in orgs}) == len(orgs)
    full = every_page(client, "/organizations", "compiled/organization.json", full_service="true")
    assert [o["id"] for o in full] == [o["id"] for o in orgs]

    services = every_page(client, "/services", "compiled/service_list.json")
    assert len(services) == sum(len(o["services"]) for o in full)
    sals = every_page(client, "/service_at_locations", "compiled/service_at_location_list.json")
    expected_sals = {
        s["id"] for o in full for svc in o["services"] for s in svc["service_at_locations"]
    }
    assert {s["id"] for s in sals} == expected_sals
    assert len(sals) == len(expected_sals)

    taxonomies = every_page(client, "/taxonomies", "taxonomy.json")
    assert [t["name"] for t in taxonomies] == [
        "Ketamine treatments",
        "Conditions treated",
        "Ways to pay",
        "Listing facts",
    ]
    terms = every_page(client, "/taxonomy_terms", "taxonomy_term.json")
    assert {t["taxonomy_id"] for t in terms} == {t["id"] for t in taxonomies}
    assert "IV ketamine infusion" in {t["name"] for t in terms}
    assert "PTSD" in {t["name"] for t in terms}

    for org in full:
        one = get(client, f"{BASE}/organizations/{org['id']}")
        check(one, "compiled/organization.json")
        assert not nulls(one)
        assert one == org
    for svc in services:
        one = get(client, f"{BASE}/services/{svc['id']}")
        check(one, "compiled/service.json")
        assert not nulls(one)
        assert one["organization"]["id"] == svc["organization_id"]
    for sal in sals:
        one = get(client, f"{BASE}/service_at_locations/{sal['id']}")
        check(one, "compiled/service_at_location.json")
        assert not nulls(one)
        assert one["location"]["id"] == sal["location_id"]
    for taxonomy in taxonomies:
        check(get(client, f"{BASE}/taxonomies/{taxonomy['id']}"), "taxonomy.json")
    for term in terms:
        assert get(client, f"{BASE}/taxonomy_terms/{term['id']}") == term

    # Telehealth programs reach states (service areas), not locations.
    by_slug = {slug_of(o): o for o in full}
    remote = by_slug["remote-program"]
    assert remote["locations"] == []
    for svc in remote["services"]:
        assert [a["extent"] for a in svc["service_areas"]] == ["MI", "OH"]
        assert svc["service_at_locations"] == []
        assert svc["schedules"][0]["description"] == "Mon-Fri 9am-5pm by video"
    assert any(
        s["service_areas"] for o in full if facts(o).get("example-data") for s in o["services"]
    )
    # Example listings say so; the seed clinics do not.
    assert "example-data" not in facts(by_slug[KIM])
    assert sum(1 for o in full if facts(o).get("example-data") == ["true"]) == 60


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/organizations", {"full_service": "true"}),
        ("/services", {"full": "true"}),
        ("/service_at_locations", {"full": "true"}),
        ("/organizations", {}),
        ("/services", {}),
        ("/service_at_locations", {}),
    ],
)
def test_a_page_takes_the_same_queries_for_2_or_60_records(client, site, path, params):
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    # The total is counted once while the data stands; both pages below reuse it.
    get(client, BASE + path, per_page="1", **params)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        get(client, BASE + path, per_page="2", **params)
        few = len(statements)
        statements.clear()
        body = get(client, BASE + path, per_page="60", **params)
        many = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(body["contents"]) == 60
    assert many == few, statements


@pytest.mark.parametrize(
    ("path", "read"),
    [("/organizations", set()), ("/services", set()), ("/service_at_locations", {"locations"})],
)
def test_a_list_page_reads_only_what_its_shape_shows(client, site, path, read):
    """The list shapes (not fully nested) show a listing's own fields, and a service at a
    location its location: no statement reads the phones, prices or the rest."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2].lower())

    get(client, BASE + path, per_page="1")  # the total, counted once while the data stands
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        body = get(client, BASE + path, per_page="30")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(body["contents"]) == 30
    collections = {"locations", "phones", "prices", "service_areas", "provenance"}
    collections |= {"clinic_quotes", "clinic_treatments", "clinic_conditions", "hospital_charges"}
    touched = {table for table in collections if any(f"from {table} " in s for s in statements)}
    assert touched == read, statements


# ---------------------------------------------------------------- one record, field by field


def test_organization_carries_prices_phones_hours_and_provenance(client, seeded, make_clinic):
    clinic = make_clinic(
        "Priced Clinic",
        slug="priced",
        near="48226",
        treatments=("iv-infusion", "consultation"),
        conditions=("depression", "ptsd"),
        website="https://priced.example.com",
        hours="Mon-Thu 8am-6pm",
        free_consultation=True,
        prices=(
            price("iv-infusion", 450),
            price("iv-infusion", 2400, "series", sessions=6, insurance=True),
            price("iv-infusion", 99, source_url=None),  # no source: never shown
            price("consultation", 150, "consultation"),
        ),
        last_verified_on=date(2026, 1, 15),
    )
    clinic.phones[0].kind = PhoneKind.TOLL_FREE
    clinic.phones[0].vanity = "(555) KETAMIN"
    clinic.prices[0].valid_to = date(2026, 12, 31)
    db.session.commit()

    orgs = get(client, BASE + "/organizations", full_service="true")["contents"]
    org = next(o for o in orgs if slug_of(o) == "priced")
    check(org, "compiled/organization.json")
    assert not nulls(org)
    assert org["website"] == "https://priced.example.com"
    assert "email" not in org
    assert facts(org)["free-consultation"] == ["true"]

    [phone] = org["phones"]
    assert (phone["number"], phone["type"], phone["description"]) == (
        "+15555550100",
        "voice",
        "(555) 555-0100",
    )
    assert facts(phone) == {"phone-kind": ["toll_free"], "phone-vanity": ["(555) KETAMIN"]}

    [location] = org["locations"]
    [address] = location["addresses"]
    assert address["postal_code"] == "48226"
    assert "address_2" not in address and "region" not in address
    assert facts(location) == {"geocode-precision": ["postal_code"]}

    [verified] = org["metadata"]
    assert verified["last_action_type"] == "verified"
    assert verified["last_action_date"] == "2026-01-15"

    services = {s["name"]: s for s in org["services"]}
    assert list(services) == ["IV ketamine infusion", "Consultation"]
    iv = services["IV ketamine infusion"]
    assert facts(iv) == {"iv-infusion": [""], "depression": [""], "ptsd": [""]}
    assert iv["schedules"][0]["description"] == "Mon-Thu 8am-6pm"
    assert iv["service_at_locations"] == [
        {
            "id": iv["service_at_locations"][0]["id"],
            "service_id": iv["id"],
            "location_id": location["id"],
        }
    ]
    session_price, series = iv["cost_options"]
    as_of = (date.today() - timedelta(days=30)).isoformat()
    assert (session_price["amount"], session_price["option"]) == (450, "per session")
    assert session_price["valid_to"] == "2026-12-31"
    assert "valid_to" not in series
    assert (series["amount"], series["option"]) == (2400, "per series of 6 sessions")
    assert facts(series) == {
        "price-unit": ["series"],
        "sessions-included": ["6"],
        "insurance-accepted": ["true"],
        "price-source-url": ["https://example.com/prices"],
        "price-as-of": [as_of],
    }
    [consult] = services["Consultation"]["cost_options"]
    assert consult["amount"] == 150

    kim = next(o for o in orgs if slug_of(o) == KIM)
    sources = facts(kim)["source"]
    assert any('"field": "location"' in s and "23800 Orchard Lake Rd." in s for s in sources)
    assert "Example data" not in kim["description"]


def test_ids_are_stable_uuids_across_requests(client, seeded):
    first = get(client, BASE + "/services")["contents"]
    again = get(client, BASE + "/services")["contents"]
    assert [s["id"] for s in first] == [s["id"] for s in again]
    assert all(str(uuid.UUID(s["id"])) == s["id"] for s in first)


def test_old_hsds_address_redirects_to_nested_organizations(client, seeded):
    response = client.get("/api/v1/hsds", query_string={"per_page": "1"})
    assert response.status_code == 308
    assert response.location.endswith("/api/v1/hsds/organizations?per_page=1&full_service=true")
    body = client.get("/api/v1/hsds", follow_redirects=True).get_json()
    assert body["total_items"] == 2
    for org in body["contents"]:
        check(org, "compiled/organization.json")


# ---------------------------------------------------------------- filters


def metres(miles: float) -> str:
    """A proximity parameter: HSDS 3.0 measures it in metres."""
    return str(round(miles * 1609.344))


def test_postcode_and_proximity_in_metres_nearest_first(client, make_clinic):
    make_clinic("Chicago Clinic", near="60601")
    make_clinic("Detroit Clinic", near="48226")
    make_clinic("Farmington Clinic", near="48336", treatments=("iv-infusion", "esketamine"))
    make_clinic("Remote", service_areas=("MI",))

    body = get(client, BASE + "/service_at_locations", postcode="48336", proximity=metres(30))
    names = [s["location"]["name"] for s in body["contents"]]
    assert names == ["Farmington Clinic", "Farmington Clinic", "Detroit Clinic"]
    assert body["total_items"] == 3
    near = get(client, BASE + "/service_at_locations", postcode="48336", proximity=metres(5))
    assert {s["location"]["name"] for s in near["contents"]} == {"Farmington Clinic"}
    wide = get(client, BASE + "/service_at_locations", postcode="48336", proximity=metres(300))
    assert [s["location"]["name"] for s in wide["contents"]][-1] == "Chicago Clinic"
    # 30 metres, not 30 miles: only the clinic placed at the ZIP code's centre; the least
    # distance there is, too, and not the default 25 miles.
    for tiny in ("30", "5e-324"):
        close = get(client, BASE + "/service_at_locations", postcode="48336", proximity=tiny)
        assert {s["location"]["name"] for s in close["contents"]} == {"Farmington Clinic"}
    too_far = client.get(BASE + "/services", query_string={"postcode": "48336", "proximity": "1e6"})
    assert too_far.status_code == 400
    assert too_far.get_json()["errors"]["proximity"].startswith("Give a distance in metres")


def near_services(client, **params: str) -> tuple[list[tuple[str, str]], int]:
    """(organization name, service name) of each /services record, and total_items."""
    names = {o["id"]: o["name"] for o in get(client, BASE + "/organizations")["contents"]}
    body = get(client, BASE + "/services", **params)
    found = [(names[s["organization_id"]], s["name"]) for s in body["contents"]]
    return found, body["total_items"]


def add_location(clinic: Clinic, near: str) -> None:
    """Give a clinic one more location, at a ZIP code's centroid."""
    place = geo.resolve_place(db.session, near)
    clinic.locations.append(
        Location(
            address_1="2 Test St",
            city="Testville",
            state=place.state or "MI",
            postal_code=near,
            latitude=place.latitude,
            longitude=place.longitude,
            geocode_precision=GeocodePrecision.POSTAL_CODE,
        )
    )
    db.session.commit()


def test_services_postcode_and_proximity_keep_near_services_nearest_first(client, make_clinic):
    make_clinic("Chicago Clinic", near="60601")
    make_clinic("Detroit Clinic", near="48226")
    make_clinic("Farmington Clinic", near="48336", treatments=("iv-infusion", "esketamine"))
    make_clinic("Remote", service_areas=("MI",))
    iv, spravato = "IV ketamine infusion", "Esketamine (Spravato)"

    found, total = near_services(client, postcode="48336", proximity=metres(30))
    assert found == [
        ("Farmington Clinic", iv),
        ("Farmington Clinic", spravato),
        ("Detroit Clinic", iv),
    ]
    assert total == 3
    second, total = near_services(
        client, postcode="48336", proximity=metres(30), per_page="2", page="2"
    )
    assert (second, total) == ([("Detroit Clinic", iv)], 3)
    close, total = near_services(client, postcode="48336", proximity=metres(5))
    assert (close, total) == ([("Farmington Clinic", iv), ("Farmington Clinic", spravato)], 2)
    wide, total = near_services(client, postcode="48336", proximity=metres(300))
    assert wide[-1] == ("Chicago Clinic", iv) and total == 4
    # A postcode alone reaches as far as on /service_at_locations.
    alone, total = near_services(client, postcode="48336")
    located = get(client, BASE + "/service_at_locations", postcode="48336")
    assert [org for org, _service in alone] == [s["location"]["name"] for s in located["contents"]]
    assert total == located["total_items"] == 3
    assert get(client, BASE + "/services")["total_items"] == 5


def test_services_near_a_postcode_count_a_clinic_with_two_locations_once(client, make_clinic):
    make_clinic("Farmington Clinic", near="48336")
    two_sites = make_clinic("Two Sites", near="60601")
    add_location(two_sites, "48226")

    # Two Sites is as near as its Detroit location, though its Chicago one is listed first.
    found, total = near_services(client, postcode="48226", proximity=metres(300))
    assert [org for org, _service in found] == ["Two Sites", "Farmington Clinic"]
    assert total == 2
    located = get(client, BASE + "/service_at_locations", postcode="48226", proximity=metres(300))
    assert located["total_items"] == 3


def test_services_near_a_postcode_combine_with_taxonomy_and_search(client, make_clinic):
    make_clinic("Chicago Spravato", near="60601", treatments=("esketamine",))
    make_clinic("Detroit Spravato", near="48226", treatments=("esketamine",))
    make_clinic("Farmington Clinic", near="48336", treatments=("iv-infusion", "esketamine"))
    terms = {
        t["code"]: t["id"]
        for t in get(client, BASE + "/taxonomy_terms", per_page="100")["contents"]
    }
    spravato = "Esketamine (Spravato)"

    found, total = near_services(
        client, postcode="48336", proximity=metres(30), taxonomy_term_id=terms["esketamine"]
    )
    assert found == [("Farmington Clinic", spravato), ("Detroit Spravato", spravato)]
    assert total == 2
    found, total = near_services(client, postcode="48226", proximity=metres(30), search="spravato")
    assert (found, total) == ([("Detroit Spravato", spravato), ("Farmington Clinic", spravato)], 2)


def test_a_postcode_with_nothing_near_gives_an_empty_page(client, make_clinic):
    make_clinic("Farmington Clinic", near="48336")
    for path in ("/services", "/organizations", "/service_at_locations"):
        body = get(client, BASE + path, postcode="99546", proximity=metres(50))
        assert body["contents"] == [] and body["empty"] is True
        assert body["total_items"] == 0
        assert get(client, BASE + path)["total_items"] == 1


def test_organizations_near_a_postcode_nearest_first(client, make_clinic):
    make_clinic("Chicago Clinic", near="60601")
    make_clinic("Farmington Clinic", near="48336")
    two_sites = make_clinic("Two Sites", near="60601")
    add_location(two_sites, "48226")
    make_clinic("Remote", service_areas=("MI",))

    body = get(client, BASE + "/organizations", postcode="48226", proximity=metres(30))
    assert [o["name"] for o in body["contents"]] == ["Two Sites", "Farmington Clinic"]
    assert body["total_items"] == 2
    wide = get(
        client, BASE + "/organizations", postcode="48226", proximity=metres(300), per_page="2"
    )
    assert [o["name"] for o in wide["contents"]] == ["Two Sites", "Farmington Clinic"]
    assert wide["total_items"] == 3 and wide["total_pages"] == 2
    nested = get(client, BASE + "/organizations", postcode="48336", full_service="true")
    assert [o["name"] for o in nested["contents"]] == ["Farmington Clinic", "Two Sites"]
    for org in nested["contents"]:
        check(org, "compiled/organization.json")


def test_openapi_says_what_services_and_organizations_do_with_a_postcode(client):
    paths = get(client, BASE + "/openapi.json")["paths"]
    for path in ("/services", "/organizations"):
        operation = paths[path]["get"]
        assert {"postcode", "proximity"} <= {p["name"] for p in operation["parameters"]}
        assert "nearest first" in operation["description"]


def test_proximity_reaches_across_the_antimeridian(client, make_clinic):
    # From Adak, Alaska (99546, longitude -177.1) to an island at longitude 179.6.
    make_clinic("Beta Island", latitude=51.9, longitude=179.6, state="AK")
    body = get(client, BASE + "/service_at_locations", postcode="99546", proximity=metres(250))
    assert [s["location"]["name"] for s in body["contents"]] == ["Beta Island"]


def test_taxonomy_term_organization_and_search_filters(client, make_clinic):
    make_clinic("Alpha", treatments=("iv-infusion",), conditions=("ptsd",))
    beta = make_clinic("Beta Spravato", treatments=("esketamine",), conditions=("depression",))
    terms = {
        t["code"]: t["id"]
        for t in get(client, BASE + "/taxonomy_terms", per_page="100")["contents"]
    }

    spravato = get(client, BASE + "/services", taxonomy_term_id=terms["esketamine"])
    assert [s["name"] for s in spravato["contents"]] == ["Esketamine (Spravato)"]
    ptsd = get(client, BASE + "/service_at_locations", taxonomy_term_id=terms["ptsd"])
    assert [s["location"]["name"] for s in ptsd["contents"]] == ["Alpha"]

    beta_id = get(client, BASE + "/organizations", search="beta")["contents"][0]["id"]
    assert get(client, BASE + "/organizations", search="BETA")["total_items"] == 1
    by_org = get(client, BASE + "/services", organization_id=beta_id)
    assert [s["organization_id"] for s in by_org["contents"]] == [beta_id]
    assert get(client, BASE + "/services", search="spravato")["total_items"] == 1
    assert beta.slug == slug_of(get(client, f"{BASE}/organizations/{beta_id}"))
    nobody = get(client, BASE + "/services", organization_id=str(uuid.uuid4()))
    assert nobody["contents"] == [] and nobody["empty"] is True


def test_approved_changes_are_metadata_and_modified_after_finds_them(
    client, make_clinic, make_user
):
    old = make_clinic("Unchanged")
    clinic = make_clinic("Changing", website="https://before.example.com")
    confirmed = make_clinic("Confirmed Only")
    long_ago = datetime(2025, 1, 1, tzinfo=UTC)
    db.session.execute(update(Clinic).values(updated_at=long_ago))
    db.session.commit()
    owner = make_user("owner@example.org", clinics=(clinic, confirmed))
    admin = make_user("admin@example.org", admin=True)
    payload = snapshots.snapshot(clinic)
    payload["website"] = "https://after.example.com"
    revision = moderation.propose_edit(db.session, owner, clinic, payload)
    db.session.commit()
    moderation.approve_revision(db.session, admin, revision, GazetteerGeocoder())
    db.session.commit()
    moderation.confirm_listing(db.session, admin, clinic)
    moderation.confirm_listing(db.session, owner, confirmed)
    db.session.commit()

    since = get(client, BASE + "/organizations", modified_after="2026-01-01T00:00:00Z")
    assert [o["name"] for o in since["contents"]] == ["Changing", "Confirmed Only"]
    services = get(client, BASE + "/services", modified_after="2026-01-01")["contents"]
    assert {s["organization_id"] for s in services} == {o["id"] for o in since["contents"]}
    everything = get(client, BASE + "/organizations", modified_after="2024-12-31T23:00:00+00:00")
    assert everything["total_items"] == 3
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert get(client, BASE + "/organizations", modified_after=later)["contents"] == []
    owner_confirmed = get(client, f"{BASE}/organizations/{since['contents'][1]['id']}")
    [by_owner] = [m for m in owner_confirmed["metadata"] if m["field_name"] == "last_verified"]
    assert by_owner["updated_by"] == "owner"
    assert old.slug

    org = get(client, f"{BASE}/organizations/{since['contents'][0]['id']}")
    check(org, "compiled/organization.json")
    changes = [m for m in org["metadata"] if m["last_action_type"] != "verified"]
    website = next(m for m in changes if m["field_name"] == "website")
    assert website["previous_value"] == "https://before.example.com"
    assert website["replacement_value"] == "https://after.example.com"
    assert website["updated_by"] == "owner"
    assert website["last_action_type"] == "update"
    assert website["last_action_date"] == date.today().isoformat()
    assert website["resource_id"] == org["id"]
    confirmed = next(m for m in org["metadata"] if m["field_name"] == "last_verified")
    assert confirmed["updated_by"] == "moderator"
    assert confirmed["last_action_type"] == "verified"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/organizations", {"page": "0"}, "page"),
        ("/organizations", {"per_page": "1000000"}, "per_page"),
        ("/services", {"per_page": "101"}, "per_page"),
        ("/services", {"page": "abc"}, "page"),
        ("/services", {"organization_id": "not-a-uuid"}, "organization_id"),
        ("/services", {"taxonomy_term_id": str(uuid.UUID(int=1))}, "taxonomy_term_id"),
        ("/services", {"modified_after": "yesterday"}, "modified_after"),
        ("/service_at_locations", {"postcode": "48336", "proximity": "-3"}, "proximity"),
        ("/service_at_locations", {"postcode": "48336", "proximity": "far"}, "proximity"),
        ("/service_at_locations", {"postcode": "48336", "proximity": "nan"}, "proximity"),
        ("/service_at_locations", {"proximity": "10"}, "proximity"),
        ("/service_at_locations", {"postcode": "Detroit"}, "postcode"),
        ("/service_at_locations", {"postcode": "00000"}, "postcode"),
        ("/services", {"postcode": "48336", "proximity": "0"}, "proximity"),
        ("/services", {"postcode": "48336", "proximity": "inf"}, "proximity"),
        ("/services", {"proximity": "10"}, "proximity"),
        ("/services", {"postcode": "4833"}, "postcode"),
        ("/organizations", {"postcode": "48336", "proximity": metres(501)}, "proximity"),
        ("/organizations", {"postcode": "00000"}, "postcode"),
        ("/organizations", {"search": "x" * 201}, "search"),
        ("/taxonomy_terms", {"page": "-1"}, "page"),
    ],
)
def test_bad_parameters_are_json_400_naming_the_field(client, path, params, field):
    body = get(client, BASE + path, status=400, **params)
    assert field in body["errors"]
    assert body["status"] == 400


@pytest.mark.parametrize(
    "path",
    [
        "/organizations/not-a-uuid",
        f"/organizations/{uuid.UUID(int=5)}",
        "/services/%00",
        f"/service_at_locations/{uuid.UUID(int=6)}",
        "/taxonomies/nothing",
        "/taxonomy_terms/nothing",
        "/nothing",
    ],
)
def test_unknown_ids_are_json_404(client, seeded, path):
    body = get(client, BASE + path, status=404)
    assert body["status"] == 404


def test_drafts_are_not_served(client, seeded):
    draft = (
        db.session.execute(select(Clinic).where(Clinic.status == ClinicStatus.DRAFT))
        .scalars()
        .first()
    )
    from directory.api.hsds import organization_id

    get(client, f"{BASE}/organizations/{organization_id(draft)}", status=404)


def test_the_checker_rejects_nulls_and_unknown_keys():
    """The schema check itself can fail, so the checks above mean something."""
    good = {"id": str(uuid.uuid4()), "name": "A", "description": ""}
    check(good, "compiled/organization_list.json")
    for bad in ({**good, "email": None}, {**good, "x_slug": "a"}, {**good, "id": "nope"}):
        with pytest.raises(AssertionError):
            check(bad, "compiled/organization_list.json")


def test_the_documented_largest_proximity_is_the_one_the_site_takes(client, app_like):
    def largest(document: dict) -> set[float]:
        return {
            p["schema"]["maximum"]
            for item in document["paths"].values()
            for p in item.get("get", {}).get("parameters", [])
            if p.get("name") == "proximity"
        }

    assert largest(get(client, BASE + "/openapi.json")) == {500 * 1609.344}
    narrow = app_like(SEARCH_MAX_RADIUS_MILES=100.0).test_client()
    assert largest(narrow.get(BASE + "/openapi.json").get_json()) == {100 * 1609.344}
    assert largest(narrow.get("/api/v1/openapi.json").get_json()) == {100 * 1609.344}
    query = {"postcode": "48336", "proximity": "200000"}
    assert narrow.get(BASE + "/services", query_string=query).status_code == 400
    assert client.get(BASE + "/services", query_string=query).status_code == 200
