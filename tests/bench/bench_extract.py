"""Benchmark of extract-page on a generated 1 MB clinic page (target: under 1 s).

Builds a fictional clinic page of about 1 MB (a price table, an address, phones and a
long run of article paragraphs with market sentences, faxes and headings), then times
the extractor in process (median of five runs) and the whole `flask extract-page --json`
command once, start-up included. It prints the figures and asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from directory.ingest import extract, pages  # noqa: E402

TARGET_BYTES = 1_000_000
HEAD = """<!doctype html><html><head><title>Example Valley Ketamine Clinic</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"MedicalClinic",
"name":"Example Valley Ketamine Clinic","telephone":"+1-555-555-0100"}</script></head><body>
<nav><a href="/">Home</a> Call (312) 555-0101</nav><h1>Example Valley Ketamine Clinic</h1>
<table><tr><td>Initial consultation</td><td>Free</td></tr>
<tr><td>Single IV ketamine infusion</td><td>$450 per infusion</td></tr>
<tr><td>Six-infusion series</td><td>$2,400</td></tr></table>
<p>Example Valley Ketamine Clinic<br>100 Example Ave, Suite 200<br>Chicago, IL 60601</p>
<p>Phone: (312) 555-0142. Fax: (312) 555-0199. Email info@example.com</p>
"""
PARAGRAPH = """<h2>Notes on care, part {n}</h2>
<p>Across the country, ketamine infusions usually cost $400 to $2,000 per session, and
research on treatment-resistant depression, anxiety and PTSD continues. Our team offers
<b>ketamine infusions</b> &amp; Spravato&trade; in a calm setting; patients with chronic pain
ask about longer sessions. Visit 1{n:04d} Sample Road, Evanston, IL 60201 or read the
study published in {year}, which followed {m} patients for six weeks.</p>
<ul><li>Item {n} about integration therapy</li><li>Another note, {m} of them</li></ul>
"""


def page_html() -> str:
    """A fictional clinic page of about 1 MB."""
    parts = [HEAD]
    size, n = len(HEAD), 0
    while size < TARGET_BYTES:
        block = PARAGRAPH.format(n=n, m=n * 7 % 500, year=1990 + n % 35)
        parts.append(block)
        size += len(block)
        n += 1
    parts.append("</body></html>")
    return "".join(parts)


def main() -> None:
    """Print the size and the times."""
    html = page_html()
    runs, cpu, parse = [], [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        page = pages.from_html(html)
        parsed = time.perf_counter()
        candidate = extract.extract(page)
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        parse.append(parsed - start)
    print(
        f"page: {len(html.encode()) / 1e6:.2f} MB, {len(candidate.phones)} phones, "
        f"{len(candidate.locations)} locations, {len(candidate.prices)} prices, "
        f"{len(candidate.warnings)} warnings"
    )
    print(
        f"extract (parse + extract), median of 5: {statistics.median(runs):.3f} s "
        f"(min {min(runs):.3f} s, max {max(runs):.3f} s; target < 1 s)"
    )
    print(
        f"  of which HTML to text and structured data: {statistics.median(parse):.3f} s; "
        f"CPU time: {statistics.median(cpu):.3f} s (wall time grows on a busy machine)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clinic.html"
        path.write_text(html, encoding="utf-8")
        env = {**os.environ, "DIRECTORY_DEPLOYMENT": "development"}
        start = time.perf_counter()
        result = subprocess.run(  # noqa: S603 - the site's own CLI with fixed arguments
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "directory",
                "extract-page",
                str(path),
                "--json",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
    status = "ok" if result.returncode == 0 else f"exit {result.returncode}"
    print(f"flask extract-page --json, whole command with start-up: {elapsed:.3f} s ({status})")


if __name__ == "__main__":
    main()
