"""States named in the reader's language on pages, and in English in the API and data."""

from __future__ import annotations

import pytest
from selectolax.parser import HTMLParser

from directory.search import places as geo
from directory.search.state_names import SPANISH
from tests.conftest import MICHIGAN, elements, listing_data, post_form, table_rows, text

# Words in each language: no database changes them, so these run on SQLite only.
pytestmark = pytest.mark.words

ES = {"Accept-Language": "es"}
EN = {"Accept-Language": "en"}


def page(client, url: str, headers: dict[str, str], status: int = 200) -> str:
    """The page at url in a language, checked for its status."""
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def h1_and_title(html: str) -> str:
    """The visible text of a page's <title> and <h1>."""
    return " | ".join(text(e) for e in elements(html, "title") + elements(html, "h1"))


def option_names(html: str, selector: str) -> list[str]:
    """The labels of a select's options, the empty choice left out."""
    select = HTMLParser(html).css_first(selector)
    assert select is not None, selector
    return [o.text() for o in select.css("option") if o.attributes.get("value")]


def folded(names: list[str]) -> list[str]:
    """Names as a reader sorts them: accents and case ignored."""
    return [geo.name_key(n) for n in names]


def test_every_jurisdiction_has_a_spanish_name():
    codes = {code for code, _ in geo.all_states()}
    assert len(codes) == 56 and set(SPANISH) == codes
    changed = {code: name for code, name in SPANISH.items() if name != geo.state_name(code)}
    assert changed == {
        "NC": "Carolina del Norte",
        "SC": "Carolina del Sur",
        "ND": "Dakota del Norte",
        "SD": "Dakota del Sur",
        "DC": "Distrito de Columbia",
        "HI": "Hawái",
        "LA": "Luisiana",
        "MS": "Misisipi",
        "MO": "Misuri",
        "NJ": "Nueva Jersey",
        "NY": "Nueva York",
        "NH": "Nuevo Hampshire",
        "NM": "Nuevo México",
        "PA": "Pensilvania",
        "WV": "Virginia Occidental",
        "OR": "Oregón",
        "MI": "Míchigan",
        "VI": "Islas Vírgenes de los Estados Unidos",
        "AS": "Samoa Estadounidense",
        "MP": "Islas Marianas del Norte",
    }


@pytest.mark.parametrize("near", ["New York", "NY", "Nueva York", "nueva york"])
def test_state_search_names_the_state_in_the_page_language(client, make_clinic, near):
    make_clinic("Empire Ketamine", near="10001", city="New York")
    spanish = h1_and_title(page(client, f"/search?near={near}", ES))
    assert "Nueva York" in spanish and "New York" not in spanish
    assert "Clínicas de ketamina en Nueva York" in spanish
    english = h1_and_title(page(client, f"/search?near={near}", EN))
    assert "Nueva York" not in english and "Ketamine clinics in New York" in english
    # The API reports the place it searched in English whatever the reader's language.
    api = client.get("/api/v1/clinics", query_string={"near": near}, headers=ES).get_json()
    assert api["place"]["kind"] == "state" and api["place"]["label"] == "New York"
    assert api["total"] == 1


def test_state_filter_and_telehealth_heading_in_spanish(client, make_clinic):
    make_clinic("Mesa Ketamine", near="87102", city="Albuquerque")
    make_clinic("Video Ketamine", service_areas=("NM",))
    main_text = text(page(client, "/search?state=NM", ES))
    assert "Nuevo México" in main_text and "New Mexico" not in main_text
    assert "programas de telesalud" in main_text.lower()


def test_card_address_and_clinic_crumbs_in_spanish(client, make_clinic):
    clinic = make_clinic("Capital Ketamine", near="20001", city=None)
    search = page(client, "/search?near=20001", ES)
    addresses = [text(a) for a in elements(search, "address")]
    assert addresses == ["1 Test St Distrito de Columbia 20001"]
    crumbs = text(elements(page(client, f"/clinics/{clinic.slug}", ES), ".crumbs")[0])
    assert "Distrito de Columbia" in crumbs and "District" not in crumbs
    english = text(elements(page(client, f"/clinics/{clinic.slug}", EN), ".crumbs")[0])
    assert "District of Columbia" in english


def test_telehealth_licence_line_in_spanish(client, make_clinic):
    clinic = make_clinic("Remote Ketamine", service_areas=("NY", "PA"))
    article = text(page(client, f"/clinics/{clinic.slug}", ES))
    assert "Nueva York, Pensilvania" in article and "Pennsylvania" not in article


def test_region_list_and_page_in_the_reader_language(client, make_clinic):
    make_clinic(near="48336")
    make_clinic(near="10001")
    make_clinic(near="87102")
    make_clinic(near="19103")
    make_clinic(service_areas=("DC",))
    spanish = [row[0] for row in table_rows(page(client, "/regions", ES))[1:]]
    assert spanish == [
        "Distrito de Columbia",
        "Míchigan",
        "Nueva York",
        "Nuevo México",
        "Pensilvania",
    ]
    english = [row[0] for row in table_rows(page(client, "/regions", EN))[1:]]
    assert english == [
        "District of Columbia",
        "Michigan",
        "New Mexico",
        "New York",
        "Pennsylvania",
    ]
    # The API's list keeps the English names, as data.
    api = client.get("/api/v1/regions", headers=ES).get_json()
    assert [r["name"] for r in api["regions"]] == english

    region = page(client, "/regions/NY", ES)
    assert "Nueva York" in h1_and_title(region) and "New York" not in text(region)
    # Its search link names the state in Spanish, and the search understands it.
    link = HTMLParser(region).css_first('a[href^="/search?near="]')
    assert link is not None
    followed = h1_and_title(page(client, str(link.attributes["href"]), ES))
    assert "Clínicas de ketamina en Nueva York" in followed
    assert "Ketamine clinics in New York" in h1_and_title(page(client, "/regions/NY", EN))


def test_costs_page_names_the_region_in_spanish_and_the_api_in_english(client, make_clinic):
    make_clinic(near="87102")
    costs = page(client, "/costs?state=NM", ES)
    assert "Nuevo México" in h1_and_title(costs) and "New Mexico" not in text(costs)
    options = option_names(costs, "select#c-state")
    assert options[:3] == ["Alabama", "Alaska", "Arizona"]
    assert folded(options) == sorted(folded(options))
    api = client.get("/api/v1/costs/summary?state=NM", headers=ES).get_json()
    assert api["region"] == "New Mexico"


def test_owner_form_lists_states_in_spanish_order(owner_client):
    owner_client.set_cookie("lang", "es")
    form = page(owner_client, f"/owner/clinics/{MICHIGAN}/edit", {})
    names = option_names(form, "select#state")
    assert len(names) == 56 and "Nueva York" in names and "New York" not in names
    assert folded(names) == sorted(folded(names))
    # Accents do not push a name to the end: Míchigan sorts as Michigan.
    assert names.index("Míchigan") < names.index("Minnesota") < names.index("Misisipi")
    assert names.index("Misuri") < names.index("Montana")
    assert names.index("Nueva York") < names.index("Nuevo Hampshire")
    selected = HTMLParser(form).css_first("select#state option[selected]")
    assert selected is not None and selected.text() == "Míchigan"

    owner_client.set_cookie("lang", "en")
    english = option_names(page(owner_client, f"/owner/clinics/{MICHIGAN}/edit", {}), "#state")
    assert "New York" in english and english == sorted(english)


def test_owner_form_zip_state_mismatch_in_spanish(owner_client):
    owner_client.set_cookie("lang", "es")
    url = f"/owner/clinics/{MICHIGAN}/edit"
    response = post_form(owner_client, url, listing_data(state="NY"))
    assert response.status_code == 400
    shown = text(response.get_data(as_text=True))
    assert "48336" in shown and "Míchigan" in shown and "Nueva York" in shown
    assert "New York" not in shown


def test_zip_digits_message_in_spanish(client):
    spanish = text(page(client, "/search?near=4833", ES, status=400))
    assert "Un código postal tiene cinco dígitos, por ejemplo 48336." in spanish
    english = text(page(client, "/search?near=4833", EN, status=400))
    assert "A ZIP code has five digits, for example 48336." in english


def test_unknown_city_in_a_state_names_the_state_in_spanish(client):
    spanish = text(page(client, "/search?near=Atlantis, NY", ES, status=400))
    assert "Nueva York" in spanish and "in New York" not in spanish


def test_place_suggestions_offer_spanish_names_to_spanish_readers(client):
    spanish = client.get("/places/suggest?q=nueva", headers=ES).get_json()["suggestions"]
    assert "Nueva York" in spanish and "Nueva Jersey" in spanish
    typed_english = client.get("/places/suggest?q=new j", headers=ES).get_json()["suggestions"]
    assert "New Jersey" in typed_english
    english = client.get("/places/suggest?q=new j", headers=EN).get_json()["suggestions"]
    assert "New Jersey" in english and "Nueva Jersey" not in english
