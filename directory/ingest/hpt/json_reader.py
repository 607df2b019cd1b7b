"""The JSON layout, read incrementally with ijson: one item in memory at a time."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import IO, Any

import ijson

from directory.ingest.hpt import codes
from directory.ingest.hpt import records as rec

ITEMS = "standard_charge_information"
HEADER_KEYS = frozenset(
    {
        "hospital_name",
        "last_updated_on",
        "version",
        "location_name",
        "hospital_location",
        "hospital_address",
        "license_information",
        "type_2_npi",
        "attestation",
        "affirmation",
    }
)
# Once these are read, the header is complete enough to stop at the item array.
ENOUGH = frozenset({"hospital_name", "last_updated_on", "version", "license_information"})

# The keys holding a standard charge's amounts and a payer's rate, by the name the charge
# readers give each value (records.Item).
ITEM_KEYS = {
    "gross": "gross_charge",
    "cash": "discounted_cash",
    "minimum": "minimum",
    "maximum": "maximum",
    "notes": "additional_generic_notes",
}
PAYER_KEYS = {
    "payer": "payer_name",
    "plan": "plan_name",
    "dollar": "standard_charge_dollar",
    "percentage": "standard_charge_percentage",
    "algorithm": "standard_charge_algorithm",
    "methodology": "methodology",
    "median": "median_amount",
    "p10": "10th_percentile",
    "p90": "90th_percentile",
    "estimated": "estimated_amount",
    "count": "count",
    "notes": "additional_payer_notes",
}
Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def _json_error(exc: Exception, path: str) -> rec.HptFormatError:
    return rec.HptFormatError(f"Malformed JSON at {path}: {str(exc).splitlines()[0][:200]}")


def read_header(open_stream: Opener) -> rec.FileHeader:
    """The general data, usually before the items; read to the end only when it is not."""
    builders: dict[str, ijson.ObjectBuilder] = {}
    last_path = "$"
    with open_stream() as stream:
        try:
            events = ijson.parse(stream)
            first = next(events, None)
            if first is None or first[1] != "start_map":
                raise rec.HptFormatError(
                    "The JSON file is not an object with the CMS template's fields."
                )
            for prefix, event, value in events:
                if prefix == "":
                    if event == "map_key":
                        last_path = f"$.{value}"
                        if value == ITEMS and ENOUGH <= builders.keys():
                            break
                    continue
                if prefix.startswith(ITEMS):
                    continue
                top = prefix.split(".", 1)[0]
                if top in HEADER_KEYS:
                    builder = builders.get(top)
                    if builder is None:
                        builder = builders[top] = ijson.ObjectBuilder()
                    builder.event(event, value)
        except ijson.JSONError as exc:
            raise _json_error(exc, last_path) from exc
    return _header({k: b.value for k, b in builders.items()})


def _strings(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise rec.HptFormatError(f"$.{key} must be a list of strings.")
    return [v.strip() for v in value if v.strip()]


def _header(data: dict[str, Any]) -> rec.FileHeader:
    for key in ("hospital_name", "last_updated_on", "version"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise rec.HptFormatError(f"$.{key} is missing: this is not a CMS price file.")
    major = rec.major_version(data["version"], "$.version")
    location_key = "location_name" if "location_name" in data else "hospital_location"
    if location_key not in data:
        raise rec.HptFormatError(
            "$.location_name is missing" if major == "3" else "$.hospital_location is missing"
        )
    licence = data.get("license_information") or {}
    if not isinstance(licence, dict):
        raise rec.HptFormatError("$.license_information must be an object.")
    attest = data.get("attestation") or data.get("affirmation") or {}
    if not isinstance(attest, dict):
        raise rec.HptFormatError("$.attestation must be an object.")
    return rec.FileHeader(
        hospital_name=data["hospital_name"].strip()[:200],
        last_updated_on=rec.parse_date(data["last_updated_on"], "$.last_updated_on"),
        version=data["version"].strip()[:20],
        location_names=_strings(data, location_key),
        addresses=_strings(data, "hospital_address") if "hospital_address" in data else [],
        licence_state=rec.text_or_none(licence.get("state"), 2),
        licence_number=rec.text_or_none(licence.get("license_number"), 60),
        npis=_strings(data, "type_2_npi") if "type_2_npi" in data else [],
        attestation=str(attest.get("attestation") or attest.get("affirmation") or "")[:4000],
        attestation_confirmed=rec.is_true(
            attest.get("confirm_attestation", attest.get("confirm_affirmation"))
        ),
        attester_name=rec.text_or_none(attest.get("attester_name"), 200),
    )


def read(open_stream: Opener) -> rec.ParsedFile:
    """Header, then every item; only the items with kept codes become charges."""
    header = read_header(open_stream)
    parsed = rec.ParsedFile(header=header, file_format="json")
    kept: dict[rec.ChargeRecord, None] = {}
    index = 0
    with open_stream() as stream:
        try:
            # Floats parse faster than Decimals; amounts go back through their text to cents.
            items = ijson.items(stream, f"{ITEMS}.item", use_float=True)
            for index, item in enumerate(items):  # noqa: B007
                parsed.items_seen += 1
                if _plainly_irrelevant(item):
                    continue
                records = _item(item, f"$.{ITEMS}[{index}]")
                if records is not None:
                    parsed.items_kept += 1
                    kept.update(dict.fromkeys(records))
                    rec.check_kept(len(kept), f"$.{ITEMS}[{index}]")
        except ijson.JSONError as exc:
            at = parsed.items_seen
            raise _json_error(exc, f"$.{ITEMS}[{at}]" if at else "$") from exc
    if parsed.items_seen == 0:
        raise rec.HptFormatError(f"$.{ITEMS} is missing or empty: the file lists no charges.")
    parsed.charges = list(kept)
    return parsed


def _plainly_irrelevant(item: Any) -> bool:
    """The cheap test run on every item: well-formed codes, none of them kept."""
    code_info = item.get("code_information") if isinstance(item, dict) else None
    if not isinstance(code_info, list):
        return False  # malformed: the full reading says where
    for ci in code_info:
        if not isinstance(ci, dict):
            return False
        code, code_type = ci.get("code"), ci.get("type")
        if not isinstance(code, str) or not isinstance(code_type, str):
            return False
        if codes.maybe_relevant(code, code_type):
            return False
    return True


def _item(item: Any, where: str) -> list[rec.ChargeRecord] | None:
    """The charges of one item if its codes are kept, else None."""
    if not isinstance(item, dict):
        raise rec.HptFormatError(f"{where} must be an object.")
    code_info = item.get("code_information")
    if not isinstance(code_info, list):
        raise rec.HptFormatError(f"{where}.code_information must be a list.")
    pairs = []
    for n, ci in enumerate(code_info):
        if not isinstance(ci, dict):
            raise rec.HptFormatError(f"{where}.code_information[{n}] must be an object.")
        pairs.append((str(ci.get("code") or ""), str(ci.get("type") or "")))
    description = rec.clean_description(item.get("description"))
    match = codes.select(pairs, description)
    if match is None:
        return None
    charges = item.get("standard_charges")
    if not isinstance(charges, list):
        raise rec.HptFormatError(f"{where}.standard_charges must be a list.")
    drug = item.get("drug_information") or {}
    if not isinstance(drug, dict):
        raise rec.HptFormatError(f"{where}.drug_information must be an object.")
    out: list[rec.ChargeRecord] = []
    for n, sc in enumerate(charges):
        at = f"{where}.standard_charges[{n}]"
        if not isinstance(sc, dict):
            raise rec.HptFormatError(f"{at} must be an object.")
        modifiers = sc.get("modifier_code")
        item = rec.Item(
            match,
            description,
            str(sc.get("setting") or ""),
            modifiers="|".join(map(str, modifiers)) if isinstance(modifiers, list) else None,
            drug_unit=drug.get("unit"),
            drug_unit_type=drug.get("type"),
        )
        out += item.charges({name: sc.get(key) for name, key in ITEM_KEYS.items()}, at)
        payers = sc.get("payers_information") or []
        if not isinstance(payers, list):
            raise rec.HptFormatError(f"{at}.payers_information must be a list.")
        for m, payer in enumerate(payers):
            pat = f"{at}.payers_information[{m}]"
            if not isinstance(payer, dict):
                raise rec.HptFormatError(f"{pat} must be an object.")
            values = {name: payer.get(key) for name, key in PAYER_KEYS.items()}
            record = item.payer_charge(values, pat)
            if record is not None:
                out.append(record)
    return out
