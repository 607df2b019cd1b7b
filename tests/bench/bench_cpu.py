"""In-process CPU per request: a Flask test client against a benchmark database.

Serves the 100,000-clinic file that bench_http.py keeps (or `--database-url`) in this
process and times each request with `time.process_time`, cycling through the same random
ZIP codes and slugs as the HTTP benchmark. Each request runs `--passes` times over its
samples: the first pass meets cold per-process memos (what a freshly started worker sees),
later passes warm ones. It prints the median CPU milliseconds of each pass and the HTML size
of one search page near Chicago. It asserts nothing: the figures are for reading.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_http import REQUESTS, SIZE_PROBE, database_url, samples  # noqa: E402

BASELINES = ("/about",)


def main() -> None:
    """Time the requests named by --only (and /about) and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=database_url(100_000, "sqlite"))
    parser.add_argument("--count", type=int, default=60, help="samples a pass")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="request labels to run (and /about)")
    parser.add_argument("--lang", default="en", help="the page language (en or es)")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DIRECTORY_DEPLOYMENT"] = "development"
    os.environ["DIRECTORY_SECRET_KEY"] = "bench-secret"
    os.environ["DIRECTORY_RATELIMIT_ENABLED"] = "false"
    from directory import create_app

    app = create_app()
    zips, slugs = samples(args.database_url)
    client = app.test_client()
    client.set_cookie("lang", args.lang)
    for label, template in REQUESTS.items():
        if args.only and label not in args.only and label not in BASELINES:
            continue
        paths = [
            template.format(zip=zips[i % len(zips)], slug=slugs[i % len(slugs)])
            for i in range(args.count)
        ]
        medians = []
        for _ in range(args.passes):
            spent = []
            for path in paths:
                start = time.process_time()
                response = client.get(path)
                spent.append(time.process_time() - start)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code}")
            medians.append(f"{statistics.median(spent) * 1000:6.1f}")
        print(f"{label:32} ms CPU a request, by pass: {' '.join(medians)}", flush=True)
    page = client.get(SIZE_PROBE).get_data()
    print(f"{SIZE_PROBE}: {len(page) / 1000:.1f} KB of HTML")


if __name__ == "__main__":
    main()
