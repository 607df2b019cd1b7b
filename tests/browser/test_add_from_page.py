"""An admin adds a clinic from its web page in a real browser, the page served on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, shot
from tests.conftest import LiveServer, build_site, gunicorn, site_database, site_env
from tests.ingest import loopback

PAGES = {"desktop": "01_price_table.html", "phone": "18_consultation_fee.html"}
NAMES = {"desktop": "Lakeview Ketamine Clinic", "phone": "Blue Ridge Ketamine Clinic"}


@pytest.fixture(scope="module")
def ingest_server(tmp_path_factory: pytest.TempPathFactory, template_db) -> Iterator[LiveServer]:
    """The site, allowed to read pages from loopback, with the seed clinics and an admin."""
    database_url, drop = site_database(tmp_path_factory.mktemp("ingest-site"), template_db)
    env = {**site_env(database_url), "DIRECTORY_INGEST_ALLOW_PRIVATE_ADDRESSES": "true"}
    build_site(env, clinics=0)
    try:
        with gunicorn(env, workers=1) as (url, _server):
            yield LiveServer(url, database_url)
    finally:
        drop()


@pytest.fixture(scope="module")
def pages_site() -> Iterator[str]:
    with loopback.serve() as url:
        yield url


def test_admin_adds_a_clinic_from_its_page(ingest_server, pages_site, new_page, viewport):
    url = ingest_server.url
    page = new_page()
    page.goto(url + "/account/login")
    page.fill("#email", ADMIN_EMAIL)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("main button[type=submit]")
    page.goto(url + "/admin/")
    page.click("text=Add a clinic from its web page")
    page.fill("#url", f"{pages_site}/pages/{PAGES[viewport]}")
    shot(page, "admin-add-from-page", viewport)
    page.click("text=Read the page")

    page.wait_for_selector("table.review")
    assert page.input_value("#name-value") == NAMES[viewport]
    assert page.locator("table.review blockquote").count() >= 6
    shot(page, "admin-add-from-page-review", viewport)
    page.locator("tr:has(td:text-is('Anxiety')) input[type=checkbox]").uncheck()
    page.click("text=Send to the moderation queue")

    page.wait_for_selector("table.diff")
    assert "waiting in the queue as a new clinic" in page.inner_text(".flashes")
    diff = page.inner_text("table.diff")
    assert "Anxiety" not in diff and "Depression" in diff
    shot(page, "admin-add-from-page-saved", viewport)

    rows = ingest_server.query("SELECT status FROM clinics WHERE name = ?", NAMES[viewport])
    assert rows == [("pending",)]
