"""Import benchmark: import-listings on 10,000 and 20,000 generated CSV rows.

Each size runs in a fresh process on a fresh SQLite database (migrated, with the
taxonomy and the ZIP gazetteer loaded before the clock starts). The rows are
fictional: example.com websites, 555-01xx numbers, numbered street addresses in
real ZIP codes. The database is built in one process and the import runs in a
fresh one, which prints the wall time of the command and its peak memory (RSS)
before and after the import: a flat figure as the file doubles shows the importer
streams. It asserts nothing: the figures are for reading.

    .venv/bin/python tests/bench/bench_import.py [--sizes 10000 20000] [--publish]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FIRST = [
    "Cedar",
    "Harbor",
    "Summit",
    "Willow",
    "Granite",
    "Meadow",
    "Aurora",
    "Beacon",
    "Juniper",
    "Lakeshore",
    "Prairie",
    "Redwood",
    "Sierra",
    "Tidewater",
    "Valley",
    "Aspen",
]
SECOND = [
    "Wellness",
    "Mind",
    "Renewal",
    "Infusion",
    "Clarity",
    "Balance",
    "Horizon",
    "Bridge",
    "Pathways",
    "Harmony",
    "Compass",
    "Lantern",
    "Haven",
    "Anchor",
    "Spring",
    "Ember",
]
COLUMNS = [
    "source",
    "external_id",
    "name",
    "address_1",
    "address_2",
    "city",
    "state",
    "postal_code",
    "phones",
    "website",
    "treatments",
    "conditions",
    "free_consultation",
]


def generate(path: Path, rows: int, zips: list[tuple[str, str, str]]) -> None:
    """Write `rows` fictional listings spread over the given (zip, city, state) places."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i in range(rows):
            code, city, state = zips[i % len(zips)]
            name = f"{FIRST[i % 16]} {SECOND[(i // 16) % 16]} Ketamine {i // 256 + 1}"
            area = 201 + (i // 100) % 700
            writer.writerow(
                [
                    "bench",
                    str(i),
                    name,
                    f"{100 + i} Example Street",
                    "",
                    city,
                    state,
                    code,
                    f"({area}) 555-01{i % 100:02d}",
                    f"https://clinic-{i}.example.com",
                    "iv-infusion;consultation",
                    "depression",
                    "yes" if i % 3 else "no",
                ]
            )


def _app(database: Path):  # type: ignore[no-untyped-def]
    from directory import create_app

    uri = f"sqlite:///{database}"
    return create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "TESTING": True})


def setup(work: Path, size: int) -> None:
    """A migrated database with the taxonomy and the gazetteer, and the CSV file."""
    from sqlalchemy import select

    from directory.cli import apply_migrations
    from directory.extensions import db
    from directory.listings import seeding
    from directory.models import Place

    app = _app(work / "db.sqlite3")
    with app.app_context():
        apply_migrations()
        seeding.load_taxonomy(db.session)
        seeding.load_gazetteer(db.session)
        db.session.commit()
        every_zip = db.session.execute(
            select(Place.key, Place.name, Place.state)
            .where(Place.kind == "zip")
            .order_by(Place.key)
        ).all()
        db.session.remove()
    zips = [tuple(row) for row in every_zip[::10]]  # about 4,000 ZIPs across the country
    generate(work / f"listings-{size}.csv", size, zips)


def child(work: Path, size: int, publish: bool) -> dict[str, float | str]:
    """Import the prepared file through the CLI in this fresh process; return the figures."""
    app = _app(work / "db.sqlite3")
    csv_path = work / f"listings-{size}.csv"
    runner = app.test_cli_runner()
    args = ["import-listings", str(csv_path), *(["--publish"] if publish else [])]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with app.app_context():
        start = time.perf_counter()
        result = runner.invoke(args=args)
        elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if result.exit_code != 0:
        raise SystemExit(result.output[-2000:])
    summary = [line for line in result.output.splitlines() if line.startswith("Imported")]
    return {
        "rows": size,
        "seconds": elapsed,
        "rss_before_mb": before,
        "rss_peak_mb": after,
        "file_mb": csv_path.stat().st_size / 1e6,
        "summary": summary[0] if summary else "",
    }


def main() -> None:
    """Run each size in its own process and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000])
    parser.add_argument("--publish", action="store_true", help="Import with --publish.")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--setup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(args.work, args.setup)
        return
    if args.child:
        print(json.dumps(child(args.work, args.child, args.publish)))
        return
    mode = "--publish" if args.publish else "pending (moderation queue)"
    print(f"import-listings, SQLite, {mode}")
    print(
        f"{'rows':>8} {'file MB':>8} {'seconds':>8} {'rows/s':>8} {'RSS before':>11} "
        f"{'RSS peak':>9} {'growth':>7}"
    )
    env = {**os.environ, "DIRECTORY_DEPLOYMENT": "development"}
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix="bench-import-"))
        base = [sys.executable, __file__, "--work", str(work)]
        subprocess.run([*base, "--setup", str(size)], env=env, check=True, capture_output=True)  # noqa: S603
        command = [*base, "--child", str(size), *(["--publish"] if args.publish else [])]
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
        if out.returncode != 0:
            print(out.stdout[-2000:], out.stderr[-2000:])
            raise SystemExit(f"the {size}-row run failed")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['rows']:>8,} {r['file_mb']:>8.1f} {r['seconds']:>8.1f} "
            f"{r['rows'] / r['seconds']:>8.0f} {r['rss_before_mb']:>9.0f}MB "
            f"{r['rss_peak_mb']:>7.0f}MB {r['rss_peak_mb'] - r['rss_before_mb']:>5.0f}MB"
        )
        print(f"         {r['summary']}")


if __name__ == "__main__":
    main()
