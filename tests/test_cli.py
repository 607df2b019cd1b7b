"""The init-db, seed and demo-data commands."""

from __future__ import annotations

from sqlalchemy import func, select

from directory.extensions import db
from directory.models import Clinic, Location, Place, Price, PriceUnit


def _example_fingerprint() -> list[tuple]:
    rows = db.session.execute(
        select(Clinic.slug, Clinic.name, Location.postal_code, Price.amount_cents, Price.as_of)
        .outerjoin(Location, Location.clinic_id == Clinic.id)
        .outerjoin(Price, Price.clinic_id == Clinic.id)
        .where(Clinic.is_example.is_(True))
        .order_by(Clinic.slug, Price.amount_cents, Price.as_of)
    ).all()
    return [tuple(r) for r in rows]


def test_init_db_loads_the_gazetteer(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output
    zips = db.session.execute(select(func.count()).where(Place.kind == "zip")).scalar_one()
    assert zips > 40_000


def test_seed_is_idempotent(runner):
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert "5 created, 0 already there" in first.output
    assert "0 created, 5 already there" in second.output
    assert db.session.execute(select(func.count()).select_from(Clinic)).scalar_one() == 5


def test_demo_data_is_deterministic_labelled_and_priced(runner, app):
    args = ["demo-data", "--clinics", "40", "--seed", "7", "--today", "2026-06-01"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Creating example clinics" in result.output
    assert "40 created" in result.output
    first = _example_fingerprint()

    again = runner.invoke(args=args)
    assert "0 created, 40 already there" in again.output
    assert _example_fingerprint() == first

    # Same seed in a wiped table gives the same clinics and prices.
    db.session.execute(Price.__table__.delete())
    db.session.execute(Location.__table__.delete())
    for clinic in db.session.execute(select(Clinic)).scalars():
        db.session.delete(clinic)
    db.session.commit()
    runner.invoke(args=args)
    assert _example_fingerprint() == first

    clinics = db.session.execute(select(Clinic)).scalars().all()
    assert len(clinics) == 40 and all(c.is_example for c in clinics)
    assert all(c.website.startswith("https://example.com/") for c in clinics)
    prices = db.session.execute(select(Price)).scalars().all()
    assert prices and all(p.source_url and p.as_of for p in prices)
    sessions = [
        p.amount_cents
        for p in prices
        if p.treatment.slug == "iv-infusion" and p.unit is PriceUnit.SESSION
    ]
    assert sessions and all(30_000 <= c <= 190_000 for c in sessions)


def test_demo_data_with_another_seed_differs(runner):
    runner.invoke(args=["demo-data", "--clinics", "10", "--seed", "1", "--today", "2026-06-01"])
    one = {r[0] for r in _example_fingerprint()}
    runner.invoke(args=["demo-data", "--clinics", "10", "--seed", "2", "--today", "2026-06-01"])
    assert len({r[0] for r in _example_fingerprint()} - one) == 10
