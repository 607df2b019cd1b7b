"""What a search says around its results: a state filter beside a place, the nearest clinics
beyond the radius, a page past the last, distances, and places typed or pasted oddly."""

from __future__ import annotations

from tests.conftest import (
    between,
    card_for,
    card_slugs,
    elements,
    get,
    json_ld,
    listing_data,
    main,
    post_form,
    price_row,
    propose,
    text,
)
from tests.test_search_points import add_location

CHICAGO = "60614"


def chips(page: str) -> str:
    return between(page, 'class="chips"', "</div>")


def test_a_state_filter_beside_a_place_is_a_chip_that_removes_it(client, make_clinic):
    make_clinic("Lincoln Park Clinic", slug="lincoln-park", near=CHICAGO)
    make_clinic("Hammond Clinic", slug="hammond", near="46320")
    page = get(client, f"/search?near={CHICAGO}&radius=25&state=IN")
    assert card_slugs(page) == ["hammond"]
    chip = chips(page)
    assert "In Indiana" in chip and "removing adds 1 clinic" in chip
    assert f'href="/search?near={CHICAGO}&amp;radius=25"' in chip
    assert "Filters (1)" in page
    assert "En Indiana" in chips(get(client, f"/search?near={CHICAGO}&radius=25&state=IN&lang=es"))


def test_the_nearest_beyond_the_radius_keep_the_state_filter(client, make_clinic):
    make_clinic("Lincoln Park Clinic", slug="lincoln-park", near=CHICAGO)
    make_clinic("Buffalo Clinic", slug="buffalo", near="14202")
    page = get(client, f"/search?near={CHICAGO}&radius=25&state=NY")
    nearest = main(page).split("Nearest clinics beyond 25 miles", 1)[1]
    assert "Buffalo Clinic" in nearest and "Lincoln Park Clinic" not in page

    body = client.get(f"/api/v1/clinics?near={CHICAGO}&radius=25&state=NY").get_json()
    assert [c["slug"] for c in body["nearest_beyond_radius"]] == ["buffalo"]


def test_a_state_place_and_another_state_filter_ask_which_one(client, make_clinic):
    make_clinic("Buffalo Clinic", slug="buffalo", near="14202")
    page = get(client, "/search?near=New+York&state=NJ", status=400)
    assert "New York is a state and the state filter is New Jersey: choose one of them." in page
    # The city of that name is offered: clinics in New Jersey near New York City.
    assert 'href="/search?near=New+York,+NY&amp;state=NJ">New York, NY</a>' in page
    make_clinic("Hoboken Clinic", slug="hoboken", near="07030")
    assert card_slugs(get(client, "/search?near=New+York,+NY&state=NJ")) == ["hoboken"]
    spanish = get(client, "/search?near=New+York&state=NJ&lang=es", status=400)
    assert "Nueva York es un estado y el filtro de estado es Nueva Jersey" in spanish
    response = client.get("/api/v1/clinics?near=New+York&state=NJ")
    assert response.status_code == 400 and "near" in response.get_json()["errors"]
    assert card_slugs(get(client, "/search?near=New+York&state=NY")) == ["buffalo"]


def test_a_page_past_the_last_counts_its_pages_in_words(client, make_clinic):
    make_clinic("Lincoln Park Clinic", near=CHICAGO)
    page = get(client, f"/search?near={CHICAGO}&page=5")
    assert "There is only 1 page of results." in page
    assert "Solo hay 1 página de resultados." in get(
        client, f"/search?near={CHICAGO}&page=5&lang=es"
    )


def test_far_nearest_clinics_are_counted_in_grouped_miles(client, make_clinic):
    make_clinic("Anchorage Clinic", latitude=61.2181, longitude=-149.9003, state="AK")
    make_clinic("Fairbanks Clinic", latitude=64.8378, longitude=-147.7164, state="AK")
    page = get(client, "/search?near=99546&radius=25")
    assert "nearest are 1,208 to 1,370 mi away" in page  # 1,207.8 and 1,370.4 on the cards


def test_full_width_digits_and_a_pasted_zero_width_space_still_name_the_zip(client, make_clinic):
    make_clinic("Lincoln Park Clinic", slug="lincoln-park", near=CHICAGO)
    for typed in ("６０６１４", "60614\u200b", "\ufeff 60614 "):
        page = get(client, f"/search?near={typed}")
        assert "60614 (Chicago, IL)" in page and card_slugs(page) == ["lincoln-park"]


def test_spanish_asks_did_you_mean_with_both_marks(client):
    page = get(client, "/search?near=Nuva+York&lang=es", status=400)
    assert "¿Quiso decir <a" in page


def test_comparing_from_a_state_claims_no_distances(client, seeded):
    page = get(
        client, "/compare?clinics=ketamine-institute-of-michigan,renew-ketamine&near=Michigan"
    )
    assert "with distances from" not in page and ">Distance<" not in page
    near = get(client, "/compare?clinics=ketamine-institute-of-michigan,renew-ketamine&near=48336")
    assert "with distances from 48336" in near and ">Distance<" in near


def test_a_programs_states_are_listed_in_the_readers_order(client, make_clinic):
    make_clinic("Everywhere Program", slug="everywhere", service_areas=("NY", "NM", "DE", "DC"))
    english = get(client, "/clinics/everywhere")
    assert "licensed in: Delaware, District of Columbia, New Mexico, New York." in english
    spanish = get(client, "/clinics/everywhere?lang=es")
    assert "Delaware, Distrito de Columbia, Nueva York, Nuevo México." in spanish


def test_the_nearest_beyond_are_measured_from_their_locations_in_the_state(client, make_clinic):
    two_states = make_clinic("Lake and Falls Clinic", slug="two-states", near=CHICAGO)
    add_location(two_states, "Buffalo", "NY", 42.8864, -78.8784)
    from directory.extensions import db

    db.session.commit()
    page = main(get(client, f"/search?near={CHICAGO}&radius=25&state=NY"))
    assert "0 mi away" not in page and "0.0 mi" not in page
    assert "The nearest is 45" in page  # Buffalo, about 450 miles from Lincoln Park
    body = client.get(f"/api/v1/clinics?near={CHICAGO}&radius=25&state=NY").get_json()
    assert body["nearest_beyond_radius"][0]["distance_miles"] > 400


def test_a_result_shows_the_location_its_distance_was_measured_to(client, make_clinic):
    two_states = make_clinic("Lake and Falls Clinic", slug="two-states", near=CHICAGO)
    add_location(two_states, "Buffalo", "NY", 42.8864, -78.8784)
    from directory.extensions import db

    db.session.commit()
    near_chicago = card_for(get(client, f"/search?near={CHICAGO}&radius=25"), "two-states")
    near_buffalo = card_for(get(client, "/search?near=14202&radius=25"), "two-states")
    in_new_york = card_for(get(client, f"/search?near={CHICAGO}&state=NY"), "two-states")

    assert "Testville, IL" in text(near_chicago) and "Buffalo" not in text(near_chicago)
    assert "Also at 1 other location" in text(near_chicago)
    spanish = card_for(get(client, "/search?near=14202&radius=25&lang=es"), "two-states")
    assert "También en 1 ubicación más" in text(spanish)
    assert "Buffalo, NY" in text(near_buffalo) and "Testville" not in text(near_buffalo)
    assert 'data-lat="42.8864" data-lng="-78.8784"' in near_buffalo  # its map marker too
    assert "Buffalo, NY" in text(in_new_york) and "Testville" not in text(in_new_york)
    (hit,) = client.get("/api/v1/clinics?near=14202&radius=25").get_json()["results"]
    assert hit["location"]["city"] == "Buffalo" and hit["distance_miles"] < 5
    (far,) = client.get(f"/api/v1/clinics?near={CHICAGO}&radius=25").get_json()["results"]
    assert far["location"]["city"] == "Testville"
    rows = client.get("/search.csv?near=14202&radius=25").get_data(as_text=True).splitlines()
    assert ",Buffalo,NY," in rows[1]
    # The comparison opened from the New York search measures to Buffalo as its card did.
    compared = main(
        get(
            client,
            f"/compare?clinics=two-states&near={CHICAGO}&search=near%3D{CHICAGO}%26state%3DNY",
        )
    )
    assert "45" in text(between(compared, "Distance", "</tr>")) and "0.0 mi" not in compared


def test_a_clinic_page_lists_every_location_with_its_own_directions(client, make_clinic):
    two_states = make_clinic("Lake and Falls Clinic", slug="two-states", near=CHICAGO)
    add_location(two_states, "Buffalo", "NY", 42.8864, -78.8784)
    from directory.extensions import db

    db.session.commit()
    page = main(get(client, "/clinics/two-states"))
    locations = elements(page, "ul.locations > li")

    assert len(locations) == 2
    assert "Testville, IL" in text(locations[0]) and "Buffalo, NY" in text(locations[1])
    assert "42.8864, -78.8784" in text(locations[1])
    directions = [text(link) for link in elements(page, "a.directions")]
    assert directions == [
        "Directions to Lake and Falls Clinic (Testville) (OpenStreetMap)",
        "Directions to Lake and Falls Clinic (Buffalo) (OpenStreetMap)",
    ]
    one = make_clinic("Lincoln Park Clinic", slug="lincoln-park", near=CHICAGO)
    single = main(get(client, f"/clinics/{one.slug}"))
    assert not elements(single, "ul.locations")
    assert [text(a) for a in elements(single, "a.directions")] == [
        "Directions to Lincoln Park Clinic (OpenStreetMap)"
    ]
    assert "Ubicaciones" in get(client, "/clinics/two-states?lang=es")
    # Search engines are given every location too; the first stays the clinic's address.
    [data] = json_ld(get(client, "/clinics/two-states"))
    assert data["address"]["addressLocality"] == "Testville"
    places = [(p["address"]["addressLocality"], p["geo"]["latitude"]) for p in data["location"]]
    assert places == [("Testville", data["geo"]["latitude"]), ("Buffalo", 42.8864)]
    assert "location" not in json_ld(get(client, f"/clinics/{one.slug}"))[0]
    # A state's page lists the clinic under its city there, with the street there.
    new_york = text(main(get(client, "/regions/NY")))
    assert "Lake and Falls Clinic" in new_york and "1 Test St" not in new_york
    assert "Lake and Falls Clinic — 1 Test St" in text(main(get(client, "/regions/IL")))


def test_a_state_chip_starts_the_programs_again_at_their_first_page(client, make_clinic):
    make_clinic("Hammond Clinic", near="46320")
    page = get(client, f"/search?near={CHICAGO}&radius=25&state=IN&programs_page=2")
    assert "programs_page" not in chips(page)


def test_costs_ask_which_state_too(client):
    assert client.get("/api/v1/costs/summary?near=New+York&state=NJ").status_code == 400
    page = get(client, "/costs?near=New+York&state=NJ", status=400)
    assert "New York is a state and the state filter is New Jersey" in page


def test_direction_marks_from_a_map_app_and_full_width_letters_still_read(client, make_clinic):
    make_clinic("Lincoln Park Clinic", slug="lincoln-park", near=CHICAGO)
    assert card_slugs(get(client, "/search?near=\u200e60614\u202c")) == ["lincoln-park"]
    typed = client.get("/places/suggest?q=Ｃｈｉｃａ").get_json()["suggestions"]
    assert "Chicago, IL" in typed


def test_an_owner_cannot_store_a_full_width_zip_code(owner_client):
    data = listing_data(postal_code="４８３３６")
    response = post_form(owner_client, "/owner/clinics/ketamine-institute-of-michigan/edit", data)
    assert response.status_code == 400
    summary = between(response.get_data(as_text=True), 'class="error-summary"', "</div>")
    assert "ZIP code" in summary


def test_a_series_price_names_its_sessions_in_both_languages(owner_client):
    revision = propose(owner_client, **price_row(unit="series", sessions_included="6"))
    english = get(owner_client, f"/owner/revisions/{revision.id}")
    assert "per series of 6 sessions" in english
    spanish = get(owner_client, f"/owner/revisions/{revision.id}?lang=es")
    assert "por serie de 6 sesiones" in spanish


def test_a_state_with_no_clinics_shows_the_nearest_outside_it(client, make_clinic):
    make_clinic("Cape May Clinic", slug="cape-may", near="08204")  # New Jersey, over the bay
    make_clinic("Far Clinic", slug="far", near="48336")
    make_clinic("Dover Program", slug="dover-program", near=None, service_areas=("DE",))
    for typed in ("Delaware", "DE"):
        page = main(get(client, f"/search?near={typed}"))
        assert "No clinics in Delaware" in text(page)
        assert "Nearest clinics outside Delaware" in text(page)
        assert "measured from the middle of Delaware" in text(page)
        nearest = between(page, "Nearest clinics outside", "</ol>")
        assert card_slugs(nearest)[0] == "cape-may"
        card = card_for(page, "cape-may")
        assert " mi away" in text(card)
        assert "dover-program" in card_slugs(page)  # the programs serving the state follow
    answer = client.get("/api/v1/clinics?near=Delaware").get_json()
    assert answer["results"] == []
    [first, *_] = answer["nearest_beyond_radius"]
    assert first["slug"] == "cape-may" and 20 < first["distance_miles"] < 80
    # a state with a clinic shows it, and no nearest outside
    page = main(get(client, "/search?near=Michigan"))
    assert "far" in card_slugs(page) and "Nearest clinics outside" not in page


def test_one_nearest_clinic_is_named_in_the_singular(client, make_clinic):
    make_clinic("Cape May Clinic", slug="cape-may", near="08204")
    page = text(main(get(client, "/search?near=Delaware")))
    assert "The nearest, measured from the middle of Delaware, is " in page
    assert "The 1 nearest" not in page
    page = text(main(get(client, "/search?near=19901&radius=10")))  # Dover
    assert "The nearest is " in page and "The 1 nearest" not in page
    client.set_cookie("lang", "es")
    page = text(main(get(client, "/search?near=19901&radius=10")))
    assert "La más cercana está a " in page


def test_a_state_search_that_finds_nothing_offers_no_radius(client, make_clinic):
    make_clinic("Dover Clinic", slug="dover", near="19901", prices=())
    for url, advice in (
        ("/search?near=Guam", "Browse by state to see where the directory lists clinics."),
        ("/search?near=Guam&max_price=1", "Try fewer filters, or browse by state"),
        ("/search?near=96910&radius=10", "Try a larger radius, or browse by state"),
    ):
        page = text(main(get(client, url)))
        assert advice in page, url
    assert "larger radius" not in text(main(get(client, "/search?near=Guam")))
