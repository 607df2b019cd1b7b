"""Soak: mixed patient traffic with owners editing in parallel, against gunicorn.

`make stress` runs it on SQLite and then on PostgreSQL. Patients search, open
clinics, compare and read price summaries from several processes at a steady
rate for SOAK_SECONDS (60 by default) while owners keep proposing price changes
and an admin decides them. It prints the requests sent, the answers by status,
latency percentiles and the workers' memory at the start and at the end, and
exits non-zero on any 5xx or on proposals left unaccounted for.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conftest import (  # noqa: E402 - after the path is set
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    build_site,
    gunicorn,
    site_database,
    site_env,
)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SLUG = "ketamine-institute-of-michigan"
PATIENT_PATHS = [
    "/",
    "/search?near=48336&radius=100",
    "/search?near=Chicagoland&treatment=iv-infusion",
    "/search?near=Texas&sort=price",
    "/clinics/" + SLUG,
    "/clinics/renew-ketamine",
    "/compare?clinics=renew-ketamine," + SLUG + "&near=60601",
    "/costs?state=CA",
    "/regions",
    "/regions/IL",
    "/api/v1/clinics?near=10001&radius=50",
    "/api/v1/costs/summary?state=TX",
    "/search?near=Nowhere%2C+ZZ",  # a 400, on purpose
]


def patient(url: str, seconds: float, rate: float, out: mp.Queue) -> None:
    """Requests at `rate` per second for `seconds`; reports statuses and latencies."""
    session = requests.Session()
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    end = time.monotonic() + seconds
    rng = random.Random(os.getpid())  # noqa: S311 - traffic mix, not security
    while time.monotonic() < end:
        start = time.monotonic()
        try:
            response = session.get(url + rng.choice(PATIENT_PATHS), timeout=30)
            statuses[response.status_code] += 1
        except requests.RequestException:
            statuses[0] += 1
        latencies.append((time.monotonic() - start) * 1000)
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - start)))
    out.put(("patient", statuses, latencies))


def _signed_in(url: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/account/login", timeout=30).text
    session.post(
        f"{url}/account/login",
        timeout=30,
        data={"csrf_token": TOKEN.search(page).group(1), "email": email, "password": password},
    )
    return session


def owner(url: str, index: int, seconds: float, out: mp.Queue) -> None:
    """Propose a new price every second or so."""
    session = _signed_in(url, f"soak{index}@example.org", PASSWORD)
    edit = f"{url}/owner/clinics/{SLUG}/edit"
    statuses: Counter[int] = Counter()
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        n += 1
        token = TOKEN.search(session.get(edit, timeout=30).text).group(1)
        response = session.post(
            edit,
            allow_redirects=False,
            timeout=30,
            data={
                "csrf_token": token,
                "name": "Ketamine Institute of Michigan",
                "address_1": "23800 Orchard Lake Rd.",
                "address_2": "Suite 100",
                "city": "Farmington Hills",
                "state": "MI",
                "postal_code": "48336",
                "free_consultation": "",
                "accepts_insurance": "",
                "treatments": ["iv-infusion"],
                "conditions": ["depression"],
                "phones-0-display": "(855) KETAMINE",
                "phones-0-kind": "toll_free",
                "prices-0-treatment": "iv-infusion",
                "prices-0-amount": str(300 + index * 50 + n),
                "prices-0-unit": "session",
                "prices-0-source_url": "https://kim.example.org/prices",
                "prices-0-as_of": "2026-11-01",
            },
        )
        statuses[response.status_code] += 1
        time.sleep(1.0)
    out.put(("owner", statuses, []))


def admin(url: str, seconds: float, out: mp.Queue) -> None:
    """Approve (over reviewed conflicts) whatever is waiting."""
    session = _signed_in(url, ADMIN_EMAIL, ADMIN_PASSWORD)
    statuses: Counter[int] = Counter()
    end = time.monotonic() + seconds + 5
    while time.monotonic() < end:
        for revision_id in re.findall(
            r"/admin/revisions/(\d+)\"", session.get(f"{url}/admin/", timeout=30).text
        ):
            page = f"{url}/admin/revisions/{revision_id}"
            token = TOKEN.search(session.get(page, timeout=30).text).group(1)
            response = session.post(
                f"{page}/approve",
                allow_redirects=False,
                timeout=30,
                data={"csrf_token": token, "override_conflict": "y"},
            )
            statuses[response.status_code] += 1
        time.sleep(0.5)
    out.put(("admin", statuses, []))


def rss_kib(master: int) -> int:
    """Resident memory of the gunicorn workers, in KiB."""
    total = 0
    children = Path(f"/proc/{master}/task/{master}/children")
    for pid in children.read_text().split() if children.exists() else []:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+)", status.read_text())
            total += int(match.group(1)) if match else 0
    return total


def main() -> int:
    """Build a site, serve it, soak it, report."""
    import tempfile

    from sqlalchemy import create_engine, text
    from werkzeug.security import generate_password_hash

    seconds = float(os.environ.get("SOAK_SECONDS", "60"))
    patients, rate, owners = 4, 8.0, 3
    database_url, drop = site_database(Path(tempfile.mkdtemp(prefix="soak-")))
    env = site_env(database_url)
    build_site(env, clinics=2000)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        clinic_id = connection.execute(
            text("SELECT id FROM clinics WHERE slug = :s"), {"s": SLUG}
        ).scalar_one()
        for i in range(owners):
            user_id = connection.execute(
                text(
                    "INSERT INTO users (email, password_hash, role, session_token, failed_logins, "
                    "created_at, email_verified_at) VALUES (:e, :h, 'owner', :t, 0, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"
                ),
                {
                    "e": f"soak{i}@example.org",
                    "h": generate_password_hash(PASSWORD),
                    "t": f"soak-token-{i}",
                },
            ).scalar_one()
            connection.execute(
                text("INSERT INTO clinic_owners (user_id, clinic_id) VALUES (:u, :c)"),
                {"u": user_id, "c": clinic_id},
            )
    engine.dispose()
    try:
        with gunicorn({**env, "DIRECTORY_RATELIMIT_ENABLED": "false"}) as (url, master):
            out: mp.Queue = mp.Queue()
            procs = [
                mp.Process(target=patient, args=(url, seconds, rate, out)) for _ in range(patients)
            ]
            procs += [mp.Process(target=owner, args=(url, i, seconds, out)) for i in range(owners)]
            procs.append(mp.Process(target=admin, args=(url, seconds, out)))
            time.sleep(1)
            rss_start = rss_kib(master.pid)
            for proc in procs:
                proc.start()
            results = [out.get() for _ in procs]
            rss_end = rss_kib(master.pid)
            for proc in procs:
                proc.join()
        engine = create_engine(database_url)
        with engine.connect() as connection:
            counts = dict(
                connection.execute(
                    text("SELECT status, count(*) FROM revisions GROUP BY status")
                ).all()
            )
            audited = connection.execute(
                text("SELECT count(*) FROM audit_events WHERE target_type = 'revision'")
            ).scalar_one()
        engine.dispose()
    finally:
        drop()

    by_kind: dict[str, Counter[int]] = {}
    latencies: list[float] = []
    for kind, statuses, lat in results:
        by_kind.setdefault(kind, Counter()).update(statuses)
        latencies += lat
    latencies.sort()
    sent = sum(sum(c.values()) for c in by_kind.values())
    errors = sum(n for c in by_kind.values() for code, n in c.items() if code >= 500 or code == 0)
    print(
        f"Soak on {database_url.split(':')[0]}: {seconds:g} s, {patients} patients at "
        f"{rate:g} req/s each, {owners} owners editing, 1 admin approving"
    )
    for kind, statuses in by_kind.items():
        print(f"  {kind:8} {dict(sorted(statuses.items()))}")
    print(f"  requests sent: {sent}; 5xx or failed: {errors}")
    print(
        f"  patient latency ms: p50 {statistics.median(latencies):.1f}, "
        f"p95 {latencies[int(len(latencies) * 0.95)]:.1f}, p99 "
        f"{latencies[int(len(latencies) * 0.99)]:.1f}"
    )
    print(
        f"  workers' memory: {rss_start / 1024:.1f} MiB at the start, "
        f"{rss_end / 1024:.1f} MiB at the end"
    )
    decided = counts.get("approved", 0) + counts.get("rejected", 0)
    print(f"  proposals: {counts}; decisions audited: {audited} of {decided}")
    ok = errors == 0 and audited == decided
    print("  result:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
