"""ZIP codes the gazetteer package places at 0, 0: their city's centre, or unknown."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import bindparam, select, text

from directory.extensions import MIGRATIONS_DIR, db
from directory.models import Location, Place, SearchPoint
from directory.search import places as geo

BEFORE = "c2f8e5a1b736"  # the revision before the gazetteer was read again
REREAD = "d9b4e7a2c61f"  # the revision that reads it again


@pytest.mark.parametrize(
    ("zip_code", "city"),
    [("77352", "Livingston, TX"), ("48055", "Pontiac, MI"), ("90085", "Los Angeles, CA")],
)
def test_a_zip_code_without_a_centre_takes_its_citys(app, zip_code, city):
    place = geo.resolve_place(db.session, zip_code)
    centre = geo.resolve_place(db.session, city)
    assert place.label == f"{zip_code} ({city})"
    assert (place.latitude, place.longitude) == (centre.latitude, centre.longitude)


def test_a_city_centre_is_not_pulled_towards_0_0(app):
    livingston = geo.resolve_place(db.session, "Livingston, TX")
    assert livingston.latitude is not None and livingston.longitude is not None
    assert 30 < livingston.latitude < 31.5 and -95.5 < livingston.longitude < -94.5


def test_no_place_a_patient_can_search_from_is_at_0_0(app):
    at_zero = db.session.execute(
        select(Place.key).where(Place.latitude == 0, Place.longitude == 0)
    ).all()
    assert at_zero == []


@pytest.mark.parametrize("zip_code", ["56908", "88888", "09905"])
def test_a_zip_code_with_neither_centre_is_unknown(client, make_clinic, zip_code):
    make_clinic("Null Island Clinic", latitude=0.0, longitude=0.0, state="DC")
    response = client.get("/search", query_string={"near": zip_code})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"We could not find the ZIP code {zip_code}. Check the digits, or search" in page
    assert "Null Island Clinic" not in page


def test_searching_from_such_a_zip_code_finds_the_clinics_around_it(client, make_clinic):
    make_clinic("Livingston Clinic", near="Livingston, TX", state="TX")
    page = client.get("/search", query_string={"near": "77352"}).get_data(as_text=True)
    assert "77352 (Livingston, TX)" in page
    assert "Livingston Clinic" in page


def test_the_migration_moves_places_and_locations_off_0_0(app, make_clinic):
    stranded = make_clinic("Stranded Clinic", latitude=0.0, longitude=0.0, state="TX")
    stranded.locations[0].postal_code = "77352"
    # Placed by its city alone: at 0, 0, and at Livingston's former centre in the Atlantic.
    by_city = make_clinic("City Clinic", latitude=0.0, longitude=0.0, state="TX", city="Livingston")
    on_old_centre = make_clinic(
        "Old Centre Clinic", latitude=15.34145, longitude=-47.4488, state="TX", city="Livingston"
    )
    # Neither its ZIP code nor its city is known: it stays, and nothing fails.
    unknown = make_clinic("Unknown Clinic", latitude=0.0, longitude=0.0, state="DC", city="Nowhere")
    unknown.locations[0].postal_code = "56908"
    untouched = make_clinic("Farmington Clinic")
    db.session.commit()
    clinic_ids = [c.id for c in (stranded, by_city, on_old_centre, untouched)]
    modified = _modified(clinic_ids)
    # Dropping a table with foreign keys locks the tables they reference (clinics): on
    # PostgreSQL it waits for every transaction that has read them, this one's too.
    db.session.commit()
    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision=BEFORE)
    # The places as the gazetteer package used to give them.
    db.session.execute(
        text("UPDATE places SET latitude = 0, longitude = 0 WHERE kind = 'zip' AND key = '77352'")
    )
    db.session.execute(
        text(
            "UPDATE places SET latitude = 15.34145, longitude = -47.4488"
            " WHERE kind = 'city' AND key = 'livingston, tx'"
        )
    )
    db.session.execute(
        text(
            "INSERT INTO places (kind, key, name, state, latitude, longitude)"
            " VALUES ('zip', '56908', 'Parcel Return Service', 'DC', 0, 0)"
        )
    )
    db.session.commit()
    version = db.session.execute(text("SELECT version FROM data_version")).scalar_one()
    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision=REREAD)
    db.session.expire_all()

    livingston = geo.resolve_place(db.session, "Livingston, TX")
    assert geo.resolve_place(db.session, "77352").latitude == livingston.latitude
    assert livingston.latitude is not None and 30 < livingston.latitude < 31.5
    with pytest.raises(geo.UnknownPlace):
        geo.resolve_place(db.session, "56908")
    location = db.session.execute(
        select(Location).where(Location.clinic_id == stranded.id)
    ).scalar_one()
    point = db.session.execute(
        select(SearchPoint).where(SearchPoint.clinic_id == stranded.id)
    ).scalar_one()
    assert (location.latitude, location.longitude) == (livingston.latitude, livingston.longitude)
    assert (point.latitude, point.longitude) == (livingston.latitude, livingston.longitude)
    assert point.band == int(livingston.latitude * 4)
    for clinic in (by_city, on_old_centre):
        moved = db.session.execute(
            select(SearchPoint).where(SearchPoint.clinic_id == clinic.id)
        ).scalar_one()
        assert (moved.latitude, moved.longitude) == (livingston.latitude, livingston.longitude)
    stays = db.session.execute(
        select(Location).where(Location.clinic_id == unknown.id)
    ).scalar_one()
    assert (stays.latitude, stays.longitude) == (0, 0)
    # HSDS readers syncing by modification time fetch the moved clinics again.
    after = _modified(clinic_ids)
    assert [after[i] != modified[i] for i in clinic_ids] == [True, True, True, False]
    assert db.session.execute(text("SELECT version FROM data_version")).scalar_one() == version + 1


def _modified(clinic_ids: list[int]) -> dict[int, object]:
    """Each clinic's modification time as the database holds it."""
    rows = db.session.execute(
        text("SELECT id, updated_at FROM clinics WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": clinic_ids},
    )
    return {clinic_id: modified for clinic_id, modified in rows}
