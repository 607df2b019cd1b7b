"""Places as people type them: accents, hyphens and apostrophes, straight or curly, find
the gazetteer's plainer spelling of the same city; a city with its ZIP code, or a whole
pasted address, searches from the ZIP code."""

from __future__ import annotations

import html

import pytest

from tests.conftest import between, text


def _searched(client, typed: str) -> tuple[str, str]:
    """The search page for a place as typed (found), and the text of its heading."""
    page = client.get("/search", query_string={"near": typed})
    assert page.status_code == 200
    return page.text, text(between(page.text, "<h1>", "</h1>"))


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Winston-Salem, NC", "Winston Salem, NC"),
        ("Wilkes-Barre, PA", "Wilkes Barre, PA"),
        ("O'Fallon, MO", "O Fallon, MO"),
        ("O\u2019Fallon, IL", "O Fallon, IL"),  # a phone's curly apostrophe
        ("Coeur d'Alene, ID", "Coeur D Alene, ID"),
        ("Lee's Summit, MO", "Lees Summit, MO"),  # the gazetteer drops this apostrophe
        ("San José, CA", "San Jose, CA"),
        ("Cañon City, CO", "Canon City, CO"),
        ("Española, NM", "Espanola, NM"),
        ("Winston-Salem", "Winston Salem, NC"),  # no state: the only city of that name
        ("Coeur d\u2019Alene", "Coeur D Alene, ID"),
        ("K\u0101ne\u02bbohe, HI", "Kaneohe, HI"),  # Hawaiian's ʻokina and kahakō
        ("\u02bbEwa Beach, HI", "Ewa Beach, HI"),
    ],
)
def test_a_city_spelled_with_accents_hyphens_or_apostrophes_is_found(client, typed, found):
    page, heading = _searched(client, typed)
    assert "could not find" not in page
    # The page names the city as it was spelt; the API, as the gazetteer spells it.
    state = found.rpartition(", ")[2]
    city = typed.rpartition(",")[0] if "," in typed else typed
    assert heading.endswith(f" of {city}, {state}"), heading
    answer = client.get("/api/v1/clinics", query_string={"near": typed})
    assert answer.status_code == 200
    assert answer.get_json()["place"]["label"] == found


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("winston-salem, nc", "Winston Salem, NC"),  # no capital: the gazetteer's spelling
        ("WINSTON-SALEM, NC", "Winston Salem, NC"),
        ("cHICAGO, IL", "Chicago, IL"),
        ("Chicago", "Chicago, IL"),
        ("St. Louis, MO", "St. Louis, MO"),
        ("Mt. Pleasant, SC", "Mt. Pleasant, SC"),
    ],
)
def test_a_city_is_named_as_typed_only_when_spelt_with_capitals(client, typed, shown):
    page, heading = _searched(client, typed)
    assert heading.endswith(f" of {shown}"), heading
    assert f"Clinics near {html.escape(shown)} · " in page  # the page's title


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("san josé", "San Jose, CA"),
        ("o'fal", "O Fallon, MO"),
        ("winston-s", "Winston Salem, NC"),
        ("coeur d\u2019", "Coeur D Alene, ID"),
        ("k\u0101ne\u02bbo", "Kaneohe, HI"),
    ],
)
def test_suggestions_while_typing_read_the_same_spellings(client, typed, suggested):
    answer = client.get("/places/suggest", query_string={"q": typed})
    assert suggested in answer.get_json()["suggestions"]


def test_a_city_that_is_not_there_is_still_unknown(client):
    page = client.get("/search", query_string={"near": "Wínstøn-Nowhere, NC"})
    assert page.status_code == 400
    assert "could not find" in page.text


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Chicago, IL 60601", "60601 (Chicago, IL)"),
        ("Chicago IL 60601-1234", "60601 (Chicago, IL)"),
        ("23800 Orchard Lake Rd., Suite 100, Farmington Hills, MI 48336", "48336 (Farmington"),
        ("Chicago, IL 00000", "Chicago, IL"),  # a ZIP code not known: the city before it
        ("23800 Orchard Lake Rd, Farmington Hills, MI 48336, USA", "48336 (Farmington"),
        ("Farmington Hills, MI 48336 United States", "48336 (Farmington"),
        ("Portland, OR 04101", "Portland, OR"),  # Maine's ZIP code: the state named wins
        ("Portland, ME 04101", "04101 (Portland, ME)"),
    ],
)
def test_a_place_typed_with_its_zip_code_searches_from_the_zip_code(client, typed, found):
    answer = client.get("/api/v1/clinics", query_string={"near": typed})
    assert answer.status_code == 200
    assert answer.get_json()["place"]["label"].startswith(found)
    assert found in client.get("/search", query_string={"near": typed}).text


@pytest.mark.parametrize("typed", ["--", "\u2014\u2014", "..", "''"])
def test_punctuation_alone_suggests_no_place(client, typed):
    assert client.get("/places/suggest", query_string={"q": typed}).get_json() == {
        "suggestions": []
    }
