"""Search and page timings at several directory sizes; prints a table, asserts nothing.

Run with `make bench`. Each size gets its own SQLite database under instance/bench/,
built once and reused on later runs. Requests go through the WSGI app in-process,
so the figures are server time without network or HTTP parsing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from directory import create_app
from directory.extensions import db
from directory.services import demo_data, seeding

ROOT = Path(__file__).resolve().parents[2]

REQUESTS = {
    "ZIP radius search (25 mi, IV filter)": "/search?near=60614&radius=25&treatment=iv-infusion",
    "metro search (Chicagoland)": "/search?near=Chicagoland",
    "state search (California)": "/search?near=California",
    "clinic page": "/clinics/{slug}",
    "compare 5 clinics": "/compare?clinics={five}",
    "state price summary (TX)": "/costs?state=TX",
    "API search (ZIP, 25 mi)": "/api/v1/clinics?near=10001&radius=25",
}


def build(size: int) -> Path:
    """A database with `size` example clinics (created once, then reused)."""
    path = ROOT / "instance" / "bench" / f"clinics-{size}.sqlite3"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        seeding.load_taxonomy(db.session)
        seeding.load_gazetteer(db.session)
        seeding.load_seed_clinics(db.session)
        print(f"building {size:,} example clinics ...", flush=True)
        done = [0]

        def progress(n: int) -> None:
            done[0] += n
            print(f"\r  {done[0]:,}/{size:,}", end="", flush=True)

        demo_data.create_example_clinics(db.session, size, seed=1, progress=progress)
        db.session.commit()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        print()
        db.engine.dispose()
    return path


def measure(size: int, repeats: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 milliseconds for each request."""
    path = build(size)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    client = app.test_client()
    from sqlalchemy import select

    from directory.models import Clinic

    with app.app_context():
        slugs = list(
            db.session.execute(
                select(Clinic.slug).where(Clinic.is_example.is_(True)).order_by(Clinic.id).limit(5)
            ).scalars()
        )
    results = {}
    for label, template in REQUESTS.items():
        url = template.format(slug=slugs[0], five=",".join(slugs))
        assert client.get(url).status_code == 200, url  # noqa: S101 - warm-up and sanity
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        times.sort()
        results[label] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    """Print p50/p95 per request and size, and the growth between the sizes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="300,100000")
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    table = {size: measure(size, args.repeats) for size in sizes}
    header = "| request | " + " | ".join(f"{s:,} p50 / p95 ms" for s in sizes)
    print(header + " | growth p50 |")
    print("|---" * (len(sizes) + 2) + "|")
    for label in REQUESTS:
        cells = [f"{table[s][label][0]:.1f} / {table[s][label][1]:.1f}" for s in sizes]
        growth = table[sizes[-1]][label][0] / table[sizes[0]][label][0]
        print(f"| {label} | " + " | ".join(cells) + f" | {growth:.2f}x |")


if __name__ == "__main__":
    main()
