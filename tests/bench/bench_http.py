"""HTTP benchmark: gunicorn serving 1,000 / 10,000 / 100,000 example clinics under load.

Run by `make bench` (SQLite, then PostgreSQL through tests/pg_cluster.py, then one table of
both). For each directory size it builds a database once (`demo-data --seed 7`; SQLite
files are kept under instance/bench/) and serves it with gunicorn on a free loopback port,
every size at once. It drives each request from load-generator connections with
keep-alive for a fixed time, split into rounds that take every request of every size in
turn (five by default), so that the machine's drift falls on every request and size
alike. Every dynamic request cycles through 300 real ZIP codes or 300 clinic slugs drawn
at random, so no single answer is measured. It prints requests per second, p50 and p99
latency, and throughput as a ratio to /healthz and to /about measured in the same run;
results are kept in instance/bench/results-<backend>.json so `--report` prints both
databases in one table. Each gunicorn gets a throwaway Redis its workers share rendered
cards through, as `make serve` gives them one (`--no-redis` serves without it).
It asserts nothing: the figures are for reading.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "instance" / "bench"
SIZES = (1_000, 10_000, 100_000)
SEED = 7
SAMPLES = 300
# label -> path template; {zip} and {slug} cycle through the samples.
REQUESTS = {
    "/healthz": "/healthz",
    "/about": "/about",
    "clinic page": "/clinics/{slug}",
    "search page, 25 mi": "/search?near={zip}&radius=25",
    "API search, 25 mi": "/api/v1/clinics?near={zip}&radius=25",
    "API search, 100 mi, by price": "/api/v1/clinics?near={zip}&radius=100&sort=price",
    "/costs?state=TX": "/costs?state=TX",
    "API costs summary, TX": "/api/v1/costs/summary?state=TX",
    "/regions": "/regions",
    "HSDS services, page 1": "/api/v1/hsds/services",
}
SIZE_PROBE = "/search?near=60614"  # a dense metro: the page's weight in bytes


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(size: int, backend: str) -> str:
    """Where the database for a size lives."""
    if backend == "postgresql":
        base = os.environ["TEST_DATABASE_URL"].rsplit("/", 1)[0]
        return f"{base}/bench_{size}"
    OUT.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{OUT / f'http-{size}-seed{SEED}.sqlite3'}"


def _flask(args: list[str], env: dict[str, str], quiet: bool = False) -> None:
    subprocess.run(  # noqa: S603 - the site's own CLI
        [sys.executable, "-m", "flask", "--app", "directory", *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def build(size: int, backend: str, env: dict[str, str]) -> None:
    """Create and fill the database for a size; a kept SQLite file is only migrated, and
    its result cards rendered again where this release would render them otherwise (as a
    deploy does)."""
    from sqlalchemy import create_engine

    url = database_url(size, backend)
    run_env = {**env, "DATABASE_URL": url}
    if backend == "sqlite" and Path(url.removeprefix("sqlite:///")).exists():
        _flask(["db", "upgrade", "--directory", "directory/migrations"], run_env, quiet=True)
        _flask(["render-cards"], run_env)
        return
    if backend == "postgresql":
        admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS bench_{size}")
            connection.exec_driver_sql(f"CREATE DATABASE bench_{size}")
        admin.dispose()
    print(f"building {size:,} example clinics on {backend} ...", flush=True)
    _flask(["seed"], run_env, quiet=True)
    _flask(["demo-data", "--clinics", str(size), "--seed", str(SEED)], run_env)
    if backend == "postgresql":
        # Settle the new tables as a running server would have (visibility maps, planner
        # statistics), so autovacuum does not start during the measurements.
        settled = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with settled.connect() as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        finally:
            settled.dispose()


def samples(url: str) -> tuple[list[str], list[str]]:
    """300 real ZIP codes from the gazetteer and 300 published clinic slugs, at random."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        zips = connection.execute(
            text("SELECT key FROM places WHERE kind = 'zip' ORDER BY key")
        ).scalars()
        zips = list(zips)
        slugs = connection.execute(
            text("SELECT slug FROM clinics WHERE status = 'published' ORDER BY id")
        ).scalars()
        slugs = list(slugs)
    engine.dispose()
    rng = random.Random(SEED)
    return rng.sample(zips, min(SAMPLES, len(zips))), rng.sample(slugs, min(SAMPLES, len(slugs)))


def _connection_loop(port: int, paths: list[str], end: float, out: list, start_at: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    errors = 0
    i = start_at
    while time.perf_counter() < end:
        path = paths[i % len(paths)]
        i += 1
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append((time.perf_counter() - start) * 1000)
    out.append((latencies, errors))


def _client(
    port: int, paths: list[str], seconds: float, threads: int, offset: int, queue: mp.Queue
) -> None:
    """One load-generator process: `threads` keep-alive connections for `seconds`."""
    end = time.perf_counter() + seconds
    out: list = []
    workers = [
        threading.Thread(target=_connection_loop, args=(port, paths, end, out, (offset + n) * 37))
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put(out)


def load(
    port: int, paths: list[str], connections: int, seconds: float, start_at: int = 0
) -> tuple[list[float], int]:
    """Latencies (ms) and errors of one request type loaded for `seconds`, each connection
    starting its walk through the paths at its own place past `start_at`."""
    processes = 2 if connections >= 2 else 1
    per = connections // processes
    queue: mp.Queue = mp.Queue()
    procs = [
        mp.Process(target=_client, args=(port, paths, seconds, per, start_at + n * per, queue))
        for n in range(processes)
    ]
    for proc in procs:
        proc.start()
    results = [r for _ in procs for r in queue.get()]
    for proc in procs:
        proc.join()
    return [x for lat, _ in results for x in lat], sum(e for _, e in results)


def figures_of(latencies: list[float], errors: int, seconds: float) -> dict[str, float]:
    """Requests per second and latency percentiles of the requests loaded for `seconds`."""
    if not latencies:
        return {"rps": 0.0, "p50": 0.0, "p99": 0.0, "errors": errors}
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / seconds,
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "errors": errors,
    }


def warm(port: int, paths: list[str]) -> None:
    """Ask for a few of the paths once each, so no worker starts cold."""
    for path in paths[:10]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:  # noqa: S310
            response.read()


def _page_bytes(port: int, path: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:  # noqa: S310
        return len(response.read())


REDIS_SERVER = "/usr/bin/redis-server"


@contextlib.contextmanager
def shared_redis(wanted: bool) -> Iterator[dict[str, str]]:
    """A throwaway Redis for the workers to share rendered cards through, as in production
    (`make serve`): the environment naming it, or nothing when it is not wanted."""
    if not wanted:
        yield {}
        return
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - Debian's redis-server
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"{REDIS_SERVER} did not start: run with --no-redis")
        yield {"REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    finally:
        server.terminate()
        server.wait(timeout=10)


@dataclass
class Site:
    """One database served: its size, its port and the paths loaded for each request."""

    size: int
    port: int
    paths: dict[str, list[str]]


@contextlib.contextmanager
def served(size: int, url: str, env: dict[str, str], args: argparse.Namespace) -> Iterator[Site]:
    """Serve one database with gunicorn (and its Redis), ready and warmed."""
    with shared_redis(not args.no_redis) as redis_env:
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 - gunicorn from this environment
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:directory.gunicorn_config",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--access-logfile",
                "/dev/null",
                "directory.wsgi:app",
            ],
            env={**env, **redis_env, "DATABASE_URL": url},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    with urllib.request.urlopen(  # noqa: S310
                        f"http://127.0.0.1:{port}/healthz", timeout=1
                    ):
                        break
                except OSError:
                    time.sleep(0.1)
            zips, slugs = samples(url)
            chosen: dict[str, list[str]] = {}
            for label, template in REQUESTS.items():
                if args.only and label not in args.only and label not in ("/healthz", "/about"):
                    continue
                count = (
                    len(zips) if "{zip}" in template else len(slugs) if "{slug}" in template else 1
                )
                chosen[label] = [
                    template.format(zip=zips[i % len(zips)], slug=slugs[i % len(slugs)])
                    for i in range(count)
                ]
            for paths in chosen.values():
                warm(port, paths)
            yield Site(size, port, chosen)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def measure(
    sites: list[Site], backend: str, args: argparse.Namespace
) -> dict[str, dict[str, dict[str, float]]]:
    """Load every request of every site in rounds; the figures per size and request.

    Each round loads every request of every size for its share of the time, in turn: the
    machine's drift during a run (other load, clock speed) falls on every request and size
    alike, so the ratios between requests, and the growth from one size to another, hold
    better than with each loaded once, one size after the other.
    """
    slice_seconds = args.seconds / args.rounds
    latencies: dict[tuple[int, str], list[float]] = {
        (site.size, label): [] for site in sites for label in site.paths
    }
    errors: collections.Counter[tuple[int, str]] = collections.Counter()
    for round_number in range(args.rounds):
        for site in sites:
            for label, paths in site.paths.items():
                loaded, failed = load(
                    site.port, paths, args.connections, slice_seconds, round_number * 1009
                )
                latencies[(site.size, label)].extend(loaded)
                errors[(site.size, label)] += failed
    table: dict[str, dict[str, dict[str, float]]] = {}
    for site in sites:
        figures = table[str(site.size)] = {}
        for label in site.paths:
            key = (site.size, label)
            figures[label] = figures_of(latencies[key], errors[key], args.seconds)
            print(
                f"  {backend} {site.size:,} {label}: {figures[label]['rps']:.0f} req/s, "
                f"p50 {figures[label]['p50']:.1f} ms, p99 {figures[label]['p99']:.1f} ms",
                flush=True,
            )
        figures["_bytes"] = {"search page": float(_page_bytes(site.port, SIZE_PROBE))}
    return table


def report(results: dict[str, dict[str, dict[str, dict[str, float]]]]) -> None:
    """Print one table: every request at every size on every database measured."""
    print("\n| request | db | clinics | req/s | p50 ms | p99 ms | × /healthz | × /about | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for label in REQUESTS:
        for backend, table in results.items():
            for size in sorted(table, key=int):
                f = table[size].get(label)
                if f is None:
                    continue
                h, a = table[size]["/healthz"]["rps"], table[size]["/about"]["rps"]
                print(
                    f"| {label} | {backend} | {int(size):,} | {f['rps']:,.0f} | {f['p50']:.1f} | "
                    f"{f['p99']:.1f} | {f['rps'] / h:.2f} | {f['rps'] / a:.2f} | "
                    f"{f['errors']:.0f} |"
                )
    for backend, table in results.items():
        sizes = sorted(table, key=int)
        if len(sizes) < 2:
            continue
        small, large = table[sizes[0]], table[sizes[-1]]
        print(f"\n{backend}: growth of p50 from {int(sizes[0]):,} to {int(sizes[-1]):,} clinics")
        for label in REQUESTS:
            if label in small and label in large and small[label]["p50"]:
                print(f"- {label}: {large[label]['p50'] / small[label]['p50']:.2f}x")
        print(
            f"- search page near 60614: {small['_bytes']['search page'] / 1024:.1f} KB -> "
            f"{large['_bytes']['search page'] / 1024:.1f} KB of HTML"
        )


def main() -> None:
    """Build, serve, load and report for each size; or print the kept results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0, help="per request, in all")
    parser.add_argument(
        "--rounds", type=int, default=5, help="load each request this many times, in turn"
    )
    parser.add_argument("--only", nargs="*", help="request labels to run (and the baselines)")
    parser.add_argument("--database-url", help="serve this database (one size) instead")
    parser.add_argument("--report", action="store_true", help="print the kept results only")
    parser.add_argument(
        "--no-redis", action="store_true", help="serve without a Redis for the workers to share"
    )
    args = parser.parse_args()
    if args.report:
        results = {}
        for backend in ("sqlite", "postgresql"):
            path = OUT / f"results-{backend}.json"
            if path.exists():
                results[backend] = json.loads(path.read_text())
        report(results)
        return
    env = {
        **os.environ,
        "DIRECTORY_DEPLOYMENT": "development",
        "DIRECTORY_SECRET_KEY": "bench-secret",
        "DIRECTORY_RATELIMIT_ENABLED": "false",
    }
    sizes = [int(s) for s in args.sizes.split(",")]
    urls = {size: args.database_url or database_url(size, args.backend) for size in sizes}
    if not args.database_url:
        for size in sizes:
            build(size, args.backend, env)
    # Every size served at once (idle but for the one being loaded), so that the rounds
    # take the sizes in turn too.
    with contextlib.ExitStack() as stack:
        sites = [stack.enter_context(served(size, urls[size], env, args)) for size in sizes]
        table = measure(sites, args.backend, args)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"results-{args.backend}.json").write_text(json.dumps(table, indent=1))
    print(
        f"\nLoad: {args.connections} keep-alive connections from 2 processes, "
        f"{args.seconds:g} s per request in {args.rounds} interleaved rounds, "
        f"gunicorn with {args.workers} sync workers, "
        f"{os.cpu_count()} cores shared by server and load generator"
        f"{'' if args.no_redis else ', Redis shared by the workers'}."
    )
    report({args.backend: table})


if __name__ == "__main__":
    main()
