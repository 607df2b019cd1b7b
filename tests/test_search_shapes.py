"""Search pages filled in from their shape's content show each search's own page: the same
page, byte for byte, as the template rendered whole for that search."""

from __future__ import annotations

import pytest

from directory.public import search_shapes
from tests.conftest import at_fh, card_slugs, configure, get, main, price, text

GRAND_RAPIDS = {"latitude": 42.9634, "longitude": -85.6681}
MARQUETTE = {"latitude": 46.5436, "longitude": -87.3954}


@pytest.fixture
def clinics(make_clinic):
    """Three clinics near Farmington Hills, two near Grand Rapids and one near Marquette,
    and more telehealth programs serving Michigan than one page shows."""
    for n in range(3):
        make_clinic(f"Hills Clinic {n}", prices=(price("iv-infusion", 400 + n),), **at_fh(n / 100))
    for n in range(2):
        make_clinic(f"Rapids Clinic {n}", city="Grand Rapids", **GRAND_RAPIDS)
    make_clinic("Lake Superior Clinic", city="Marquette", **MARQUETTE)
    for n in range(7):
        make_clinic(f"Program {n}", service_areas=("MI",), is_example=n % 2 == 0)


def whole_and_filled(app, client, urls: list[str]) -> list[tuple[str, str, str]]:
    """Each page rendered whole, then filled in from its shape's content."""
    configure(app, SEARCH_PAGES_BY_SHAPE=False)
    whole = [client.get(url).get_data(as_text=True) for url in urls]
    configure(app, SEARCH_PAGES_BY_SHAPE=True)
    filled = [client.get(url).get_data(as_text=True) for url in urls]
    return list(zip(urls, whole, filled, strict=True))


def test_searches_of_one_shape_each_show_their_own_place_counts_and_cards(client, clinics):
    hills = main(get(client, "/search?near=48336&radius=25"))
    rapids = main(get(client, "/search?near=49503&radius=25"))

    assert "Ketamine clinics within 25 miles of 49503 (Grand Rapids, MI)" in text(rapids)
    assert "2 clinics found" in text(rapids) and "3 clinics found" in text(hills)
    assert card_slugs(rapids)[:2] == ["test-clinic-4", "test-clinic-5"]
    assert 'name="near" type="text" value="49503"' in rapids
    assert 'href="/search.csv?near=49503&amp;radius=25"' in rapids
    assert 'href="/search?near=49503&amp;radius=25&amp;sort=price"' in rapids
    assert "near=48336" not in rapids and "Hills Clinic" not in rapids
    assert "Programs 1–5 of 7" in text(rapids) and "Programs 1–5 of 7" in text(hills)


def test_a_page_filled_in_is_the_page_rendered_whole(app, client, clinics):
    urls = [
        "/search?near=48336&radius=25",
        "/search?near=49503&radius=25",
        "/search?near=48334",
        "/search?near=49855&radius=25",
        "/search?near=49855&radius=25&lang=es",
        "/search?near=48336&radius=25&sort=price",
        "/search?near=49503&radius=25&sort=name",
        "/search?near=48336&radius=25&lang=es",
        "/search?near=49503&radius=25&lang=es",
        "/search?near=48336&radius=100&programs_page=2",
        "/search?near=49503&radius=100&programs_page=2",
        "/search?near=48336&radius=100&per_page=2",
        "/search?near=48336&radius=100&per_page=2&page=2",
        "/search?near=48336&radius=100&per_page=2&page=3",
        "/search?near=Farmington+Hills%2C+MI&radius=25",
        "/search?near=Grand+Rapids%2C+MI&radius=25",
        "/search?near=18702&radius=25",
        "/search?near=%EF%BC%94%EF%BC%98%EF%BC%93%EF%BC%93%EF%BC%96&radius=25",
        "/search?near=M%C3%ADchigan",
        "/search?near=+48336+&radius=25",
        "/search?near=Michigan",
        "/search?state=MI",
        "/search?near=48336&radius=25&radius=50",
        "/search?near=48336&radius=5",
    ]
    search_shapes._SHAPES.clear()
    for url, whole, filled in whole_and_filled(app, client, urls):
        assert filled == whole, url
    # Most of these searches are of shapes whose content is kept (the others: no clinics
    # within 5 miles, a page past the last); their pages were filled in, not rendered whole.
    assert len(search_shapes._SHAPES._entries) >= 12


def test_what_was_typed_is_kept_as_typed_in_the_form_and_encoded_in_the_links(client, clinics):
    wide = main(get(client, "/search?near=%EF%BC%94%EF%BC%98%EF%BC%93%EF%BC%93%EF%BC%96"))
    accented = main(get(client, "/search?near=M%C3%ADchigan"))

    assert 'value="４８３３６"' in wide  # full-width digits, as typed
    link = "/search?near=%EF%BC%94%EF%BC%98%EF%BC%93%EF%BC%93%EF%BC%96&amp;sort=price"
    assert f'href="{link}"' in wide
    assert "3 clinics found" in text(wide) and "Ketamine clinics within 25 miles of 48336" in text(
        wide
    )
    assert 'value="Míchigan"' in accented
    assert 'href="/search.csv?near=M%C3%ADchigan"' in accented
