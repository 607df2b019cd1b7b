"""The search form reads its yes/no filters with the words the search itself takes."""

from __future__ import annotations

import pytest
from selectolax.parser import HTMLParser

from directory.search.params import FALSE_WORDS, PARAMS, TRUE_WORDS, Kind

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
