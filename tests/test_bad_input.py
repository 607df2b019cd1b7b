"""Bad input to the pages and the API: a clear 400 or 404 naming the problem, never a 500."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from directory.search.params import PARAMS

NEAR = "48336"
MARKUP = "<script>alert(1)</script>"
ESCAPED_MARKUP = "&lt;script&gt;alert(1)&lt;/script&gt;"

NUMBER_OF_MILES = "The radius must be a number of miles, for example 25."
RADIUS_RANGE = "The radius must be more than 0 and at most 500 miles."
PAGE = "Page must be a whole number from 1 to 100,000."
PER_PAGE = "Per page must be a whole number from 1 to 100."
PRICE_NUMBER = "The price ceiling must be an amount in dollars, for example 600."
PRICE_RANGE = "The price ceiling must be between $0 and $100,000."
TREATMENT = "Choose a treatment from the list."
CONDITION = "Choose a condition from the list."
STATE = "Choose a US state, for example MI or Michigan."
SORT = "Sort by distance, price or name."
YES_NO = "Use 1 for yes or leave it out."
TOO_LONG = "That place is too long (at most 100 characters)."
FIVE_DIGITS = "A ZIP code has five digits, for example 48336."


def unknown(text: str) -> str:
    return (
        f"We could not find “{text}”. Try a ZIP code, a city and state such as "
        "“Farmington Hills, MI”, a state, or a metro area such as “Chicagoland”."
    )


def unknown_zip(zip_code: str) -> str:
    """The message for a ZIP code the gazetteer does not hold."""
    return (
        f"We could not find the ZIP code {zip_code}. Check the digits, or search for the city"
        " and state."
    )


# (query parameters, the field named, the message shown for it)
BAD_SEARCHES: list[Any] = [
    pytest.param({"near": "Narnia"}, "near", unknown("Narnia"), id="near-unknown"),
    pytest.param({"near": "Atlantis, ZZ"}, "near", unknown("Atlantis, ZZ"), id="near-atlantis-zz"),
    pytest.param(
        {"near": "Atlantis, MI"},
        "near",
        "We could not find Atlantis in Michigan. Check the spelling, or try a ZIP code.",
        id="near-atlantis-mi",
    ),
    pytest.param(
        {"near": "00000"},
        "near",
        unknown_zip("00000"),
        id="zip-00000",
    ),
    pytest.param(
        {"near": "99999"},
        "near",
        unknown_zip("99999"),
        id="zip-99999",
    ),
    pytest.param({"near": "4833"}, "near", FIVE_DIGITS, id="zip-four-digits"),
    pytest.param({"near": "x" * 500}, "near", TOO_LONG, id="near-500-chars"),
    pytest.param({"near": "Springfield"}, "near", None, id="near-ambiguous"),
    pytest.param({"near": NEAR, "radius": "-5"}, "radius", RADIUS_RANGE, id="radius-negative"),
    pytest.param({"near": NEAR, "radius": "0"}, "radius", RADIUS_RANGE, id="radius-zero"),
    pytest.param({"near": NEAR, "radius": "-0"}, "radius", RADIUS_RANGE, id="radius-minus-zero"),
    pytest.param({"near": NEAR, "radius": "100000"}, "radius", RADIUS_RANGE, id="radius-huge"),
    pytest.param({"near": NEAR, "radius": "500.01"}, "radius", RADIUS_RANGE, id="radius-500.01"),
    pytest.param({"near": NEAR, "radius": "inf"}, "radius", NUMBER_OF_MILES, id="radius-inf"),
    pytest.param({"near": NEAR, "radius": "-inf"}, "radius", NUMBER_OF_MILES, id="radius-neg-inf"),
    pytest.param({"near": NEAR, "radius": "nan"}, "radius", NUMBER_OF_MILES, id="radius-nan"),
    pytest.param({"near": NEAR, "radius": "1e400"}, "radius", NUMBER_OF_MILES, id="radius-1e400"),
    pytest.param({"near": NEAR, "radius": "abc"}, "radius", NUMBER_OF_MILES, id="radius-abc"),
    pytest.param({"near": NEAR, "page": "abc"}, "page", PAGE, id="page-abc"),
    pytest.param({"near": NEAR, "page": "0"}, "page", PAGE, id="page-zero"),
    pytest.param({"near": NEAR, "page": "-1"}, "page", PAGE, id="page-negative"),
    pytest.param({"near": NEAR, "page": "1.5"}, "page", PAGE, id="page-fraction"),
    pytest.param({"near": NEAR, "page": "100001"}, "page", PAGE, id="page-too-high"),
    pytest.param({"near": NEAR, "page": "9" * 40}, "page", PAGE, id="page-40-digits"),
    pytest.param({"near": NEAR, "page": "²"}, "page", PAGE, id="page-superscript-two"),
    pytest.param({"near": NEAR, "per_page": "101"}, "per_page", PER_PAGE, id="per-page-101"),
    pytest.param({"near": NEAR, "per_page": "0"}, "per_page", PER_PAGE, id="per-page-zero"),
    pytest.param({"near": NEAR, "per_page": "²"}, "per_page", PER_PAGE, id="per-page-super"),
    pytest.param({"near": NEAR, "max_price": "-1"}, "max_price", PRICE_RANGE, id="price-neg"),
    pytest.param({"near": NEAR, "max_price": "$-50"}, "max_price", PRICE_RANGE, id="price-$neg"),
    pytest.param(
        {"near": NEAR, "max_price": "100001"}, "max_price", PRICE_RANGE, id="price-too-high"
    ),
    pytest.param({"near": NEAR, "max_price": "cheap"}, "max_price", PRICE_NUMBER, id="price-word"),
    pytest.param({"near": NEAR, "max_price": "nan"}, "max_price", PRICE_NUMBER, id="price-nan"),
    pytest.param({"near": NEAR, "max_price": "inf"}, "max_price", PRICE_NUMBER, id="price-inf"),
    pytest.param({"near": NEAR, "treatment": "lsd"}, "treatment", TREATMENT, id="treatment"),
    pytest.param(
        {"near": NEAR, "treatment": "IV-INFUSION"}, "treatment", TREATMENT, id="treatment-case"
    ),
    pytest.param({"near": NEAR, "condition": "flu"}, "condition", CONDITION, id="condition"),
    pytest.param({"near": NEAR, "state": "ZZ"}, "state", STATE, id="state-zz"),
    pytest.param({"near": NEAR, "state": "Atlantis"}, "state", STATE, id="state-word"),
    pytest.param({"near": NEAR, "state": "12"}, "state", STATE, id="state-digits"),
    pytest.param({"near": NEAR, "sort": "random"}, "sort", SORT, id="sort"),
    pytest.param(
        {"near": NEAR, "free_consultation": "maybe"}, "free_consultation", YES_NO, id="free-consult"
    ),
    pytest.param({"near": NEAR, "insurance": "2"}, "insurance", YES_NO, id="insurance"),
]

# Where the search page shows each field's message, beside the field it belongs to.
FIELD_ERROR_ID = {"state": "f-state", "page": "f-page", "per_page": "f-per_page"}


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def assert_no_raw_markup(response) -> None:
    text = response.get_data(as_text=True)
    assert MARKUP not in text
    assert "<script>alert" not in text


# ---------------------------------------------------------------- /search and the API, same cases


@pytest.mark.parametrize(("params", "field", "message"), BAD_SEARCHES)
def test_search_page_shows_the_error_next_to_the_form(client, params, field, message):
    response = client.get("/search", query_string=params)

    assert response.status_code == 400
    assert response.content_type.startswith("text/html")
    text = page_text(response)
    assert 'class="search-form"' in text
    assert "Please check your search" in text
    assert "clinics found" not in text
    error_id = FIELD_ERROR_ID.get(field, f"{field}-error")
    if message is None:  # ambiguous place: the message names the choices
        assert f'id="{error_id}">There is more than one Springfield. Add the state' in text
    else:
        assert f'<p class="field-error" id="{error_id}">{message}</p>' in text
        assert text.count(message) == 1  # once, beside its field
    summary = text[text.index('<div class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert re.search(rf'<li><a href="#f-{field}">[^<]+</a></li>', summary)


@pytest.mark.parametrize(("params", "field", "message"), BAD_SEARCHES)
def test_api_clinics_answers_json_400_naming_the_field(client, params, field, message):
    response = client.get("/api/v1/clinics", query_string=params)

    assert response.status_code == 400
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body["status"] == 400
    assert isinstance(body["message"], str)
    assert body["message"]
    assert list(body["errors"]) == [field]
    if message is None:
        assert body["errors"][field].startswith("There is more than one Springfield.")
    else:
        assert body["errors"][field] == message
        assert body["message"] in (message, "Some parameters are not valid.")


def test_every_bad_field_is_named_at_once(client):
    params = {
        "near": NEAR,
        "radius": "abc",
        "page": "0",
        "treatment": "nope",
        "max_price": "-3",
    }
    body = client.get("/api/v1/clinics", query_string=params).get_json()
    assert body["errors"] == {
        "radius": NUMBER_OF_MILES,
        "page": PAGE,
        "treatment": TREATMENT,
        "max_price": PRICE_RANGE,
    }
    response = client.get("/search", query_string=params)
    assert response.status_code == 400
    text = page_text(response)
    for message in body["errors"].values():
        assert message in text


def test_atlantis_alone_is_a_real_town_not_an_error(client):
    """ "Atlantis" is Atlantis, FL in the gazetteer; the unknown-place cases use other names."""
    body = client.get("/api/v1/clinics", query_string={"near": "Atlantis"}).get_json()
    assert body["place"]["label"] == "Atlantis, FL"
    assert body["place"]["state"] == "FL"


def test_valid_search_still_works(client, seeded):
    """A control: the same page answers 200 with results when the input is good."""
    response = client.get("/search", query_string={"near": NEAR, "radius": "10"})
    assert response.status_code == 200
    assert "Ketamine Institute of Michigan" in page_text(response)
    assert "Please check your search" not in page_text(response)


# ---------------------------------------------------------------- markup in every parameter

# Every parameter the search reads, from the one table of them.
SEARCH_PARAMS = [param.name for param in PARAMS]
# The radius is a choice of distances: a value that is not a number is not offered back.
ECHOED_IN_INPUTS = {"near", "max_price"}


@pytest.mark.parametrize("name", SEARCH_PARAMS)
def test_markup_in_a_search_parameter_is_escaped(client, name):
    params = {"near": NEAR, name: MARKUP}
    response = client.get("/search", query_string=params)

    assert response.status_code == 400
    assert_no_raw_markup(response)
    text = response.get_data(as_text=True)
    if name in ECHOED_IN_INPUTS:  # what was typed is kept in the field, escaped
        assert f'name="{name}" type="text"' in text
        assert f'value="{ESCAPED_MARKUP}"' in text

    api = client.get("/api/v1/clinics", query_string=params)
    assert api.status_code == 400
    assert list(api.get_json()["errors"]) == [name]


@pytest.mark.parametrize("name", ["near", "state", "radius"])
def test_markup_on_the_costs_page_is_escaped(client, name):
    params = {"near": NEAR, name: MARKUP} if name != "state" else {"state": MARKUP}
    response = client.get("/costs", query_string=params)
    assert response.status_code == 400
    assert_no_raw_markup(response)
    assert f"{name}-error" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "params",
    [
        {"clinics": MARKUP},
        {"clinics": "renew-ketamine", "near": MARKUP},
        {"clinics": "renew-ketamine", "treatment": MARKUP},
    ],
    ids=["clinics", "near", "treatment"],
)
def test_markup_on_the_compare_page_is_escaped(client, seeded, params):
    response = client.get("/compare", query_string=params)
    assert response.status_code == 400
    assert_no_raw_markup(response)


@pytest.mark.parametrize("path", ["/search.csv", "/costs.csv"])
def test_markup_in_csv_errors_is_escaped(client, path):
    response = client.get(path, query_string={"near": MARKUP})
    assert response.status_code == 400
    assert_no_raw_markup(response)
    assert ESCAPED_MARKUP in response.get_data(as_text=True)


def test_markup_in_a_clinic_slug_is_a_plain_404(client):
    response = client.get("/clinics/" + MARKUP.replace("/", "%2F"))
    assert response.status_code == 404
    assert_no_raw_markup(response)


# ---------------------------------------------------------------- clinic, compare, costs pages


@pytest.mark.parametrize(
    "slug",
    ["nope", "unnamed-clinic-seed-002", "serenity-mental-health-centers", "Nope!", "a" * 300],
)
def test_unknown_or_draft_clinic_page_is_a_404_page(client, seeded, slug):
    response = client.get(f"/clinics/{slug}")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
    text = page_text(response)
    assert "Page not found" in text
    assert "There is no page at this address." in text


def test_published_clinic_page_is_found(client, seeded):
    """A control for the 404s above."""
    response = client.get("/clinics/renew-ketamine")
    assert response.status_code == 200
    assert "Renew Ketamine" in page_text(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param(
            {"clinics": "renew-ketamine,Bad_Slug!"},
            "Some of the clinics asked for do not exist.",
            id="invalid-slug",
        ),
        pytest.param(
            {"clinics": "-leading-dash"},
            "Some of the clinics asked for do not exist.",
            id="leading-dash",
        ),
        pytest.param(
            {"clinics": "x" * 121},
            "Some of the clinics asked for do not exist.",
            id="slug-too-long",
        ),
        pytest.param(
            {"clinics": "renew-ketamine", "treatment": "lsd"},
            "Choose a treatment from the list.",
            id="unknown-treatment",
        ),
        pytest.param(
            {"clinics": "renew-ketamine", "treatment": "integration"},
            "Choose a treatment from the list.",
            id="not-a-course-of-treatment",
        ),
        pytest.param(
            {"clinics": "renew-ketamine", "near": "Narnia"},
            unknown("Narnia"),
            id="unknown-place",
        ),
    ],
)
def test_compare_rejects_bad_selections_with_400(client, seeded, params, message):
    response = client.get("/compare", query_string=params)
    assert response.status_code == 400
    text = page_text(response)
    assert f'<div class="error-summary" role="alert"><p>{message}</p></div>' in text


@pytest.mark.parametrize(
    "clinics",
    [
        ",".join(f"clinic-{i}" for i in range(7)),  # over the limit: the first six, none listed
        ["a", "b", "c", "d", "e", "f", "g"],
    ],
)
def test_compare_of_seven_unknown_clinics_is_404_not_an_error_page(client, seeded, clinics):
    assert client.get("/compare", query_string={"clinics": clinics}).status_code == 404


@pytest.mark.parametrize(
    "clinics",
    ["nope", "nope,also-nope", "unnamed-clinic-seed-002", "unnamed-clinic-seed-003,nope"],
)
def test_compare_with_only_unknown_or_unpublished_clinics_is_404(client, seeded, clinics):
    response = client.get("/compare", query_string={"clinics": clinics})
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_compare_with_some_unknown_clinics_lists_them(client, seeded):
    response = client.get("/compare", query_string={"clinics": "renew-ketamine,nope"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Not found or not published: nope." in text
    assert "Renew Ketamine" in text


def test_compare_with_six_clinics_is_allowed(client, seeded):
    six = ",".join(["renew-ketamine", "ketamine-institute-of-michigan", "a", "b", "c", "d"])
    response = client.get("/compare", query_string={"clinics": six})
    assert response.status_code == 200
    assert "Not found or not published: a, b, c, d." in page_text(response)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        pytest.param({"state": "ZZ"}, "state", STATE, id="state-zz"),
        pytest.param({"state": "Narnia"}, "state", STATE, id="state-word"),
        pytest.param({"state": "x" * 41}, "state", STATE, id="state-long"),
        pytest.param({"near": "Narnia"}, "near", unknown("Narnia"), id="near-unknown"),
        pytest.param({"near": NEAR, "radius": "0"}, "radius", RADIUS_RANGE, id="radius-zero"),
        pytest.param({"near": NEAR, "radius": "nan"}, "radius", NUMBER_OF_MILES, id="radius-nan"),
    ],
)
def test_costs_page_rejects_bad_region_with_400(client, params, field, message):
    response = client.get("/costs", query_string=params)
    assert response.status_code == 400
    text = page_text(response)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in text
    assert "<table" not in text

    api = client.get("/api/v1/costs/summary", query_string=params)
    assert api.status_code == 400
    assert api.get_json()["errors"] == {field: message}


# ---------------------------------------------------------------- CSV downloads


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({}, "Enter a place to search.", id="no-place"),
        pytest.param({"near": "Narnia"}, unknown("Narnia"), id="near-unknown"),
        pytest.param({"near": "00000"}, unknown_zip("00000"), id="zip"),
        pytest.param({"near": NEAR, "radius": "-1"}, RADIUS_RANGE, id="radius-negative"),
        pytest.param({"near": NEAR, "radius": "inf"}, NUMBER_OF_MILES, id="radius-inf"),
        pytest.param({"near": NEAR, "page": "abc"}, PAGE, id="page"),
        pytest.param({"near": NEAR, "max_price": "-5"}, PRICE_RANGE, id="price"),
        pytest.param({"near": NEAR, "treatment": "lsd"}, TREATMENT, id="treatment"),
        pytest.param({"near": "x" * 500}, TOO_LONG, id="near-long"),
    ],
)
def test_search_csv_rejects_bad_input_with_an_html_400(client, params, message):
    response = client.get("/search.csv", query_string=params)
    assert response.status_code == 400
    assert response.content_type.startswith("text/html")
    assert "Content-Disposition" not in response.headers
    assert f'<p class="lead">{message}</p>' in page_text(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"state": "ZZ"}, STATE, id="state"),
        pytest.param({"near": "Narnia"}, unknown("Narnia"), id="near-unknown"),
        pytest.param({"near": NEAR, "radius": "100000"}, RADIUS_RANGE, id="radius-huge"),
        pytest.param({"near": NEAR, "radius": "abc"}, NUMBER_OF_MILES, id="radius-abc"),
    ],
)
def test_costs_csv_rejects_bad_input_with_an_html_400(client, params, message):
    response = client.get("/costs.csv", query_string=params)
    assert response.status_code == 400
    assert response.content_type.startswith("text/html")
    assert "Content-Disposition" not in response.headers
    assert f'<p class="lead">{message}</p>' in page_text(response)


def test_csv_downloads_work_with_good_input(client, seeded):
    """A control for the CSV errors above."""
    response = client.get("/search.csv", query_string={"near": NEAR})
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("name,slug,")
    assert lines[1].startswith("Ketamine Institute of Michigan,ketamine-institute-of-michigan,")
    costs = client.get("/costs.csv", query_string={"state": "MI"})
    assert costs.status_code == 200
    assert costs.content_type.startswith("text/csv")


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"treatment": "lsd"}, id="treatment"),
        pytest.param({"page": "abc"}, id="page"),
        pytest.param({"max_price": "-5"}, id="price"),
        pytest.param({"sort": "cheapest"}, id="sort"),
    ],
)
def test_a_region_summary_neither_applies_nor_checks_a_search_filter(client, seeded, extra):
    """The costs page, its CSV and the API's summary read a place, a radius and a state;
    a search's filters in the same address change nothing and are no error."""
    region = {"state": "MI"}
    plain = client.get("/api/v1/costs/summary", query_string=region).get_json()
    api = client.get("/api/v1/costs/summary", query_string={**region, **extra})
    assert api.status_code == 200
    assert api.get_json() == plain
    assert plain["clinics"] > 0
    page = client.get("/costs", query_string={**region, **extra})
    assert page.status_code == 200 and 'class="field-error"' not in page_text(page)
    assert "Michigan" in page_text(page)
    csv = client.get("/costs.csv", query_string={**region, **extra})
    assert csv.status_code == 200
    assert csv.data == client.get("/costs.csv", query_string=region).data
    assert "/costs.csv?state=MI" in page_text(page)  # the CSV link carries the region alone
    # Its own parameters are still checked.
    bad = client.get("/api/v1/costs/summary", query_string={**region, **extra, "state": "ZZ"})
    assert bad.status_code == 400 and list(bad.get_json()["errors"]) == ["state"]


@pytest.mark.parametrize("name", ["endpoint", "_method", "_anchor", "_external", "values"])
def test_costs_page_takes_url_building_words_as_plain_parameters(client, seeded, name):
    """Parameters named like url_for's own arguments are not passed to it."""
    response = client.get("/costs", query_string={"state": "MI", name: "x"})
    assert response.status_code == 200
    assert '<a href="/costs.csv?state=MI">' in page_text(response)
