"""The init-db, seed and demo-data commands."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from directory.extensions import db
from directory.models import (
    Clinic,
    DataVersion,
    HsdsServiceAtLocationId,
    HsdsServiceId,
    Location,
    LowestPrice,
    Place,
    Price,
    PriceUnit,
    StateProgram,
)


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
    # a clinic that prices a chronic pain infusion lists chronic pain among its conditions
    pain = {p.clinic for p in prices if p.included and "chronic pain" in p.included.lower()}
    assert pain and all("chronic-pain" in {c.slug for c in clinic.conditions} for clinic in pain)
    # a clinic that bills an insurer or a public plan says it accepts insurance
    insurers = {"private-insurance", "medicare", "medicaid", "tricare", "va-community-care"}
    billing = [c for c in clinics if insurers.intersection(c.payment_codes)]
    assert billing and all(c.accepts_insurance for c in billing)


def test_demo_data_with_another_seed_differs(runner):
    runner.invoke(args=["demo-data", "--clinics", "10", "--seed", "1", "--today", "2026-06-01"])
    one = {r[0] for r in _example_fingerprint()}
    runner.invoke(args=["demo-data", "--clinics", "10", "--seed", "2", "--today", "2026-06-01"])
    assert len({r[0] for r in _example_fingerprint()} - one) == 10


def _derived_rows() -> dict[str, list[tuple]]:
    """Each derived table's rows, without the surrogate keys a rebuild renumbers."""
    lowest = select(LowestPrice.clinic_id, LowestPrice.treatment_id, LowestPrice.amount_cents)
    return {
        name: sorted((tuple(r) for r in db.session.execute(stmt)), key=repr)
        for name, stmt in (
            ("lowest_prices", lowest),
            ("state_programs", select(StateProgram.__table__)),
            ("hsds_service_ids", select(HsdsServiceId.__table__)),
            ("hsds_service_at_location_ids", select(HsdsServiceAtLocationId.__table__)),
        )
    }


def _data_version() -> int:
    return db.session.execute(select(DataVersion.version)).scalar_one()


def test_rebuild_derived_recomputes_tables_that_sql_run_by_hand_left_behind(runner):
    runner.invoke(args=["demo-data", "--clinics", "30", "--seed", "4", "--today", "2026-06-01"])
    kept = _derived_rows()
    assert all(kept.values()), {name: len(rows) for name, rows in kept.items()}
    program = db.session.execute(
        select(Clinic).join(StateProgram, StateProgram.clinic_id == Clinic.id).limit(1)
    ).scalar_one()
    # SQL on the session's connection bypasses the listeners that keep the tables current.
    connection = db.session.connection()
    connection.execute(delete(LowestPrice))
    connection.execute(delete(HsdsServiceId).where(HsdsServiceId.clinic_id != program.id))
    connection.execute(delete(HsdsServiceAtLocationId))
    connection.execute(
        update(Clinic).where(Clinic.id == program.id).values(name="Zz Renamed By Hand")
    )
    db.session.commit()
    db.session.expire_all()
    before = _data_version()
    assert _derived_rows() != kept

    result = runner.invoke(args=["rebuild-derived"])

    assert result.exit_code == 0, result.output
    rebuilt = _derived_rows()
    assert rebuilt["lowest_prices"] == kept["lowest_prices"]
    assert rebuilt["hsds_service_ids"] == kept["hsds_service_ids"]
    assert rebuilt["hsds_service_at_location_ids"] == kept["hsds_service_at_location_ids"]
    renamed = {row for row in rebuilt["state_programs"] if row[0] == program.id}
    assert renamed and all(row[2] == "zz renamed by hand" for row in renamed)
    assert len(rebuilt["state_programs"]) == len(kept["state_programs"])
    for name, rows in rebuilt.items():
        assert f"{name}: {len(rows):,} rows" in result.output
    assert _data_version() == before + 1, "cached pages must be redrawn"
