"""axe-core, vendored from npm, on every main page: no serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

# Test-only: kept beside the tests, so the site never serves it.
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
PUBLIC_PAGES = {
    "home": "/",
    "results": "/search?near=48336&radius=200",
    "clinic": "/clinics/ketamine-institute-of-michigan",
    "compare": "/compare?clinics=ketamine-institute-of-michigan,renew-ketamine&near=48336",
    "costs": "/costs?state=CA",
    "regions": "/regions",
    "region": "/regions/IL",
    "login": "/account/login",
    "register": "/account/register",
    "report": "/clinics/renew-ketamine/report",
    "bad-search": "/search?near=Nowhere%2C+ZZ&radius=-1",
    "did-you-mean": "/search?near=Chicgo",
    "place-choices": "/search?near=Springfield",
    "chips-and-tray": (
        "/search?near=48336&radius=100&treatment=iv-infusion&max_price=600"
        "&compare=ketamine-institute-of-michigan"
    ),
    "crisis-notice": "/search?near=Michigan&condition=suicidal-ideation",
    "compare-empty": "/compare",
}
# The same checks on the Spanish site, chosen by the browser's Accept-Language.
SPANISH_PAGES = {
    "results": PUBLIC_PAGES["results"],
    "clinic": PUBLIC_PAGES["clinic"],
    "compare": PUBLIC_PAGES["compare"],
}
SIGNED_IN_PAGES = {
    "owner dashboard": "/owner/",
    "moderation queue": "/admin/",
    "audit log": "/admin/audit",
    "listing form": "/owner/clinics/renew-ketamine/edit",
}


def serious_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol, so the page's CSP does not block it.
    page.evaluate(AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_public_page_has_no_serious_violations(live_server, new_page, name):
    page = new_page()
    page.goto(live_server.url + PUBLIC_PAGES[name])
    assert serious_violations(page) == []


@pytest.mark.parametrize("name", list(SPANISH_PAGES))
def test_spanish_page_has_no_serious_violations(live_server, new_page, name):
    page = new_page(locale="es-US", extra_http_headers={"Accept-Language": "es-US,es;q=0.9"})
    page.goto(live_server.url + SPANISH_PAGES[name])
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator(".crisis").inner_text().count("AYUDA") == 1
    assert serious_violations(page) == []


@pytest.mark.parametrize("name", list(SIGNED_IN_PAGES))
def test_signed_in_page_has_no_serious_violations(live_server, new_page, name):
    page = new_page()
    page.goto(live_server.url + "/account/login")
    page.fill("#email", ADMIN_EMAIL)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("main button[type=submit]")
    page.goto(live_server.url + SIGNED_IN_PAGES[name])
    assert serious_violations(page) == []


def test_the_skip_link_shows_above_the_crisis_bar_and_reaches_the_content(live_server, new_page):
    page = new_page()
    page.goto(live_server.url + PUBLIC_PAGES["results"])
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("link => link === document.activeElement")
    box = skip.bounding_box()
    middle = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
    # What the visitor sees at the link's middle is the link, not the sticky crisis bar.
    assert page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.skip-link') !== null", middle
    )
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
