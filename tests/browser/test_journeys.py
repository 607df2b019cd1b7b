"""The patient journeys at phone and desktop width: what a person sees, measured in the page."""

from __future__ import annotations

from tests.browser.conftest import VIEWPORTS, shot
from tests.browser.test_paths import busiest_zip

FIRST_CARD_TOP = "document.querySelector('.cards > li').getBoundingClientRect().top"


def priced_clinic(server) -> str:
    """An example clinic with at least two published prices (the phone shows them as cards)."""
    rows = server.query(
        "SELECT c.slug FROM clinics c JOIN prices p ON p.clinic_id = c.id "
        "WHERE c.status = 'published' AND p.source_url IS NOT NULL AND p.as_of IS NOT NULL "
        "GROUP BY c.slug HAVING COUNT(*) >= 2 ORDER BY c.slug LIMIT 1"
    )
    return rows[0][0]


def follow(page, link) -> None:
    """Click a link and wait until the next page has loaded: a click only waits for it to start."""
    before = page.url
    link.click()
    page.wait_for_url(lambda url: url != before)


def test_first_result_is_above_the_fold_and_the_crisis_bar_stays(live_server, new_page, viewport):
    page = new_page()
    page.goto(f"{live_server.url}/search?near={busiest_zip(live_server)}&radius=100")
    height = VIEWPORTS[viewport]["height"]
    top = page.evaluate(FIRST_CARD_TOP)
    print(f"\nfirst result top offset at {viewport}: {top:.0f} px (viewport {height} px)")
    heading = page.locator(".cards > li h3").first.bounding_box()
    assert heading["y"] + heading["height"] <= height  # its name shows without scrolling
    shot(page, "journey-results", viewport)

    buttons = page.locator(".crisis-button >> visible=true")
    assert buttons.count() >= 3
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    hrefs = [buttons.nth(i).get_attribute("href") for i in range(buttons.count())]
    assert {"tel:988", "sms:988", "https://988lifeline.org/chat/"} <= set(hrefs)
    bar = page.locator("aside.crisis")
    assert bar.bounding_box()["y"] == 0
    assert bar.bounding_box()["height"] <= 64  # compact: one line on a phone
    page.evaluate("window.scrollTo(0, 1200)")
    assert page.evaluate("window.scrollY") > 500
    assert bar.bounding_box()["y"] == 0  # sticky
    # the bar never hides the page sideways: nothing is wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]


def test_the_keyboard_skips_the_map_to_the_results(live_server, new_page, viewport):
    page = new_page()
    page.goto(f"{live_server.url}/search?near=48336&radius=100")
    page.locator("a.skip-map").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "results-list"
    page.click("#map-toggle > summary")
    page.wait_for_selector("#results-map .leaflet-marker-icon")
    shot(page, "journey-map-open", viewport)


def test_prices_are_cards_on_a_phone_and_a_table_on_a_desktop(live_server, new_page, viewport):
    page = new_page()
    page.goto(f"{live_server.url}/clinics/{priced_clinic(live_server)}")
    row = page.locator("table.prices tbody tr").first
    display = row.evaluate("r => getComputedStyle(r).display")
    assert display == ("table-row" if viewport == "desktop" else "block")
    # amount, what it covers, insurance, source and date all on screen without scrolling sideways
    width = VIEWPORTS[viewport]["width"]
    for i in range(4):
        cell = row.locator("td").nth(i).bounding_box()
        assert cell["x"] >= 0 and cell["x"] + cell["width"] <= width
    assert "as of" in row.locator("td").nth(3).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    shot(page, "journey-price-cards", viewport)


def test_the_states_table_fits_the_screen_with_every_price_link(live_server, new_page, viewport):
    page = new_page()
    page.goto(f"{live_server.url}/regions")
    width = VIEWPORTS[viewport]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wrap = page.locator(".table-wrap[role=region][tabindex='0'][aria-label]")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")  # nothing hidden sideways
    links = page.locator("table.regions tbody a", has_text="Price summary")
    assert links.count() == page.locator("table.regions tbody tr").count() > 0
    box = links.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    shot(page, "journey-regions", viewport)


def test_compare_tray_add_remove_and_back(live_server, new_page, viewport):
    page = new_page()
    page.goto(f"{live_server.url}/search?near={busiest_zip(live_server)}&radius=100")
    names = page.locator(".cards > li h3").all_inner_texts()[:2]
    for _ in range(2):
        follow(page, page.locator(".cards a:has-text('Add to compare')").first)
    tray = page.locator(".compare-tray")
    assert "Your comparison (2 of 6)" in tray.inner_text()
    # Back at the card just added, far below the tray on a phone: its foot leads up to it.
    page.locator(".card-foot a[href='#comparison']").last.click()
    assert 0 <= tray.evaluate("e => e.getBoundingClientRect().top") < page.viewport_size["height"]
    shot(page, "journey-compare-tray", viewport)
    follow(page, tray.locator("a:has-text('Compare 2 clinics')"))
    if viewport == "phone":
        cards = page.locator(".compare-cards > li")
        assert cards.count() == 2 and cards.first.is_visible()
        assert not page.locator("table.compare").is_visible()
    else:
        assert page.locator("table.compare").is_visible()
    for name in names:
        assert name in page.inner_text("main")
    shot(page, "journey-compare", viewport)
    follow(page, page.locator("a:has-text('Remove') >> visible=true >> nth=0"))
    assert names[0] not in page.inner_text("main") and names[1] in page.inner_text("main")
    follow(page, page.locator("text=Back to the results"))
    assert "Your comparison (1 of 6)" in page.inner_text(".compare-tray")


def test_did_you_mean_and_place_choices(live_server, new_page, viewport):
    page = new_page()
    page.goto(live_server.url + "/")
    page.locator("#f-near").press_sequentially("Chicag")  # suggestions while typing
    page.wait_for_selector("#place-suggestions option[value='Chicago, IL']", state="attached")
    page.fill("#f-near", "Chicgo")
    follow(page, page.locator("text=Find clinics"))
    assert page.locator(".field-error:has-text('could not find')").count() == 1
    shot(page, "journey-did-you-mean", viewport)
    page.click(".did-you-mean a:has-text('Chicago, IL')")
    assert "Chicago, IL" in page.inner_text("h1")

    page.goto(live_server.url + "/search?near=Springfield")
    page.click(".choice-links a:has-text('Springfield, MO')")
    assert "Springfield, MO" in page.inner_text("h1")


def found(page) -> int:
    """The number of results the heading reports ("12 clinics found", "No clinics ...")."""
    first = page.inner_text("#results-heading").split()[0]
    return 0 if first == "No" else int(first)


def test_filter_chips_remove_one_filter_each(live_server, new_page, viewport):
    page = new_page()
    zip_code = busiest_zip(live_server)
    page.goto(
        f"{live_server.url}/search?near={zip_code}&radius=100&treatment=iv-infusion&max_price=600"
    )
    before = found(page)
    chips = page.locator(".chips a.chip")
    assert chips.count() == 2
    assert "Filters (2)" in page.inner_text("details.search-edit > summary")
    shot(page, "journey-chips", viewport)
    page.locator(".chips a.chip", has_text="Up to $600").click()
    assert "max_price" not in page.url and "treatment=iv-infusion" in page.url
    assert found(page) >= before


def test_suicidal_ideation_results_carry_the_crisis_notice(live_server, new_page, viewport):
    page = new_page()
    page.goto(live_server.url + "/search?near=Michigan&condition=suicidal-ideation")
    notice = page.locator(".crisis-notice")
    assert notice.is_visible()
    assert "not emergency care" in notice.inner_text()
    shot(page, "journey-crisis-notice", viewport)


def test_the_crisis_bar_fits_the_narrowest_phones_in_both_languages(live_server, browser):
    # Spanish labels run longer ("Mensaje al 988"): the buttons wrap rather than run off.
    for language, width in (("en", 320), ("es", 320), ("es", 360), ("es", 390)):
        context = browser.new_context(
            viewport={"width": width, "height": 700},
            extra_http_headers={"Accept-Language": language},
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/search?near=48336")
        buttons = page.locator(".crisis-button >> visible=true")
        assert buttons.count() == 4, (language, width)  # call, text, chat and 911
        for i in range(4):
            box = buttons.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (language, width, i)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
