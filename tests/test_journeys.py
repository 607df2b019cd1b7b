"""The patient journeys a phone and a keyboard need: crisis line, results first, chips, compare."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from directory.extensions import db
from directory.models import Place
from tests.conftest import (
    MICHIGAN,
    RENEW,
    at_fh,
    between,
    card_for,
    card_slugs,
    field_error,
    get,
    main,
    price,
    text,
)
from tests.ingest.test_hpt_import import _approve as approve_hospital
from tests.ingest.test_hpt_import import _import as import_price_file


def links(fragment: str) -> dict[str, str]:
    """Link texts (tags stripped) mapped to their hrefs, entities decoded."""
    found = {}
    for href, inner in re.findall(r'<a\b[^>]*href="([^"]*)"[^>]*>(.*?)</a>', fragment, re.S):
        found[text(re.sub(r"<[^>]+>", "", inner))] = href.replace("&amp;", "&")
    return found


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- 1. the crisis line -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/regions", "/costs", "/account/login", "/compare"])
def test_every_page_has_a_crisis_bar_to_call_text_or_chat_and_911(client, url):
    page = get(client, url)
    bar = between(page, '<aside class="crisis"', "</aside>")
    hrefs = links(bar)
    assert hrefs["Call 988"] == "tel:988"
    assert hrefs["Text 988"] == "sms:988"
    assert hrefs["Chat with the 988 Lifeline online"] == "https://988lifeline.org/chat/"
    assert "tel:911" in hrefs.values()
    assert bar.count('class="crisis-button"') == 4


def test_results_for_suicidal_ideation_say_clinics_are_not_emergency_care(client, make_clinic):
    make_clinic("Crisis Aware Clinic", conditions=("suicidal-ideation",), **at_fh(0.1))
    page = main(get(client, "/search?near=48336&condition=suicidal-ideation"))
    notice = between(page, '<div class="crisis-notice"', "</div>")
    assert "clinics are not emergency care" in text(notice)
    assert "see patients by appointment and cannot help in an emergency" in text(notice)
    assert "treat" not in text(notice)  # no claim, in the directory's voice, of what works
    assert 'href="tel:988"' in notice and 'href="sms:988"' not in notice
    assert page.index("crisis-notice") < page.index('<li id="c')
    other = main(get(client, "/search?near=48336&condition=depression"))
    assert "crisis-notice" not in other


def test_clinic_page_that_lists_suicidal_ideation_carries_the_notice(client, make_clinic):
    listed = make_clinic("Lists It", conditions=("depression", "suicidal-ideation"))
    silent = make_clinic("Does Not", conditions=("depression",))
    assert "clinics are not emergency care" in text(main(get(client, f"/clinics/{listed.slug}")))
    assert "crisis-notice" not in main(get(client, f"/clinics/{silent.slug}"))


# --- 2 and 5. results first, the radius used ---------------------------------------------------


def test_results_fold_the_form_into_a_summary_line_with_the_radius_used(client, make_clinic):
    make_clinic("Near One", treatments=("iv-infusion",), accepts_insurance=True, **at_fh(0.1))
    page = main(get(client, "/search?near=48336&treatment=iv-infusion&insurance=1"))
    edit = between(page, '<details class="search-edit"', "</summary>")
    assert text(edit) == "48336 · 25 mi · Filters (2) Edit search"
    assert '<details class="search-edit" open' not in page
    # the list comes before the map, which waits behind a toggle with a way past it
    assert page.index('id="results-list"') > page.index('id="map-toggle"')
    skip = re.search(r'<a class="skip-map[^"]*" id="skip-map" href="#results-list" hidden>', page)
    assert skip and skip.start() < page.index('id="map-toggle"')
    assert re.search(r'<details class="map-toggle" id="map-toggle" hidden>\s*<summary>Map', page)


def test_radius_is_a_choice_and_shows_the_radius_a_metro_search_used(client, seeded):
    page = main(get(client, "/search?near=Chicagoland"))
    assert "within 50 miles of Chicagoland" in text(page)
    select = between(page, '<select id="f-radius"', "</select>")
    options = re.findall(r'<option value="([^"]*)"( selected)?>', select)
    assert [v for v, _ in options] == ["10", "25", "50", "100"]
    assert [v for v, chosen in options if chosen] == ["50"]
    assert "Chicagoland · 50 mi" in text(between(page, "<summary>", "</summary>"))


def test_a_radius_outside_the_choices_still_works_and_is_shown(client, make_clinic):
    make_clinic("Far One", **at_fh(2.5))  # about 173 miles north
    page = main(get(client, "/search?near=48336&radius=200"))
    assert "1 clinic found" in text(page)
    select = between(page, '<select id="f-radius"', "</select>")
    assert '<option value="200" selected>200 mi</option>' in select
    home = get(client, "/")
    assert '<option value="" selected>25 mi, or a whole metro area</option>' in home


@pytest.mark.parametrize("radius", ["abc", "-5", "100000"])
def test_a_refused_radius_leaves_the_default_chosen(client, make_clinic, radius):
    make_clinic("Near One", **at_fh(0.1))
    response = client.get(f"/search?near=48336&radius={radius}")
    assert response.status_code == 400
    select = between(response.get_data(as_text=True), '<select id="f-radius"', "</select>")
    options = re.findall(r'<option value="([^"]*)"( selected)?>', select)
    assert [v for v, _ in options] == ["", "10", "25", "50", "100"]
    assert [v for v, chosen in options if chosen] == [""]  # not "10", the first choice


def test_a_search_sent_with_the_place_left_empty_says_what_it_needs(client, make_clinic):
    make_clinic("Near One", **at_fh(0.1))
    response = client.get("/search?near=&radius=&treatment=")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_error(page, "near") == (
        "Enter a ZIP code, a city and state, a state, or a metro area."
    )
    assert "Near One" not in page
    blank = client.get("/search")  # the page opened without a search: no complaint
    assert blank.status_code == 200
    assert field_error(blank.get_data(as_text=True), "near") is None


# --- 7. empty and filtered results ------------------------------------------------------------


def test_nothing_in_the_radius_says_how_far_the_nearest_are(client, make_clinic):
    make_clinic("Nearer Clinic", **at_fh(0.25))  # about 17.3 miles
    make_clinic("Farther Clinic", **at_fh(0.5))  # about 34.5 miles
    words = text(main(get(client, "/search?near=48336&radius=10")))
    assert "No clinics within 10 mi" in words
    assert "The 2 nearest are 17 to 35 mi away" in words
    assert "0 clinics found" not in words
    assert "match your filters" not in words and "Filters (0)" in words


def test_each_active_filter_is_a_chip_that_removes_it_and_says_what_that_adds(client, make_clinic):
    make_clinic(
        "Cheap IV", treatments=("iv-infusion",), prices=(price("iv-infusion", 400),), **at_fh(0.1)
    )
    make_clinic(
        "Dear IV", treatments=("iv-infusion",), prices=(price("iv-infusion", 900),), **at_fh(0.12)
    )
    make_clinic("Spravato Only", treatments=("esketamine",), **at_fh(0.14))
    page = main(get(client, "/search?near=48336&treatment=iv-infusion&max_price=500"))
    assert "1 clinic found" in text(page)
    chips = between(page, '<div class="chips"', "</div>")
    hrefs = links(chips)
    treatment_link = hrefs["Remove filter: IV ketamine infusion ✕"]
    price_link = hrefs["Remove filter: Up to $500 a session ✕"]
    assert query_of(treatment_link) == {"near": ["48336"], "max_price": ["500"]}
    assert query_of(price_link) == {"near": ["48336"], "treatment": ["iv-infusion"]}
    words = text(chips)
    assert "IV ketamine infusion ✕ removing adds 1 clinic" not in words  # the price still applies
    assert "Up to $500 a session ✕ removing adds 1 clinic" in words
    assert "Filters (2)" in text(page)
    assert 'class="chips"' not in main(get(client, "/search?near=48336"))


# --- 8. result cards ---------------------------------------------------------------------------


def test_card_names_the_treatment_of_each_price_and_what_insurance_covers(client, make_clinic):
    clinic = make_clinic(
        "Two Prices",
        treatments=("iv-infusion", "esketamine"),
        prices=(
            price("iv-infusion", 525),
            price("iv-infusion", 600),
            price("esketamine", 775, insurance=True),
        ),
        accepts_insurance=True,
        **at_fh(0.1),
    )
    card = card_for(main(get(client, "/search?near=48336")), clinic.slug)
    assert "IV from $525 · Spravato $775 per session, published" in text(card)
    assert "Insurance accepted for Esketamine (Spravato)" in text(card)
    assert "Accepts insurance" not in text(card)


# --- 6. did you mean ---------------------------------------------------------------------------


def test_a_misspelt_city_offers_did_you_mean_as_a_link_once(client):
    response = client.get("/search?near=Chicgo&radius=50")
    page = main(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Did you mean Chicago, IL?" in text(re.sub(r"</?a\b[^>]*>", "", page))
    href = links(between(page, '<div class="did-you-mean"', "</div>"))["Chicago, IL"]
    assert query_of(href) == {"near": ["Chicago, IL"], "radius": ["50"]}
    assert text(page).count("We could not find") == 1
    assert get(client, href)


def test_did_you_mean_follows_a_change_to_the_place_list(client):
    """The cities are read once per place list; a new city is offered on the next search."""
    assert "Did you mean" not in get(client, "/search?near=Zyxtonvile,+MI", 400)
    db.session.add(
        Place(
            kind="city",
            key="zyxtonville, mi",
            name="Zyxtonville",
            state="MI",
            latitude=42.5,
            longitude=-83.4,
        )
    )
    db.session.commit()
    page = main(get(client, "/search?near=Zyxtonvile,+MI", 400))
    assert "Did you mean Zyxtonville, MI?" in text(re.sub(r"</?a\b[^>]*>", "", page))


def test_an_ambiguous_name_lists_clickable_choices(client):
    page = main(get(client, "/search?near=Springfield", 400))
    choices = links(between(page, '<ul class="choice-links">', "</ul>"))
    assert {"Springfield, IL", "Springfield, MO", "Springfield, MA"} <= set(choices)
    assert query_of(choices["Springfield, IL"])["near"] == ["Springfield, IL"]


def test_portland_is_not_silently_oregon(client):
    page = main(get(client, "/search?near=Portland"))
    assert "within 25 miles of Portland, OR" in text(page)
    other = between(page, '<p class="notice small" id="other-places">', "</p>")
    assert "Portland, ME" in links(other)


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("NYC", "New York, NY"),
        ("New York City", "New York, NY"),
        ("new york city, ny", "New York, NY"),
        ("SF", "San Francisco, CA"),
        ("philly", "Philadelphia, PA"),
    ],
)
def test_known_abbreviations_name_the_city(client, typed, label):
    assert f"miles of {label}" in text(main(get(client, f"/search?near={typed}")))


@pytest.mark.parametrize(
    ("typed", "state", "city"),
    [
        ("LA", "Louisiana", "Los Angeles, CA"),
        ("Washington", "Washington", "Washington, DC"),
        ("new  york", "New York", "New York, NY"),
    ],
)
def test_a_state_that_is_also_a_city_offers_the_city(client, typed, state, city):
    page = main(get(client, f"/search?near={typed}"))
    assert f"Ketamine clinics in {state}" in text(page)
    assert city in links(between(page, 'id="other-places">', "</p>"))


# --- 4. the compare tray -----------------------------------------------------------------------


def test_compare_tray_keeps_picks_in_the_url_and_across_searches(client, make_clinic):
    one = make_clinic("One Clinic", **at_fh(0.1))
    two = make_clinic("Two Clinic", **at_fh(0.2))
    page = main(get(client, "/search?near=48336"))
    add = links(card_for(page, one.slug))["Add to compare: One Clinic"]
    assert query_of(add)["compare"] == [one.slug]

    page = main(get(client, add.split("#")[0]))
    tray = between(page, '<section class="compare-tray"', "</section>")
    assert "Your comparison (1 of 6)" in text(tray)
    assert "In your comparison" in text(card_for(page, one.slug))
    add_two = links(card_for(page, two.slug))["Add to compare: Two Clinic"]
    assert query_of(add_two)["compare"] == [f"{one.slug},{two.slug}"]

    page = main(get(client, add_two.split("#")[0]))
    assert '<section class="compare-tray" id="comparison"' in page
    for picked in (one, two):  # each picked card links up to the comparison above the list
        assert links(card_for(page, picked.slug))["Go to your comparison"] == "#comparison"
    go = links(between(page, '<section class="compare-tray"', "</section>"))["Compare 2 clinics"]
    assert query_of(go)["clinics"] == [f"{one.slug},{two.slug}"]
    # a new search from the summary form keeps the picks
    assert f'<input type="hidden" name="compare" value="{one.slug},{two.slug}">' in page
    assert card_slugs(main(get(client, go))) == []  # compare shows a table, not cards
    compared = main(get(client, go))
    assert "One Clinic" in compared and "Two Clinic" in compared


def test_paging_programs_or_results_keeps_the_picks(client, make_clinic):
    one = make_clinic("One Clinic", **at_fh(0.1))
    for n in range(7):  # more than a page of programs serving Michigan
        make_clinic(f"Program {n}", slug=f"program-{n}", service_areas=("MI",))
    page = main(get(client, f"/search?near=48336&compare={one.slug}"))
    more = links(page)["More programs →"]
    assert query_of(more)["compare"] == [one.slug]
    page = main(get(client, more.split("#")[0]))
    assert query_of(links(page)["← Previous programs"])["compare"] == [one.slug]
    past_the_end = main(get(client, f"/search?near=48336&page=9&compare={one.slug}"))
    assert query_of(links(past_the_end)["Back to the first page"])["compare"] == [one.slug]


def test_the_place_fields_take_what_the_search_accepts(client):
    for url in ("/", "/search?near=48336", "/costs?state=MI"):
        page = get(client, url)
        assert 'name="near" type="text"' in page
        assert re.findall(r'name="near" type="text"[^>]*maxlength="(\d+)"', page) == ["100"]


def test_compare_tray_at_the_limit_says_so_instead_of_an_error(client, make_clinic):
    clinics = [make_clinic(f"Clinic {i}", **at_fh(0.01 * (i + 1))) for i in range(7)]
    slugs = ",".join(c.slug for c in clinics[:6])
    page = main(get(client, f"/search?near=48336&compare={slugs}"))
    assert "Your comparison (6 of 6)" in text(page)
    assert "Your comparison is full (6)" in text(card_for(page, clinics[6].slug))
    assert links(card_for(page, clinics[6].slug))["Go to your comparison"] == "#comparison"
    seven = ",".join(c.slug for c in clinics)
    response = client.get(f"/compare?clinics={seven}")
    assert response.status_code == 200
    words = text(main(response.get_data(as_text=True)))
    assert "You can compare up to 6 clinics at a time; showing the first 6" in words


def test_compare_page_offers_remove_add_nearby_and_a_way_back(client, make_clinic):
    one = make_clinic("One Clinic", **at_fh(0.1))
    two = make_clinic("Two Clinic", **at_fh(0.2))
    page = main(get(client, f"/compare?clinics={one.slug},{two.slug}&near=48336"))
    hrefs = links(page)
    assert query_of(hrefs["Remove One Clinic"])["clinics"] == [two.slug]
    nearby = query_of(hrefs["Add nearby clinics"])
    assert nearby["near"] == ["48336"] and nearby["compare"] == [f"{one.slug},{two.slug}"]
    assert urlsplit(hrefs["← Back to the results"]).path == "/search"


def test_compare_with_nothing_picked_helps_find_clinics(client):
    page = main(get(client, "/compare"))
    assert '<form class="search-form"' in page
    assert "Add to compare" in text(page)


# --- 9. trust signals --------------------------------------------------------------------------


def test_clinic_page_names_sources_by_title_and_date_and_links_directions(client, seeded):
    page = main(get(client, f"/clinics/{MICHIGAN}"))
    words = text(page)
    assert ".txt" not in words
    title = "“Ketamine Institute of Michigan” read 24 November 2026"
    assert f"A page on the clinic's web site: {title}" in words
    directions = links(page)["Directions to Ketamine Institute of Michigan (OpenStreetMap)"]
    assert directions.startswith("https://www.openstreetmap.org/directions?route=%3B42.")
    # an area-centre position gives no directions to a street it does not know
    assert "Directions" not in text(main(get(client, f"/clinics/{RENEW}")))


def test_clinic_page_has_two_map_links_directions_and_the_phone_map_app(client, seeded):
    page = main(get(client, f"/clinics/{MICHIGAN}"))
    maps = {
        label: href
        for label, href in links(page).items()
        if "openstreetmap.org" in href or href.startswith("geo:")
    }
    assert sorted(maps) == [
        "Directions to Ketamine Institute of Michigan (OpenStreetMap)",
        "Open in your map app",
    ]
    geo_link = maps["Open in your map app"]
    point = geo_link.removeprefix("geo:").split("?")[0]
    latitude, longitude = (float(n) for n in point.split(","))
    assert 42 < latitude < 43 and -84 < longitude < -83
    # the app drops a pin with the clinic's name at the same point
    assert query_of(geo_link)["q"] == [f"{point}(Ketamine Institute of Michigan)"]
    assert maps["Directions to Ketamine Institute of Michigan (OpenStreetMap)"].endswith(
        "%3B" + point.replace(",", "%2C")
    )
    assert "Find the address in OpenStreetMap" not in text(page)
    assert "Open in OpenStreetMap" not in text(page)


def test_hospital_card_shows_its_cash_price_with_source_not_no_published_prices(client, make_user):
    import_price_file("v3_small.json")
    approve_hospital(make_user, "example-general-hospital")
    card = card_for(main(get(client, "/search?near=48336")), "example-general-hospital")
    words = text(card)
    assert "No published prices" not in words
    # the lowest discounted cash price of each ketamine item, with what it covers
    assert (
        "Cash price: IV ketamine infusion, drug only: $21 · "
        "Esketamine (Spravato), whole session: $870.50" in words
    )
    assert "$240" not in words  # a psychiatric evaluation is not a ketamine item
    assert (
        "Hospital standard charge, from the hospital's price transparency file, "
        "as of 1 March 2026" in words
    )


def test_costs_page_labels_example_figures(client, make_clinic):
    make_clinic("Real Priced", prices=(price("iv-infusion", 500),), **at_fh(0.1))
    make_clinic("Sample Priced", is_example=True, prices=(price("iv-infusion", 600),), **at_fh(0.2))
    words = text(main(get(client, "/costs?state=MI")))
    assert "1 of these 2 prices are example figures from fictional clinics" in words
    make_clinic(
        "Only Example",
        is_example=True,
        prices=(price("iv-infusion", 700),),
        state="OH",
        near="43215",
    )
    assert "This price is an example figure from a fictional clinic" in text(
        main(get(client, "/costs?state=OH"))
    )
    assert "example figures" not in text(main(get(client, "/costs?state=WY")))


def test_suggestions_while_typing_name_places_that_start_with_the_text(client):
    found = client.get("/places/suggest?q=Chicag").get_json()["suggestions"]
    assert found[0] == "Chicagoland"  # the metro area, then the cities
    assert "Chicago, IL" in found and "Chicago Heights, IL" in found
    assert len(found) <= 8
    assert client.get("/places/suggest?q=nyc").get_json()["suggestions"] == ["New York, NY"]
    for quiet in ("", "c", "4833", "x" * 500, "%_%"):
        assert client.get("/places/suggest", query_string={"q": quiet}).get_json() == {
            "suggestions": []
        }
    page = get(client, "/")
    assert 'data-suggest="/places/suggest"' in page and '<datalist id="place-suggestions">' in page
