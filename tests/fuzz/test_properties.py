"""Property tests: any input gets a page or a validation error, never a 500 or bad data."""

from __future__ import annotations

import os
import re

import pytest
from babel import numbers
from geopy.distance import great_circle
from geopy.point import Point
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from directory.config import Defaults
from directory.extensions import db
from directory.formatting import miles, squeeze
from directory.i18n import babel_locale
from directory.models import PatientReport, Price, Revision, User
from directory.search import places as geo
from directory.search.params import PARAMS
from tests.conftest import configure, csrf_token, login

# `make stress` raises the number of examples through FUZZ_EXAMPLES.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEARCH_PARAMS = [param.name for param in PARAMS]
# Plausible values mixed with anything at all.
VALUES = st.one_of(
    st.text(max_size=120),
    st.sampled_from(
        [
            "48336",
            "Chicagoland",
            "Michigan",
            "Farmington Hills, MI",
            "MI",
            "-1",
            "0",
            "1e400",
            "nan",
            "inf",
            "25",
            "iv-infusion",
            "ptsd",
            "price",
            "42.4656,-83.3638",
            "99999",
            "<script>alert(1)</script>",
            "²",
            "1,000",
        ]
    ),
)


def count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@FUZZ
@given(text=st.text(max_size=300))
def test_place_parser_answers_a_place_or_a_reason(app, text):
    try:
        place = geo.resolve_place(db.session, text)
    except geo.UnknownPlace as exc:
        assert str(exc)
    else:
        assert place.kind in {"zip", "city", "metro", "state", "point"}
        assert place.state is None or len(place.state) == 2


def answered(response) -> bool:
    """200 or 400; 414 exactly when the encoded query string is over the site's limit."""
    too_long = len(response.request.query_string) > Defaults.MAX_QUERY_STRING_LENGTH
    return response.status_code in ((414,) if too_long else (200, 400))


@FUZZ
@given(params=st.dictionaries(st.sampled_from(SEARCH_PARAMS), VALUES, max_size=6))
@example(params={name: "\U0008d57a" * 120 for name in SEARCH_PARAMS[:6]})
def test_search_page_and_api_answer_200_or_400(client, seeded, params):
    page = client.get("/search", query_string=params)
    assert answered(page)
    assert "<script>alert(1)</script>" not in page.get_data(as_text=True)
    api = client.get("/api/v1/clinics", query_string=params)
    assert answered(api)
    assert api.is_json
    costs = client.get("/costs", query_string=params)
    assert answered(costs)


@pytest.fixture
def clinics_of_many_shapes(make_clinic) -> None:
    """Clinics near Farmington Hills and Grand Rapids, and telehealth programs serving
    Michigan (some of them examples, whose cards come with line breaks)."""
    for n in range(4):
        make_clinic(f"Hills Clinic {n}", latitude=42.4656 + n / 50, longitude=-83.3638)
    make_clinic("Rapids Clinic", latitude=42.9634, longitude=-85.6681)
    for n in range(6):
        make_clinic(f"Program {n}", service_areas=("MI",), is_example=n % 2 == 0)


SHAPED_PLACES = [
    "48336",
    "48334",
    "49503",
    " 48336 ",
    "\uff14\uff18\uff13\uff13\uff16",  # full-width digits
    "Farmington Hills, MI",
    "Grand Rapids, MI",
    "Michigan",
    "M\u00edchigan",
    "Chicagoland",
]
SHAPES = st.dictionaries(
    st.sampled_from(["radius", "sort", "page", "programs_page", "per_page", "lang", "state"]),
    st.sampled_from(["1", "2", "3", "10", "25", "100", "price", "name", "es", "en", "MI"]),
    max_size=4,
)


@FUZZ
@given(near=st.sampled_from(SHAPED_PLACES), params=SHAPES)
def test_a_search_page_filled_in_from_its_shape_is_the_page_rendered_whole(
    app, client, seeded, clinics_of_many_shapes, near, params
):
    query = {"near": near, **params}
    configure(app, SEARCH_PAGES_BY_SHAPE=False)
    whole = client.get("/search", query_string=query).get_data(as_text=True)
    configure(app, SEARCH_PAGES_BY_SHAPE=True)
    filled = client.get("/search", query_string=query).get_data(as_text=True)
    again = client.get("/search", query_string=query).get_data(as_text=True)
    assert filled == whole and again == whole


@FUZZ
@given(category=VALUES, note=st.text(max_size=3000), trap=st.sampled_from(["", "x"]))
def test_report_form_stores_only_valid_reports(client, seeded, category, note, trap):
    url = "/clinics/ketamine-institute-of-michigan/report"
    before = count(PatientReport)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "category": category,
            "note": note,
            "website_url": trap,
        },
    )
    assert response.status_code in (302, 400)
    stored = count(PatientReport) - before
    valid = (
        category
        in {"address", "phone", "website", "hours", "price", "treatments", "closed", "other"}
        and len(note) <= 2000
        and not trap
    )
    assert stored == (1 if valid and response.status_code == 302 else 0)


@FUZZ
@given(email=VALUES, password=st.text(max_size=300))
def test_registration_creates_only_valid_accounts(client, email, password):
    before = count(User)
    token = csrf_token(client, "/account/register")
    response = client.post(
        "/account/register",
        data={"csrf_token": token, "email": email, "password": password, "confirm": password},
    )
    assert response.status_code in (200, 400)
    created = count(User) - before
    assert created in (0, 1)
    if created:
        assert response.status_code == 200 and 12 <= len(password) <= 256 and "@" in email


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {
            "name": VALUES,
            "website": VALUES,
            "email": VALUES,
            "postal_code": VALUES,
            "state": VALUES,
            "hours": st.text(max_size=1500),
            "phones-0-display": VALUES,
            "prices-0-treatment": VALUES,
            "prices-0-amount": VALUES,
            "prices-0-unit": VALUES,
            "prices-0-source_url": VALUES,
            "prices-0-as_of": VALUES,
            "prices-0-sessions_included": VALUES,
        }
    )
)
def test_owner_proposals_store_only_valid_prices(app, seeded, make_user, fields):
    from directory.models import Clinic

    clinic = db.session.execute(
        select(Clinic).where(Clinic.slug == "ketamine-institute-of-michigan")
    ).scalar_one()
    owner = db.session.execute(select(User).where(User.email == "fuzz@example.org")).scalar()
    owner = owner or make_user("fuzz@example.org", clinics=(clinic,))
    client = app.test_client()
    login(client, owner.email)
    url = "/owner/clinics/ketamine-institute-of-michigan/edit"
    before = count(Revision)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **fields})
    assert response.status_code in (302, 400)
    assert count(Revision) - before == (1 if response.status_code == 302 else 0)
    for revision in db.session.execute(select(Revision)).scalars():
        for p in revision.payload["prices"]:
            assert p["amount_cents"] > 0 and p["source_url"].startswith(("http://", "https://"))
            assert p["as_of"] and p["treatment"]
    assert count(Price) == 0  # nothing reaches the listing without a moderator


# Whitespace of every kind, and a little text between it.
PAGE_TEXT = st.text(alphabet=st.sampled_from([" ", "\t", "\n", "\r", "\xa0", "\u2003", "a", "<"]))


@FUZZ
@given(text=PAGE_TEXT)
@example(text="")
@example(text="a \n\n  b\t\n")
@example(text=" \xa0\n\xa0 x")
def test_squeeze_folds_whitespace_across_lines_as_its_pattern_says(text):
    folded = re.sub(r"[ \t]*\n\s*", "\n", text)
    assert str(squeeze(text)) == str(escape(folded))


LATITUDES = st.floats(min_value=-89.999, max_value=89.999)
LONGITUDES = st.floats(min_value=-179.999, max_value=179.999)


@FUZZ
@given(lat1=LATITUDES, lng1=LONGITUDES, lat2=LATITUDES, lng2=LONGITUDES)
@example(lat1=41.9229, lng1=-87.6483, lat2=41.9229, lng2=-87.6483)
@example(lat1=0.0, lng1=179.5, lat2=0.0, lng2=-179.5)
def test_distances_are_geopys_great_circle_miles(lat1, lng1, lat2, lng2):
    assert (
        geo.distance_miles(lat1, lng1, lat2, lng2) == great_circle((lat1, lng1), (lat2, lng2)).miles
    )


@FUZZ
@given(
    value=st.one_of(
        st.floats(min_value=0.0, max_value=1e7, allow_nan=False),
        st.integers(min_value=0, max_value=10**6).map(lambda n: n / 100),  # exact ties
    ),
    locale=st.sampled_from(["en_US", "es_US"]),
)
@example(value=0.25, locale="en_US")
@example(value=0.35, locale="en_US")
@example(value=1e-05, locale="en_US")
@example(value=1234.95, locale="es_US")
def test_miles_are_babels_tenths_of_the_distance(app, value, locale):
    with app.test_request_context(headers={"Accept-Language": locale.replace("_", "-")}):
        text = numbers.format_decimal(value, format="#,##0.0", locale=babel_locale())
        assert miles(value) == f"{text} mi"


@FUZZ
@given(
    lat=LATITUDES,
    lng=LONGITUDES,
    radius=st.floats(min_value=0.5, max_value=3000.0),
    bearing=st.floats(min_value=0.0, max_value=360.0),
    share=st.floats(min_value=0.0, max_value=0.999),
)
@example(lat=51.8549, lng=-177.0888, radius=250.0, bearing=270.0, share=0.6)
@example(lat=51.9, lng=179.9, radius=200.0, bearing=90.0, share=0.9)
@example(lat=70.0, lng=0.0, radius=500.0, bearing=299.5, share=0.999)  # wide, far north
@example(lat=64.8378, lng=-147.7164, radius=1000.0, bearing=300.0, share=0.999)
@example(lat=89.0, lng=10.0, radius=200.0, bearing=180.0, share=0.5)  # around the pole
def test_a_search_box_holds_every_point_of_its_circle(lat, lng, radius, bearing, share):
    box = geo.bounding_box(lat, lng, radius)
    point = great_circle(miles=radius * share).destination(Point(lat, lng), bearing)
    assert box.min_lat <= point.latitude <= box.max_lat
    ranges = box.longitude_ranges()
    assert all(-180 <= low <= high <= 180 for low, high in ranges)
    assert any(low <= point.longitude <= high for low, high in ranges)


# A few treatments, units and amounts, so that groups share amounts and medians fall
# between two of them.
PRICE_SPECS = st.lists(
    st.tuples(
        st.sampled_from(["iv-infusion", "esketamine", "at-home"]),
        st.sampled_from(["session", "month"]),
        st.sampled_from([99.5, 100, 250, 250.01, 400, 725, 1000]),
        st.booleans(),  # with a source (published) or not
    ),
    min_size=1,
    max_size=12,
)


@FUZZ
@given(specs=PRICE_SPECS)
def test_a_region_summary_is_the_count_min_median_and_max_of_its_prices(
    app, client, make_clinic, specs
):
    from directory.api import serializers
    from directory.models import Clinic, ClinicStatus
    from directory.prices import pricing
    from tests.conftest import price

    make_clinic(
        prices=tuple(
            price(t, dollars, unit, source_url="https://example.com/p" if sourced else None)
            for t, unit, dollars, sourced in specs
        )
    )
    make_clinic(status=ClinicStatus.DRAFT, prices=(price("iv-infusion", 1),))
    shown = db.session.execute(
        select(Price)
        .join(Clinic)
        .where(Clinic.status == ClinicStatus.PUBLISHED, Price.is_publishable)
    ).scalars()
    expected = pricing.summarise((p.treatment.slug, p.unit, p.amount_cents) for p in shown)
    summary = client.get("/api/v1/costs/summary").get_json()
    assert summary["rows"] == [serializers.summary_row(row) for row in expected]
    assert summary["prices"] == sum(row.count for row in expected)
