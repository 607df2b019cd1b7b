"""Patients, owners and admins in a real browser against gunicorn."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, shot

FARMINGTON_HILLS = {"latitude": 42.4656, "longitude": -83.3638}


def busiest_zip(server) -> str:
    """The ZIP of an example clinic offering IV infusions, with others within 500 miles."""
    rows = server.query(
        "SELECT l.postal_code FROM locations l JOIN clinic_treatments ct ON "
        "ct.clinic_id = l.clinic_id JOIN treatments t ON t.id = ct.treatment_id "
        "WHERE t.slug = 'iv-infusion' AND l.postal_code IS NOT NULL ORDER BY l.id LIMIT 1"
    )
    return rows[0][0]


def test_patient_searches_filters_opens_compares_and_reads_costs(live_server, new_page, viewport):
    page = new_page()
    page.goto(live_server.url + "/")
    page.fill("#f-near", busiest_zip(live_server))
    page.select_option("#f-radius", "100")
    page.click("text=Find clinics")
    page.wait_for_selector("#results-heading")
    # a wider radius than the choices offers still works from a link (the API accepts it too)
    page.goto(page.url.replace("radius=100", "radius=500"))
    page.click("details.search-edit > summary")  # the form is folded into one line
    page.click("details.filters > summary")
    page.select_option("#f-treatment", "iv-infusion")
    page.click("text=Find clinics")
    assert "treatment=iv-infusion" in page.url
    heading = page.inner_text("#results-heading")
    assert int(heading.split()[0]) >= 3
    distances = [float(t.split()[0]) for t in page.locator(".distance strong").all_inner_texts()]
    assert distances == sorted(distances)
    shot(page, "patient-results", viewport)

    first = page.locator(".cards > li h3 a").first
    name = first.inner_text()
    first.click()
    assert page.locator("h1").inner_text() == name
    assert page.locator("#prices-heading").inner_text() == "Published prices"
    shot(page, "patient-clinic", viewport)
    page.go_back()

    for _ in range(3):  # each pick reloads the page with the picks in its URL
        page.locator(".cards a:has-text('Add to compare')").first.click()
    page.click(".compare-tray a:has-text('Compare 3 clinics')")
    picked = parse_qs(urlsplit(page.url).query)["clinics"][0].split(",")
    assert len(picked) == 3
    assert page.locator("table.compare thead th").count() == 4
    # a table on a desktop, one card per clinic on a phone: only one of them is shown
    shown = page.locator("text=Estimated first course >> visible=true").count()
    assert shown == (1 if viewport == "desktop" else 3)
    shot(page, "patient-compare", viewport)

    page.go_back()
    page.click("text=Prices in this area")
    page.wait_for_selector("svg[role=img]")
    assert page.locator("table.summary tbody tr").count() >= 1
    shot(page, "patient-costs", viewport)

    # From another state's prices, a place typed in is what the page then shows: the state
    # still chosen in its own form is not sent with it.
    zip_code = busiest_zip(live_server)
    [(its_state,)] = live_server.query(
        "SELECT state FROM places WHERE kind = 'zip' AND key = ?", zip_code
    )
    elsewhere = "HI" if its_state == "AK" else "AK"
    page.goto(f"{live_server.url}/costs?state={elsewhere}")
    page.fill("#c-near", zip_code)
    page.fill("#c-radius", "500")
    page.locator("form:has(#c-near) button[type=submit]").click()
    page.wait_for_url(lambda url: "near=" in url)
    assert "state=" not in page.url
    assert zip_code in page.locator("h1").inner_text()
    assert page.locator("table.summary tbody tr").count() >= 1


def test_use_my_location_with_geolocation_granted(live_server, new_page, viewport):
    page = new_page(geolocation=FARMINGTON_HILLS, permissions=["geolocation"])
    page.goto(live_server.url + "/")
    page.click("#use-location")
    page.wait_for_selector("#results-heading")
    assert "your location" in page.locator("h1").inner_text()
    assert page.locator("text=Ketamine Institute of Michigan").count() >= 1
    shot(page, "use-my-location", viewport)


def test_location_and_map_controls_speak_the_pages_language(live_server, new_page, viewport):
    # geolocation refused: the status says so in Spanish on a Spanish page
    page = new_page(extra_http_headers={"Accept-Language": "es"})
    page.goto(live_server.url + "/")
    page.click("#use-location")
    status = page.locator("#use-location-status")
    status.filter(has_text="No pudimos obtener su ubicación").wait_for()
    page.goto(live_server.url + "/search?near=48336&radius=100")
    page.click("#map-toggle > summary")
    page.wait_for_selector("#results-map .leaflet-marker-icon")
    zoom = page.locator("#results-map .leaflet-control-zoom a")
    assert [zoom.nth(i).get_attribute("title") for i in range(2)] == ["Acercar", "Alejar"]
    page.locator("#results-map .leaflet-marker-icon").first.click()
    close = page.locator("#results-map .leaflet-popup-close-button")
    assert close.get_attribute("aria-label") == "Cerrar"
    shot(page, "map-es", viewport)


def test_map_shows_markers_even_when_tiles_cannot_load(live_server, new_page, viewport):
    page = new_page()
    page.goto(live_server.url + "/search?near=48336&radius=100")
    page.click("#map-toggle > summary")  # the map waits behind a toggle; the list comes first
    page.wait_for_selector("#results-map .leaflet-marker-icon")
    cards = page.locator(".cards > li[data-lat]").count()
    assert page.locator("#results-map .leaflet-marker-icon").count() == cards
    assert page.locator(".cards > li").count() >= 1  # the list stays the primary view
    # A marker's popup names the clinic and links to its page, as the card's heading does.
    page.locator("#results-map .leaflet-marker-icon").first.click()
    popup = page.locator("#results-map .leaflet-popup-content a")
    headings = page.locator(".cards > li[data-lat] h3 a")
    cards_shown = [
        (headings.nth(i).inner_text(), headings.nth(i).get_attribute("href")) for i in range(cards)
    ]
    assert (popup.inner_text(), popup.get_attribute("href")) in cards_shown
    shot(page, "map", viewport)


def _sign_in(page, url: str, email: str, password: str) -> None:
    page.goto(url + "/account/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")


def test_owner_registers_claims_proposes_and_admin_approves(live_server, new_page, viewport):
    url = live_server.url
    email, password = f"owner-{viewport}@example.org", "an owner's long passphrase"
    slug = "renew-ketamine" if viewport == "desktop" else "ketamine-institute-of-michigan"
    owner = new_page()
    owner.goto(url + "/account/register")
    owner.fill("#email", email)
    owner.fill("#password", password)
    owner.fill("#confirm", password)
    owner.click("main button[type=submit]")
    assert "Check your e-mail" in owner.inner_text("h1")
    owner.goto(live_server.last_mail_link(email))
    _sign_in(owner, url, email, password)
    assert "My listings" in owner.inner_text("h1")

    owner.goto(f"{url}/clinics/{slug}")
    owner.click("text=Claim this listing")
    owner.fill("#note", "I am the clinic's office manager; our front desk can confirm.")
    owner.click("main button[type=submit]")
    shot(owner, "owner-dashboard", viewport)

    admin = new_page()
    _sign_in(admin, url, ADMIN_EMAIL, ADMIN_PASSWORD)
    shot(admin, "admin-queue", viewport)
    claim = admin.locator("article.card", has_text=email)
    claim.locator("button:has-text('Approve claim')").click()
    subjects = [r[0] for r in live_server.query('SELECT subject FROM outbox WHERE "to" = ?', email)]
    assert any(s.startswith("Approved: you now manage") for s in subjects)  # the owner hears

    owner.goto(f"{url}/owner/clinics/{slug}/edit")
    owner.select_option("#prices-0-treatment", "iv-infusion")
    owner.fill("#prices-0-amount", "525")
    owner.fill("#prices-0-source_url", "https://clinic.example.org/prices")
    owner.fill("#prices-0-as_of", (date.today() - timedelta(days=3)).isoformat())
    owner.click("main form button[type=submit] >> nth=-1")
    assert "waiting for a moderator" in owner.inner_text(".flashes")

    patient = new_page()
    patient.goto(f"{url}/clinics/{slug}")
    assert "$525" not in patient.inner_text("main")

    admin.goto(url + "/admin/")
    # Other tests leave edits of their own in the queue: review this owner's.
    name = {"renew-ketamine": "Renew Ketamine"}.get(slug, "Ketamine Institute of Michigan")
    edits = admin.locator("#edits").locator("..")
    edits.locator("tr", has_text=name).locator("a:has-text('Review')").first.click()
    assert "$525 per session" in admin.inner_text("table.diff")
    shot(admin, "admin-diff", viewport)
    admin.click("text=Approve and publish")

    subjects = [r[0] for r in live_server.query('SELECT subject FROM outbox WHERE "to" = ?', email)]
    assert any(s.startswith("Approved: your proposed changes") for s in subjects)
    owner.goto(url + "/owner/")
    assert "Approved" in owner.inner_text("section[aria-labelledby=proposals-heading]")
    shot(owner, "owner-dashboard-after-approval", viewport)

    patient.reload()
    assert "Managed by the clinic" in patient.inner_text("main")
    prices = patient.inner_text("section[aria-labelledby=prices-heading]")
    assert "$525" in prices and re.search(r"as of \d+ \w+ \d{4}", prices)
    shot(patient, "patient-sees-new-price", viewport)
