"""Place parsing and radius search, checked against independently computed distances."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from directory.extensions import db
from directory.search import places as geo
from directory.search import query as search
from tests.conftest import haversine, price


def run(**params: str) -> search.SearchResult:
    return search.search(db.session, search.parse_query(params))


@pytest.mark.parametrize(
    ("text", "kind", "state", "label_part"),
    [
        ("48336", "zip", "MI", "48336"),
        ("48336-1234", "zip", "MI", "48336"),
        ("Farmington Hills, MI", "city", "MI", "Farmington Hills"),
        ("farmington hills mi", "city", "MI", "Farmington Hills"),
        ("Chicago, Illinois", "city", "IL", "Chicago"),
        ("St. Louis, MO", "city", "MO", "Louis"),
        ("Saint Louis, MO", "city", "MO", "Louis"),
        ("Michigan", "state", "MI", "Michigan"),
        ("mi", "state", "MI", "Michigan"),
        ("Chicagoland", "metro", "IL", "Chicagoland"),
        ("metro detroit", "metro", "MI", "Metro Detroit"),
        ("Bay Area", "metro", "CA", "Bay Area"),
        ("Anchorage", "city", "AK", "Anchorage"),
        ("Chicago", "city", "IL", "Chicago"),
    ],
)
def test_places_a_patient_types(app, text, kind, state, label_part):
    place = geo.resolve_place(db.session, text)
    assert (place.kind, place.state) == (kind, state)
    assert label_part in place.label
    assert place.has_point is (kind != "state")


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("Xyzzyville", "could not find"),
        ("00000", "ZIP code 00000"),
        ("1234", "five digits"),
        ("Springfield", "more than one Springfield"),
        ("Nowhere, MI", "could not find Nowhere in Michigan"),
        ("", "Enter a ZIP code"),
        ("x" * 101, "too long"),
    ],
)
def test_unknown_places_explain_what_to_try(app, text, message_part):
    with pytest.raises(geo.UnknownPlace, match=message_part):
        geo.resolve_place(db.session, text)


def test_metro_uses_the_gazetteer_centre_of_its_anchor_city(app):
    chicagoland = geo.resolve_place(db.session, "Chicagoland")
    chicago = geo.resolve_place(db.session, "Chicago, IL")
    assert (chicagoland.latitude, chicagoland.longitude) == (chicago.latitude, chicago.longitude)
    assert chicagoland.default_radius == 50


def test_radius_search_orders_by_true_distance(app, make_clinic):
    origin = geo.resolve_place(db.session, "48336")
    # Points at known offsets, some inside 25 miles and some just outside.
    offsets = [
        (0.05, 0.02),
        (0.3, -0.1),
        (-0.2, 0.25),
        (0.0, 0.45),
        (0.34, 0.0),
        (0.5, 0.5),
        (-0.36, 0.01),
        (0.1, -0.5),
    ]
    expected = {}
    for i, (dlat, dlng) in enumerate(offsets):
        lat, lng = origin.latitude + dlat, origin.longitude + dlng
        clinic = make_clinic(f"Clinic {i}", latitude=lat, longitude=lng)
        expected[clinic.slug] = haversine(origin.latitude, origin.longitude, lat, lng)

    result = run(near="48336", radius="25")
    inside = sorted((d, s) for s, d in expected.items() if d <= 25)
    assert [h.clinic.slug for h in result.hits] == [s for _, s in inside]
    assert result.total == len(inside) < len(expected)
    for hit in result.hits:
        assert hit.distance_miles == pytest.approx(expected[hit.clinic.slug], rel=2e-3)


def test_bounding_box_keeps_clinics_near_the_corner_at_high_latitude(app, make_clinic):
    # Anchorage, 61°N: a degree of longitude is under 34 miles there.
    origin = geo.resolve_place(db.session, "Anchorage, AK")
    east = make_clinic("Due east", latitude=origin.latitude, longitude=origin.longitude + 1.0)
    diagonal = make_clinic(
        "Diagonal", latitude=origin.latitude + 0.25, longitude=origin.longitude - 0.5
    )
    d_east = haversine(origin.latitude, origin.longitude, origin.latitude, origin.longitude + 1.0)
    d_diag = haversine(
        origin.latitude, origin.longitude, origin.latitude + 0.25, origin.longitude - 0.5
    )
    result = run(near="Anchorage, AK", radius=str(math.ceil(max(d_east, d_diag)) + 1))
    assert {h.clinic.slug for h in result.hits} == {east.slug, diagonal.slug}


def test_state_search_lists_clinics_in_the_state_by_name(app, make_clinic):
    make_clinic("Zeta Clinic", near="48336")
    make_clinic("Alpha Clinic", near="49503")  # Grand Rapids
    make_clinic("Ohio Clinic", near="43215", state="OH")
    result = run(near="Michigan")
    assert [h.clinic.name for h in result.hits] == ["Alpha Clinic", "Zeta Clinic"]
    assert all(h.distance_miles is None for h in result.hits)


def test_nothing_within_radius_shows_nearest_beyond_and_telehealth(app, make_clinic):
    far = make_clinic("Grand Rapids Clinic", near="49503")
    tele = make_clinic("Statewide Telehealth", service_areas=("MI", "OH"), treatments=("at-home",))
    make_clinic("Ohio Only Telehealth", service_areas=("OH",), treatments=("at-home",))
    result = run(near="48336", radius="5")
    assert result.total == 0 and result.hits == []
    assert [h.clinic.slug for h in result.nearby] == [far.slug]
    assert result.nearby[0].distance_miles > 100
    assert [h.clinic.slug for h in result.remote] == [tele.slug]


def test_filters_treatment_condition_consultation_insurance(app, make_clinic):
    a = make_clinic("A", treatments=("iv-infusion",), conditions=("ptsd",), free_consultation=True)
    b = make_clinic(
        "B", treatments=("esketamine",), conditions=("depression",), accepts_insurance=True
    )
    make_clinic("C", treatments=("iv-infusion",), conditions=("depression",))
    slugs = lambda r: {h.clinic.slug for h in r.hits}  # noqa: E731
    assert slugs(run(near="48336", treatment="esketamine")) == {b.slug}
    assert slugs(run(near="48336", condition="ptsd")) == {a.slug}
    assert slugs(run(near="48336", free_consultation="1")) == {a.slug}
    assert slugs(run(near="48336", insurance="1")) == {b.slug}


def test_price_ceiling_and_price_sort_use_only_published_prices(app, make_clinic):
    cheap = make_clinic("Cheap", prices=(price("iv-infusion", 400),))
    dear = make_clinic("Dear", prices=(price("iv-infusion", 750),))
    unsourced = make_clinic("Unsourced", prices=(price("iv-infusion", 100, source_url=None),))
    make_clinic("Esk only", treatments=("esketamine",), prices=(price("esketamine", 300),))
    result = run(near="48336", max_price="500", treatment="iv-infusion")
    assert [h.clinic.slug for h in result.hits] == [cheap.slug]
    by_price = run(near="48336", sort="price", treatment="iv-infusion")
    assert [h.clinic.slug for h in by_price.hits] == [cheap.slug, dear.slug, unsourced.slug]
    assert by_price.hits[-1].lowest_session_cents is None


def test_unpublished_clinics_are_never_found(app, make_clinic, seeded):
    from directory.models import ClinicStatus

    make_clinic("Hidden", status=ClinicStatus.SUSPENDED)
    result = run(near="48336", radius="50")
    names = [h.clinic.name for h in result.hits]
    assert "Hidden" not in names
    assert "Ketamine Institute of Michigan" in names


def test_pagination_counts_and_slices(app, make_clinic):
    for i in range(7):
        make_clinic(f"Clinic {i:02d}")
    first = run(near="48336", per_page="3", sort="name")
    third = run(near="48336", per_page="3", sort="name", page="3")
    assert (first.total, first.pages) == (7, 3)
    assert [h.clinic.name for h in first.hits] == ["Clinic 00", "Clinic 01", "Clinic 02"]
    assert [h.clinic.name for h in third.hits] == ["Clinic 06"]


def test_stale_price_still_counts_but_is_flagged(app, make_clinic):
    old = date.today() - timedelta(days=400)
    clinic = make_clinic("Old prices", prices=(price("iv-infusion", 500, as_of=old),))
    [p] = clinic.public_prices
    assert p.is_stale(date.today(), 365)


def test_browser_coordinates_resolve_to_the_nearest_zip_state(app):
    place = geo.resolve_place(db.session, "42.4656,-83.3638")
    assert (place.kind, place.state) == ("point", "MI")
    assert place.latitude == pytest.approx(42.4656)
    assert "your location" in place.label


@pytest.mark.parametrize("text", ["95.0,-83.0", "51.5074,-0.1278"])
def test_coordinates_off_the_map_are_refused(app, text):
    with pytest.raises(geo.UnknownPlace):
        geo.resolve_place(db.session, text)
