"""The API's search results are written beside the result cards when their listing
changes; an API search gives the kept result only while it is exactly what it would
serialize now."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import func, select, update

from directory.api import kept_results
from directory.extensions import db
from directory.listings import rows as listing_rows
from directory.models import Clinic, ListingCard
from directory.public import stored_cards
from tests.conftest import approve, configure, price, price_row, propose, two_sites
from tests.ingest.test_hpt_import import _approve, _import

CHICAGO = "60614"
SEARCHES = (
    f"/api/v1/clinics?near={CHICAGO}&radius=25",
    f"/api/v1/clinics?near={CHICAGO}&radius=100&sort=price",
    f"/api/v1/clinics?near={CHICAGO}&radius=25&treatment=esketamine",
    "/api/v1/clinics?state=IL",
    "/api/v1/clinics?near=48336&radius=25",
    "/api/v1/clinics?near=90210&radius=5",  # none within: the nearest beyond
)


def answer(client, url: str) -> dict:
    """An API search as a new worker answers it (its own copies forgotten first)."""
    kept_results._KEPT.clear()
    listing_rows._KEPT.clear()
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    data = response.get_json()
    text = response.get_data(as_text=True)
    if "KEPT-MARKER" not in text:  # a marked result repeats its name
        # Written as `jsonify` writes it: keys sorted, no spaces, one line.
        assert text == json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"
    return data


def summaries(slug: str) -> dict[tuple[int, str], str | None]:
    """A listing's kept results: (location index, locale) -> its JSON."""
    rows = db.session.execute(
        select(ListingCard.location_index, ListingCard.locale, ListingCard.summary)
        .join(Clinic, Clinic.id == ListingCard.clinic_id)
        .where(Clinic.slug == slug)
    ).all()
    return {(index, locale): summary for index, locale, summary in rows}


def mark(slug: str, *where) -> None:
    """Rename a listing in its kept results, behind the site's back (a later key wins)."""
    clinic_id = db.session.execute(select(Clinic.id).where(Clinic.slug == slug)).scalar_one()
    db.session.execute(
        update(ListingCard)
        .where(ListingCard.clinic_id == clinic_id, ListingCard.summary.is_not(None), *where)
        .values(
            summary=func.replace(ListingCard.summary, '"slug":', '"name":"KEPT-MARKER","slug":')
        )
    )
    db.session.commit()


def names(data: dict) -> list[str]:
    return [hit["name"] for key in ("results", "nearest_beyond_radius") for hit in data[key]]


def test_the_api_gives_the_kept_results_and_they_are_what_it_would_serialize(
    client, make_clinic, make_user
):
    old = date.today() - timedelta(days=500)
    make_clinic(
        "Lakeside",
        slug="lakeside",
        near=CHICAGO,
        prices=(price("iv-infusion", 525), price("esketamine", 775, as_of=old)),
        treatments=("iv-infusion", "esketamine"),
    )
    make_clinic("Lincoln Park", slug="lincoln", near=CHICAGO, treatments=("esketamine",))
    make_clinic("Anywhere Online", slug="online", near=None, service_areas=("IL", "MI"))
    two_sites(make_clinic)
    _import("v3_small.json")
    _approve(make_user, "example-general-hospital")
    with_kept = {url: answer(client, url) for url in SEARCHES}
    assert {"Lakeside", "Two Sites"} <= set(names(with_kept[SEARCHES[0]]))
    assert names(with_kept[SEARCHES[-1]])  # the nearest beyond the radius
    assert with_kept["/api/v1/clinics?state=IL"]["telehealth_programs"]

    db.session.execute(update(ListingCard).values(summary=None))
    db.session.commit()
    for url in SEARCHES:
        assert answer(client, url) == with_kept[url], url

    # And the API does read them: a result changed behind the site's back shows.
    db.session.execute(ListingCard.__table__.delete())
    db.session.commit()
    make_clinic("Lakeside Two", slug="lakeside-two", near=CHICAGO)
    mark("lakeside-two")
    assert "KEPT-MARKER" in names(answer(client, SEARCHES[0]))


def test_only_the_default_languages_card_keeps_the_result(make_clinic):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO, prices=(price("iv-infusion", 525),))
    kept = summaries("lakeside")
    assert kept[(0, "es_US")] is None
    result = json.loads(kept[(0, "en_US")])
    assert result["slug"] == "lakeside" and result["prices"][0]["amount_cents"] == 52500
    assert result["distance_miles"] is None and result["lowest_session_price_cents"] is None


def test_an_approved_price_is_in_the_kept_result_and_the_api(client, owner_client, admin_client):
    url = "/api/v1/clinics?near=48336&radius=25"
    before = answer(client, url)
    revision = propose(owner_client, **price_row())
    approve(admin_client, revision)
    (hit,) = answer(client, url)["results"]
    assert [p["amount_cents"] for p in hit["prices"]] == [45000]
    assert before["results"][0]["prices"] == []
    slug = hit["slug"]
    assert json.loads(summaries(slug)[(0, "en_US")])["prices"][0]["amount_cents"] == 45000


def priced_until_soon(make_clinic, limit: int) -> date:
    """A listing, verified today, whose one price turns stale in three days; its as-of."""
    as_of = date.today() - timedelta(days=limit - 3)
    make_clinic(
        "Lakeside",
        slug="lakeside",
        near=CHICAGO,
        prices=(price("iv-infusion", 525, as_of=as_of),),
        last_verified_on=date.today(),
    )
    return as_of


def test_a_result_whose_price_turns_stale_holds_until_that_day(app, client, make_clinic):
    limit = app.config["PRICE_STALE_AFTER_DAYS"]
    as_of = priced_until_soon(make_clinic, limit)
    good_through = db.session.execute(
        select(ListingCard.good_through).where(ListingCard.locale == "en_US")
    ).scalar_one()
    assert good_through == as_of + timedelta(days=limit)  # the price turns first

    mark("lakeside")
    assert names(answer(client, SEARCHES[0])) == ["KEPT-MARKER"]
    db.session.execute(update(ListingCard).values(good_through=date.today() - timedelta(days=1)))
    db.session.commit()
    assert names(answer(client, SEARCHES[0])) == ["Lakeside"]


def test_render_cards_renders_a_listing_whose_price_has_turned_stale(app, make_clinic):
    limit = app.config["PRICE_STALE_AFTER_DAYS"]
    as_of = priced_until_soon(make_clinic, limit)
    turned = as_of + timedelta(days=limit + 1)  # its Spanish card holds for longer
    assert stored_cards.render_due(db.session, date.today()) == 0
    assert stored_cards.render_due(db.session, turned) == 1


def test_results_kept_under_another_staleness_limit_are_not_given(app, client, make_clinic):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO)
    mark("lakeside")
    assert names(answer(client, SEARCHES[0])) == ["KEPT-MARKER"]
    configure(app, PRICE_STALE_AFTER_DAYS=30)
    assert names(answer(client, SEARCHES[0])) == ["Lakeside"]


def test_the_api_gives_the_kept_result_of_the_nearest_location(client, make_clinic):
    clinic = two_sites(make_clinic)
    kept = summaries("two-sites")
    assert json.loads(kept[(1, "en_US")])["location"]["address_1"] == "9 North Ave"
    mark("two-sites", ListingCard.location_index == 1)
    (hit,) = answer(client, SEARCHES[0])["results"]
    assert hit["name"] == "KEPT-MARKER" and hit["location"]["address_1"] == "9 North Ave"
    assert 0 < hit["distance_miles"] < 25

    del clinic.locations[0]
    db.session.commit()
    (hit,) = answer(client, SEARCHES[0])["results"]
    assert hit["name"] == "Two Sites" and hit["location"]["address_1"] == "9 North Ave"
