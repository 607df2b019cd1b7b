"""Result cards and clinic pages rendered once are never served stale or in another language."""

from __future__ import annotations

import json

from markupsafe import escape
from selectolax.parser import HTMLParser
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.public import rendered
from directory.search.params import FILTER_NAMES
from tests.conftest import MICHIGAN, approve, card_for, get, main, price, price_row, propose

SEARCH = "/search?near=48336&radius=25"


def test_an_approval_changes_the_card_and_the_clinic_page_on_the_next_visit(
    client, owner_client, admin_client
):
    card = card_for(get(client, SEARCH), MICHIGAN)
    page = main(get(client, f"/clinics/{MICHIGAN}"))
    assert "$450" not in card and "$450" not in page
    revision = propose(owner_client, **price_row())
    assert "$450" not in card_for(get(client, SEARCH), MICHIGAN)  # pending: nothing changes

    approve(admin_client, revision)

    card = card_for(get(client, SEARCH), MICHIGAN)
    assert "IV <strong>$450</strong>" in card and "per session, published" in card
    assert "$450" in main(get(client, f"/clinics/{MICHIGAN}"))


def test_the_spanish_page_shows_spanish_cards_after_an_english_one_was_kept(client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside", prices=(price("iv-infusion", 500),))
    english = card_for(get(client, SEARCH), "lakeside")
    assert "per session, published" in english and "Not yet verified" in english
    spanish = card_for(get(client, SEARCH + "&lang=es"), "lakeside")
    english_again = card_for(get(client, SEARCH + "&lang=en"), "lakeside")

    assert "por sesión, publicado" in spanish and "Todavía no lo ha verificado" in spanish
    assert "per session" not in spanish and "Not yet verified" not in spanish
    assert 'lang="en"' in spanish and 'lang="en"' not in english
    assert english_again == english


def test_a_kept_card_still_takes_this_search_s_distance_and_compare_link(client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside")
    near = card_for(get(client, SEARCH), "lakeside")
    farther = card_for(get(client, "/search?near=48334&radius=25&compare=lakeside"), "lakeside")

    assert "Within about <strong>1 mi</strong>" in near and "Add to compare" in near
    assert "Within about" not in farther and " mi</strong> away" in farther
    assert "In your comparison" in farther and "Add to compare" not in farther


def test_each_card_fills_the_list_s_distance_and_compare_link_with_its_own_values(
    client, make_clinic
):
    """The distance line and compare link are rendered once a list, with holes: each card
    still shows its own distance, its precision's note, slug and name, escaped."""
    sharp = make_clinic('Smith & "Sons" <Ketamine>', slug="smith", latitude=42.48, longitude=-83.38)
    zipped = make_clinic("Lakeside Clinic", slug="lakeside")

    page = get(client, SEARCH)
    exact, approximate = card_for(page, "smith"), card_for(page, "lakeside")

    add_sharp = f'href="/search?near=48336&amp;radius=25&amp;compare=smith#c{sharp.id}"'
    assert add_sharp in page and add_sharp in exact
    assert ": Smith &amp; &#34;Sons&#34; &lt;Ketamine&gt;</span></a></div></li>" in page
    assert f'compare=lakeside#c{zipped.id}"' in approximate
    assert ": Lakeside Clinic</span></a></div></li>" in page
    assert "approximate" not in exact and "<strong>0.0 mi</strong>" not in exact
    assert "Within about <strong>1 mi</strong>" in approximate
    assert "About" not in exact


def test_a_card_s_compare_link_escapes_its_slug(client, make_clinic):
    odd = make_clinic("Odd Clinic", slug="o'dd&co")
    page = get(client, SEARCH)
    assert f'compare=o&#39;dd&amp;co#c{odd.id}">' in page


def test_the_kept_search_form_shows_each_search_s_own_place(app, client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside")
    first = get(client, "/search?near=48336&radius=25")
    second = get(client, "/search?near=Farmington+Hills%2C+MI&radius=25")
    odd = get(client, "/search?near=48336+%3C%22x%22%3E&radius=25", status=400)

    assert 'name="near" type="text" value="48336"' in first
    assert 'name="near" type="text" value="Farmington Hills, MI"' in second
    assert 'value="48336 &lt;&#34;x&#34;&gt;"' in odd
    # A place the site finds has no character to escape (one with them is an error, and
    # its form is rendered afresh); the kept form escapes the place it is given all the same.
    with app.test_request_context("/search"):
        for place in ("48336", "<b>'&\"</b>"):
            form = rendered.search_form(MultiDict({"near": place}), {}, [], None)
            assert 'name="near" type="text" value="' + str(escape(place)) + '"' in form


def test_a_kept_clinic_page_follows_a_claim_and_the_visitor(client, make_clinic, make_user):
    clinic = make_clinic("Lakeside Clinic", slug="lakeside")
    assert "Claim this listing" in get(client, "/clinics/lakeside")
    make_user("owner@example.org", clinics=(clinic,))
    page = get(client, "/clinics/lakeside")
    assert "Managed by the clinic" in page and "Claim this listing" not in page
    assert "Lakeside Clinic · " in page  # the title comes with the kept article


def test_the_kept_search_filters_follow_each_search_s_choices_and_errors(client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside")
    chosen = get(client, SEARCH + "&treatment=esketamine")
    plain = get(client, SEARCH)
    wrong = get(client, SEARCH + "&max_price=lots", status=400)

    assert '<option value="esketamine" selected>' in chosen
    assert '<option value="esketamine" selected>' not in plain
    assert '<details class="filters" open>' in chosen and '<details class="filters">' in plain
    assert 'aria-invalid="true"' in wrong and 'aria-invalid="true"' not in plain


def test_every_control_of_the_kept_filters_is_part_of_their_key(client, make_clinic):
    """A filter shown in the form but missing from the memo's key would show another
    search's choice; each one, chosen alone, gives its own filters."""
    make_clinic("Lakeside Clinic", slug="lakeside")
    page = HTMLParser(get(client, SEARCH))
    shown = {node.attributes["name"] for node in page.css("details.filters [name]")}
    assert shown == set(FILTER_NAMES)

    chosen = {
        "treatment": "esketamine",
        "condition": "depression",
        "max_price": "600",
        "free_consultation": "1",
        "insurance": "1",
        "payment": "self-pay",
        "language": "es",
        "accepting": "1",
        "verified_within_months": "6",
        "sort": "price",
    }
    assert set(chosen) == set(FILTER_NAMES)
    plain = HTMLParser(get(client, SEARCH)).css_first("details.filters").html
    for name, value in chosen.items():
        filters = HTMLParser(get(client, f"{SEARCH}&{name}={value}")).css_first("details.filters")
        assert filters.html != plain, name


def _statements(app, client, url: str) -> tuple[list[str], str]:
    """The SQL a page ran, and the page."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = get(client, url)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen, page


def _reads_phones(statements: list[str]) -> bool:
    return any("FROM phones" in sql for sql in statements)


def _reads_kept_cards(statements: list[str]) -> bool:
    return any("FROM listing_cards" in sql for sql in statements)


def test_searches_read_a_listings_kept_cards_and_result_once(app, client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside")
    first, first_page = _statements(app, client, SEARCH + "&lang=es")
    again, again_page = _statements(app, client, SEARCH + "&lang=es")
    english, english_page = _statements(app, client, SEARCH + "&lang=en")
    api, api_answer = _statements(app, client, "/api/v1/clinics?near=48336&radius=25")
    api_again, _ = _statements(app, client, "/api/v1/clinics?near=48334&radius=25")
    farther, farther_page = _statements(app, client, "/search?near=48334&radius=25&lang=en")

    # The pages take the listing and its card from the kept card, once per language.
    assert not any(_reads_phones(s) for s in (first, again, english, farther))
    assert _reads_kept_cards(first) and _reads_kept_cards(english)
    assert not _reads_kept_cards(again) and not _reads_kept_cards(farther)
    # The API reads the listing's kept result, once, and not its rows.
    assert _reads_kept_cards(api) and not _reads_kept_cards(api_again)
    assert not _reads_phones(api) and not _reads_phones(api_again)
    assert card_for(again_page, "lakeside") == card_for(first_page, "lakeside")
    near, far = card_for(english_page, "lakeside"), card_for(farther_page, "lakeside")
    assert "Add to compare" in near and "Add to compare" not in card_for(first_page, "lakeside")
    assert "(555) 555-0100" in far and "Example data" not in far
    assert "Within about <strong>1 mi</strong>" in near
    assert "Within about" not in far and " mi</strong> away" in far
    (hit,) = json.loads(api_answer)["results"]
    assert hit["slug"] == "lakeside" and hit["phones"][0]["display"] == "(555) 555-0100"


def test_kept_results_are_read_again_after_an_approval(app, client, owner_client, admin_client):
    get(client, "/api/v1/clinics?near=48336&radius=25")
    revision = propose(owner_client, **price_row())
    approve(admin_client, revision)

    seen, answer = _statements(app, client, "/api/v1/clinics?near=48336&radius=25")
    (hit,) = json.loads(answer)["results"]
    assert _reads_kept_cards(seen) and [p["amount_cents"] for p in hit["prices"]] == [45000]
    seen, page = _statements(app, client, SEARCH)
    assert not _reads_phones(seen) and "IV <strong>$450</strong>" in card_for(page, MICHIGAN)


def test_a_kept_costs_page_follows_an_approval_its_language_and_its_query(
    client, owner_client, admin_client
):
    english = main(get(client, "/costs?state=MI"))
    assert "$450" not in english
    revision = propose(owner_client, **price_row())
    assert main(get(client, "/costs?state=MI")) == english  # pending: nothing changes

    approve(admin_client, revision)

    english = main(get(client, "/costs?state=MI"))
    assert "$450" in english and "What ketamine treatment costs in Michigan" in english
    spanish = main(get(client, "/costs?state=MI&lang=es"))
    assert "$450" in spanish and "What ketamine" not in spanish
    # Each query's own form values and CSV link, though the summary is the same.
    lower = main(get(client, "/costs?state=mi&lang=en"))
    assert "/costs.csv?state=mi" in lower and "/costs.csv?state=MI" in english


def test_kept_costs_pages_tell_apart_the_order_of_repeated_parameters(client):
    michigan = main(get(client, "/costs?state=MI&state=OH"))
    ohio = main(get(client, "/costs?state=OH&state=MI"))
    assert "costs in Michigan" in michigan and "costs in Ohio" in ohio
