"""CSV downloads of search results and of the prices behind a summary."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from flask import Response

from directory.formatting import plain_dollars
from directory.models import Price
from directory.search.query import SearchResult

# A cell that a spreadsheet could read as a formula is prefixed with an apostrophe, so a
# listing's text can never run as one when the file is opened (CSV injection). Some
# spreadsheets split cells again on ";" or "," when importing, so a formula character
# after such a separator counts as well as one at the start.
_FORMULA = re.compile(r"(?:^|[;,\t\r\n|])\s*[=+\-@\t\r]")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _safe(value: object) -> object:
    if isinstance(value, str) and not _NUMBER.fullmatch(value) and _FORMULA.search(value):
        return "'" + value
    return value


def csv_response(rows: Iterable[list[object]], filename: str) -> Response:
    """A CSV attachment from a header row and data rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def search_rows(result: SearchResult, base_url: str) -> list[list[object]]:
    """One row per clinic found, in the order shown."""
    rows: list[list[object]] = [
        [
            "name",
            "slug",
            "example_data",
            "kind",
            "address",
            "city",
            "state",
            "postal_code",
            "distance_miles",
            "phone",
            "website",
            "treatments",
            "lowest_session_price_usd",
            "free_consultation",
            "accepts_insurance",
            "last_verified",
            "url",
            "payment_options",
            "languages",
            "accepting_new_patients",
        ]
    ]
    for hit in [*result.hits, *result.nearby, *result.remote]:
        c, loc = hit.clinic, hit.location
        address = ", ".join(x for x in (loc.address_1, loc.address_2) if x) if loc else ""
        rows.append(
            [
                c.display_name,
                c.slug,
                "yes" if c.is_example else "no",
                "telehealth program" if c.is_remote_program else "clinic",
                address,
                (loc.city or loc.metro or "") if loc else "",
                loc.state if loc else "",
                (loc.postal_code or "") if loc else "",
                "" if hit.known_distance is None else f"{hit.known_distance:.1f}",
                c.phones[0].display if c.phones else "",
                c.website or "",
                "; ".join(t.name for t in c.treatments),
                plain_dollars(hit.lowest_session_cents),
                _yes_no(c.free_consultation),
                _yes_no(c.accepts_insurance),
                c.last_verified_on.isoformat() if c.last_verified_on else "",
                f"{base_url}/clinics/{c.slug}",
                "; ".join(c.payment_codes),
                "; ".join(c.language_codes),
                _yes_no(c.accepting_new_patients),
            ]
        )
    return rows


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def price_rows(prices: list[Price], base_url: str) -> list[list[object]]:
    """One row per published price."""
    rows: list[list[object]] = [
        [
            "clinic",
            "slug",
            "example_data",
            "treatment",
            "unit",
            "amount_usd",
            "sessions_included",
            "insurance_accepted",
            "as_of",
            "source_url",
            "url",
        ]
    ]
    for p in sorted(prices, key=lambda p: (p.clinic.name or "", p.treatment.position, p.id)):
        rows.append(
            [
                p.clinic.display_name,
                p.clinic.slug,
                "yes" if p.clinic.is_example else "no",
                p.treatment.name,
                p.unit.value,
                plain_dollars(p.amount_cents),
                p.sessions_included or "",
                "yes" if p.insurance_accepted else "no",
                p.as_of.isoformat() if p.as_of else "",
                p.source_url or "",
                f"{base_url}/clinics/{p.clinic.slug}",
            ]
        )
    return rows
