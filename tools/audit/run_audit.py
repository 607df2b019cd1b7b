"""Serve the site with example data and print Lighthouse's four scores for its main pages."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = ROOT / ".venv" / "bin"
LIGHTHOUSE = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync"
)

# The pages audited, by name and path; {clinic} and {clinics} are filled from the data.
PAGES = [
    ("home", "/"),
    ("search", "/search?near=60614"),
    ("clinic", "/clinics/{clinic}"),
    ("compare", "/compare?clinics={clinics}"),
    ("costs", "/costs?state=IL"),
]
# Each page is audited once per language; a language is skipped while the site does not
# serve it yet (its pages would not carry <html lang="...">).
LANGUAGES = {"en": "", "es": "lang=es"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - local site
        return response.read().decode("utf-8")


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(120):
        if server.poll() is not None:
            sys.exit("The site did not start; see the messages above.")
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"The site did not answer at {url} within a minute.")


def _with_language(path: str, query: str) -> str:
    if not query:
        return path
    return f"{path}{'&' if '?' in path else '?'}{query}"


def _serves_language(base: str, lang: str, query: str) -> bool:
    html = _get(base + _with_language("/", query))
    return re.search(rf'<html[^>]*\blang="{lang}"', html) is not None


def _clinic_slugs(base: str) -> list[str]:
    data = json.loads(_get(base + "/api/v1/clinics?near=60614&radius=50&per_page=3"))
    slugs = [item["slug"] for item in data["results"]]
    if len(slugs) < 2:
        sys.exit("The example data has fewer than two clinics near 60614 to compare.")
    return slugs


def _audit(url: str, report: Path) -> dict[str, int]:
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    subprocess.run(command, env=env, check=True)  # noqa: S603 - fixed arguments
    result = json.loads(report.read_text())
    return {name: round((result["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def _failing(report: Path) -> list[str]:
    """The audits in the four categories that did not pass, for the notes under the table."""
    result = json.loads(report.read_text())
    ids = {ref["id"] for name in CATEGORIES for ref in result["categories"][name]["auditRefs"]}
    notes = []
    for audit_id in sorted(ids):
        audit = result["audits"][audit_id]
        if audit.get("score") is not None and audit["score"] < 1:
            if audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"):
                notes.append(f"{audit_id}: {audit.get('displayValue') or audit['title']}")
    return notes


def main() -> int:
    """Seed a throwaway database, serve it, audit every page, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clinics", type=int, default=300, help="example clinics to create")
    parser.add_argument("--reports", default=str(ROOT / "artifacts" / "audit"))
    parser.add_argument(
        "--pages", default="", help="comma-separated page names to audit (default: all)"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="runs per page; the median of each score is printed (performance varies with load)",
    )
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `make audit` (npm ci in tools/audit).")
    reports = Path(args.reports)
    reports.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="directory-audit-"))
    env = dict(
        os.environ,
        DIRECTORY_DEPLOYMENT="development",
        DATABASE_URL=f"sqlite:///{workdir / 'audit.sqlite3'}",
        DIRECTORY_PUBLIC_BASE_URL=base,
    )
    flask = [str(BIN / "flask"), "--app", "directory"]
    print("== Seeding a throwaway database with the seed and example clinics", flush=True)
    subprocess.run([*flask, "seed"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*flask, "demo-data", "--clinics", str(args.clinics)],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    server = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
        + ["--log-level", "warning", "directory.wsgi:app"],
        env=env,
        cwd=ROOT,
    )
    rows: list[tuple[str, dict[str, int]]] = []
    notes: dict[str, list[str]] = {}
    try:
        _wait_until_up(base + "/", server)
        slugs = _clinic_slugs(base)
        values = {"clinic": slugs[0], "clinics": ",".join(slugs)}
        for lang, query in LANGUAGES.items():
            if not _serves_language(base, lang, query):
                print(f"== Skipping {lang}: the site does not serve it yet", flush=True)
                continue
            chosen = set(filter(None, args.pages.split(",")))
            for name, path in PAGES:
                if chosen and name not in chosen:
                    continue
                label = f"{name} ({lang})"
                url = base + _with_language(path.format(**values), query)
                print(f"== Auditing {label}: {url}", flush=True)
                runs = []
                for run in range(max(1, args.runs)):
                    report = reports / f"{name}-{lang}-{run + 1}.json"
                    runs.append(_audit(url, report))
                    notes[label] = sorted(set(notes.get(label, [])) | set(_failing(report)))
                median = {c: round(statistics.median(r[c] for r in runs)) for c in CATEGORIES}
                rows.append((label, median))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"{'page':<16}" + "".join(f"{name:>16}" for name in CATEGORIES))
    for label, scores in rows:
        print(f"{label:<16}" + "".join(f"{scores[name]:>16}" for name in CATEGORIES))
    for label, failing in notes.items():
        for note in failing:
            print(f"  {label}: {note}")
    print(f"\nFull reports: {reports}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
