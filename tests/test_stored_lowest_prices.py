"""The stored lowest price per clinic and treatment follows every price change, in the same
transaction, and the price sort and price ceiling read it."""

from __future__ import annotations

from datetime import date, timedelta

import flask_migrate
from sqlalchemy import func, select

from directory.extensions import MIGRATIONS_DIR, db
from directory.models import (
    Clinic,
    DataVersion,
    LowestPrice,
    Price,
    PriceUnit,
    SearchPoint,
    Treatment,
)
from directory.prices import lowest
from tests.conftest import card_for, login, post_form, price, text
from tests.test_speed import _propose_price

CHICAGO = "60614"


def stored(slug: str) -> dict[str | None, int]:
    """The stored lowest prices of a clinic: treatment slug (None: any) -> cents."""
    rows = db.session.execute(
        select(Treatment.slug, LowestPrice.amount_cents)
        .select_from(LowestPrice)
        .join(Clinic, Clinic.id == LowestPrice.clinic_id)
        .outerjoin(Treatment, Treatment.id == LowestPrice.treatment_id)
        .where(Clinic.slug == slug)
    ).all()
    assert len(rows) == len({t for t, _ in rows})  # one row a treatment, one for any
    return dict(rows)


def computed() -> dict[tuple[int, int | None], int]:
    """What the stored rows must hold, computed from the prices themselves."""
    where = [Price.unit == PriceUnit.SESSION, Price.is_publishable]
    per = db.session.execute(
        select(Price.clinic_id, Price.treatment_id, func.min(Price.amount_cents))
        .where(*where)
        .group_by(Price.clinic_id, Price.treatment_id)
    ).all()
    # For any treatment: ketamine's own prices, not a consultation's or integration's.
    overall = db.session.execute(
        select(Price.clinic_id, func.min(Price.amount_cents))
        .join(Treatment, Treatment.id == Price.treatment_id)
        .where(*where, Treatment.slug.not_in(("consultation", "integration")))
        .group_by(Price.clinic_id)
    ).all()
    found = {(c, t): cents for c, t, cents in per}
    found.update({(c, None): cents for c, cents in overall})
    return found


def all_stored() -> dict[tuple[int, int | None], int]:
    rows = db.session.execute(
        select(LowestPrice.clinic_id, LowestPrice.treatment_id, LowestPrice.amount_cents)
    ).all()
    return {(c, t): cents for c, t, cents in rows}


def test_a_new_clinic_stores_its_lowest_publishable_session_prices(make_clinic):
    make_clinic(
        "Lakeside",
        slug="lakeside",
        near=CHICAGO,
        treatments=("iv-infusion", "esketamine"),
        prices=(
            price("iv-infusion", 650),
            price("iv-infusion", 525),
            price("iv-infusion", 300, source_url=None),  # unsourced: never shown
            price("iv-infusion", 2900, "series", sessions=6),  # not a session price
            price("esketamine", 775),
        ),
    )
    assert stored("lakeside") == {"iv-infusion": 52500, "esketamine": 77500, None: 52500}


def test_editing_and_deleting_prices_updates_the_stored_rows_on_commit(make_clinic):
    clinic = make_clinic(
        "Lakeside", slug="lakeside", near=CHICAGO, prices=(price("iv-infusion", 500),)
    )
    cheapest = clinic.prices[0]
    cheapest.amount_cents = 45000
    db.session.commit()
    assert stored("lakeside") == {"iv-infusion": 45000, None: 45000}

    clinic.prices.clear()
    db.session.commit()
    assert stored("lakeside") == {}


def test_a_rolled_back_change_leaves_the_stored_rows_alone(make_clinic):
    clinic = make_clinic(
        "Lakeside", slug="lakeside", near=CHICAGO, prices=(price("iv-infusion", 500),)
    )
    clinic.prices[0].amount_cents = 100
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert stored("lakeside") == {"iv-infusion": 50000, None: 50000}


def test_an_approved_price_moves_the_clinic_in_the_price_sort(app, client, make_clinic, make_user):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO, prices=(price("iv-infusion", 500),))
    lincoln = make_clinic(
        "Lincoln Park", slug="lincoln", near=CHICAGO, prices=(price("iv-infusion", 800),)
    )
    url = f"/api/v1/clinics?near={CHICAGO}&radius=25&sort=price&treatment=iv-infusion"
    before = client.get(url).get_json()
    assert [r["slug"] for r in before["results"]] == ["lakeside", "lincoln"]

    revision = _propose_price(app, make_user, lincoln, 350)
    assert stored("lincoln") == {"iv-infusion": 80000, None: 80000}  # pending: unchanged
    admin = make_user("admin@example.org", admin=True)
    admin_client = app.test_client()
    assert login(admin_client, admin.email).status_code == 302
    approved = post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/approve",
        {"reason": ""},
        form_page=f"/admin/revisions/{revision.id}",
    )
    assert approved.status_code == 302

    db.session.expire_all()
    assert stored("lincoln") == {"iv-infusion": 35000, None: 35000}
    after = client.get(url).get_json()
    assert [r["slug"] for r in after["results"]] == ["lincoln", "lakeside"]
    assert [r["lowest_session_price_cents"] for r in after["results"]] == [35000, 50000]
    capped = client.get(url.replace("sort=price", "max_price=400")).get_json()
    assert [r["slug"] for r in capped["results"]] == ["lincoln"]


def test_the_price_sort_without_a_treatment_uses_the_lowest_of_any(client, make_clinic):
    make_clinic(
        "Spravato Only",
        slug="spravato",
        near=CHICAGO,
        treatments=("esketamine",),
        prices=(price("esketamine", 300),),
    )
    make_clinic("Infusions", slug="infusions", near=CHICAGO, prices=(price("iv-infusion", 450),))
    make_clinic("No Prices", slug="unpriced", near=CHICAGO)
    body = client.get(f"/api/v1/clinics?near={CHICAGO}&sort=price").get_json()
    assert [r["slug"] for r in body["results"]] == ["spravato", "infusions", "unpriced"]
    iv = client.get(f"/api/v1/clinics?near={CHICAGO}&sort=price&treatment=iv-infusion").get_json()
    assert [r["slug"] for r in iv["results"]][0] == "infusions"


def test_a_lowest_price_for_any_treatment_is_ketamines_not_integrations(client, make_clinic):
    make_clinic(
        "Integration Included",
        slug="with-integration",
        near=CHICAGO,
        treatments=("iv-infusion", "integration", "consultation"),
        prices=(price("iv-infusion", 500), price("integration", 100), price("consultation", 50)),
    )
    make_clinic("Plain Infusions", slug="plain", near=CHICAGO, prices=(price("iv-infusion", 425),))
    assert stored("with-integration")[None] == 50000

    def found(query: str) -> list[tuple[str, int | None]]:
        body = client.get(f"/api/v1/clinics?near={CHICAGO}&{query}").get_json()
        return [(r["slug"], r["lowest_session_price_cents"]) for r in body["results"]]

    assert found("max_price=150") == []
    assert found("sort=price") == [("plain", 42500), ("with-integration", 50000)]
    assert found("max_price=450") == [("plain", 42500)]
    # Asked for by name, integration therapy is still found by its own price.
    assert found("treatment=integration&max_price=150") == [("with-integration", 10000)]
    page = client.get(f"/search?near={CHICAGO}&sort=price").get_data(as_text=True)
    card = text(card_for(page, "with-integration"))
    assert card.index("IV $500") < card.index("Integration $100")


def test_a_search_shows_each_listings_lowest_price_and_follows_every_change(make_clinic, client):
    make_clinic(
        "Lakeside",
        slug="lakeside",
        near=CHICAGO,
        treatments=("iv-infusion", "esketamine"),
        prices=(price("iv-infusion", 500), price("esketamine", 300)),
    )
    make_clinic("No Prices", slug="unpriced", near=CHICAGO)
    program = make_clinic(
        "Illinois At Home",
        slug="at-home",
        service_areas=("IL",),
        prices=(price("iv-infusion", 420),),
    )

    def lowest_shown(url: str) -> dict[str, int | None]:
        body = client.get(url).get_json()
        listed = body["results"] + body["telehealth_programs"]
        return {r["slug"]: r["lowest_session_price_cents"] for r in listed}

    nearest = f"/api/v1/clinics?near={CHICAGO}&radius=25"
    iv = f"{nearest}&treatment=iv-infusion"
    assert lowest_shown(nearest) == {"lakeside": 30000, "unpriced": None, "at-home": 42000}
    assert lowest_shown(iv) == {"lakeside": 50000, "unpriced": None, "at-home": 42000}
    assert "$420" in client.get(f"/search?near={CHICAGO}").get_data(as_text=True)

    program.prices[0].amount_cents = 39000
    db.session.commit()
    assert lowest_shown(nearest)["at-home"] == lowest_shown(iv)["at-home"] == 39000
    page = client.get(f"/search?near={CHICAGO}").get_data(as_text=True)
    assert "$390" in page and "$420" not in page


def test_bulk_example_data_stores_lowest_prices_for_every_clinic(app, runner):
    result = runner.invoke(args=["demo-data", "--clinics", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    expected = computed()
    assert len(expected) > 40
    assert all_stored() == expected


def test_refresh_all_rebuilds_the_table_from_the_prices(make_clinic):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO, prices=(price("iv-infusion", 500),))
    db.session.execute(LowestPrice.__table__.delete())
    assert all_stored() == {}
    assert lowest.refresh_all(db.session) == 2
    db.session.commit()
    assert stored("lakeside") == {"iv-infusion": 50000, None: 50000}
    assert computed() == all_stored()


def test_a_price_that_loses_its_as_of_date_stops_counting(make_clinic):
    clinic = make_clinic(
        "Lakeside",
        slug="lakeside",
        near=CHICAGO,
        prices=(price("iv-infusion", 500), price("iv-infusion", 700)),
    )
    clinic.prices[0].as_of = None
    db.session.commit()
    assert stored("lakeside") == {"iv-infusion": 70000, None: 70000}
    clinic.prices[0].as_of = date.today() - timedelta(days=3)
    db.session.commit()
    assert stored("lakeside") == {"iv-infusion": 50000, None: 50000}


def test_the_migration_takes_the_lowest_price_from_ketamine_itself(app, make_clinic):
    clinic = make_clinic(
        "Integration Included",
        slug="with-integration",
        near=CHICAGO,
        prices=(price("iv-infusion", 500), price("integration", 100)),
    )
    db.session.commit()

    def lowest_stored() -> tuple[int, int | None]:
        db.session.rollback()
        for_any = select(LowestPrice.amount_cents).where(LowestPrice.treatment_id.is_(None))
        point = select(SearchPoint.lowest_cents).where(SearchPoint.clinic_id == clinic.id)
        return db.session.scalar(for_any), db.session.scalar(point)

    def version() -> int:
        return db.session.execute(select(DataVersion.version)).scalar_one()

    assert lowest_stored() == (50000, 50000)
    # Dropping a table with foreign keys locks the tables they reference (clinics): on
    # PostgreSQL it waits for every transaction that has read them, this one's too.
    db.session.commit()
    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="d9b4e7a2c61f")
    assert lowest_stored() == (10000, 10000)  # as it was: integration counted
    before = version()
    flask_migrate.upgrade(directory=MIGRATIONS_DIR)
    assert lowest_stored() == (50000, 50000)
    assert version() == before + 1
