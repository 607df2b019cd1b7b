"""The JSON API under /api/v1: every route, with real values checked against the data."""

from __future__ import annotations

import csv
import io
import statistics
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from conftest import get, price, text
from geopy.distance import great_circle

from directory.models import ClinicStatus

KIM = "ketamine-institute-of-michigan"
RENEW = "renew-ketamine"
DRAFTS = ("serenity-mental-health-centers", "unnamed-clinic-seed-002", "unnamed-clinic-seed-003")


def get_json(client, url: str, status: int = 200, **params: Any) -> dict[str, Any]:
    """GET an API URL, check the status and the content type, return the body."""
    response = client.get(url, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def slugs(items: list[dict[str, Any]]) -> list[str]:
    return [item["slug"] for item in items]


def miles_between(place: dict[str, Any], location: dict[str, Any]) -> float:
    """The distance computed here, independently of the application."""
    return great_circle(
        (place["latitude"], place["longitude"]), (location["latitude"], location["longitude"])
    ).miles


# ---------------------------------------------------------------- /clinics


def test_clinics_near_seed_zip_returns_the_michigan_clinic_with_every_field(client, seeded):
    body = get_json(client, "/api/v1/clinics", near="48336")

    assert body["total"] == 1
    assert body["page"] == 1
    assert body["per_page"] == 20
    assert body["pages"] == 1
    assert body["radius_miles"] == 25.0
    assert body["place"]["kind"] == "zip"
    assert body["place"]["state"] == "MI"
    assert body["place"]["label"].startswith("48336")
    assert body["nearest_beyond_radius"] == []
    assert body["telehealth_programs"] == []

    [hit] = body["results"]
    assert hit["slug"] == KIM
    assert hit["name"] == "Ketamine Institute of Michigan"
    assert hit["is_example"] is False
    assert hit["kind"] == "clinic"
    loc = hit["location"]
    assert loc["address_1"] == "23800 Orchard Lake Rd."
    assert loc["address_2"] == "Suite 100"
    assert loc["city"] == "Farmington Hills"
    assert loc["state"] == "MI"
    assert loc["postal_code"] == "48336"
    assert loc["geocode_precision"] == "postal_code"
    # The seed clinic is placed on its ZIP centroid, the very point searched from.
    assert loc["latitude"] == pytest.approx(body["place"]["latitude"])
    assert loc["longitude"] == pytest.approx(body["place"]["longitude"])
    assert 42.0 < loc["latitude"] < 43.0
    assert -84.0 < loc["longitude"] < -83.0
    assert hit["distance_miles"] == 0.0
    assert hit["phones"] == [
        {
            "e164": "+18555382646",
            "display": "(855) 538-2646",
            "vanity": "(855) KETAMINE",
            "kind": "toll_free",
        }
    ]
    assert hit["treatments"] == ["iv-infusion"]
    assert hit["prices"] == []
    assert hit["lowest_session_price_cents"] is None
    assert hit["service_area_states"] == []


def test_clinics_never_lists_drafts(client, seeded):
    body = get_json(client, "/api/v1/clinics", per_page="100")
    assert sorted(slugs(body["results"])) == [KIM, RENEW]
    assert body["total"] == 2
    assert not set(DRAFTS) & set(slugs(body["results"]))


def test_clinics_without_place_are_sorted_by_name_without_distance(client, make_clinic):
    make_clinic("Zeta Ketamine", near="48226")
    make_clinic("alpha ketamine", near="60601")
    make_clinic("Midway Ketamine", near="48933")
    body = get_json(client, "/api/v1/clinics")
    assert [h["name"] for h in body["results"]] == [
        "alpha ketamine",
        "Midway Ketamine",
        "Zeta Ketamine",
    ]
    assert body["place"] is None
    assert body["radius_miles"] is None
    assert all(h["distance_miles"] is None for h in body["results"])


def test_distances_are_great_circle_miles_and_results_nearest_first(client, make_clinic):
    make_clinic("Lansing Clinic", near="48933")
    make_clinic("Detroit Clinic", near="48226")
    make_clinic("Farmington Clinic", near="48336")
    make_clinic("Chicago Clinic", near="60601")

    body = get_json(client, "/api/v1/clinics", near="48336", radius="150")

    place = body["place"]
    names = [h["name"] for h in body["results"]]
    assert names == ["Farmington Clinic", "Detroit Clinic", "Lansing Clinic"]
    distances = [h["distance_miles"] for h in body["results"]]
    assert distances == sorted(distances)
    for hit in body["results"]:
        expected = miles_between(place, hit["location"])
        assert hit["distance_miles"] == pytest.approx(round(expected, 2), abs=0.011)
        assert hit["distance_miles"] <= 150
    assert distances[0] == 0.0
    assert 10 < distances[1] < 30  # downtown Detroit from Farmington Hills
    assert 50 < distances[2] < 100  # Lansing
    assert body["radius_miles"] == 150


def test_radius_excludes_clinics_beyond_it(client, make_clinic):
    make_clinic("Farmington Clinic", near="48336")
    detroit = make_clinic("Detroit Clinic", near="48226")
    detroit_loc = detroit.location
    body = get_json(client, "/api/v1/clinics", near="48336", radius="5")

    assert [h["name"] for h in body["results"]] == ["Farmington Clinic"]
    assert body["radius_miles"] == 5
    far = miles_between(
        body["place"], {"latitude": detroit_loc.latitude, "longitude": detroit_loc.longitude}
    )
    assert far > 5

    wider = get_json(client, "/api/v1/clinics", near="48336", radius="30")
    assert [h["name"] for h in wider["results"]] == ["Farmington Clinic", "Detroit Clinic"]


def test_empty_radius_shows_nearest_clinics_beyond_it(client, make_clinic):
    make_clinic("Chicago Clinic", near="60601")
    make_clinic("Lansing Clinic", near="48933")
    body = get_json(client, "/api/v1/clinics", near="48336", radius="5")

    assert body["total"] == 0
    assert body["results"] == []
    nearby = body["nearest_beyond_radius"]
    assert [h["name"] for h in nearby] == ["Lansing Clinic", "Chicago Clinic"]
    for hit in nearby:
        assert hit["distance_miles"] > 5
        assert hit["distance_miles"] == pytest.approx(
            round(miles_between(body["place"], hit["location"]), 2), abs=0.011
        )


def test_telehealth_programs_serving_the_state_are_listed_apart(client, make_clinic):
    make_clinic("Farmington Clinic", near="48336")
    make_clinic("Home Program", service_areas=("MI", "OH"), treatments=("at-home",), slug="home")
    make_clinic("Texas Program", service_areas=("TX",), slug="texas-home")

    body = get_json(client, "/api/v1/clinics", near="48336")

    assert [h["name"] for h in body["results"]] == ["Farmington Clinic"]
    [program] = body["telehealth_programs"]
    assert program["slug"] == "home"
    assert program["kind"] == "telehealth_program"
    assert program["service_area_states"] == ["MI", "OH"]
    assert program["location"] is None
    assert program["distance_miles"] is None
    assert program["treatments"] == ["at-home"]


@pytest.mark.parametrize("near", ["Chicagoland", "60614"])
def test_a_listing_placed_only_at_its_areas_centre_has_no_distance(client, seeded, near):
    # Renew Ketamine states only "Chicagoland": its card says the distance is not known,
    # and the API and the CSV say the same instead of 0.0 from the area's own centre.
    body = get_json(client, "/api/v1/clinics", near=near)
    [renew] = [hit for hit in body["results"] if hit["slug"] == RENEW]
    assert renew["location"]["geocode_precision"] == "region"
    assert renew["distance_miles"] is None
    csv_text = client.get(f"/search.csv?near={near}").get_data(as_text=True)
    header, *rows = csv.reader(io.StringIO(csv_text))
    [row] = [row for row in rows if "Renew Ketamine" in row]
    assert row[header.index("distance_miles")] == ""


def test_a_search_with_no_place_lists_every_states_programs_once(client, make_clinic):
    make_clinic("Farmington Clinic", near="48336")
    make_clinic("Home Program", service_areas=("MI", "OH"), slug="home", free_consultation=True)
    make_clinic("Texas Program", service_areas=("TX",), slug="texas-home")
    make_clinic("Draft Program", service_areas=("TX",), slug="draft", status=ClinicStatus.DRAFT)

    body = get_json(client, "/api/v1/clinics")

    assert [h["name"] for h in body["results"]] == ["Farmington Clinic"]
    assert slugs(body["telehealth_programs"]) == ["home", "texas-home"]
    assert body["telehealth_programs_total"] == 2
    free = get_json(client, "/api/v1/clinics", free_consultation="1")
    assert slugs(free["telehealth_programs"]) == ["home"]
    assert free["telehealth_programs_total"] == 1
    past_the_end = get_json(client, "/api/v1/clinics", programs_page="2")
    assert past_the_end["telehealth_programs"] == []
    assert past_the_end["telehealth_programs_total"] == 2


@pytest.mark.parametrize("state", ["IL", "il", "Illinois"])
def test_state_filter_lists_clinics_with_an_address_in_the_state(client, seeded, state):
    body = get_json(client, "/api/v1/clinics", state=state)
    assert slugs(body["results"]) == [RENEW]
    assert body["place"]["kind"] == "state"
    assert body["place"]["state"] == "IL"
    assert body["place"]["label"] == "Illinois"
    assert body["radius_miles"] is None
    [hit] = body["results"]
    assert hit["distance_miles"] is None
    assert hit["free_consultation"] is True
    assert hit["location"]["metro"] == "Chicagoland"
    assert hit["location"]["geocode_precision"] == "region"
    assert hit["treatments"] == ["iv-infusion", "consultation"]


def test_metro_area_uses_its_own_radius(client, seeded):
    body = get_json(client, "/api/v1/clinics", near="Chicagoland")
    assert slugs(body["results"]) == [RENEW]
    assert body["place"]["kind"] == "metro"
    assert body["place"]["label"] == "Chicagoland"
    assert body["radius_miles"] == 50


def test_state_filter_narrows_a_place_search(client, make_clinic):
    make_clinic("Toledo Clinic", near="43604")  # Toledo, OH: about 50 miles from 48336
    make_clinic("Detroit Clinic", near="48226")
    both = get_json(client, "/api/v1/clinics", near="48336", radius="80")
    assert sorted(h["name"] for h in both["results"]) == ["Detroit Clinic", "Toledo Clinic"]
    only_oh = get_json(client, "/api/v1/clinics", near="48336", radius="80", state="OH")
    assert [h["name"] for h in only_oh["results"]] == ["Toledo Clinic"]


def test_treatment_filter(client, make_clinic):
    make_clinic("Infusion Only", treatments=("iv-infusion",))
    make_clinic("Spravato Clinic", treatments=("esketamine", "iv-infusion"))
    make_clinic("KAP Clinic", treatments=("kap",))

    body = get_json(client, "/api/v1/clinics", near="48336", treatment="esketamine")
    assert [h["name"] for h in body["results"]] == ["Spravato Clinic"]
    assert body["results"][0]["treatments"] == ["iv-infusion", "esketamine"]

    body = get_json(client, "/api/v1/clinics", near="48336", treatment="iv-infusion")
    assert sorted(h["name"] for h in body["results"]) == ["Infusion Only", "Spravato Clinic"]


def test_condition_filter(client, make_clinic):
    make_clinic("PTSD Clinic", conditions=("ptsd", "depression"))
    make_clinic("Pain Clinic", conditions=("chronic-pain",))
    body = get_json(client, "/api/v1/clinics", near="48336", condition="ptsd")
    assert [h["name"] for h in body["results"]] == ["PTSD Clinic"]
    body = get_json(client, "/api/v1/clinics", near="48336", condition="chronic-pain")
    assert [h["name"] for h in body["results"]] == ["Pain Clinic"]
    body = get_json(client, "/api/v1/clinics", near="48336", condition="ocd")
    assert body["results"] == []
    assert body["total"] == 0


@pytest.fixture
def priced(make_clinic):
    """Clinics with session prices, one of them only unsourced."""
    make_clinic("Cheap", prices=(price("iv-infusion", 450),))
    make_clinic("Dear", prices=(price("iv-infusion", 800), price("iv-infusion", 950)))
    make_clinic("Unsourced Only", prices=(price("iv-infusion", 100, source_url=None),))
    make_clinic("Series Only", prices=(price("iv-infusion", 2000, "series", sessions=6),))
    make_clinic("No Prices")


@pytest.mark.parametrize(
    ("ceiling", "expected"),
    [
        ("500", ["Cheap"]),
        ("450", ["Cheap"]),
        ("449.99", []),
        ("$800", ["Cheap", "Dear"]),
        ("1,000", ["Cheap", "Dear"]),
        ("0", []),
    ],
)
def test_max_price_keeps_clinics_with_a_published_session_price_under_it(
    client, priced, ceiling, expected
):
    body = get_json(client, "/api/v1/clinics", near="48336", max_price=ceiling, sort="name")
    assert [h["name"] for h in body["results"]] == expected


def test_max_price_applies_to_the_chosen_treatment(client, make_clinic):
    make_clinic(
        "Mixed",
        treatments=("iv-infusion", "esketamine"),
        prices=(price("esketamine", 300), price("iv-infusion", 900)),
    )
    iv = get_json(client, "/api/v1/clinics", near="48336", treatment="iv-infusion", max_price="500")
    assert iv["results"] == []
    esk = get_json(client, "/api/v1/clinics", near="48336", treatment="esketamine", max_price="500")
    [hit] = esk["results"]
    assert hit["name"] == "Mixed"
    assert hit["lowest_session_price_cents"] == 30000


@pytest.mark.parametrize("flag", ["1", "true", "yes", "on"])
def test_free_consultation_filter(client, make_clinic, flag):
    make_clinic("Free Consult", free_consultation=True)
    make_clinic("Paid Consult", free_consultation=False)
    make_clinic("Unstated")
    body = get_json(client, "/api/v1/clinics", near="48336", free_consultation=flag)
    assert [h["name"] for h in body["results"]] == ["Free Consult"]
    assert body["results"][0]["free_consultation"] is True
    off = get_json(client, "/api/v1/clinics", near="48336", free_consultation="0")
    assert off["total"] == 3


def test_insurance_filter(client, make_clinic):
    make_clinic("Insured", accepts_insurance=True)
    make_clinic("Self Pay", accepts_insurance=False)
    body = get_json(client, "/api/v1/clinics", near="48336", insurance="1")
    assert [h["name"] for h in body["results"]] == ["Insured"]
    assert body["results"][0]["accepts_insurance"] is True


def test_sort_by_price_puts_unpriced_clinics_last(client, priced):
    body = get_json(client, "/api/v1/clinics", near="48336", sort="price")
    names = [h["name"] for h in body["results"]]
    assert names[:2] == ["Cheap", "Dear"]
    assert sorted(names[2:]) == ["No Prices", "Series Only", "Unsourced Only"]
    lowest = [h["lowest_session_price_cents"] for h in body["results"]]
    assert lowest == [45000, 80000, None, None, None]


def test_sort_by_name(client, priced):
    body = get_json(client, "/api/v1/clinics", near="48336", sort="name")
    assert [h["name"] for h in body["results"]] == [
        "Cheap",
        "Dear",
        "No Prices",
        "Series Only",
        "Unsourced Only",
    ]


def test_pagination_walks_every_result_once(client, make_clinic):
    for i in range(5):
        make_clinic(f"Clinic {i}")
    seen: list[str] = []
    for page in (1, 2, 3):
        body = get_json(client, "/api/v1/clinics", near="48336", per_page="2", page=str(page))
        assert body["total"] == 5
        assert body["pages"] == 3
        assert body["page"] == page
        assert body["per_page"] == 2
        assert len(body["results"]) == (2 if page < 3 else 1)
        seen += slugs(body["results"])
    assert sorted(seen) == sorted(f"test-clinic-{i}" for i in range(1, 6))

    beyond = get_json(client, "/api/v1/clinics", near="48336", per_page="2", page="4")
    assert beyond["results"] == []
    assert beyond["total"] == 5


def test_per_page_is_capped_at_100(client, make_clinic):
    make_clinic()
    ok = get_json(client, "/api/v1/clinics", per_page="100")
    assert ok["per_page"] == 100
    assert ok["total"] == 1
    body = get_json(client, "/api/v1/clinics", status=400, per_page="101")
    assert body["status"] == 400
    assert body["errors"] == {"per_page": "Per page must be a whole number from 1 to 100."}


@pytest.fixture
def mixed_prices(make_clinic):
    """One clinic with publishable, stale and unpublishable prices."""
    today = date.today()
    return make_clinic(
        "Mixed Sources",
        slug="mixed-sources",
        prices=(
            price("iv-infusion", 450, as_of=today - timedelta(days=30)),
            price("iv-infusion", 2400, "series", sessions=6, as_of=today - timedelta(days=400)),
            price("iv-infusion", 100, source_url=None),
            price("iv-infusion", 110, source_url=""),
            {**price("iv-infusion", 120), "as_of": None},
            {**price("consultation", 0, "consultation"), "as_of": None},
        ),
    )


def _check_only_sourced_prices(prices: list[dict[str, Any]]) -> None:
    today = date.today()
    assert [(p["amount_cents"], p["unit"]) for p in prices] == [
        (45000, "session"),
        (240000, "series"),
    ]
    session, series = prices
    assert session == {
        "treatment": "iv-infusion",
        "amount_cents": 45000,
        "currency": "USD",
        "unit": "session",
        "sessions_included": None,
        "included": "",
        "insurance_accepted": False,
        "valid_from": None,
        "valid_to": None,
        "source_url": "https://example.com/prices",
        "as_of": (today - timedelta(days=30)).isoformat(),
        "stale": False,
    }
    assert series["sessions_included"] == 6
    assert series["as_of"] == (today - timedelta(days=400)).isoformat()
    assert series["stale"] is True
    for p in prices:
        assert p["source_url"]
        assert p["as_of"]


def test_prices_without_source_or_as_of_are_never_returned_in_search(client, mixed_prices):
    body = get_json(client, "/api/v1/clinics", near="48336")
    [hit] = body["results"]
    _check_only_sourced_prices(hit["prices"])
    assert hit["lowest_session_price_cents"] == 45000
    # An unsourced $100 must not satisfy a $200 ceiling either.
    assert get_json(client, "/api/v1/clinics", near="48336", max_price="200")["results"] == []


def test_prices_without_source_or_as_of_are_never_returned_on_the_clinic(client, mixed_prices):
    body = get_json(client, "/api/v1/clinics/mixed-sources")
    _check_only_sourced_prices(body["prices"])


# ---------------------------------------------------------------- /clinics/<slug>


def test_clinic_detail_of_a_published_seed_clinic_with_its_sources(client, seeded):
    body = get_json(client, f"/api/v1/clinics/{KIM}")

    assert body["slug"] == KIM
    assert body["name"] == "Ketamine Institute of Michigan"
    assert body["url"] == f"http://localhost/clinics/{KIM}"
    assert body["is_example"] is False
    assert body["conditions"] == ["depression", "chronic-pain"]
    assert body["treatments"] == ["iv-infusion"]
    assert body["prices"] == []
    assert body["distance_miles"] is None
    assert [loc["postal_code"] for loc in body["locations"]] == ["48336"]
    assert body["location"]["city"] == "Farmington Hills"
    assert body["phones"][0]["vanity"] == "(855) KETAMINE"

    by_field = {s["field"]: s for s in body["sources"]}
    assert set(by_field) == {
        "name",
        "location",
        "phone",
        "treatment:iv-infusion",
        "condition:depression",
        "condition:chronic-pain",
    }
    assert by_field["name"]["quote"] == (
        "Contact Info\n\nKetamine Institute of Michigan\n23800 Orchard Lake Rd."
    )
    assert by_field["location"]["quote"] == (
        "23800 Orchard Lake Rd.\nSuite 100\nFarmington Hills MI 48336"
    )
    assert all(s["source_document"] == "000_ae40677ab993d68a.txt" for s in body["sources"])

    topics = [q["topic"] for q in body["clinic_statements"]]
    assert topics == ["Treatment-resistant depression", "Long-term effect"]
    assert body["care_team"] == {
        "administered_by": None,
        "monitoring": None,
        "private_room": None,
        "year_opened": None,
    }


def test_clinic_detail_of_the_region_level_seed_clinic(client, seeded):
    body = get_json(client, f"/api/v1/clinics/{RENEW}")
    assert body["name"] == "Renew Ketamine"
    assert body["free_consultation"] is True
    assert body["location"]["address_1"] is None
    assert body["location"]["metro"] == "Chicagoland"
    assert body["location"]["state"] == "IL"
    assert body["phones"] == []
    fields = {s["field"] for s in body["sources"]}
    assert {"name", "location", "free_consultation"} <= fields


@pytest.mark.parametrize("slug", ["nope", "no-such-clinic", *DRAFTS, "KETAMINE-INSTITUTE"])
def test_clinic_detail_404_for_unknown_or_unpublished_slug(client, seeded, slug):
    body = get_json(client, f"/api/v1/clinics/{slug}", status=404)
    assert body == {"status": 404, "message": "No published clinic has that slug."}


def test_clinic_detail_404_for_a_suspended_clinic(client, make_clinic):
    make_clinic("Suspended", slug="suspended-clinic", status=ClinicStatus.SUSPENDED)
    body = get_json(client, "/api/v1/clinics/suspended-clinic", status=404)
    assert body["status"] == 404


def test_unknown_api_route_and_method_answer_in_json(client):
    body = get_json(client, "/api/v1/nope", status=404)
    assert body == {"status": 404, "message": "There is no page at this address."}
    response = client.post("/api/v1/clinics")
    assert response.status_code == 405
    assert response.get_json() == {"status": 405, "message": "That method is not allowed here."}


# ---------------------------------------------------------------- /regions


def test_regions_count_published_clinics_and_programs_by_state(client, seeded, make_clinic):
    make_clinic("Second Michigan Clinic", near="48226")
    make_clinic("Ohio Program", service_areas=("MI", "OH"))
    make_clinic("Texas Draft", near="75201", status=ClinicStatus.DRAFT)
    make_clinic("Texas Suspended", near="75201", status=ClinicStatus.SUSPENDED)

    body = get_json(client, "/api/v1/regions")
    assert body["regions"] == [
        {"state": "IL", "name": "Illinois", "clinics": 1, "telehealth_programs": 0},
        {"state": "MI", "name": "Michigan", "clinics": 2, "telehealth_programs": 1},
        {"state": "OH", "name": "Ohio", "clinics": 0, "telehealth_programs": 1},
    ]


def test_regions_empty_without_published_clinics(client):
    assert get_json(client, "/api/v1/regions") == {"regions": []}


# ---------------------------------------------------------------- /costs/summary


def test_costs_summary_for_a_state_matches_an_independent_computation(client, make_clinic):
    iv_sessions = [400, 550, 700, 900, 1250]
    consultations = [0, 250, 300, 150]
    for i, amount in enumerate(iv_sessions):
        specs = [price("iv-infusion", amount)]
        if i < len(consultations):
            specs.append(price("consultation", consultations[i], "consultation"))
        make_clinic(f"Michigan {i}", near="48336", prices=tuple(specs))
    make_clinic("Michigan Unpriced", near="48933")
    make_clinic(
        "Michigan Hidden Prices",
        near="48226",
        prices=(
            price("iv-infusion", 50, source_url=None),
            {**price("iv-infusion", 60), "as_of": None},
        ),
    )
    make_clinic("Program", service_areas=("MI",), prices=(price("at-home", 250, "month"),))
    make_clinic("Illinois", near="60601", prices=(price("iv-infusion", 5000),))
    make_clinic("Michigan Draft", status=ClinicStatus.DRAFT, prices=(price("iv-infusion", 9000),))

    body = get_json(client, "/api/v1/costs/summary", state="MI")

    assert body["region"] == "Michigan"
    assert body["clinics"] == 8  # five priced, unpriced, hidden prices, the program
    assert body["priced_clinics"] == 6  # the five with counted prices and the program
    assert body["prices"] == len(iv_sessions) + len(consultations) + 1
    rows = {(r["treatment"], r["unit"]): r for r in body["rows"]}
    assert list(rows) == [
        ("iv-infusion", "session"),
        ("at-home", "month"),
        ("consultation", "consultation"),
    ]
    for key, dollars in [
        (("iv-infusion", "session"), iv_sessions),
        (("consultation", "consultation"), consultations),
        (("at-home", "month"), [250]),
    ]:
        cents = [d * 100 for d in dollars]
        assert rows[key] == {
            "treatment": key[0],
            "unit": key[1],
            "count": len(cents),
            "min_cents": min(cents),
            "median_cents": int(statistics.median(cents)),
            "max_cents": max(cents),
        }
    assert rows[("iv-infusion", "session")]["median_cents"] == 70000
    assert rows[("consultation", "consultation")]["median_cents"] == 20000


def test_costs_summary_around_a_place_only_counts_clinics_within_the_radius(client, make_clinic):
    make_clinic("Here", near="48336", prices=(price("iv-infusion", 500),))
    make_clinic("Detroit", near="48226", prices=(price("iv-infusion", 700),))
    make_clinic("Lansing", near="48933", prices=(price("iv-infusion", 300),))
    make_clinic("Novi Unpriced", near="48375")

    body = get_json(client, "/api/v1/costs/summary", near="48336", radius="30")
    assert body["region"].startswith("within 30 miles of 48336")
    assert (body["clinics"], body["priced_clinics"], body["prices"]) == (3, 2, 2)
    assert body["rows"] == [
        {
            "treatment": "iv-infusion",
            "unit": "session",
            "count": 2,
            "min_cents": 50000,
            "median_cents": 60000,
            "max_cents": 70000,
        }
    ]


def test_costs_summary_around_a_place_in_a_state_counts_that_state_s_part(client, make_clinic):
    # Within 60 miles of Farmington Hills, MI: two Michigan clinics and one in Toledo, OH.
    make_clinic("Here", near="48336", prices=(price("iv-infusion", 500),))
    make_clinic("Detroit", near="48226", prices=(price("iv-infusion", 700),))
    make_clinic("Toledo", near="43604", prices=(price("iv-infusion", 900),))

    around = get_json(client, "/api/v1/costs/summary", near="48336", radius="60")
    assert around["clinics"] == 3
    ohio = get_json(client, "/api/v1/costs/summary", near="48336", radius="60", state="OH")
    assert ohio["region"] == "within 60 miles of 48336 (Farmington, MI), in Ohio"
    assert (ohio["clinics"], ohio["prices"]) == (1, 1)
    assert ohio["rows"][0]["min_cents"] == 90000
    # The page says so in the reader's language, and its CSV lists that part alone.
    page = text(get(client, "/costs?near=48336&radius=60&state=OH&lang=es"))
    assert "60 millas de 48336 (Farmington, MI), en Ohio" in page
    rows = client.get("/costs.csv?near=48336&radius=60&state=OH").get_data(as_text=True)
    assert "Toledo" in rows and "Detroit" not in rows


def test_costs_summary_for_the_whole_directory(client, make_clinic):
    make_clinic("Here", near="48336", prices=(price("iv-infusion", 500),))
    make_clinic("Chicago", near="60601", prices=(price("iv-infusion", 800),))
    make_clinic("Dallas", near="75201", prices=(price("iv-infusion", 650),))
    body = get_json(client, "/api/v1/costs/summary")
    assert body["region"] == "the whole directory"
    assert body["clinics"] == 3
    [row] = body["rows"]
    assert (row["count"], row["min_cents"], row["median_cents"], row["max_cents"]) == (
        3,
        50000,
        65000,
        80000,
    )


def test_costs_summary_for_a_state_name_given_as_near(client, seeded):
    body = get_json(client, "/api/v1/costs/summary", near="Illinois")
    assert body == {
        "region": "Illinois",
        "clinics": 1,
        "priced_clinics": 0,
        "prices": 0,
        "rows": [],
    }


def test_costs_summary_rejects_a_bad_state(client):
    body = get_json(client, "/api/v1/costs/summary", status=400, state="ZZ")
    assert body["errors"] == {"state": "Choose a US state, for example MI or Michigan."}


# ---------------------------------------------------------------- /hsds
# The first HSDS address now redirects to the HSDS API's nested organizations;
# tests/test_hsds_api.py checks that API against Open Referral's schemas.


def _is_uuid(value: str) -> bool:
    return str(uuid.UUID(value)) == value


def get_hsds(client, **params: Any) -> dict[str, Any]:
    """GET /api/v1/hsds, following its redirect."""
    response = client.get("/api/v1/hsds", query_string=params, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    return response.get_json()


def _slug(org: dict[str, Any]) -> str:
    return org["organization_identifiers"][0]["identifier"]


def _facts(record: dict[str, Any]) -> dict[str, str]:
    from directory.api.hsds import TERM_INDEX

    return {TERM_INDEX[a["taxonomy_term_id"]][1]: a.get("value", "") for a in record["attributes"]}


def test_hsds_lists_only_published_organizations_in_hsds_shape(client, seeded, make_clinic):
    make_clinic(
        "Priced Clinic",
        slug="priced",
        near="48226",
        treatments=("iv-infusion", "consultation"),
        website="https://priced.example",
        prices=(
            price("iv-infusion", 450),
            price("iv-infusion", 2400, "series", sessions=6),
            price("iv-infusion", 99, source_url=None),
            price("consultation", 150, "consultation"),
        ),
    )
    make_clinic("Hidden", slug="hidden", status=ClinicStatus.DRAFT)

    body = get_hsds(client)
    assert body["total_items"] == 3
    assert body["total_pages"] == 1
    assert body["page_number"] == 1
    assert body["first_page"] is True
    assert body["last_page"] is True
    assert body["empty"] is False
    orgs = {_slug(o): o for o in body["contents"]}
    assert set(orgs) == {KIM, RENEW, "priced"}

    kim = orgs[KIM]
    assert _is_uuid(kim["id"])
    assert kim["name"] == "Ketamine Institute of Michigan"
    assert "example-data" not in _facts(kim)
    [phone] = kim["phones"]
    assert (phone["number"], phone["type"], phone["description"]) == (
        "+18555382646",
        "voice",
        "(855) 538-2646",
    )
    assert _facts(phone) == {"phone-kind": "toll_free", "phone-vanity": "(855) KETAMINE"}
    [location] = kim["locations"]
    assert _is_uuid(location["id"])
    assert location["location_type"] == "physical"
    assert location["latitude"] == pytest.approx(42.4656, abs=0.05)
    [address] = location["addresses"]
    assert address["location_id"] == location["id"]
    assert address["address_1"] == "23800 Orchard Lake Rd."
    assert address["address_2"] == "Suite 100"
    assert address["city"] == "Farmington Hills"
    assert address["state_province"] == "MI"
    assert address["postal_code"] == "48336"
    assert address["country"] == "US"
    [service] = kim["services"]
    assert service["name"] == "IV ketamine infusion"
    assert service["organization_id"] == kim["id"]
    assert service["status"] == "active"
    assert service["cost_options"] == []

    renew_address = orgs[RENEW]["locations"][0]["addresses"][0]
    assert renew_address["region"] == "Chicagoland"
    assert renew_address["state_province"] == "IL"

    priced = orgs["priced"]
    assert priced["website"] == "https://priced.example"
    services = {s["name"]: s for s in priced["services"]}
    assert set(services) == {"IV ketamine infusion", "Consultation"}
    iv = services["IV ketamine infusion"]
    options = sorted(iv["cost_options"], key=lambda o: o["amount"])
    as_of = (date.today() - timedelta(days=30)).isoformat()
    assert [(o["amount"], o["option"], o["currency"]) for o in options] == [
        (450.0, "per session", "USD"),
        (2400.0, "per series of 6 sessions", "USD"),
    ]
    for option in options:
        assert option["service_id"] == iv["id"]
        assert _facts(option)["price-source-url"] == "https://example.com/prices"
        assert _facts(option)["price-as-of"] == as_of
        assert _is_uuid(option["id"])
    [consult] = services["Consultation"]["cost_options"]
    assert (consult["amount"], consult["option"]) == (150.0, "per consultation")


def test_hsds_telehealth_program_has_service_areas(client, make_clinic):
    make_clinic("Home Program", slug="home", service_areas=("MI", "OH"), treatments=("at-home",))
    [org] = get_hsds(client)["contents"]
    assert org["locations"] == []
    [service] = org["services"]
    assert [a["extent"] for a in service["service_areas"]] == ["MI", "OH"]
    assert all(a["service_id"] == service["id"] for a in service["service_areas"])


def test_hsds_pagination_and_stable_ids(client, seeded, make_clinic):
    make_clinic("Third", slug="third")

    first = get_hsds(client, per_page="2")
    assert (first["total_items"], first["total_pages"], first["size"]) == (3, 2, 2)
    assert first["first_page"] is True
    assert first["last_page"] is False
    assert len(first["contents"]) == 2

    second = get_hsds(client, per_page="2", page="2")
    assert second["page_number"] == 2
    assert second["first_page"] is False
    assert second["last_page"] is True
    assert len(second["contents"]) == 1

    every = [_slug(o) for o in first["contents"] + second["contents"]]
    assert sorted(every) == sorted([KIM, RENEW, "third"])

    beyond = get_hsds(client, per_page="2", page="3")
    assert beyond["contents"] == []

    again = get_hsds(client, per_page="2")
    assert [o["id"] for o in again["contents"]] == [o["id"] for o in first["contents"]]


def test_hsds_empty_directory(client):
    body = get_hsds(client)
    assert body["total_items"] == 0
    assert body["empty"] is True
    assert body["contents"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "0"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "²"}, "page"),  # str.isdigit() accepts it, int() does not
    ],
)
def test_hsds_rejects_bad_pagination(client, params, field):
    response = client.get("/api/v1/hsds", query_string=params, follow_redirects=True)
    assert response.status_code == 400
    body = response.get_json()
    assert list(body["errors"]) == [field]
    assert body["message"] == "Some parameters are not valid."


# ---------------------------------------------------------------- /openapi.json

EXPECTED_PATHS = {
    "/clinics",
    "/clinics/{slug}",
    "/regions",
    "/costs/summary",
    "/hsds",
    "/openapi.json",
    "/hsds/",
    "/hsds/openapi.json",
    "/hsds/datapackage.zip",
    "/hsds/organizations",
    "/hsds/organizations/{id}",
    "/hsds/services",
    "/hsds/services/{id}",
    "/hsds/service_at_locations",
    "/hsds/service_at_locations/{id}",
    "/hsds/taxonomies",
    "/hsds/taxonomies/{id}",
    "/hsds/taxonomy_terms",
    "/hsds/taxonomy_terms/{id}",
}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_openapi_document_describes_every_route(client):
    doc = get_json(client, "/api/v1/openapi.json")

    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"]
    assert doc["info"]["version"]
    assert doc["servers"] == [{"url": "http://localhost/api/v1"}]
    assert set(doc["paths"]) == EXPECTED_PATHS

    operation_ids = []
    for path, item in doc["paths"].items():
        assert set(item) == {"get"}, path
        operation = item["get"]
        operation_ids.append(operation["operationId"])
        assert "200" in operation["responses"] or path == "/hsds", path
        for response in operation["responses"].values():
            assert response["description"]
    assert len(operation_ids) == len(set(operation_ids))

    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas

    params = {p["name"]: p for p in doc["paths"]["/clinics"]["get"]["parameters"]}
    assert set(params) == {
        "near",
        "radius",
        "state",
        "treatment",
        "condition",
        "max_price",
        "free_consultation",
        "insurance",
        "payment",
        "language",
        "accepting",
        "verified_within_months",
        "sort",
        "page",
        "per_page",
        "programs_page",
    }
    assert all(p["in"] == "query" for p in params.values())
    assert params["per_page"]["schema"]["maximum"] == 100
    assert params["radius"]["schema"]["maximum"] == 500
    assert "iv-infusion" in params["treatment"]["schema"]["enum"]
    assert "ptsd" in params["condition"]["schema"]["enum"]
    slug_params = doc["paths"]["/clinics/{slug}"]["get"]["parameters"]
    assert slug_params[0]["name"] == "slug"
    assert slug_params[0]["in"] == "path"
    assert slug_params[0]["required"] is True
    assert "404" in doc["paths"]["/clinics/{slug}"]["get"]["responses"]
    assert "400" in doc["paths"]["/clinics"]["get"]["responses"]

    price_schema = schemas["Price"]
    assert {"source_url", "as_of"} <= set(price_schema["required"])
    summary = schemas["ClinicSummary"]
    assert {"slug", "name", "is_example", "location", "distance_miles", "prices"} <= set(
        summary["required"]
    )


def test_every_documented_path_answers_and_carries_its_required_fields(client, seeded):
    doc = get_json(client, "/api/v1/openapi.json")
    schemas = doc["components"]["schemas"]
    for path in doc["paths"]:
        responses = doc["paths"][path]["get"]["responses"]
        if "{id}" in path or "application/json" not in responses.get("200", {}).get("content", {}):
            continue  # the redirect, the zip, and HSDS records (tests/test_hsds_api.py)
        body = get_json(client, "/api/v1" + path.replace("{slug}", KIM))
        schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        for name in schema.get("required", []):
            assert name in body, (path, name)
    # A search hit carries exactly the documented summary fields.
    hit = get_json(client, "/api/v1/clinics", near="48336")["results"][0]
    assert set(schemas["ClinicSummary"]["properties"]) == set(hit)
    listing = get_json(client, "/api/v1/clinics", near="48336")
    assert set(listing) == set(
        doc["paths"]["/clinics"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["properties"]
    )
