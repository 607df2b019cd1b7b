"""HTTP benchmark: gunicorn serving 1,000 / 10,000 / 100,000 example clinics under load.

Run by `make bench` (SQLite, then PostgreSQL through tests/pg_cluster.py). For each
directory size it builds a database once (kept under instance/bench/ for SQLite),
starts gunicorn on a free loopback port, and drives each request from separate
load-generator processes with keep-alive connections for a fixed time. It prints
requests per second and p50/p95/p99 latency, throughput as a ratio to /healthz
measured in the same run, and the growth from the smallest to the largest
directory. It asserts nothing: the figures are for reading.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIZES = (1_000, 10_000, 100_000)
REQUESTS = {
    "healthz": "/healthz",
    "ZIP radius search (25 mi, IV filter)": "/search?near=60614&radius=25&treatment=iv-infusion",
    "metro search (Chicagoland)": "/search?near=Chicagoland",
    "clinic page": "/clinics/{slug}",
    "compare 5 clinics": "/compare?clinics={five}",
    "state price summary (TX)": "/costs?state=TX",
    "API search (ZIP, 25 mi)": "/api/v1/clinics?near=10001&radius=25",
}


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
    path = ROOT / "instance" / "bench" / f"http-{size}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def build(size: int, backend: str, env: dict[str, str]) -> None:
    """Create and fill the database for a size, unless a SQLite one is already there."""
    url = database_url(size, backend)
    if backend == "sqlite" and Path(url.removeprefix("sqlite:///")).exists():
        return
    if backend == "postgresql":
        from sqlalchemy import create_engine

        admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS bench_{size}")
            connection.exec_driver_sql(f"CREATE DATABASE bench_{size}")
        admin.dispose()
    run_env = {**env, "DATABASE_URL": url}
    flask = [sys.executable, "-m", "flask", "--app", "directory"]
    print(f"building {size:,} example clinics on {backend} ...", flush=True)
    subprocess.run(  # noqa: S603 - the site's own CLI
        [*flask, "seed"],
        env=run_env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(  # noqa: S603 - the site's own CLI
        [*flask, "demo-data", "--clinics", str(size), "--seed", "1"],
        env=run_env,
        cwd=ROOT,
        check=True,
    )


def _client(port: int, path: str, seconds: float, queue: mp.Queue) -> None:
    """One load-generator process: sequential keep-alive requests for `seconds`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
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
    queue.put((latencies, errors))


def load(port: int, path: str, clients: int, seconds: float) -> dict[str, float]:
    """Requests per second and latency percentiles for one path."""
    for _ in range(10):  # warm the workers
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:  # noqa: S310
            response.read()
    queue: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_client, args=(port, path, seconds, queue)) for _ in range(clients)]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    return {
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": errors,
    }


def sample_slugs(url: str) -> list[str]:
    """Five example clinics to open and compare."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = (
            connection.execute(
                text(
                    "SELECT slug FROM clinics WHERE is_example AND status = 'published' "
                    "ORDER BY id LIMIT 5"
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return list(rows)


def serve_and_measure(
    size: int, backend: str, env: dict[str, str], workers: int, clients: int, seconds: float
) -> dict[str, dict[str, float]]:
    """Serve one database with gunicorn and load each request in turn."""
    url = database_url(size, backend)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:directory.gunicorn_config",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "/dev/null",
            "directory.wsgi:app",
        ],
        env={**env, "DATABASE_URL": url},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(  # noqa: S310
                    f"http://127.0.0.1:{port}/healthz", timeout=1
                ):
                    break
            except OSError:
                time.sleep(0.1)
        slugs = sample_slugs(url)
        figures = {}
        for label, template in REQUESTS.items():
            path = template.format(slug=slugs[0], five=",".join(slugs))
            figures[label] = load(port, path, clients, seconds)
        return figures
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def report(backend: str, table: dict[int, dict[str, dict[str, float]]]) -> None:
    """Print the table for one backend."""
    sizes = sorted(table)
    print(f"\n### {backend}\n")
    print("| request | clinics | req/s | × healthz | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label in REQUESTS:
        for size in sizes:
            f, h = table[size][label], table[size]["healthz"]
            print(
                f"| {label} | {size:,} | {f['rps']:.0f} | {f['rps'] / h['rps']:.2f} | "
                f"{f['p50']:.1f} | {f['p95']:.1f} | {f['p99']:.1f} | {f['errors']:.0f} |"
            )
    print(f"\nGrowth of p50 latency from {sizes[0]:,} to {sizes[-1]:,} clinics:\n")
    for label in REQUESTS:
        growth = table[sizes[-1]][label]["p50"] / table[sizes[0]][label]["p50"]
        print(f"- {label}: {growth:.2f}x")


def main() -> None:
    """Build, serve, load and report for each size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    env = {
        **os.environ,
        "DIRECTORY_DEPLOYMENT": "development",
        "DIRECTORY_SECRET_KEY": "bench-secret",
        "DIRECTORY_RATELIMIT_ENABLED": "false",
    }
    table = {}
    for size in (int(s) for s in args.sizes.split(",")):
        build(size, args.backend, env)
        table[size] = serve_and_measure(
            size, args.backend, env, args.workers, args.clients, args.seconds
        )
        print(
            f"{args.backend} {size:,}: healthz {table[size]['healthz']['rps']:.0f} req/s",
            flush=True,
        )
    print(
        f"\nLoad: {args.clients} client processes with keep-alive, {args.seconds:g} s per "
        f"request, gunicorn with {args.workers} sync workers, {os.cpu_count()} cores "
        "shared by server and load generator."
    )
    report(args.backend, table)


if __name__ == "__main__":
    main()
