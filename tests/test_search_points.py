"""The points searches read follow every change to a listing's locations, name, status and
prices in the same transaction, and a search finds what they stand for."""

from __future__ import annotations

import math

from sqlalchemy import delete, select

from directory.extensions import db
from directory.listings import moderation, snapshots
from directory.listings.search_points import bands_between
from directory.models import Clinic, ClinicStatus, Location, Price, PriceUnit, SearchPoint
from tests.conftest import approve, price

CHICAGO = "60614"


def stored() -> set[tuple]:
    rows = db.session.execute(
        select(
            SearchPoint.location_id,
            SearchPoint.clinic_id,
            SearchPoint.band,
            SearchPoint.latitude,
            SearchPoint.longitude,
            SearchPoint.state,
            SearchPoint.sort_name,
            SearchPoint.lowest_cents,
            SearchPoint.single,
            SearchPoint.x,
            SearchPoint.y,
            SearchPoint.z,
        )
    )
    return {(*row[:-3], *(round(v, 12) for v in row[-3:])) for row in rows}


def computed() -> set[tuple]:
    """What the stored rows must hold, worked out in Python from the listings themselves."""
    db.session.expire_all()
    found = set()
    for clinic in db.session.execute(select(Clinic)).scalars():
        if clinic.status != ClinicStatus.PUBLISHED:
            continue
        session_prices = [
            p.amount_cents
            for p in clinic.prices
            if p.unit == PriceUnit.SESSION
            and p.is_publishable
            and p.treatment.slug not in ("consultation", "integration")
        ]
        lowest = min(session_prices) if session_prices else None
        for loc in clinic.locations:
            lat, lng = math.radians(loc.latitude), math.radians(loc.longitude)
            found.add(
                (
                    loc.id,
                    clinic.id,
                    math.floor(loc.latitude * 4),
                    loc.latitude,
                    loc.longitude,
                    loc.state,
                    (clinic.name or "").lower(),
                    lowest,
                    len(clinic.locations) == 1,
                    round(math.cos(lat) * math.cos(lng), 12),
                    round(math.cos(lat) * math.sin(lng), 12),
                    round(math.sin(lat), 12),
                )
            )
    return found


# The test clinics' slugs (the seeded real listings may be near them too).
MINE = {"north", "loop", "lakeside", "riverside", "south", "far", "beta"}


def found(client, query: str) -> list[str]:
    """The test clinics an API search finds, in its order."""
    body = client.get(f"/api/v1/clinics?{query}").get_json()
    return [c["slug"] for c in body["results"] if c["slug"] in MINE]


def add_location(clinic: Clinic, city: str, state: str, latitude: float, longitude: float):
    """Give a listing another location, placed like its first."""
    clinic.locations.append(
        Location(
            city=city,
            state=state,
            latitude=latitude,
            longitude=longitude,
            geocode_precision=clinic.locations[0].geocode_precision,
        )
    )


def test_each_change_to_a_listing_moves_its_points(client, make_clinic):
    north = make_clinic(
        "North Side", slug="north", near=CHICAGO, prices=(price("iv-infusion", 600),)
    )
    make_clinic("Loop Clinic", slug="loop", near="60603", prices=(price("iv-infusion", 500),))
    assert found(client, f"near={CHICAGO}&radius=25&sort=price") == ["loop", "north"]
    assert stored() == computed()

    north.prices.append(Price(treatment=north.treatments[0], **_price(400)))
    db.session.commit()
    assert found(client, f"near={CHICAGO}&radius=25&sort=price") == ["north", "loop"]

    # Moved to Dallas: gone from Chicago's searches, found in Dallas's.
    north.locations[0].latitude, north.locations[0].longitude = 32.7876, -96.7994
    north.locations[0].state = "TX"
    db.session.commit()
    assert found(client, f"near={CHICAGO}&radius=25") == ["loop"]
    assert found(client, "near=75201&radius=25") == ["north"]

    north.name = "Aardvark"
    add_location(north, "Chicago", "IL", 41.92, -87.65)
    db.session.commit()
    assert found(client, f"near={CHICAGO}&radius=25&sort=name") == ["north", "loop"]
    assert stored() == computed()

    north.status = ClinicStatus.SUSPENDED
    db.session.commit()
    assert found(client, f"near={CHICAGO}&radius=25") == ["loop"]
    assert stored() == computed()

    db.session.delete(north)
    db.session.commit()
    assert stored() == computed()


def _price(dollars: int) -> dict:
    spec = price("iv-infusion", dollars)
    spec.pop("treatment")
    return spec


def test_a_listing_with_several_points_in_the_circle_is_found_once_at_its_nearest(
    client, make_clinic
):
    far = make_clinic("Far Side", slug="far", latitude=41.70, longitude=-87.62, state="IL")
    add_location(far, "Chicago", "IL", 41.922, -87.652)  # beside 60614
    make_clinic("Loop Clinic", slug="loop", near="60603", prices=(price("iv-infusion", 500),))
    make_clinic("Lakeside", slug="lakeside", latitude=41.85, longitude=-87.62, state="IL")
    db.session.commit()
    assert stored() == computed()

    body = client.get(f"/api/v1/clinics?near={CHICAGO}&radius=25").get_json()
    hits = {c["slug"]: c for c in body["results"] if c["slug"] in MINE}
    assert [c["slug"] for c in body["results"] if c["slug"] in MINE] == ["far", "loop", "lakeside"]
    assert hits["far"]["distance_miles"] < 1 and hits["far"]["location"]["city"] == "Chicago"
    slugs = [c["slug"] for c in body["results"]]
    assert len(slugs) == len(set(slugs)) == body["total"]  # found and counted once
    assert found(client, f"near={CHICAGO}&radius=25&sort=price") == ["loop", "far", "lakeside"]

    far.locations.pop()  # its only point again: nearest is now its first location
    db.session.commit()
    assert stored() == computed()
    assert found(client, f"near={CHICAGO}&radius=25") == ["loop", "lakeside", "far"]


def test_a_location_taken_off_its_listing_takes_its_point_along(client, make_clinic):
    clinic = make_clinic("North Side", slug="north", near=CHICAGO)
    add_location(clinic, "Dallas", "TX", 32.7876, -96.7994)
    db.session.commit()
    assert found(client, "near=75201&radius=25") == ["north"]

    clinic.locations.pop()  # deleted as an orphan at the flush
    db.session.commit()
    assert found(client, "near=75201&radius=25") == []
    assert found(client, f"near={CHICAGO}&radius=25") == ["north"]
    assert stored() == computed()


def test_an_approved_price_reorders_the_price_sort(client, make_clinic, make_user, admin_client):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO, prices=(price("iv-infusion", 500),))
    cheaper = make_clinic("Riverside", slug="riverside", near="60603")
    assert found(client, f"near={CHICAGO}&radius=25&sort=price") == ["lakeside", "riverside"]
    owner = make_user("owner@example.org", clinics=(cheaper,))
    payload = snapshots.snapshot(cheaper)
    payload["prices"] = [
        {
            "treatment": "iv-infusion",
            "amount_cents": 30000,
            "unit": "session",
            "sessions_included": None,
            "included": "",
            "insurance_accepted": False,
            "source_url": "https://riverside.example.com/prices",
            "as_of": "2026-11-01",
        }
    ]
    revision = moderation.propose_edit(db.session, owner, cheaper, payload)
    db.session.commit()
    assert found(client, f"near={CHICAGO}&radius=25&sort=price") == ["lakeside", "riverside"]
    approve(admin_client, revision)
    assert found(client, f"near={CHICAGO}&radius=25&sort=price") == ["riverside", "lakeside"]
    assert stored() == computed()


def test_an_unpublishable_or_other_unit_price_is_not_the_lowest(client, make_clinic):
    make_clinic(
        "Quoted",
        slug="quoted",
        near=CHICAGO,
        prices=(
            price("iv-infusion", 100, source_url=None),  # no source: never shown
            price("iv-infusion", 200, unit="consultation"),
            price("iv-infusion", 700),
        ),
    )
    assert stored() == computed()
    assert {row[7] for row in stored()} == {70000}


def test_points_on_either_side_of_a_band_edge_are_found(client, make_clinic):
    # 42.0 degrees is the edge between two bands; a search just south of it reaches both.
    make_clinic("South Edge", slug="south", latitude=41.9999, longitude=-87.7, state="IL")
    make_clinic("North Edge", slug="north", latitude=42.0001, longitude=-87.7, state="IL")
    make_clinic("Far North", slug="far", latitude=42.6, longitude=-87.7, state="WI")
    assert sorted(found(client, "near=60645&radius=25")) == ["north", "south"]
    bands = {row[2] for row in stored()}
    assert bands == {167, 168, 170}
    assert stored() == computed()


def test_a_search_box_across_the_antimeridian_finds_clinics_on_its_far_side(client, make_clinic):
    # Adak, Alaska (99546) is at longitude -177.1; the Aleutians go on past 180 to Attu.
    make_clinic("Beta Island", slug="beta", latitude=51.9, longitude=179.6, state="AK")
    make_clinic("Far West", slug="far", latitude=51.9, longitude=172.0, state="AK")
    body = client.get("/api/v1/clinics?near=99546&radius=250").get_json()
    assert [c["slug"] for c in body["results"] if c["slug"] in MINE] == ["beta"]
    assert 135 < next(c for c in body["results"] if c["slug"] == "beta")["distance_miles"] < 145
    assert found(client, "near=99546&radius=500") == ["beta", "far"]

    # Nothing within 25 miles: the nearest beyond are found across the line too.
    page = client.get("/search?near=99546&radius=25").get_data(as_text=True)
    assert "Beta Island" in page and "Far West" in page


def test_bands_follow_the_databases_floor_south_of_the_equator(make_clinic):
    for i, latitude in enumerate((-14.2756, -0.25, -0.1, 0.0, 0.24, 64.8378)):
        make_clinic(f"Place {i}", latitude=latitude, longitude=-170.0 + i, state="AS")
    for _, _, band, latitude, *_ in stored():
        assert band == math.floor(latitude * 4)
        assert band in bands_between(latitude - 0.001, latitude + 0.001)
    assert bands_between(-95.0, -89.7) == [-360, -359]  # a box past a pole stops there


def test_a_rolled_back_change_leaves_the_points_alone(client, make_clinic):
    clinic = make_clinic("Beta Clinic", slug="beta", near=CHICAGO)
    clinic.status = ClinicStatus.SUSPENDED
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert found(client, f"near={CHICAGO}&radius=25") == ["beta"]
    assert stored() == computed()


def test_bulk_example_data_and_bulk_deletes_keep_the_points(app, runner, make_clinic):
    result = runner.invoke(args=["demo-data", "--clinics", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    expected = computed()
    assert len(expected) > 250
    assert stored() == expected

    make_clinic("Sierra Clinic", slug="sierra", near=CHICAGO)
    db.session.execute(delete(SearchPoint))
    db.session.execute(delete(Location).where(Location.state == "NJ"))  # by criteria
    db.session.commit()
    assert stored() == computed() != set()
