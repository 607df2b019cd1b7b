"""Two transactions that recompute the same listing's derived rows both commit, and the
rows that remain are the ones its committed prices give.

On PostgreSQL the second transaction's DELETE cannot see the rows the first one inserted
before it committed: without a lock between them, its INSERT broke the primary key, or
the two deadlocked on each other's derived rows. On SQLite the second writer waits for
the first, so the same test holds there too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from directory.extensions import db
from directory.listings import derived
from directory.models import Clinic, LowestPrice, Price, SearchPoint
from tests.conftest import price
from tests.test_search_points import add_location


def _lowest(clinic_id: int) -> set[tuple[int | None, int]]:
    rows = db.session.execute(
        select(LowestPrice.treatment_id, LowestPrice.amount_cents).where(
            LowestPrice.clinic_id == clinic_id
        )
    )
    return {tuple(r) for r in rows}


def _commit_beside(app: Flask, change: Callable[[], object]) -> list[BaseException]:
    """Let another writer make and commit `change` while this transaction is open, then
    commit this one; what either raised."""
    failures: list[BaseException] = []

    def other_writer() -> None:
        with app.app_context():
            try:
                change()
                db.session.commit()
            except BaseException as exc:  # the thread's failure is the test's
                failures.append(exc)
            finally:
                db.session.remove()

    writer = threading.Thread(target=other_writer)
    writer.start()
    writer.join(1.0)  # long enough for it to reach the rows this transaction holds
    try:
        db.session.commit()
    except BaseException as exc:
        failures.append(exc)
        db.session.rollback()
    writer.join(60)
    assert not writer.is_alive()
    return failures


def test_two_writers_recomputing_one_listing_both_commit(app: Flask, make_clinic) -> None:
    clinic = make_clinic(
        "Lakeside", slug="lakeside", prices=(price("iv-infusion", 500), price("iv-infusion", 700))
    )
    clinic_id = clinic.id
    first_price, second_price = sorted(clinic.prices, key=lambda p: p.amount_cents)
    second_id = second_price.id

    # This transaction changes one price and recomputes the listing's rows, uncommitted.
    first_price.amount_cents = 45_000
    db.session.flush()
    derived.listening("lowest_prices").recompute(db.session, [clinic_id])

    failures = _commit_beside(
        app, lambda: setattr(db.session.get(Price, second_id), "amount_cents", 30_000)
    )

    assert failures == []
    db.session.expire_all()
    iv = clinic.prices[0].treatment_id
    assert _lowest(clinic_id) == {(iv, 30_000), (None, 30_000)}


def test_a_location_removed_while_another_writer_renames_the_listing(
    app: Flask, make_clinic
) -> None:
    clinic = make_clinic("Lakeside", slug="lakeside", near="60614")
    add_location(clinic, "Evanston", "IL", 42.05, -87.69)
    db.session.commit()
    clinic_id = clinic.id

    # This transaction removes a location (and its row is deleted at the flush), uncommitted.
    clinic.locations.pop()
    db.session.flush()
    failures = _commit_beside(
        app, lambda: setattr(db.session.get(Clinic, clinic_id), "name", "Lake Two")
    )

    assert failures == []
    db.session.expire_all()
    points = db.session.execute(
        select(SearchPoint.sort_name).where(SearchPoint.clinic_id == clinic_id)
    ).scalars()
    assert list(points) == ["lake two"]
