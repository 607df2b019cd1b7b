"""Recall and precision of the page extractor, per field, over the test pages."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from directory.ingest import extract, pages

PAGES = Path(__file__).parent / "pages"
FIELDS = (
    "name",
    "locations",
    "service_area_states",
    "phones",
    "vanity",
    "website",
    "email",
    "treatments",
    "conditions",
    "prices",
    "free_consultation",
    "payment_options",
    "languages",
)


def page_files() -> list[Path]:
    """Every test page that has an expected-facts file."""
    return sorted(
        p for p in PAGES.iterdir() if p.suffix in (".html", ".txt") and expected_path(p).exists()
    )


def expected_path(page: Path) -> Path:
    """The expected-facts file beside a page."""
    return page.with_suffix(".expected.json")


def read_page(path: Path) -> pages.Page:
    """A test page as the extractor sees it."""
    raw = path.read_text(encoding="utf-8")
    return pages.from_html(raw) if path.suffix == ".html" else pages.from_text(raw)


def _text(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def facts(data: dict[str, Any]) -> dict[str, set[tuple[Any, ...]]]:
    """A candidate (or an expected file) as comparable facts, one set per field."""

    def value(key: str) -> Any:
        item = data.get(key)
        return item.get("value") if isinstance(item, dict) else item

    def listed(key: str) -> list[Any]:
        return [v.get("value", v.get("slug")) if isinstance(v, dict) else v for v in data[key]]

    keys = ("address_1", "address_2", "city", "state", "postal_code")
    return {
        "name": {(_text(value("name")),)} if value("name") else set(),
        "locations": {tuple(_text(loc.get(k)) for k in keys) for loc in data["locations"]},
        "service_area_states": {(s,) for s in data["service_area_states"]},
        "phones": {(p["e164"], p["kind"]) for p in data["phones"]},
        "vanity": {(p["e164"], p["vanity"]) for p in data["phones"] if p.get("vanity")},
        "website": {(_text(value("website")),)} if value("website") else set(),
        "email": {(_text(value("email")),)} if value("email") else set(),
        "treatments": {(s,) for s in listed("treatments")},
        "conditions": {(s,) for s in listed("conditions")},
        "prices": {
            (p["treatment"], p["amount_cents"], p["unit"], p["sessions_included"])
            for p in data["prices"]
        },
        "free_consultation": {(True,)} if value("free_consultation") else set(),
        "payment_options": {(v,) for v in listed("payment_options")},
        "languages": {(v,) for v in listed("languages")},
    }


def score() -> tuple[dict[str, Counter[str]], list[str], list[str]]:
    """Counts per field (true/false positives, misses), what was wrong, and page verdicts."""
    counts: dict[str, Counter[str]] = {f: Counter() for f in FIELDS}
    mistakes: list[str] = []
    verdicts: list[str] = []
    for path in page_files():
        expected = json.loads(expected_path(path).read_text(encoding="utf-8"))
        try:
            found = extract.extract(read_page(path)).as_json()
        except extract.NotAClinicPage:
            ok = expected.get("not_a_clinic", False)
            verdicts.append(f"{path.name}: not a clinic ({'right' if ok else 'WRONG'})")
            if not ok:
                mistakes.append(f"{path.name}: refused as not a clinic")
            continue
        if expected.get("not_a_clinic"):
            verdicts.append(f"{path.name}: taken for a clinic (WRONG)")
            mistakes.append(f"{path.name}: should have been refused as not a clinic")
            continue
        verdicts.append(f"{path.name}: clinic (right)")
        want, got = facts(expected), facts(found)
        for field in FIELDS:
            counts[field]["tp"] += len(want[field] & got[field])
            counts[field]["fp"] += len(got[field] - want[field])
            counts[field]["fn"] += len(want[field] - got[field])
            for extra in sorted(got[field] - want[field], key=repr):
                mistakes.append(f"{path.name}: {field}: extra {extra}")
            for missed in sorted(want[field] - got[field], key=repr):
                mistakes.append(f"{path.name}: {field}: missed {missed}")
    return counts, mistakes, verdicts


def ratio(numerator: int, denominator: int) -> float:
    """A share, 1.0 when there is nothing to count."""
    return numerator / denominator if denominator else 1.0


def table(counts: dict[str, Counter[str]]) -> str:
    """Recall and precision per field as a plain-text table."""
    rows = [
        f"{'field':<20} {'expected':>8} {'found':>6} {'right':>6} {'recall':>7} {'precision':>9}"
    ]
    for field, c in counts.items():
        rows.append(
            f"{field:<20} {c['tp'] + c['fn']:>8} {c['tp'] + c['fp']:>6} {c['tp']:>6} "
            f"{ratio(c['tp'], c['tp'] + c['fn']):>7.2f} {ratio(c['tp'], c['tp'] + c['fp']):>9.2f}"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    counts, mistakes, verdicts = score()
    print("\n".join(verdicts))
    print(table(counts))
    print("\n".join(mistakes))
