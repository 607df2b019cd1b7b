"""What keeps search and costs cheap: fixed query counts, paged programs, summaries that follow
approvals at once, and HTTP validators for anonymous pages only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, select

from directory.extensions import db
from directory.listings import moderation, snapshots
from directory.models import Claim, Clinic, DataVersion, Place, Revision, User
from tests.conftest import login, post_form, price

CHICAGO = "60614"


def _statements(app, client, url: str) -> tuple[int, Any]:
    seen, response = _executed(app, client, url)
    return len(seen), response


def _executed(app, client, url: str) -> tuple[list[str], Any]:
    """The SQL a request sent, and its response."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    return seen, response


def _add_clinics(make_clinic, start: int, count: int) -> None:
    for n in range(start, start + count):
        make_clinic(
            f"Lakeside Clinic {n:03d}",
            slug=f"lakeside-{n:03d}",
            near=CHICAGO,
            prices=(price("iv-infusion", 400 + n),),
        )
        make_clinic(
            f"Statewide Telehealth {n:03d}",
            slug=f"statewide-{n:03d}",
            service_areas=("IL", "WI"),
            prices=(price("at-home", 200 + n, "month"),),
        )


def test_a_search_page_takes_the_same_queries_for_3_or_40_clinics(app, client, make_clinic):
    url = f"/search?near={CHICAGO}&radius=25"
    _add_clinics(make_clinic, 0, 3)
    few, small = _statements(app, client, url)
    _add_clinics(make_clinic, 3, 37)
    many, large = _statements(app, client, url)

    assert few == many
    small_html, large_html = small.get_data(as_text=True), large.get_data(as_text=True)
    assert "3 clinics found" in small_html and "40 clinics found" in large_html
    assert large_html.count('<li id="c') == 20 + 5  # a page of clinics and of programs
    assert len(large.get_data()) < 40_000


def test_api_search_takes_the_same_queries_for_3_or_40_clinics(app, client, make_clinic):
    url = f"/api/v1/clinics?near={CHICAGO}&radius=100&sort=price&per_page=50"
    _add_clinics(make_clinic, 0, 3)
    few, small = _statements(app, client, url)
    _add_clinics(make_clinic, 3, 37)
    many, large = _statements(app, client, url)

    assert few == many
    body = large.get_json()
    assert body["total"] == 40 and len(body["results"]) == 40
    cents = [r["lowest_session_price_cents"] for r in body["results"]]
    assert cents == sorted(cents) and cents[0] == 40000
    assert body["telehealth_programs_total"] == 40
    assert len(body["telehealth_programs"]) == 5


def test_a_place_searched_before_is_read_once_until_the_gazetteer_changes(app, client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside", near=CHICAGO)
    url = f"/search?near={CHICAGO}&radius=25"
    reads_places = [
        any("FROM places" in sql for sql in _executed(app, client, u)[0]) for u in (url, url)
    ]
    assert reads_places == [True, False]

    # The gazetteer moves the ZIP code's centre 600 miles south; the change moves the
    # data version, and the next search measures from the new centre.
    chicago = db.session.execute(select(Place).where(Place.key == CHICAGO)).scalar_one()
    chicago.latitude -= 9
    db.session.commit()
    seen, response = _executed(app, client, url)
    assert any("FROM places" in sql for sql in seen)
    assert "No clinics within 25 mi" in response.get_data(as_text=True)


def test_a_state_search_is_read_once_until_a_listing_changes(app, client, make_clinic):
    make_clinic("Texan One", slug="texan-one", near="75201")
    make_clinic("Texan Two", slug="texan-two", near="77002", free_consultation=True)
    url = "/search?near=TX&free_consultation=1"

    def reads_points() -> tuple[bool, str]:
        seen, response = _executed(app, client, url)
        return any("FROM search_points" in sql for sql in seen), response.get_data(as_text=True)

    first, second = reads_points(), reads_points()
    assert [first[0], second[0]] == [True, False]
    for _, page in (first, second):
        assert "Texan Two" in page and "Texan One" not in page
        assert "removing adds 1 clinic<" in page

    # A new listing moves the data version: the page and the filter's count are read again.
    make_clinic("Texan Three", slug="texan-three", near="78701", free_consultation=True)
    make_clinic("Texan Four", slug="texan-four", near="78701")
    read_again, page = reads_points()
    assert read_again
    assert "Texan Three" in page and "Texan Four" not in page
    assert "removing adds 2 clinics<" in page
    api = client.get("/api/v1/clinics?state=TX&free_consultation=1").get_json()
    assert [hit["slug"] for hit in api["results"]] == ["texan-three", "texan-two"]


def test_a_place_is_kept_as_read_and_a_browser_position_is_not(app, client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside", near=CHICAGO)
    full_width = "".join(chr(ord(digit) + 0xFEE0) for digit in CHICAGO)  # some keyboards
    urls = [f"/search?near={near}&radius=25" for near in (CHICAGO, full_width)]
    position = "/search?near=41.92,-87.65&radius=25"
    reads = [any("FROM places" in sql for sql in _executed(app, client, u)[0]) for u in urls]
    assert reads == [True, False]
    reads = [any("FROM places" in s for s in _executed(app, client, position)[0]) for _ in "ab"]
    assert reads == [True, True]


def test_a_place_added_to_the_gazetteer_is_found_at_once(client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside", near=CHICAGO)
    assert client.get("/search?near=99999").status_code == 400
    db.session.add(
        Place(kind="zip", key="99999", name="Newtown", state="IL", latitude=41.92, longitude=-87.65)
    )
    db.session.commit()
    page = client.get("/search?near=99999&radius=25").get_data(as_text=True)
    assert "Lakeside Clinic" in page and "Newtown" in page


def test_programs_serving_the_state_are_paged_by_name(client, make_clinic):
    make_clinic("Lakeside Clinic", near=CHICAGO)
    for n in range(12):
        make_clinic(f"Program {n:02d}", slug=f"program-{n:02d}", service_areas=("IL",))

    first = client.get(f"/search?near={CHICAGO}").get_data(as_text=True)
    assert "Programs 1–5 of 12" in first
    assert "Program 00" in first and "Program 04" in first and "Program 05" not in first
    assert "programs_page=2" in first

    third = client.get(f"/search?near={CHICAGO}&programs_page=3").get_data(as_text=True)
    assert "Programs 11–12 of 12" in third
    assert "Program 10" in third and "Program 11" in third and "Program 09" not in third
    assert "Lakeside Clinic" in third  # the clinics stay on their own first page

    api = client.get(f"/api/v1/clinics?near={CHICAGO}&programs_page=2").get_json()
    assert [p["slug"] for p in api["telehealth_programs"]] == [
        f"program-{n:02d}" for n in range(5, 10)
    ]
    bad = client.get(f"/search?near={CHICAGO}&programs_page=0")
    assert bad.status_code == 400


def test_a_page_of_programs_keeps_their_total_past_the_end_and_with_filters(client, make_clinic):
    for n in range(7):
        treatments = ("at-home",) if n % 2 else ("iv-infusion",)
        make_clinic(
            f"Program {n:02d}",
            slug=f"program-{n:02d}",
            service_areas=("IL",),
            treatments=treatments,
        )

    def programs(query: str) -> tuple[list[str], int]:
        body = client.get(f"/api/v1/clinics?state=IL&{query}").get_json()
        return [p["slug"] for p in body["telehealth_programs"]], body["telehealth_programs_total"]

    assert programs("programs_page=2") == (["program-05", "program-06"], 7)
    assert programs("programs_page=9") == ([], 7)  # past the last page, still counted
    assert programs("treatment=at-home") == (["program-01", "program-03", "program-05"], 3)
    assert programs("treatment=at-home&programs_page=2") == ([], 3)
    assert programs("treatment=kap") == ([], 0)


def test_nearest_first_matches_exact_distances_and_the_radius(client, make_clinic):
    # Chicago 60614 (41.92, -87.65); one inside 25 miles, one just beyond it.
    make_clinic("Near", slug="near", latitude=41.95, longitude=-87.70, state="IL")
    make_clinic("Middle", slug="middle", latitude=42.10, longitude=-87.75, state="IL")
    make_clinic("Beyond", slug="beyond", latitude=42.30, longitude=-87.65, state="IL")

    body = client.get(f"/api/v1/clinics?near={CHICAGO}&radius=25").get_json()
    assert [r["slug"] for r in body["results"]] == ["near", "middle"]
    distances = [r["distance_miles"] for r in body["results"]]
    assert distances == sorted(distances) and distances[-1] < 25
    wider = client.get(f"/api/v1/clinics?near={CHICAGO}&radius=30").get_json()
    assert [r["slug"] for r in wider["results"]] == ["near", "middle", "beyond"]


def _propose_price(app, make_user, clinic: Clinic, dollars: int) -> Revision:
    owner = make_user("owner@example.org", clinics=(clinic,))
    payload = snapshots.snapshot(clinic)
    payload["prices"] = [
        *payload["prices"],
        {
            "treatment": "iv-infusion",
            "amount_cents": dollars * 100,
            "unit": "session",
            "sessions_included": None,
            "included": "",
            "insurance_accepted": False,
            "source_url": "https://lakeside.example.com/prices",
            "as_of": (date.today() - timedelta(days=5)).isoformat(),
        },
    ]
    revision = moderation.propose_edit(db.session, owner, clinic, payload)
    db.session.commit()
    return revision


def test_an_approval_changes_costs_at_once(app, client, make_clinic, make_user):
    make_clinic("Texan One", near="75201", prices=(price("iv-infusion", 500),))
    clinic = make_clinic("Texan Two", slug="texan-two", near="77002")
    revision = _propose_price(app, make_user, clinic, 900)

    before = client.get("/api/v1/costs/summary?state=TX").get_json()
    page = client.get("/costs?state=TX")
    etag = page.headers["ETag"]
    iv = [r for r in before["rows"] if r["treatment"] == "iv-infusion"]
    assert before["prices"] == 1 and iv[0]["max_cents"] == 50000
    assert "$900" not in page.get_data(as_text=True)

    admin = make_user("admin@example.org", admin=True)
    admin_client = app.test_client()
    assert login(admin_client, admin.email).status_code == 302
    approved = post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/approve",
        {"reason": ""},
        form_page=f"/admin/revisions/{revision.id}",
    )
    assert approved.status_code == 302

    after = client.get("/api/v1/costs/summary?state=TX").get_json()
    iv = [r for r in after["rows"] if r["treatment"] == "iv-infusion"]
    assert after["prices"] == 2 and iv[0]["max_cents"] == 90000
    revalidated = client.get("/costs?state=TX", headers={"If-None-Match": etag})
    assert revalidated.status_code == 200 and "$900" in revalidated.get_data(as_text=True)
    assert revalidated.headers["ETag"] != etag


def test_every_change_to_a_listing_moves_the_data_version(app, make_clinic):
    def version() -> int:
        db.session.expire_all()
        return db.session.execute(select(DataVersion.version)).scalar_one()

    start = version()
    clinic = make_clinic("Versioned")
    after_create = version()
    clinic.phones[0].display = "(555) 555-0199"
    db.session.commit()
    after_edit = version()
    db.session.commit()  # nothing changed: the version stays

    assert start < after_create < after_edit == version()

    clinic.name = "Versioned Again"
    db.session.flush()
    savepoint = db.session.begin_nested()
    clinic.phones[0].display = "(555) 555-0198"
    db.session.flush()
    savepoint.rollback()
    db.session.commit()  # the rename before the savepoint still moves the version
    assert version() > after_edit


def test_anonymous_pages_revalidate_with_304(client, make_clinic):
    make_clinic("Cached", slug="cached", near=CHICAGO)
    for url in ("/about", "/clinics/cached", f"/search?near={CHICAGO}", "/api/v1/regions"):
        first = client.get(url)
        assert first.status_code == 200
        assert "public" in first.headers["Cache-Control"]
        assert "s-maxage" in first.headers["Cache-Control"]
        assert first.headers["ETag"] and first.headers["Last-Modified"]
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
        since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304
        stale = client.get(url, headers={"If-None-Match": 'W/"v0-2000-01-01"'})
        assert stale.status_code == 200


def test_an_approved_claim_or_an_unlinked_owner_redraws_the_clinic_page(
    app, client, make_clinic, make_user, admin_client
):
    clinic = make_clinic("Cached", slug="cached", near=CHICAGO)
    first = client.get("/clinics/cached")
    assert "Claim this listing" in first.get_data(as_text=True)
    owner = make_user("owner@example.org")
    login(client, owner.email)
    post_form(client, "/owner/clinics/cached/claim", {"note": "I run this clinic."})
    claim = db.session.execute(select(Claim)).scalar_one()
    post_form(
        admin_client, f"/admin/claims/{claim.id}/approve", {"reason": ""}, form_page="/admin/"
    )

    anonymous = app.test_client()
    revalidated = anonymous.get("/clinics/cached", headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 200
    page = revalidated.get_data(as_text=True)
    assert "Managed by the clinic" in page and "Claim this listing" not in page

    managed = revalidated.headers["ETag"]
    db.session.get(User, owner.id).clinics.remove(db.session.get(Clinic, clinic.id))
    db.session.commit()  # the owner unlinked: the listing's own rows are unchanged
    again = anonymous.get("/clinics/cached", headers={"If-None-Match": managed})
    assert again.status_code == 200 and "Claim this listing" in again.get_data(as_text=True)


def test_pages_with_forms_or_errors_are_not_shared(client, make_clinic):
    make_clinic("Cached", slug="cached", near=CHICAGO)
    for url in ("/clinics/cached/report", "/account/login", "/search?near=99999"):
        response = client.get(url)
        assert "ETag" not in response.headers
        assert "public" not in response.headers.get("Cache-Control", "")


def test_signed_in_pages_are_never_cached(app, client, make_clinic, make_user):
    make_clinic("Cached", slug="cached", near=CHICAGO)
    anonymous = client.get("/clinics/cached")
    etag = anonymous.headers["ETag"]
    user = make_user("owner@example.org")
    assert login(client, user.email).status_code == 302

    for url in ("/clinics/cached", "/about", f"/search?near={CHICAGO}"):
        response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 200
        assert "ETag" not in response.headers
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "Sign out" in response.get_data(as_text=True)
