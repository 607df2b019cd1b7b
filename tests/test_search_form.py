"""The search form: it reads yes/no words as the search does and explains every bad value."""

from __future__ import annotations

import pytest
from selectolax.parser import HTMLParser

from directory.search.params import FALSE_WORDS, PARAMS, TRUE_WORDS, Kind, Limits, read_all
from directory.search.places import MAX_PLACE_LENGTH
from tests.conftest import text

FLAGS = [param.name for param in PARAMS if param.kind is Kind.FLAG]


def ticked(page: str) -> set[str]:
    """The names of the ticked checkboxes of the search form."""
    form = HTMLParser(page).css_first("form.search-form")
    assert form is not None
    return {
        str(box.attributes["name"])
        for box in form.css("input[type=checkbox]")
        if "checked" in box.attributes
    }


@pytest.mark.parametrize("word", [*TRUE_WORDS, *(w.upper() for w in TRUE_WORDS)])
def test_every_word_the_search_takes_for_yes_ticks_the_box(client, seeded, word):
    response = client.get("/search", query_string={"near": "48336", **dict.fromkeys(FLAGS, word)})

    assert response.status_code == 200
    assert ticked(response.get_data(as_text=True)) >= set(FLAGS)


@pytest.mark.parametrize("word", FALSE_WORDS)
def test_a_word_for_no_leaves_the_box_empty(client, seeded, word):
    response = client.get("/search", query_string={"near": "48336", **dict.fromkeys(FLAGS, word)})

    assert response.status_code == 200
    assert not ticked(response.get_data(as_text=True)) & set(FLAGS)


BAD_VALUE = {
    Kind.TEXT: "x" * (MAX_PLACE_LENGTH + 1),
    Kind.NUMBER: "far",
    Kind.MONEY: "cheap",
    Kind.STATE: "ZZ",
    Kind.CHOICE: "nonsense",
    Kind.FLAG: "maybe",
    Kind.CODES: "nonsense",
    Kind.COUNT: "0",
}


@pytest.mark.parametrize("param", PARAMS, ids=lambda param: param.name)
def test_every_bad_parameter_is_named_in_words_and_its_message_shown(client, seeded, param):
    asked = {"near": "48336", param.name: BAD_VALUE[param.kind]}
    _, expected = read_all(asked, Limits())

    response = client.get("/search", query_string=asked)

    assert response.status_code == 400
    tree = HTMLParser(response.get_data(as_text=True))
    summary = tree.css_first(".error-summary")
    assert summary is not None
    links = summary.css("li a")
    assert len(links) == 1
    label = links[0].text(strip=True)
    assert label and label != param.name and "_" not in label
    target = str(links[0].attributes["href"]).removeprefix("#")
    assert tree.css_first(f"[id='{target}']") is not None
    assert expected[param.name] in text(str(tree.css_first("form.search-form").html))


def test_a_programs_page_of_zero_says_what_is_wrong(client, seeded):
    response = client.get("/search?near=60614&programs_page=0")

    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "Please check your search Page of telehealth programs" in page
    assert "programs_page" not in page
    assert "must be a whole number from 1 to 100,000." in page
