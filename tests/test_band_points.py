"""A search without filters answers from the bands of search points each worker keeps: the
same clinics, order and totals as the database gives, read once per data version."""

from __future__ import annotations

import logging
import random
from typing import Any

import pytest
from sqlalchemy import event, text

from directory.extensions import db
from directory.models import Location
from directory.search import band_points
from tests.conftest import price

CHICAGO = "60614"
# ZIP codes in and around Chicago, and one far from every test clinic.
PLACES = ("60614", "60603", "60068", "60440", "60004", "46320", "53140", "60901")


def _search(client, query: str) -> tuple[list[tuple[str, Any, Any]], int]:
    body = client.get(f"/api/v1/clinics?{query}").get_json()
    results = [
        (r["slug"], r["distance_miles"], r["lowest_session_price_cents"]) for r in body["results"]
    ]
    return results, body["total"]


@pytest.fixture
def crowded(make_clinic) -> None:
    """Sixty clinics around Chicago: some at the same point, some with several locations
    (one far away), some with the same name or price, some with none."""
    rng = random.Random(11)
    spots = [(41.6 + rng.random() * 0.8, -88.2 + rng.random() * 0.8) for _ in range(45)]
    for n in range(60):
        latitude, longitude = spots[n % len(spots)]  # the last fifteen share a point
        dollars = rng.choice((None, 300, 350, 350, 400, 425, 500, 650))
        clinic = make_clinic(
            f"Clinic {rng.choice('ABCDEFG')}",
            slug=f"clinic-{n:02d}",
            latitude=latitude,
            longitude=longitude,
            state="IL",
            prices=() if dollars is None else (price("iv-infusion", dollars),),
        )
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            far = rng.random() < 0.3
            clinic.locations.append(
                Location(
                    city="Elsewhere",
                    state="WI" if far else "IL",
                    latitude=43.5 if far else 41.5 + rng.random(),
                    longitude=-89.5 if far else -88.3 + rng.random(),
                    geocode_precision=clinic.locations[0].geocode_precision,
                )
            )
        db.session.commit()


@pytest.mark.parametrize("few_points", [10**9, 0], ids=["one at a time", "together"])
def test_kept_bands_answer_as_the_database_does(client, crowded, monkeypatch, few_points):
    monkeypatch.setattr(band_points, "FEW_POINTS", few_points)
    queries = [
        f"near={near}&radius={radius}&sort={sort}&page={page}&per_page=7"
        for near in PLACES
        for radius in (5, 25, 60)
        for sort in ("distance", "price")
        for page in (1, 2, 5)
    ]
    queries += [f"near={CHICAGO}&radius=60&state=WI&sort=price", f"near={CHICAGO}&state=IL"]
    kept = [_search(client, query) for query in queries]
    assert sum(total for _results, total in kept) > 1000  # the searches find something

    monkeypatch.setattr(band_points, "SORTS", frozenset())  # every search asks the database
    assert [_search(client, query) for query in queries] == kept


def _reads_of_points(app, client, url: str) -> int:
    seen: list[str] = []

    def note(*args: Any) -> None:
        if "FROM search_points" in args[2]:
            seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(seen)


def test_a_worker_reads_each_band_once_until_the_data_changes(app, client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside", near=CHICAGO)
    first = f"/api/v1/clinics?near={CHICAGO}&radius=25"
    assert _reads_of_points(app, client, first) == 1
    assert _reads_of_points(app, client, "/search?near=60603&radius=20") == 0  # same bands
    assert _reads_of_points(app, client, first) == 0

    make_clinic("Loop Clinic", slug="loop", near="60603")  # a change moves the data version
    assert _reads_of_points(app, client, first) == 1
    slugs = [c["slug"] for c in client.get(first).get_json()["results"]]
    assert {"lakeside", "loop"} <= set(slugs)
    # With filters, or by name, the database answers.
    filtered = f"/api/v1/clinics?near={CHICAGO}&radius=25&treatment=iv-infusion"
    assert _reads_of_points(app, client, filtered) == 1
    assert _reads_of_points(app, client, f"/api/v1/clinics?near={CHICAGO}&sort=name") == 1


def test_a_page_measured_in_the_bands_is_kept_until_the_data_changes(
    client, make_clinic, monkeypatch
):
    make_clinic("Lakeside Clinic", slug="lakeside", near=CHICAGO)
    measured: list[str] = []
    measure = band_points.page

    def counted(*args: Any) -> Any:
        measured.append(args[3])
        return measure(*args)

    monkeypatch.setattr(band_points, "page", counted)
    api = f"/api/v1/clinics?near={CHICAGO}&radius=25"
    for url in (api, f"/search?near={CHICAGO}&radius=25", api):
        assert "lakeside" in client.get(url).get_data(as_text=True)
    assert measured == ["distance"]  # the page and the API ask for the same page of 20
    assert client.get(f"{api}&sort=price").status_code == 200
    assert measured == ["distance", "price"]

    make_clinic("Loop Clinic", slug="loop", near="60603")  # a change moves the data version
    slugs = [hit["slug"] for hit in client.get(api).get_json()["results"]]
    assert measured == ["distance", "price", "distance"]
    assert {"lakeside", "loop"} <= set(slugs)


def test_bands_read_before_the_workers_start_serve_their_searches(app, client, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside", near=CHICAGO)
    band_points.read_all(app)
    assert _reads_of_points(app, client, f"/api/v1/clinics?near={CHICAGO}&radius=25") == 0
    assert "Lakeside Clinic" in client.get(f"/search?near={CHICAGO}").get_data(as_text=True)


def test_too_many_points_or_an_unready_database_leave_the_bands_to_the_workers(
    app, client, make_clinic, monkeypatch, caplog
):
    make_clinic("Lakeside Clinic", slug="lakeside", near=CHICAGO)
    monkeypatch.setattr(band_points, "READ_ALL_MAX_POINTS", 0)
    band_points.read_all(app)
    assert _reads_of_points(app, client, f"/api/v1/clinics?near={CHICAGO}&radius=25") == 1

    monkeypatch.setattr(band_points, "READ_ALL_MAX_POINTS", 1000)
    db.session.execute(text("DROP TABLE search_points"))  # not migrated yet
    db.session.commit()
    with caplog.at_level(logging.WARNING):
        band_points.read_all(app)  # gunicorn still starts
    assert "search points not read" in caplog.text
