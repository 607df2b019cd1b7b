"""A hospital's standard charges on a 390 px phone: one card per charge, nothing sideways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from directory import create_app
from directory.extensions import db
from directory.ingest.hpt import service
from directory.listings import moderation
from directory.models import Revision, User
from directory.search.geocoding import GazetteerGeocoder
from tests.conftest import (
    ADMIN_EMAIL,
    LiveServer,
    _config,
    build_site,
    gunicorn,
    site_database,
    site_env,
)

PRICE_FILE = Path(__file__).parents[1] / "ingest" / "hpt_files" / "v3_small.json"
SOURCE = "https://www.example.org/price-transparency/standard-charges.json"
SLUG = "example-general-hospital"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def hospital_site(tmp_path_factory: pytest.TempPathFactory, template_db) -> Iterator[LiveServer]:
    """A small site of its own with one published hospital from a price file."""
    database_url, drop = site_database(tmp_path_factory.mktemp("hospital"), template_db)
    env = site_env(database_url)
    build_site(env, clinics=5)
    app = create_app(_config(database_url))
    with app.app_context():
        service.import_path(db.session, PRICE_FILE, SOURCE, GazetteerGeocoder())
        admin = db.session.execute(select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
        for revision in db.session.execute(select(Revision)).scalars():
            moderation.approve_revision(db.session, admin, revision, GazetteerGeocoder())
        db.session.commit()
        db.engine.dispose()
    try:
        with gunicorn(env, workers=1) as (url, _server):
            yield LiveServer(url, database_url)
    finally:
        drop()


def test_hospital_charges_are_cards_with_amount_and_source_on_a_phone(hospital_site, browser):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{hospital_site.url}/clinics/{SLUG}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        card = page.locator("table.charges tbody tr", has_text="G2082").first
        assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        words = card.inner_text()
        assert "$870.50" in words  # the esketamine session's cash price
        assert "example.org price file, as of 1 March 2026" in words
        amount = card.locator("td.amount")
        label = "td => getComputedStyle(td, '::before').content"
        assert amount.evaluate(label) == '"Cash price: "'
        assert card.locator("td.charge-source").evaluate(label) == '"Source: "'
        # every charge, cash or insurer's, is a card of its own that fits the screen
        for row in page.locator("table.charges tbody tr").all():
            row_box = row.bounding_box()
            assert row_box["x"] + row_box["width"] <= PHONE["width"]
            assert "price file, as of" in row.inner_text()
    finally:
        context.close()
