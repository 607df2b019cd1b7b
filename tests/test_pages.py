"""Every HTML page a patient sees, checked against values computed here, not by the app."""

from __future__ import annotations

import csv
import html
import io
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from selectolax.parser import HTMLParser
from sqlalchemy import select

from directory.extensions import db
from directory.models import Clinic, ClinicStatus, GeocodePrecision, Location
from tests.conftest import (
    FH_LAT,
    FH_LNG,
    MICHIGAN,
    RENEW,
    at_fh,
    between,
    card_for,
    card_slugs,
    elements,
    get,
    haversine,
    json_ld,
    main,
    price,
    table_rows,
    text,
)

GRAND_RAPIDS = (42.9659, -85.6527)
# Said once on a search page whose cards give a distance to a ZIP code's or city's centre.
ABOUT_NOTE = "A distance marked “about” is measured to the centre of the clinic's ZIP code or city"
COLUMBUS_OH = (39.9671, -83.0044)
DRAFT_SLUGS = (
    "serenity-mental-health-centers",
    "unnamed-clinic-seed-002",
    "unnamed-clinic-seed-003",
)
SEED_FILE = Path(__file__).resolve().parents[1] / "seeds" / "clinics.toml"
TITLES_FILE = SEED_FILE.parent / "documents" / "titles.toml"
MONTHS = (
    "January February March April May June July August September October November December"
).split()


# --- helpers --------------------------------------------------------------------------------


def miles_from_fh(lat: float, lng: float) -> str:
    """The distance from the 48336 centroid as a page prints it ("6.9 mi")."""
    return f"{haversine(FH_LAT, FH_LNG, lat, lng):.1f} mi"


def rows_by_heading(fragment: str) -> dict[str, list[str]]:
    """Table rows keyed by their first cell."""
    return {row[0]: row[1:] for row in table_rows(fragment) if row}


def long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def read_csv(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def seed_records() -> list[dict]:
    with SEED_FILE.open("rb") as fh:
        return tomllib.load(fh)["clinic"]


# --- every page: crisis line and no medical advice --------------------------------------------

ALL_PAGES = [
    ("/", 200),
    ("/search", 200),
    ("/search?near=48336", 200),
    ("/search?near=48336&radius=1", 200),
    ("/search?near=Michigan", 200),
    ("/search?near=Chicagoland", 200),
    ("/search?near=Atlantis+Xyzzy", 400),
    (f"/clinics/{MICHIGAN}", 200),
    (f"/clinics/{RENEW}", 200),
    ("/clinics/serenity-mental-health-centers", 404),
    (f"/compare?clinics={MICHIGAN},{RENEW}", 200),
    (f"/compare?clinics={MICHIGAN}&clinics={RENEW}&near=48336", 200),
    ("/compare", 200),
    ("/regions", 200),
    ("/regions/MI", 200),
    ("/regions/IL", 200),
    ("/regions/ZZ", 404),
    ("/costs", 200),
    ("/costs?state=MI", 200),
    ("/costs?near=48336", 200),
    ("/about", 200),
]


@pytest.mark.parametrize(("url", "status"), ALL_PAGES)
def test_every_page_shows_the_crisis_line_and_no_medical_advice_note(
    client, seeded, make_clinic, url, status
):
    make_clinic("Priced Clinic", prices=(price("iv-infusion", 500),), **at_fh(0.1))
    page = get(client, url, status)
    assert 'href="tel:988"' in page and 'href="sms:988"' in page
    assert "Call 988" in text(page) and "Text 988" in text(page)
    assert "Suicide & Crisis Lifeline" in text(page)
    assert "Not medical advice." in text(page)


# --- / --------------------------------------------------------------------------------------


def test_home_page_is_a_search_form(client):
    page = get(client, "/")
    form = between(page, '<form class="search-form"', "</form>")
    assert 'action="/search"' in form
    assert 'method="get"' in form
    for name in (
        "near",
        "radius",
        "treatment",
        "condition",
        "max_price",
        "free_consultation",
        "insurance",
        "sort",
    ):
        assert f'name="{name}"' in form
    assert '<label for="f-near">' in form


def test_example_banner_appears_only_while_a_published_example_clinic_exists(client, make_clinic):
    assert "fictional example clinics" not in text(get(client, "/"))
    make_clinic("Draft Example", is_example=True, status=ClinicStatus.DRAFT, **at_fh(0.1))
    # A draft is not on the site, so the site does not hold example clinics a patient can see.
    assert "fictional example clinics" not in text(get(client, "/"))
    make_clinic("Shown Example", is_example=True, **at_fh(0.1))
    assert "fictional example clinics" in text(get(client, "/"))


# --- /search --------------------------------------------------------------------------------


def test_search_lists_clinics_within_the_radius_nearest_first_with_distances(client, make_clinic):
    far = make_clinic("Far Clinic", **at_fh(0.5))  # about 34.5 miles: outside 25
    second = make_clinic("Second Clinic", **at_fh(0.2))
    first = make_clinic("First Clinic", **at_fh(0.1))
    draft = make_clinic("Draft Clinic", status=ClinicStatus.DRAFT, **at_fh(0.05))

    page = main(get(client, "/search?near=48336"))

    assert "2 clinics found" in text(page)
    assert "within 25 miles of 48336" in text(page)
    assert card_slugs(page) == [first.slug, second.slug]
    assert far.slug not in page and draft.slug not in page
    for clinic, north in ((first, 0.1), (second, 0.2)):
        card = card_for(page, clinic.slug)
        expected = miles_from_fh(FH_LAT + north, FH_LNG)
        assert f"<strong>{expected}</strong> away" in card
    assert "6.9 mi" in card_for(page, first.slug)  # 0.1 degree of latitude is 6.9 miles


def test_search_labels_example_clinics_on_their_cards(client, make_clinic):
    example = make_clinic("Sample Clinic", is_example=True, **at_fh(0.1))
    real = make_clinic("Real Clinic", **at_fh(0.2))

    page = main(get(client, "/search?near=48336"))

    assert "Example data" in text(card_for(page, example.slug))
    assert "Example data" not in text(card_for(page, real.slug))


def test_search_shows_telehealth_programs_in_their_own_marked_section(client, make_clinic):
    clinic = make_clinic("Street Clinic", **at_fh(0.1))
    program = make_clinic("Remote Rx", service_areas=("MI", "OH"))
    elsewhere = make_clinic("Ohio Only Rx", service_areas=("OH",))

    page = main(get(client, "/search?near=48336"))

    listed = between(page, '<ol class="cards"', "</ol>")
    assert card_slugs(listed) == [clinic.slug]
    remote = between(page, '<section aria-labelledby="remote-heading"', "</section>")
    assert "Telehealth and at-home programs serving Michigan" in text(remote)
    assert card_slugs(remote) == [program.slug]
    assert "Telehealth / at-home program" in text(card_for(remote, program.slug))
    assert "Telehealth / at-home program" not in text(card_for(listed, clinic.slug))
    assert elsewhere.slug not in page
    assert " mi away" not in card_for(remote, program.slug)


def test_search_with_nothing_in_the_radius_shows_the_nearest_beyond_and_telehealth(
    client, make_clinic
):
    nearer = make_clinic("Nearer Clinic", **at_fh(0.25))  # about 17.3 miles
    farther = make_clinic("Farther Clinic", **at_fh(0.5))  # about 34.5 miles
    program = make_clinic("Remote Rx", service_areas=("MI",))

    page = main(get(client, "/search?near=48336&radius=5"))
    words = text(page)

    assert "0 clinics found" not in words
    assert "No clinics within 5 mi" in words
    assert "The 2 nearest are 17 to 35 mi away" in words
    assert "Nearest clinics beyond 5 miles" in words
    nearby = between(page, "Nearest clinics beyond 5 miles", "</ol>")
    assert card_slugs(nearby) == [nearer.slug, farther.slug]
    assert miles_from_fh(FH_LAT + 0.25, FH_LNG) in card_for(nearby, nearer.slug)
    assert miles_from_fh(FH_LAT + 0.5, FH_LNG) in card_for(nearby, farther.slug)
    assert "17.3 mi" in card_for(nearby, nearer.slug)
    remote = between(page, '<section aria-labelledby="remote-heading"', "</section>")
    assert "Telehealth and at-home programs serving Michigan" in text(remote)
    assert card_slugs(remote) == [program.slug]


def test_a_count_of_thousands_of_clinics_is_grouped_in_each_language(client):
    for n in range(1_001):
        clinic = Clinic(
            slug=f"grouped-{n}", name=f"Grouped Clinic {n}", status=ClinicStatus.PUBLISHED
        )
        clinic.locations.append(
            Location(
                address_1="1 Test St",
                city="Testville",
                state="MI",
                latitude=FH_LAT + n / 100_000,
                longitude=FH_LNG,
                geocode_precision=GeocodePrecision.ADDRESS,
            )
        )
        db.session.add(clinic)
    db.session.commit()

    english = text(main(get(client, "/search?near=48336")))
    spanish = text(main(get(client, "/search?near=48336&lang=es")))

    assert "1,001 clinics found" in english and "Page 1 of 51" in english
    assert "Se encontraron 1,001 clínicas" in spanish


@pytest.mark.parametrize(
    ("radius", "headline"), [("25", "1 clinic found"), ("5", "No clinics within 5 mi")]
)
def test_telehealth_section_says_what_programs_are_whether_or_not_clinics_are_near(
    client, make_clinic, radius, headline
):
    make_clinic("Street Clinic", **at_fh(0.1))  # about 6.9 miles away
    make_clinic("Remote Rx", service_areas=("MI",))

    page = main(get(client, f"/search?near=48336&radius={radius}"))

    assert headline in text(page)
    remote = text(between(page, '<section aria-labelledby="remote-heading"', "</section>"))
    assert (
        "These programs treat patients in Michigan by video and at home; "
        "they have no clinic you would visit."
    ) in remote
    assert "near you" not in remote
    spanish = client.get(f"/search?near=48336&radius={radius}", headers={"Accept-Language": "es"})
    assert "Estos programas atienden a pacientes en Míchigan por video y en casa" in text(
        spanish.get_data(as_text=True)
    )


def test_without_javascript_what_the_scripts_reveal_stays_hidden(client, make_clinic):
    make_clinic("Street Clinic", **at_fh(0.1))
    page = get(client, "/search?near=48336")
    tree = HTMLParser(page)

    revealed_by_scripts = ["#use-location", "#map-toggle", "a.skip-map"]
    for selector in revealed_by_scripts:
        node = tree.css_first(selector)
        assert node is not None and "hidden" in node.attributes, selector
    # ... and the stylesheet lets no class (a .button is inline-block) show them again.
    sheet = tree.css_first('link[rel="stylesheet"][href*="/static/css/site"]')
    with client.get(str(sheet.attributes["href"])) as response:
        css = response.get_data(as_text=True)
    assert re.search(r"\[hidden\]\s*\{\s*display:\s*none\s*!important;?\s*\}", css)


def test_search_with_nothing_anywhere_says_so_and_suggests_what_to_try(client):
    words = text(main(get(client, "/search?near=48336&radius=5")))
    assert "No clinics within 5 mi" in words
    assert "Try a larger radius, or browse by state" in words


def test_search_for_an_unknown_place_explains_it(client):
    words = text(main(get(client, "/search?near=Xyzzyville", 400)))
    assert "could not find" in words
    assert "Xyzzyville" in words


def test_search_cards_carry_add_to_compare_links_that_keep_the_search(client, make_clinic):
    one = make_clinic("One Clinic", **at_fh(0.1))
    two = make_clinic("Two Clinic", **at_fh(0.2))

    page = main(get(client, "/search?near=48336"))

    for clinic in (one, two):
        link = re.search(r'<div class="card-foot"><a href="([^"]+)"', card_for(page, clinic.slug))
        assert link, f"no compare link for {clinic.slug}"
        added = f"/search?near=48336&compare={clinic.slug}#c{clinic.id}"
        assert html.unescape(link.group(1)) == added
        assert f'<li id="c{clinic.id}"' in page  # the link returns to the card
    assert "Your comparison" not in text(page)  # the tray appears with the first pick


# --- /search.csv ----------------------------------------------------------------------------

CSV_HEADER = [
    "name",
    "slug",
    "example_data",
    "kind",
    "address",
    "city",
    "state",
    "postal_code",
    "distance_miles",
    "phone",
    "website",
    "treatments",
    "lowest_session_price_usd",
    "free_consultation",
    "accepts_insurance",
    "last_verified",
    "url",
    "payment_options",
    "languages",
    "accepting_new_patients",
]


@pytest.mark.parametrize("sort", ["", "price", "name"])
def test_search_csv_has_the_pages_rows_in_the_pages_order(client, make_clinic, sort):
    norths = {"C Clinic": 0.3, "A Clinic": 0.1, "B Clinic": 0.2}
    dollars = {"C Clinic": 350, "A Clinic": 600, "B Clinic": None}
    made = {}
    for name, north in norths.items():
        prices = (price("iv-infusion", dollars[name]),) if dollars[name] else ()
        made[name] = make_clinic(
            name, prices=prices, is_example=(name == "B Clinic"), **at_fh(north)
        )
    program = make_clinic("Remote Rx", service_areas=("MI",), prices=(price("at-home", 199),))
    query = "near=48336&radius=30" + (f"&sort={sort}" if sort else "")

    page_order = card_slugs(main(get(client, f"/search?{query}")))
    rows = read_csv(client, f"/search.csv?{query}")

    assert rows[0] == CSV_HEADER
    assert [r[1] for r in rows[1:]] == page_order
    expected_order = {
        "": ["A Clinic", "B Clinic", "C Clinic"],
        "price": ["C Clinic", "A Clinic", "B Clinic"],
        "name": ["A Clinic", "B Clinic", "C Clinic"],
    }[sort]
    assert page_order == [made[n].slug for n in expected_order] + [program.slug]
    by_slug = {r[1]: dict(zip(CSV_HEADER, r, strict=True)) for r in rows[1:]}
    for name, north in norths.items():
        row = by_slug[made[name].slug]
        assert row["distance_miles"] == f"{haversine(FH_LAT, FH_LNG, FH_LAT + north, FH_LNG):.1f}"
        assert row["kind"] == "clinic"
        assert row["example_data"] == ("yes" if name == "B Clinic" else "no")
        assert row["lowest_session_price_usd"] == (f"{dollars[name]}.00" if dollars[name] else "")
        assert row["url"] == f"http://localhost/clinics/{made[name].slug}"
    assert by_slug[made["A Clinic"].slug]["distance_miles"] == "6.9"
    remote = by_slug[program.slug]
    assert remote["kind"] == "telehealth program"
    assert remote["distance_miles"] == ""


def test_search_csv_without_a_place_is_a_clear_400(client):
    assert "Enter a place to search" in text(get(client, "/search.csv", 400))


# --- /clinics/<slug> ------------------------------------------------------------------------


def test_michigan_clinic_page_shows_address_phones_and_no_prices(client, seeded):
    page = main(get(client, f"/clinics/{MICHIGAN}"))
    words = text(page)

    assert "<h1" in page and "Ketamine Institute of Michigan</h1>" in page
    address = text(between(page, "<address>", "</address>"))
    assert address == "23800 Orchard Lake Rd., Suite 100 Farmington Hills, MI 48336"
    assert '<a href="tel:+18555382646">(855) 538-2646</a>' in page
    assert "(855) KETAMINE" in words
    assert "No published prices" in words
    assert "Not yet verified" in words


def test_michigan_clinic_page_cites_the_seed_document_with_its_words(client, seeded):
    page = main(get(client, f"/clinics/{MICHIGAN}"))
    sources = text(between(page, '<table class="sources">', "</table>"))
    record = next(r for r in seed_records() if r["slug"] == MICHIGAN)
    quotes = [record["name"]["quote"], record["location"]["quote"]]
    quotes += [
        item["quote"] for key in ("phones", "treatments", "conditions") for item in record[key]
    ]
    assert len(quotes) == 6
    for quote in quotes:
        assert re.sub(r"\s+", " ", quote) in sources
    assert "A page on the clinic's web site: “Ketamine Institute of Michigan”" in sources
    assert "000_ae40677ab993d68a.txt" not in page
    assert "We can be contacted at (855) KETAMINE" in sources
    # The clinic's claims about ketamine are its words, with the document they come from.
    claims = between(page, '<section aria-labelledby="quotes-heading">', "</section>")
    assert "quoted as published" in text(claims)
    assert "treatment-resistant depression." in text(claims)
    source = "Source: a page on the clinic's web site, “Ketamine Institute of Michigan”, read"
    assert text(claims).count(source) == 2


def test_michigan_clinic_page_carries_medical_clinic_json_ld(client, seeded):
    page = get(client, f"/clinics/{MICHIGAN}")
    scripts = json_ld(page)
    assert len(scripts) == 1
    data = scripts[0]
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalClinic"
    assert data["name"] == "Ketamine Institute of Michigan"
    assert data["telephone"] == "+18555382646"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "23800 Orchard Lake Rd., Suite 100",
        "addressLocality": "Farmington Hills",
        "addressRegion": "MI",
        "postalCode": "48336",
        "addressCountry": "US",
    }
    assert data["geo"]["@type"] == "GeoCoordinates"
    assert (data["geo"]["latitude"], data["geo"]["longitude"]) == pytest.approx((FH_LAT, FH_LNG))
    assert "makesOffer" not in data and "priceRange" not in data


def test_an_example_clinic_page_gives_search_engines_nothing_to_show_as_real(
    client, seeded, make_clinic
):
    make_clinic("Example Mood Clinic", slug="example-mood", is_example=True)
    page = get(client, "/clinics/example-mood")
    assert json_ld(page) == []
    assert '<meta name="robots" content="noindex">' in page
    real = get(client, f"/clinics/{MICHIGAN}")
    assert len(json_ld(real)) == 1 and "noindex" not in real


def test_a_listings_description_is_shown_as_supplied_not_as_the_directorys_words(
    client, make_clinic
):
    make_clinic(
        "Described Clinic",
        slug="described",
        description="Infusions in a quiet room.\n\nThe best results in town!",
    )
    page = main(get(client, "/clinics/described"))
    section = between(page, '<section aria-labelledby="description-heading">', "</section>")
    assert "As supplied with the listing: the sources below say by whom." in text(section)
    assert "has not checked any claims it makes and does not make them" in text(section)
    quoted = between(section, "<blockquote", "</blockquote>")
    assert "<p>Infusions in a quiet room.</p><p>The best results in town!</p>" in quoted
    make_clinic("Example Described", slug="ex-described", description="Fictional.", is_example=True)
    assert "description-heading" not in main(get(client, "/clinics/ex-described"))


def test_region_level_clinic_page_does_not_pretend_to_know_the_street(client, seeded):
    page = get(client, f"/clinics/{RENEW}")
    address = text(between(main(page), "<address>", "</address>"))
    assert address == "Chicagoland area, IL (street address not published)"
    assert "Free consultation: yes" in text(main(page))
    [data] = json_ld(page)
    assert data["address"] == {
        "@type": "PostalAddress",
        "addressRegion": "IL",
        "addressCountry": "US",
    }
    assert "geo" not in data  # the area centre is not the clinic's position


def test_a_region_level_clinic_is_listed_but_not_put_on_the_map(client, seeded, make_clinic):
    make_clinic("Lincoln Park Clinic", slug="lincoln-park", near="60614")
    page = get(client, "/search?near=Chicagoland")
    renew, placed = card_for(page, RENEW), card_for(page, "lincoln-park")
    assert "Distance not known" in text(renew)
    assert "data-lat" not in renew  # the area's centre is not the clinic's position
    assert 'data-lat="' in placed and 'data-lng="' in placed


def test_a_region_level_clinic_is_compared_with_clinics_around_its_area(client, seeded):
    page = main(get(client, f"/clinics/{RENEW}"))
    link = page[: page.index(">Compare with clinics nearby<")]
    assert link[link.rindex("<a ") :].endswith(
        f'href="/search?near=Chicagoland&amp;compare={RENEW}"'
    )
    found = text(main(get(client, f"/search?near=Chicagoland&compare={RENEW}")))
    assert "within 50 miles of Chicagoland" in found


def test_clinic_page_prices_show_source_date_and_staleness(client, make_clinic):
    today = date.today()
    fresh, stale = today - timedelta(days=30), today - timedelta(days=400)
    unsourced = price("consultation", 175, "consultation", source_url=None)
    undated = price("integration", 133, source_url="https://priced.example/integration")
    undated["as_of"] = None
    clinic = make_clinic(
        "Priced Clinic",
        treatments=("iv-infusion", "consultation", "integration"),
        prices=(
            price("iv-infusion", 450, as_of=fresh, source_url="https://priced.example/iv"),
            price(
                "iv-infusion",
                2400,
                "series",
                sessions=6,
                as_of=stale,
                source_url="https://priced.example/series",
            ),
            unsourced,
            undated,
        ),
        **at_fh(0.1),
    )

    page = get(client, f"/clinics/{clinic.slug}")
    body = main(page)
    all_rows = table_rows(between(body, '<section aria-labelledby="prices-heading"', "</table>"))

    assert all_rows[0] == ["Treatment", "Price", "What it covers", "Insurance", "Source and date"]
    assert [r[0] for r in all_rows[1:]] == ["IV ketamine infusion", "IV ketamine infusion"]
    iv_rows = all_rows[1:]
    assert len(iv_rows) == 2
    session_row = next(r for r in iv_rows if "per session" in r[1])
    series_row = next(r for r in iv_rows if "for a series of 6 sessions" in r[1])
    assert session_row[1] == "$450 per session"
    assert series_row[1] == "$2,400 for a series of 6 sessions"
    assert session_row[4] == f"priced.example , as of {long_date(fresh)}"
    assert series_row[4] == f"priced.example , as of {long_date(stale)} Over 12 months old"
    assert 'href="https://priced.example/iv"' in body
    assert 'href="https://priced.example/series"' in body
    assert "No published prices" not in text(body)
    # A price without a source, or without an as-of date, is never shown.
    assert "$175" not in body and "175.00" not in page
    assert "$133" not in body and "133.00" not in page
    assert "priced.example/integration" not in page
    [data] = json_ld(page)
    assert sorted(o["price"] for o in data["makesOffer"]) == ["2400.00", "450.00"]
    assert data["priceRange"] == "$450-$2400"


def test_clinic_page_series_price_without_a_session_count_reads_as_a_series(client, make_clinic):
    clinic = make_clinic(prices=(price("iv-infusion", 2400, "series"),), **at_fh(0.1))
    body = main(get(client, f"/clinics/{clinic.slug}"))
    row = table_rows(between(body, '<section aria-labelledby="prices-heading"', "</table>"))[1]
    assert row[1].startswith("$2,400")
    assert "for sessions" not in row[1]  # no empty count ("for  sessions")
    assert "series" in row[1]


def test_price_under_twelve_months_old_is_not_flagged(client, make_clinic):
    clinic = make_clinic(
        prices=(price("iv-infusion", 500, as_of=date.today() - timedelta(days=300)),),
        **at_fh(0.1),
    )
    assert "Over 12 months old" not in get(client, f"/clinics/{clinic.slug}")


def test_a_search_card_flags_each_price_it_shows_that_is_over_twelve_months_old(
    client, make_clinic
):
    old, recent = date.today() - timedelta(days=400), date.today() - timedelta(days=30)
    clinic = make_clinic(
        prices=(
            price("iv-infusion", 600, as_of=old),
            price("iv-infusion", 900, as_of=recent),  # dearer: the card shows the old $600
            price("esketamine", 625, as_of=recent),
        ),
        **at_fh(0.1),
    )
    for language in ("en", "es"):
        client.set_cookie("lang", language)
        page = get(client, "/search?near=48336")
        card = HTMLParser(page).css_first(f"li#c{clinic.id}")
        shown = [text(p.html) for p in card.css("p") if "$600" in p.text()]
        flag = "Over 12 months old" if language == "en" else "Tiene más de 12 meses"
        assert len(shown) == 1, shown
        # the flag follows the old price, and only that one
        assert text(shown[0]).count(flag) == 1
        assert text(shown[0]).index("$600") < text(shown[0]).index(flag)
        assert text(shown[0]).index(flag) < text(shown[0]).index("$625")


def test_a_search_card_whose_prices_are_all_old_says_so_once(client, make_clinic):
    old = date.today() - timedelta(days=400)
    clinic = make_clinic(
        prices=(price("iv-infusion", 600, as_of=old), price("esketamine", 625, as_of=old)),
        **at_fh(0.1),
    )
    for language, flag in (
        ("en", "All over 12 months old"),
        ("es", "Todos los precios tienen más de 12 meses"),
    ):
        client.set_cookie("lang", language)
        card = HTMLParser(get(client, "/search?near=48336")).css_first(f"li#c{clinic.id}")
        line = next(text(p.html) for p in card.css("p") if "$600" in p.text())
        assert line.count("12 meses" if language == "es" else "12 months") == 1, line
        assert line.endswith(flag), line  # after both prices, covering them


def test_a_search_card_s_facts_are_one_list_of_tags(client, make_clinic):
    clinic = make_clinic(
        free_consultation=True,
        accepting_new_patients=True,
        payment_options="self-pay",
        **at_fh(0.1),
    )
    card = HTMLParser(get(client, "/search?near=48336")).css_first(f"li#c{clinic.id}")
    facts = card.css("p.facts")
    assert len(facts) == 1
    tags = [text(span.html) for span in facts[0].css("span")]
    assert tags == ["Free consultation", "Accepting new patients", "Pay by: Self-pay"]
    assert text(facts[0].html) == "Free consultation Accepting new patients Pay by: Self-pay"


def test_example_clinic_page_is_labelled(client, make_clinic):
    clinic = make_clinic("Sample Clinic", is_example=True, **at_fh(0.1))
    words = text(main(get(client, f"/clinics/{clinic.slug}")))
    assert "Example data" in words
    assert "fictional example listing" in words


@pytest.mark.parametrize("slug", DRAFT_SLUGS)
def test_draft_seed_clinics_are_not_found(client, seeded, slug):
    page = get(client, f"/clinics/{slug}", 404)
    assert "Page not found" in text(page)


def test_unpublished_and_unknown_clinics_are_not_found(client, make_clinic):
    for status in (ClinicStatus.DRAFT, ClinicStatus.PENDING, ClinicStatus.SUSPENDED):
        clinic = make_clinic(status=status, **at_fh(0.1))
        get(client, f"/clinics/{clinic.slug}", 404)
    get(client, "/clinics/no-such-clinic", 404)
    get(client, "/clinics/Bad_Slug!", 404)


# --- /compare -------------------------------------------------------------------------------


@pytest.fixture
def three_to_compare(make_clinic):
    """A with a published series, consultation and integration; B per session only, free
    consultation; C no prices at all."""
    a = make_clinic(
        "Alpha Clinic",
        slug="alpha",
        treatments=("iv-infusion", "consultation", "integration"),
        prices=(
            price("iv-infusion", 500),
            price("iv-infusion", 2700, "series", sessions=6),
            price("consultation", 250, "consultation"),
            price("integration", 150),
            price("esketamine", 900, as_of=date.today() - timedelta(days=500)),
        ),
        **at_fh(0.1),
    )
    b = make_clinic(
        "Beta Clinic",
        slug="beta",
        free_consultation=True,
        prices=(price("iv-infusion", 400), price("iv-infusion", 395, source_url=None)),
        **at_fh(0.2),
    )
    c = make_clinic("Gamma Clinic", slug="gamma", **at_fh(0.3))
    return a, b, c


def compare_rows(client, url: str) -> dict[str, list[str]]:
    page = main(get(client, url))
    return rows_by_heading(between(page, '<table class="compare">', "</table>"))


@pytest.mark.parametrize(
    "url",
    ["/compare?clinics=alpha,beta,gamma", "/compare?clinics=alpha&clinics=beta&clinics=gamma"],
)
def test_compare_puts_costs_side_by_side(client, three_to_compare, url):
    rows = compare_rows(client, url)
    header = next(iter(rows))  # the head row: an empty heading, then the clinics
    assert [name.split(" ")[0] for name in rows[header]] == ["Alpha", "Beta", "Gamma"]

    # Each published price says when it was published; an old one says so in its cell.
    fresh = f"as of {long_date(date.today() - timedelta(days=30))}"
    old = f"as of {long_date(date.today() - timedelta(days=500))} Over 12 months old"
    assert rows["IV ketamine infusion, per session"] == [
        f"$500 {fresh}",
        f"$400 {fresh}",
        "Not published",
    ]
    assert rows["Esketamine (Spravato), per session"] == [
        f"$900 {old}",
        "Not published",
        "Not published",
    ]

    series = rows["Initial series (IV ketamine infusion)"]
    assert series[0] == f"$2,700 6 sessions, about $450 each {fresh}"
    assert "estimate" not in series[0]
    b_series = 6 * 400
    assert series[1].startswith(f"${b_series:,} estimate")
    assert series[2] == "Not published"

    consultation = rows["Consultation fee"]
    assert consultation[0] == f"$250 {fresh}"
    assert consultation[1].startswith("Free")
    assert consultation[2] == "Not published"
    assert rows["Free consultation"] == ["Not stated", "Yes", "Not stated"]
    assert rows["Integration session"] == [
        f"$150 {fresh}",
        "Not offered or not published",
        "Not offered or not published",
    ]

    first_course = rows[
        "Estimated first course (consultation + initial series + integration where offered)"
    ]
    a_total = 250 + 2700 + 150
    b_total = 0 + 6 * 400
    assert first_course[0].startswith(f"${a_total:,} estimate")
    assert first_course[1].startswith(f"${b_total:,} estimate")
    assert first_course[2] == "Cannot be estimated: prices not published"
    assert rows["Prices over 12 months old"] == ["1", "0", "0"]
    assert "Distance" not in rows


def test_a_phone_s_compare_card_shows_every_part_of_its_estimate(client, three_to_compare):
    page = main(get(client, "/compare?clinics=alpha,beta"))
    alpha, beta = (text(card) for card in elements(page, "li.compare-card dl"))
    # 250 + 2,700 + 150: each part is on the card, and what the sum holds
    assert "Consultation fee $250" in alpha and "Integration session $150" in alpha
    assert "$3,100 estimate consultation + series + one integration session" in alpha
    assert "Free consultation Yes" in beta and "Integration session Not offered" in beta
    assert "$2,400 estimate consultation + series" in beta
    # the course estimated is a ketamine treatment's, not the sessions added to it
    course = between(page, '<select id="f-treatment" name="treatment"', "</select>")
    assert 'value="esketamine"' in course and 'value="at-home"' in course
    assert 'value="consultation"' not in course and 'value="integration"' not in course


def test_compare_gives_each_price_the_unit_the_clinic_published(client, make_clinic):
    make_clinic(
        "Oral Clinic",
        slug="oral",
        treatments=("oral-ketamine", "at-home"),
        prices=(price("oral-ketamine", 150), price("at-home", 199, "month")),
        **at_fh(0.1),
    )
    rows = compare_rows(client, "/compare?clinics=oral")
    oral = next((label, cells) for label, cells in rows.items() if label.startswith("Oral"))
    at_home = next((label, cells) for label, cells in rows.items() if label.startswith("At-home"))
    # $199 a month for the at-home program, as published.
    assert "per month" in " ".join([at_home[0], *at_home[1]])
    assert at_home[1][0].startswith("$199")
    # $150 a session for oral ketamine: nothing on its row may say it is a monthly price.
    assert oral[1][0].startswith("$150")
    assert "per month" not in " ".join([oral[0], *oral[1]])


def test_compare_keeps_the_order_asked_for_and_drops_repeats(client, three_to_compare):
    rows = compare_rows(client, "/compare?clinics=gamma,alpha&clinics=gamma")
    iv = rows["IV ketamine infusion, per session"]
    assert iv[0] == "Not published" and iv[1].startswith("$500 as of ")


def test_compare_shows_distances_from_a_place(client, three_to_compare, make_clinic):
    make_clinic("Remote Rx", slug="remote-rx", service_areas=("MI",))
    rows = compare_rows(client, "/compare?clinics=alpha,beta,remote-rx&near=48336")
    assert rows["Distance"] == [
        miles_from_fh(FH_LAT + 0.1, FH_LNG),
        miles_from_fh(FH_LAT + 0.2, FH_LNG),
        "Telehealth",
    ]
    assert rows["Distance"][0] == "6.9 mi"


def test_compare_marks_a_distance_to_an_area_centre_as_approximate(client, seeded):
    # Renew Ketamine states only "Chicagoland": its position is the area's centre, so its
    # search card gives no distance (it would read 0.0 mi searching the area itself).
    for near in ("Chicagoland", "60614"):
        search_card = card_for(main(get(client, f"/search?near={near}")), RENEW)
        line = text(between(search_card, '<p class="distance">', "</p>"))
        assert line == "Distance not known: the clinic publishes only its area"
    rows = compare_rows(client, f"/compare?clinics={MICHIGAN},{RENEW}&near=48336")
    michigan, renew = rows["Distance"]
    # The Michigan clinic is placed at its ZIP code's centre, not its street address: the
    # comparison says so, in whole miles, as its search card does.
    assert michigan == "Within about 1 mi (approximate: ZIP code centre)"
    assert renew == "Distance not known: the clinic publishes only its area"
    # The phone layout's cards say the same.
    page = main(get(client, f"/compare?clinics={MICHIGAN},{RENEW}&near=48336"))
    cards = elements(page, "li.compare-card dl")
    assert [text(c).count("approximate") for c in cards] == [1, 0]
    assert "publishes only its area" in text(cards[1])
    # From farther away, whole miles to the ZIP code's centre.
    rows = compare_rows(client, f"/compare?clinics={MICHIGAN}&near=48226")
    assert re.fullmatch(r"\d+ mi \(approximate: ZIP code centre\)", rows["Distance"][0])


def test_a_distance_is_marked_approximate_unless_the_street_address_places_the_clinic(
    client, make_clinic
):
    make_clinic("By Zip", slug="by-zip", near="48336")
    make_clinic("Detroit", slug="detroit", near="48226")
    make_clinic("By Street", slug="by-street", latitude=FH_LAT + 0.01, longitude=FH_LNG)

    def distance(page: str, slug: str) -> str:
        return text(between(card_for(page, slug), '<p class="distance">', "</p>"))

    page = main(get(client, "/search?near=48336"))
    # To a ZIP code's centre: whole miles, and its own ZIP code's centre is "within about 1".
    assert distance(page, "by-zip") == "Within about 1 mi"
    assert distance(page, "detroit") == "About 19 mi away"
    assert distance(page, "by-street") == "0.7 mi away"
    # What "about" means is said once, above the cards.
    assert page.count(ABOUT_NOTE) == 1 and page.index(ABOUT_NOTE) < page.index("by-zip")
    client.set_cookie("lang", "es")
    page = main(get(client, "/search?near=48336"))
    assert distance(page, "by-zip") == "A 1 mi o menos, aproximadamente"
    assert distance(page, "detroit") == "A unas 19 mi"
    assert distance(page, "by-street") == "A 0.7 mi"


def test_a_page_explains_about_only_when_a_card_says_it(client, make_clinic):
    make_clinic("Street One", slug="street-one", latitude=FH_LAT + 0.01, longitude=FH_LNG)
    make_clinic("Street Two", slug="street-two", latitude=FH_LAT + 0.02, longitude=FH_LNG)
    page = main(get(client, "/search?near=48336"))
    assert "About" not in text(page) and ABOUT_NOTE not in page
    # A search of the same shape elsewhere, whose clinics are placed at a ZIP code centre.
    make_clinic("Zip One", slug="zip-one", near="49503")
    make_clinic("Zip Two", slug="zip-two", near="49503")
    page = main(get(client, "/search?near=49503"))
    zip_one = text(between(card_for(page, "zip-one"), '<p class="distance">', "</p>"))
    assert zip_one == "Within about 1 mi"
    assert page.count(ABOUT_NOTE) == 1


def test_compare_says_which_clinics_it_could_not_show(client, seeded, three_to_compare):
    page = main(get(client, "/compare?clinics=alpha,serenity-mental-health-centers,nope"))
    assert "Not found or not published: serenity-mental-health-centers, nope" in text(page)
    assert "Serenity" not in between(page, '<table class="compare">', "</table>")


def test_compare_of_only_unpublished_clinics_is_not_found(client, seeded):
    get(client, "/compare?clinics=serenity-mental-health-centers", 404)


def test_compare_of_more_than_six_clinics_shows_six_and_says_so(client, make_clinic):
    made = [make_clinic(f"Clinic {i}", **at_fh(0.01 * (i + 1))) for i in range(7)]
    slugs = ",".join(c.slug for c in made)
    page = main(get(client, f"/compare?clinics={slugs}"))
    assert "You can compare up to 6 clinics at a time; showing the first 6." in text(page)
    head = table_rows(between(page, '<table class="compare">', "</table>"))[0]
    assert head[1:] == [f"{c.name} Remove {c.name}" for c in made[:6]]


def test_compare_labels_example_clinics(client, make_clinic):
    make_clinic("Sample Clinic", slug="sample", is_example=True, **at_fh(0.1))
    make_clinic("Real Clinic", slug="real", **at_fh(0.2))
    page = main(get(client, "/compare?clinics=sample,real"))
    head = table_rows(between(page, '<table class="compare">', "</table>"))[0]
    assert head[1:] == [
        "Sample Clinic Example data Remove Sample Clinic",
        "Real Clinic Remove Real Clinic",
    ]


def test_compare_names_what_the_default_estimate_is_and_repeats_no_choice(client, three_to_compare):
    page = main(get(client, "/compare?clinics=alpha,beta"))
    select = HTMLParser(page).css_first("select#f-treatment")
    labels = [text(str(option.html)) for option in select.css("option")]
    assert labels[0] == "Default (IV ketamine infusion)"
    assert "IV ketamine infusion" in labels[1:]
    assert len(labels) == len(set(labels))
    chosen = [o.attributes["value"] for o in select.css("option") if "selected" in o.attributes]
    assert chosen == ["iv-infusion"]


def test_an_esketamine_series_is_estimated_as_the_labels_induction(client, three_to_compare):
    # Spravato's induction is two sessions a week for four weeks: eight, not six.
    rows = compare_rows(client, "/compare?clinics=alpha,beta&treatment=esketamine")
    series = rows["Initial series (Esketamine (Spravato))"]
    assert series[0].startswith(f"${8 * 900:,} estimate")
    assert "8 × the per-session price" in series[0]
    assert series[1] == "Not published"


def resubmitted(page: str, **choices: str) -> str:
    """The comparison form's address after choosing `choices`, as a browser submits it."""
    form = HTMLParser(main(page)).css_first("form.inline-form")
    fields = [
        (str(i.attributes["name"]), str(i.attributes["value"] or ""))
        for i in form.css("input[type=hidden]")
    ]
    fields += list(choices.items())
    return f"{form.attributes['action']}?{urlencode(fields)}"


def back_link(page: str) -> dict[str, list[str]]:
    """The parameters of the comparison's "Back to the results" link."""
    links = [a for a in HTMLParser(main(page)).css("p.compare-nav a") if "Back" in a.text()]
    assert len(links) == 1
    href = str(links[0].attributes["href"])
    assert urlsplit(href).path == "/search"
    return parse_qs(urlsplit(href).query)


@pytest.mark.parametrize(
    ("search", "kept"),
    [
        ({"near": "48336", "radius": "50"}, {"near": ["48336"], "radius": ["50"]}),
        (
            {"near": "48336", "treatment": "iv-infusion", "sort": "price"},
            {"near": ["48336"], "treatment": ["iv-infusion"], "sort": ["price"]},
        ),
    ],
)
def test_back_to_the_results_returns_to_the_search_whatever_the_estimate(
    client, three_to_compare, search, kept
):
    results = get(client, f"/search?{urlencode({**search, 'compare': 'alpha,beta'})}")
    compare_url = str(
        HTMLParser(results).css_first("section.compare-tray a.button").attributes["href"]
    )
    first = get(client, compare_url)
    assert back_link(first) == {**kept, "compare": ["alpha,beta"]}

    estimated = get(client, resubmitted(first, treatment="esketamine"))
    assert "Initial series (Esketamine (Spravato))" in text(main(estimated))
    assert back_link(estimated) == {**kept, "compare": ["alpha,beta"]}


def test_back_to_the_results_without_a_search_goes_to_the_place_alone(client, three_to_compare):
    page = get(client, "/compare?clinics=alpha,beta&near=48336&treatment=esketamine")
    assert back_link(page) == {"near": ["48336"], "compare": ["alpha,beta"]}


# --- /regions -------------------------------------------------------------------------------


@pytest.fixture
def regional(seeded, make_clinic):
    """Michigan: the seed clinic, two more in Farmington Hills and Grand Rapids and a program
    serving MI and OH; Illinois: the Chicagoland seed clinic; a draft in Indiana."""
    make_clinic("FH Two", city="Farmington Hills", **at_fh(0.01))
    make_clinic("GR One", city="Grand Rapids", latitude=GRAND_RAPIDS[0], longitude=GRAND_RAPIDS[1])
    make_clinic("Remote Rx", service_areas=("MI", "OH"))
    make_clinic("Indiana Draft", status=ClinicStatus.DRAFT, near="46204")


def test_regions_lists_states_with_counts(client, regional):
    page = main(get(client, "/regions"))
    rows = table_rows(page)
    assert rows[0] == ["State", "Clinics", "Telehealth programs", "Prices"]
    counts = {r[0]: (r[1], r[2]) for r in rows[1:]}
    assert counts == {"Illinois": ("1", "0"), "Michigan": ("3", "1"), "Ohio": ("0", "1")}
    assert [r[0] for r in rows[1:]] == ["Illinois", "Michigan", "Ohio"]
    assert 'href="/regions/MI"' in page
    assert 'href="/costs?state=MI"' in page


def test_state_page_lists_cities_with_counts_and_programs(client, regional):
    page = main(get(client, "/regions/MI"))
    words = text(page)
    assert "Ketamine clinics in Michigan" in words
    assert "3 clinics with an address in Michigan, and 1 telehealth program serving the state" in (
        words
    )
    cities = between(page, '<ul class="columns">', "</ul>")
    assert text(cities) == "Farmington Hills (2) Grand Rapids (1)"
    farmington = between(page, '<h2 id="city-1">', "</section>")
    assert "Ketamine Institute of Michigan" in text(farmington)
    assert "FH Two" in text(farmington)
    assert "GR One" not in text(farmington)
    remote = between(page, '<section aria-labelledby="remote-heading">', "</section>")
    assert "Remote Rx" in text(remote)
    assert "Telehealth / at-home program" in text(remote)


def test_state_page_names_a_region_when_the_city_is_unknown(client, regional):
    page = main(get(client, "/regions/IL"))
    assert text(between(page, '<ul class="columns">', "</ul>")) == "Chicagoland (1)"
    assert "Renew Ketamine" in text(page)


def test_state_page_accepts_a_state_name(client, regional):
    assert "Ketamine clinics in Michigan" in text(get(client, "/regions/michigan"))


def test_state_without_clinics_says_so_but_lists_programs(client, regional):
    words = text(main(get(client, "/regions/OH")))
    assert "No clinic with an address in Ohio is listed yet." in words
    assert "Remote Rx" in words


def test_state_pages_follow_each_change(client, regional, make_clinic):
    # Read once: the pages are kept while the data stands, and must not outlive a change.
    assert "GR Two" not in text(main(get(client, "/regions/MI")))
    assert "Remote Two" not in text(main(get(client, "/regions/OH")))
    make_clinic("GR Two", city="Grand Rapids", latitude=GRAND_RAPIDS[0], longitude=GRAND_RAPIDS[1])
    make_clinic("Remote Two", service_areas=("OH",))
    page = main(get(client, "/regions/MI"))
    assert text(between(page, '<ul class="columns">', "</ul>")) == (
        "Farmington Hills (2) Grand Rapids (2)"
    )
    assert "GR Two" in text(between(page, '<h2 id="city-2">', "</section>"))
    assert "Remote Two" in text(main(get(client, "/regions/OH")))
    counts = {r[0]: (r[1], r[2]) for r in table_rows(main(get(client, "/regions")))[1:]}
    assert counts["Michigan"] == ("4", "1") and counts["Ohio"] == ("0", "2")
    api = {r["state"]: r for r in client.get("/api/v1/regions").get_json()["regions"]}
    assert (api["MI"]["clinics"], api["OH"]["telehealth_programs"]) == (4, 2)


@pytest.mark.parametrize("state", ["ZZ", "XX", "Atlantis"])
def test_unknown_state_is_not_found(client, regional, state):
    get(client, f"/regions/{state}", 404)


# --- /costs ---------------------------------------------------------------------------------

MI_IV_SESSIONS = [400, 450, 700, 900]  # M1, program P, M2, M3 (all serving Michigan)
NEAR_IV_SESSIONS = [400, 700]  # within 25 miles of 48336: M1 and M2


@pytest.fixture
def priced_region(make_clinic):
    """Priced clinics in and around Michigan, plus prices that must not count."""
    make_clinic(
        "M1 Clinic",
        **at_fh(0.1),
        prices=(
            price("iv-infusion", 400),
            price("iv-infusion", 2200, "series", sessions=6),
            price("consultation", 250, "consultation"),
            price("iv-infusion", 100, source_url=None),  # no source: never counted
        ),
    )
    make_clinic(
        "M2 Clinic",
        **at_fh(0.2),
        prices=(price("iv-infusion", 700), price("consultation", 150, "consultation")),
    )
    make_clinic(
        "M3 Clinic",
        latitude=GRAND_RAPIDS[0],
        longitude=GRAND_RAPIDS[1],
        prices=(price("iv-infusion", 900),),
    )
    make_clinic("P Remote", service_areas=("MI", "OH"), prices=(price("iv-infusion", 450),))
    make_clinic(
        "O1 Clinic",
        state="OH",
        latitude=COLUMBUS_OH[0],
        longitude=COLUMBUS_OH[1],
        prices=(price("iv-infusion", 1000),),
    )
    make_clinic(
        "D Draft", status=ClinicStatus.DRAFT, **at_fh(0.05), prices=(price("iv-infusion", 50),)
    )


def dollars(amount: float) -> str:
    """$1,234 or $1,234.50, written here for the expected values."""
    whole = int(amount)
    return f"${whole:,}" if amount == whole else f"${whole:,}.{round((amount - whole) * 100):02d}"


def expected_row(label: str, amounts: list[int]) -> list[str]:
    """A summary row worked out here: label, count, lowest, median, highest."""
    ordered = sorted(amounts)
    n = len(ordered)
    middle = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return [label, str(n), dollars(ordered[0]), dollars(middle), dollars(ordered[-1])]


def summary_rows(page: str) -> list[list[str]]:
    return table_rows(between(page, '<table class="summary stack">', "</table>"))[1:]


def assert_summary(page: str, expected: list[tuple[str, list[int]]]) -> None:
    """The summary table holds these rows in this order; labels are matched by their start."""
    rows = summary_rows(page)
    assert len(rows) == len(expected), rows
    for row, (label, amounts) in zip(rows, expected, strict=True):
        assert row[0].startswith(label), (row[0], label)
        assert row[1:] == expected_row(label, amounts)[1:], (label, row)


def test_costs_for_a_state_summarises_its_clinics_and_programs(client, priced_region):
    page = main(get(client, "/costs?state=MI"))
    assert "What ketamine treatment costs in Michigan" in text(page)
    assert_summary(
        page,
        [
            ("IV ketamine infusion, per session", MI_IV_SESSIONS),
            ("IV ketamine infusion, initial series", [2200]),
            ("Consultation", [150, 250]),
        ],
    )
    assert summary_rows(page)[0] == [
        "IV ketamine infusion, per session",
        "4",
        "$400",
        "$575",
        "$900",
    ]
    assert "7 published prices from 4 listings in Michigan" in text(page)


def test_costs_around_a_place_counts_only_clinics_within_the_radius(client, priced_region):
    page = main(get(client, "/costs?near=48336"))
    assert "What ketamine treatment costs in the area within 25 miles of 48336" in text(page)
    assert_summary(
        page,
        [
            ("IV ketamine infusion, per session", NEAR_IV_SESSIONS),
            ("IV ketamine infusion, initial series", [2200]),
            ("Consultation", [150, 250]),
        ],
    )
    assert "5 published prices from 2 listings" in text(page)


def test_costs_around_a_place_with_a_radius(client, priced_region):
    # Grand Rapids is about 132 miles from 48336; Columbus, Ohio about 180.
    assert 120 < haversine(FH_LAT, FH_LNG, *GRAND_RAPIDS) < 150
    assert haversine(FH_LAT, FH_LNG, *COLUMBUS_OH) > 150
    page = main(get(client, "/costs?near=48336&radius=150"))
    assert summary_rows(page)[0] == expected_row(
        "IV ketamine infusion, per session", [400, 700, 900]
    )


def test_costs_count_only_the_listings_whose_prices_they_show(client, make_clinic):
    make_clinic(
        "Priced", near="75201", prices=(price("iv-infusion", 500), price("iv-infusion", 600))
    )
    make_clinic("Unpriced One", near="75201")
    make_clinic("Unpriced Two", near="75204")
    page = text(main(get(client, "/costs?state=TX")))
    assert (
        "2 published prices from 1 listing in Texas (2 other listings there publish no prices)."
        in page
    )


def test_costs_for_the_whole_directory(client, priced_region):
    page = main(get(client, "/costs"))
    assert "What ketamine treatment costs in the whole directory" in text(page)
    assert summary_rows(page)[0] == expected_row(
        "IV ketamine infusion, per session", [*MI_IV_SESSIONS, 1000]
    )
    assert summary_rows(page)[0][3] == "$700"


def test_costs_page_draws_an_accessible_svg_chart(client, priced_region):
    page = main(get(client, "/costs?state=MI"))
    svg = between(page, "<svg", "</svg>")
    assert 'role="img"' in svg.split(">", 1)[0]
    assert "Published price ranges in Michigan" in svg
    assert svg.count('class="chart-bar"') == 3
    assert svg.count('class="chart-median"') == 3
    labels = re.findall(r'class="chart-label">([^<]*)<', svg)
    assert labels == [row[0] for row in summary_rows(page)]
    # Bars are scaled to the highest price ($2,200) over 350 units from x=4, each under its
    # label: the IV per-session bar runs from $400 (x=67.6) to $900 (x=147.2), its median
    # $575 at x=95.5.
    first = between(svg, "<g>", "</g>")
    assert '<rect x="67.6"' in first and 'width="79.5"' in first
    assert '<rect x="93.5"' in first  # the 4-unit median mark is centred on x=95.5
    assert ">$575<" in first


def test_costs_without_prices_says_so_and_draws_no_chart(client, priced_region):
    page = main(get(client, "/costs?state=WY"))
    assert "No published prices in Wyoming yet" in text(page)
    assert "<svg" not in page


def test_costs_with_an_unknown_state_is_a_400_with_the_reason(client):
    assert "Choose a US state" in text(get(client, "/costs?state=ZZ", 400))


COSTS_CSV_HEADER = [
    "clinic",
    "slug",
    "example_data",
    "treatment",
    "unit",
    "amount_usd",
    "sessions_included",
    "insurance_accepted",
    "as_of",
    "source_url",
    "url",
]


def test_costs_csv_lists_the_prices_behind_the_summary(client, priced_region):
    rows = read_csv(client, "/costs.csv?state=MI")
    assert rows[0] == COSTS_CSV_HEADER
    found = sorted((r[0], r[3], r[4], r[5]) for r in rows[1:])
    assert found == sorted(
        [
            ("M1 Clinic", "IV ketamine infusion", "session", "400.00"),
            ("M1 Clinic", "IV ketamine infusion", "series", "2200.00"),
            ("M1 Clinic", "Consultation", "consultation", "250.00"),
            ("M2 Clinic", "IV ketamine infusion", "session", "700.00"),
            ("M2 Clinic", "Consultation", "consultation", "150.00"),
            ("M3 Clinic", "IV ketamine infusion", "session", "900.00"),
            ("P Remote", "IV ketamine infusion", "session", "450.00"),
        ]
    )
    as_of = (date.today() - timedelta(days=30)).isoformat()
    for row in rows[1:]:
        record = dict(zip(COSTS_CSV_HEADER, row, strict=True))
        assert record["as_of"] == as_of
        assert record["source_url"] == "https://example.com/prices"
    series = next(r for r in rows[1:] if r[4] == "series")
    assert series[6] == "6"


def test_costs_csv_around_a_place(client, priced_region):
    rows = read_csv(client, "/costs.csv?near=48336")
    assert sorted(r[5] for r in rows[1:] if r[4] == "session") == ["400.00", "700.00"]


# --- /about ---------------------------------------------------------------------------------


def test_about_quotes_published_clinics_with_attribution_and_not_drafts(client, seeded):
    page = main(get(client, "/about"))
    words = text(page)
    records = seed_records()
    with TITLES_FILE.open("rb") as fh:
        titles = tomllib.load(fh)
    published = [r for r in records if r["status"] == "published"]
    drafts = [r for r in records if r["status"] != "published"]
    shown = 0
    for record in published:
        for item in record["quotes"]:
            assert item["quote"] in words
            cited = titles[record["document"]]
            caption = (
                f"{record['name']['value']}, on its web page ({item['topic'].lower()}). "
                f"Source: {cited['kind']}, “{cited['title']}”, "
                f"read {long_date(cited['kept_since'])}. Listing"
            )
            assert caption in words
            shown += 1
    assert shown == 4
    assert ".txt" not in page  # never a stored copy's file name
    links = [a.attributes["href"] for a in HTMLParser(page).css("figure.quote figcaption a")]
    assert links == [f"/clinics/{r['slug']}#quotes-heading" for r in published for _ in r["quotes"]]
    hidden = [item["quote"] for record in drafts for item in record.get("quotes", [])]
    assert len(hidden) == 4
    for quote in hidden:
        assert quote not in words
    assert "almost instantaneous results" not in words
    assert "Research has shown ketamine to be effective for about 70% of patients" in words
    assert "The directory does not make these claims" in words


def test_about_without_published_clinics_lists_no_quotes(client):
    assert "No quotes are listed." in text(get(client, "/about"))


def test_about_quotes_follow_the_listings_they_come_from(client, seeded):
    # The quotes are kept rendered; unpublishing their clinic moves the data version.
    assert "almost instantaneous results" not in text(get(client, "/about"))
    quoted = "Controlled infusion of ketamine has been shown recently"  # Michigan's page
    assert quoted in text(get(client, "/about"))
    michigan = db.session.execute(select(Clinic).filter_by(slug=MICHIGAN)).scalar_one()
    michigan.status = ClinicStatus.SUSPENDED
    db.session.commit()
    assert quoted not in text(get(client, "/about"))


def test_links_kept_between_pages_follow_where_the_site_is_mounted(client):
    def links(script_name: str) -> set[str]:
        page = client.get("/about", base_url=f"http://localhost{script_name}/")
        assert page.status_code == 200
        tree = HTMLParser(page.get_data(as_text=True))
        found = {node.attributes.get("href") or "" for node in tree.css("link[href], a[href]")}
        return {href for href in found if href.startswith("/")}

    at_root = links("")
    mounted = links("/directory")
    assert "/about" in at_root and "/directory/about" in mounted
    assert any(href.startswith("/static/") for href in at_root)
    assert all(href.startswith("/directory/") for href in mounted)
    assert links("") == at_root  # and the root's links again, not the mounted ones


def test_the_home_page_names_the_compare_control_the_cards_show(client, make_clinic):
    make_clinic(**at_fh(0.1))
    for language, control in (("en", "Add to compare"), ("es", "Agregar a la comparación")):
        client.set_cookie("lang", language)
        home = text(main(get(client, "/")))
        assert f"“{control}” " in home and " 6 " in home
        assert control in text(main(get(client, "/search?near=48336")))


def test_an_address_without_a_city_still_shows_its_zip_code(client, make_clinic):
    make_clinic("Street And Zip", slug="street-and-zip", near="48336", city=None)
    for url in ("/clinics/street-and-zip", "/search?near=48336"):
        page = get(client, url)
        address = between(page, "<address>", "</address>")
        assert text(address) == "1 Test St Michigan 48336", url
