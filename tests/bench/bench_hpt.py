"""Benchmark: import a generated hospital price file in each layout; print MB/s and peak memory.

    .venv/bin/python tests/bench/bench_hpt.py                 # about 1 GB per layout
    .venv/bin/python tests/bench/bench_hpt.py --size-mb 200   # quicker
    .venv/bin/python tests/bench/bench_hpt.py --layouts json-v3,csv-tall-v3 --size-mb 100

Each import runs in its own process on a fresh SQLite database, so the peak resident
memory printed is that of one whole import (targets: at least 20 MB/s, under 300 MB).
"""

from __future__ import annotations

import argparse
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

from tests.ingest.hpt_generate import LAYOUTS, write_price_file  # noqa: E402

DEFAULT_LAYOUTS = "json-v3,csv-tall-v3,csv-wide-v3,json-v2,csv-tall-v2,csv-wide-v2"
TARGET_MB_S, LIMIT_MB = 20.0, 300.0


def child(path: Path, database: Path) -> None:
    """Import one file into a fresh database and print what it took, as JSON."""
    from directory import create_app
    from directory.cli import apply_migrations
    from directory.extensions import db
    from directory.ingest.hpt import service
    from directory.listings import seeding
    from directory.search.geocoding import GazetteerGeocoder

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"}
    )
    with app.app_context():
        apply_migrations()
        seeding.load_taxonomy(db.session)
        db.session.commit()
        start, cpu_start = time.perf_counter(), time.process_time()
        report = service.import_path(db.session, path, path.name, GazetteerGeocoder())
        db.session.commit()
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_mb": peak_kb / 1024,
                "items": report.items_seen,
                "kept": report.items_kept,
                "charges": report.charges,
            }
        )
    )


def main() -> int:
    """Generate, import and report each layout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1024.0, help="size of each file")
    parser.add_argument("--layouts", default=DEFAULT_LAYOUTS, help=f"any of {', '.join(LAYOUTS)}")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the files")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return 0
    layouts = [name.strip() for name in args.layouts.split(",") if name.strip()]
    unknown = [name for name in layouts if name not in LAYOUTS]
    if unknown:
        parser.error(f"unknown layouts: {', '.join(unknown)}")
    target = int(args.size_mb * 1024 * 1024)
    failed = False
    print(
        f"{'layout':<12} {'size MB':>8} {'items':>11} {'kept':>6} {'seconds':>8} "
        f"{'MB/s':>7} {'CPU MB/s':>9} {'peak MB':>8}"
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for layout in layouts:
            path = Path(tmp) / f"bench-{layout}"
            written = write_price_file(path, layout, target)
            database = Path(tmp) / f"bench-{layout}.sqlite3"
            out = subprocess.run(  # noqa: S603 - this script, with fixed arguments
                [sys.executable, __file__, "--child", str(path), str(database)],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "DIRECTORY_DEPLOYMENT": "development"},
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            size_mb = written.bytes / (1024 * 1024)
            rate = size_mb / result["seconds"]
            # On a shared machine the wall clock counts other programs' turns too.
            cpu_rate = size_mb / max(result["cpu_seconds"], 1e-9)
            print(
                f"{layout:<12} {size_mb:>8.0f} {result['items']:>11,} {result['kept']:>6,} "
                f"{result['seconds']:>8.1f} {rate:>7.1f} {cpu_rate:>9.1f} "
                f"{result['peak_mb']:>8.0f}",
                flush=True,
            )
            failed |= rate < TARGET_MB_S or result["peak_mb"] >= LIMIT_MB
            path.unlink()
            database.unlink()
    print(
        f"targets (wall clock): at least {TARGET_MB_S:g} MB/s and under {LIMIT_MB:g} MB peak "
        f"memory: {'missed' if failed else 'met'}; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
