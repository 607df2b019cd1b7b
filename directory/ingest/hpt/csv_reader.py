"""The CSV layouts, tall and wide, read row by row.

Rows one and two hold the general data and its values; row three names the item
columns. A tall file has one row per item and payer (payer_name and plan_name
columns); a wide file one row per item with a group of columns per payer and plan.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO

from directory.ingest.hpt import codes
from directory.ingest.hpt.records import (
    ChargeRecord,
    FileHeader,
    HptFormatError,
    Item,
    ParsedFile,
    check_kept,
    clean_description,
    is_true,
    major_version,
    parse_date,
    split_list,
    text_or_none,
)

Opener = Callable[[], AbstractContextManager[IO[bytes]]]
# Real files carry long contract provisions in one cell; the csv default (128 kB) is too small.
csv.field_size_limit(16 * 1024 * 1024)
_PIPE = re.compile(r"\s*\|\s*")
ATTESTATION_PREFIX = "to the best of its knowledge"
# The columns holding an item's charges and, in a tall file, a payer's, by the name the
# charge readers give each value (records.Item).
ITEM_COLUMNS = {
    "gross": "standard_charge|gross",
    "cash": "standard_charge|discounted_cash",
    "minimum": "standard_charge|min",
    "maximum": "standard_charge|max",
}
TALL_PAYER_COLUMNS = {
    "payer": "payer_name",
    "plan": "plan_name",
    "dollar": "standard_charge|negotiated_dollar",
    "percentage": "standard_charge|negotiated_percentage",
    "algorithm": "standard_charge|negotiated_algorithm",
    "methodology": "standard_charge|methodology",
    "median": "median_amount",
    "p10": "10th_percentile",
    "p90": "90th_percentile",
    "count": "count",
    "estimated": "estimated_amount",
}
# In a wide file, the columns of each payer and plan, by the same names.
WIDE_FIELDS = {
    "negotiated_dollar": "dollar",
    "negotiated_percentage": "percentage",
    "negotiated_algorithm": "algorithm",
    "methodology": "methodology",
}
WIDE_PREFIXED = {
    "median_amount": "median",
    "10th_percentile": "p10",
    "90th_percentile": "p90",
    "count": "count",
    "estimated_amount": "estimated",
    "additional_payer_notes": "notes",
}


def _key(header: str) -> str:
    """A column name with the spaces around "|" removed, as the examples vary."""
    return _PIPE.sub("|", header.strip().lstrip("\ufeff"))


def _rows(stream: IO[bytes]) -> Iterator[list[str]]:
    # Many real files are not valid UTF-8 (Windows-1252 descriptions): replace, do not fail.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    return csv.reader(text)


def _header(keys: list[str], values: list[str]) -> FileHeader:
    data: dict[str, str] = {}
    licence_state = None
    attestation, confirmed = "", False
    for raw_key, value in zip(keys, values, strict=False):
        key = _key(raw_key)
        lower = key.lower()
        if lower.startswith("license_number"):
            parts = key.split("|")
            licence_state = parts[1].strip().upper()[:2] if len(parts) > 1 else None
            data["license_number"] = value
        elif lower.startswith(ATTESTATION_PREFIX):
            attestation, confirmed = raw_key.strip(), is_true(value)
        elif lower:
            data[lower] = value
    for required in ("hospital_name", "last_updated_on", "version"):
        if not (data.get(required) or "").strip():
            raise HptFormatError(
                f"line 1-2: {required} is missing: this is not a CMS price file "
                "(the first row names the general data, the second gives its values)."
            )
    major_version(data["version"], "line 2")
    locations = split_list(data.get("location_name") or data.get("hospital_location"))
    if not locations:
        raise HptFormatError("line 2: location_name (hospital_location in v2) is empty.")
    return FileHeader(
        hospital_name=data["hospital_name"].strip()[:200],
        last_updated_on=parse_date(data["last_updated_on"], "line 2"),
        version=data["version"].strip()[:20],
        location_names=locations,
        addresses=split_list(data.get("hospital_address")),
        licence_state=licence_state,
        licence_number=text_or_none(data.get("license_number"), 60),
        npis=split_list(data.get("type_2_npi")),
        attestation=attestation[:4000],
        attestation_confirmed=confirmed,
        attester_name=text_or_none(data.get("attester_name"), 200),
    )


@dataclass
class _Layout:
    """Where each piece of an item sits in a row."""

    width: int
    description: int
    setting: int
    code_columns: list[tuple[int, int]]
    fixed: dict[str, int]
    tall: bool
    payers: list[tuple[str, str, dict[str, int]]]

    def get(self, row: list[str], name: str) -> str | None:
        """A fixed column's value, or None when the file has no such column."""
        i = self.fixed.get(name)
        return row[i] if i is not None else None


def _layout(columns: list[str]) -> _Layout:
    keys = [_key(c) for c in columns]
    lower = [k.lower() for k in keys]
    index = {k: i for i, k in enumerate(lower)}
    for required in ("description", "setting"):
        if required not in index:
            raise HptFormatError(f"line 3: the column {required!r} is missing.")
    code_columns = []
    n = 1
    while f"code|{n}" in index:
        code_columns.append((index[f"code|{n}"], index.get(f"code|{n}|type", -1)))
        n += 1
    if not code_columns:
        raise HptFormatError("line 3: no code|1 column: item codes cannot be read.")
    tall = "payer_name" in index
    payers: dict[tuple[str, str], dict[str, int]] = {}
    if not tall:
        for i, key in enumerate(keys):
            parts = key.split("|")
            first = parts[0].lower()
            if first == "standard_charge" and len(parts) == 4 and parts[3].lower() in WIDE_FIELDS:
                slot = WIDE_FIELDS[parts[3].lower()]
            elif first in WIDE_PREFIXED and len(parts) == 3:
                slot = WIDE_PREFIXED[first]
            else:
                continue
            payer = (parts[1].replace("_", " ").strip(), parts[2].replace("_", " ").strip())
            payers.setdefault(payer, {})[slot] = i
    fixed_names = (
        *ITEM_COLUMNS.values(),
        "modifiers",
        "drug_unit_of_measurement",
        "drug_type_of_measurement",
        "additional_generic_notes",
        *TALL_PAYER_COLUMNS.values(),
        "additional_payer_notes",
    )
    return _Layout(
        width=len(keys),
        description=index["description"],
        setting=index["setting"],
        code_columns=code_columns,
        fixed={name: index[name] for name in fixed_names if name in index},
        tall=tall,
        payers=[(p, q, slots) for (p, q), slots in payers.items()],
    )


def read(open_stream: Opener) -> ParsedFile:
    """The header rows, then every item row; only kept codes become charges."""
    with open_stream() as stream:
        rows = _rows(stream)
        try:
            keys = next(rows, None)
            values = next(rows, None)
            if keys is None or values is None:
                raise HptFormatError("line 1-2: a CSV price file starts with two header rows.")
            header = _header(keys, values)
            columns = next(rows, None)
        except csv.Error as exc:
            raise HptFormatError(f"line {rows.line_num}: {exc}") from exc  # type: ignore[attr-defined]
        if columns is None:
            raise HptFormatError("line 3: the row naming the item columns is missing.")
        layout = _layout(columns)
        parsed = ParsedFile(header=header, file_format="csv-tall" if layout.tall else "csv-wide")
        kept: dict[ChargeRecord, None] = {}
        maybe_relevant = codes.maybe_relevant
        code_columns = layout.code_columns
        width = layout.width
        line = 3
        try:
            for row in rows:
                line = rows.line_num  # type: ignore[attr-defined]
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                parsed.items_seen += 1
                if len(row) < width:
                    row = row + [""] * (width - len(row))
                # The cheap test first: most rows of a large file are skipped here.
                for ci, ti in code_columns:
                    if maybe_relevant(row[ci], row[ti] if ti >= 0 else ""):
                        break
                else:
                    continue
                if len(row) > width and any(v.strip() for v in row[width:]):
                    raise HptFormatError(
                        f"line {line}: {len(row)} values but only {width} columns in row 3."
                    )
                records = _row(row, layout, f"line {line}")
                if records is not None:
                    parsed.items_kept += 1
                    kept.update(dict.fromkeys(records))
                    check_kept(len(kept), f"line {line}")
        except csv.Error as exc:
            raise HptFormatError(f"line {line + 1}: {exc}") from exc
    if parsed.items_seen == 0:
        raise HptFormatError("The CSV file lists no items after its header rows.")
    parsed.charges = list(kept)
    return parsed


def _row(row: list[str], layout: _Layout, where: str) -> list[ChargeRecord] | None:
    description = clean_description(row[layout.description])
    pairs = [(row[ci], row[ti] if ti >= 0 else "") for ci, ti in layout.code_columns]
    match = codes.select(pairs, description)
    if match is None:
        return None
    get = layout.get
    item = Item(
        match,
        description,
        row[layout.setting],
        modifiers=get(row, "modifiers"),
        drug_unit=get(row, "drug_unit_of_measurement"),
        drug_unit_type=get(row, "drug_type_of_measurement"),
    )
    values = {name: get(row, column) for name, column in ITEM_COLUMNS.items()}
    values["notes"] = None if layout.tall else get(row, "additional_generic_notes")
    out = item.charges(values, where)
    if layout.tall:
        values = {name: get(row, column) for name, column in TALL_PAYER_COLUMNS.items()}
        values["notes"] = get(row, "additional_generic_notes") or get(row, "additional_payer_notes")
        payers = [values]
    else:
        payers = [
            {"payer": payer, "plan": plan, **{slot: row[i] for slot, i in slots.items()}}
            for payer, plan, slots in layout.payers
        ]
    for payer_values in payers:
        record = item.payer_charge(payer_values, where)
        if record is not None:
            out.append(record)
    return out
