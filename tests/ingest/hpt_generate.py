"""Generated price files of any size in every layout, for the large-file test and the benchmark.

Every `relevant_every`-th item carries a code the directory keeps; the rest are
ordinary hospital items that must be skipped. Fictional hospital, example payers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LAYOUTS = ("json-v3", "json-v2", "csv-tall-v3", "csv-wide-v3", "csv-tall-v2", "csv-wide-v2")
PAYERS = [(f"Example Payer {n}", f"Plan {n}") for n in range(1, 6)]
RELEVANT = [
    ("G2082", "HCPCS", "Esketamine nasal self-admin up to 56 mg"),
    ("96365", "CPT", "IV infusion, first hour"),
    ("90791", "CPT", "Psychiatric diagnostic evaluation"),
    ("J3490", "HCPCS", "KETAMINE HCL 10 MG INJ"),
]
ATTESTATION = (
    "To the best of its knowledge and belief, this hospital has included all applicable "
    "standard charge information in accordance with the requirements of 45 CFR 180.50."
)


@dataclass
class Generated:
    """What was written: item and relevant-item counts, and the size."""

    items: int = 0
    relevant: int = 0
    bytes: int = 0


def _item(n: int, relevant_every: int) -> tuple[str, str, str, bool]:
    if n % relevant_every == 0:
        code, kind, text = RELEVANT[(n // relevant_every) % len(RELEVANT)]
        return code, kind, text, True
    return str(10000 + n % 60000), "CPT", f"Procedure number {n} with a longer description", False


def _header_v3(last_updated: str) -> dict[str, object]:
    return {
        "hospital_name": "Example Benchmark Hospital",
        "last_updated_on": last_updated,
        "version": "3.0.0",
        "location_name": ["Example Benchmark Hospital"],
        "hospital_address": ["1 Example Way, Farmington, MI 48336"],
        "license_information": {"state": "MI", "license_number": "EX-9999"},
        "type_2_npi": ["0000000999"],
        "attestation": {
            "attestation": ATTESTATION,
            "confirm_attestation": True,
            "attester_name": "Example Attester",
        },
    }


def _header_v2(last_updated: str) -> dict[str, object]:
    header = _header_v3(last_updated)
    header["version"] = "2.2.0"
    header["hospital_location"] = header.pop("location_name")
    header.pop("type_2_npi")
    header["affirmation"] = {"affirmation": ATTESTATION, "confirm_affirmation": True}
    header.pop("attestation")
    return header


def _json(out: IO[str], target: int, v3: bool, every: int, last_updated: str) -> Generated:
    header = _header_v3(last_updated) if v3 else _header_v2(last_updated)
    text = json.dumps(header)[:-1] + ', "standard_charge_information": [\n'
    out.write(text)
    done = Generated(bytes=len(text))
    n = 0
    while done.bytes < target:
        n += 1
        code, kind, desc, relevant = _item(n, every)
        base = 100 + n % 900
        payers = []
        for i, (payer, plan) in enumerate(PAYERS):
            entry: dict[str, object] = {
                "payer_name": payer,
                "plan_name": plan,
                "methodology": "fee schedule",
                "standard_charge_dollar": base + i,
            }
            if v3 and i == 0:
                entry.update(
                    {
                        "median_amount": base,
                        "10th_percentile": base - 5,
                        "90th_percentile": base + 5,
                        "count": "11",
                    }
                )
            payers.append(entry)
        item = {
            "description": desc,
            "code_information": [{"code": str(n), "type": "CDM"}, {"code": code, "type": kind}],
            "standard_charges": [
                {
                    "setting": "outpatient",
                    "gross_charge": base * 2,
                    "discounted_cash": base * 1.5,
                    "minimum": base,
                    "maximum": base + 4,
                    "payers_information": payers,
                }
            ],
        }
        line = ("" if n == 1 else ",\n") + json.dumps(item)
        out.write(line)
        done.bytes += len(line)
        done.items += 1
        done.relevant += relevant
    out.write("\n]}\n")
    return done


def _csv_general(v3: bool, last_updated: str) -> str:
    if v3:
        return (
            "hospital_name,last_updated_on,version,location_name,hospital_address,"
            f'license_number|MI,type_2_npi,"{ATTESTATION}",attester_name\n'
            f"Example Benchmark Hospital,{last_updated},3.0.0,Example Benchmark Hospital,"
            '"1 Example Way, Farmington, MI 48336",EX-9999,0000000999,true,Example Attester\n'
        )
    return (
        "hospital_name,last_updated_on,version,hospital_location,hospital_address,"
        f'license_number|MI,"{ATTESTATION}"\n'
        f"Example Benchmark Hospital,{last_updated},2.2.0,Example Benchmark Hospital,"
        '"1 Example Way, Farmington, MI 48336",EX-9999,true\n'
    )


def _csv_tall(out: IO[str], target: int, v3: bool, every: int, last_updated: str) -> Generated:
    extra = "median_amount,10th_percentile,90th_percentile,count" if v3 else "estimated_amount"
    text = _csv_general(v3, last_updated) + (
        "description,code|1,code|1|type,code|2,code|2|type,modifiers,setting,"
        "drug_unit_of_measurement,drug_type_of_measurement,standard_charge|gross,"
        "standard_charge|discounted_cash,payer_name,plan_name,standard_charge|negotiated_dollar,"
        f"standard_charge|negotiated_percentage,standard_charge|negotiated_algorithm,{extra},"
        "standard_charge|min,standard_charge|max,standard_charge|methodology,"
        "additional_generic_notes\n"
    )
    out.write(text)
    done = Generated(bytes=len(text))
    n = 0
    while done.bytes < target:
        n += 1
        code, kind, desc, relevant = _item(n, every)
        base = 100 + n % 900
        rows = []
        for i, (payer, plan) in enumerate(PAYERS):
            stats = f"{base},{base - 5},{base + 5},11" if v3 else f"{base}"
            rows.append(
                f'"{desc}",{n},CDM,{code},{kind},,outpatient,,,{base * 2},{base * 1.5},{payer},'
                f"{plan},{base + i},,,{stats},{base},{base + 4},fee schedule,\n"
            )
        chunk = "".join(rows)
        out.write(chunk)
        done.bytes += len(chunk)
        done.items += len(rows)
        done.relevant += relevant * len(rows)
    return done


def _csv_wide(out: IO[str], target: int, v3: bool, every: int, last_updated: str) -> Generated:
    columns = []
    for payer, plan in PAYERS:
        p = f"{payer}|{plan}"
        columns += [
            f"standard_charge|{p}|negotiated_dollar",
            f"standard_charge|{p}|negotiated_percentage",
            f"standard_charge|{p}|negotiated_algorithm",
        ]
        columns += (
            [f"median_amount|{p}", f"10th_percentile|{p}", f"90th_percentile|{p}", f"count|{p}"]
            if v3
            else [f"estimated_amount|{p}"]
        )
        columns += [f"standard_charge|{p}|methodology", f"additional_payer_notes|{p}"]
    text = _csv_general(v3, last_updated) + (
        "description,code|1,code|1|type,code|2,code|2|type,modifiers,setting,"
        "drug_unit_of_measurement,drug_type_of_measurement,standard_charge|gross,"
        "standard_charge|discounted_cash,"
        + ",".join(columns)
        + ",standard_charge|min,standard_charge|max,additional_generic_notes\n"
    )
    out.write(text)
    done = Generated(bytes=len(text))
    n = 0
    while done.bytes < target:
        n += 1
        code, kind, desc, relevant = _item(n, every)
        base = 100 + n % 900
        cells = []
        for i in range(len(PAYERS)):
            stats = [str(base), str(base - 5), str(base + 5), "11"] if v3 else [str(base)]
            cells += [str(base + i), "", "", *stats, "fee schedule", ""]
        line = (
            f'"{desc}",{n},CDM,{code},{kind},,outpatient,,,{base * 2},{base * 1.5},'
            + ",".join(cells)
            + f",{base},{base + 4},\n"
        )
        out.write(line)
        done.bytes += len(line)
        done.items += 1
        done.relevant += relevant
    return done


def write_price_file(
    path: Path,
    layout: str,
    target_bytes: int,
    relevant_every: int = 1000,
    last_updated: str = "2026-01-15",
) -> Generated:
    """Write a file of about target_bytes in the given layout; returns what it holds."""
    writer = {
        "json-v3": lambda o: _json(o, target_bytes, True, relevant_every, last_updated),
        "json-v2": lambda o: _json(o, target_bytes, False, relevant_every, last_updated),
        "csv-tall-v3": lambda o: _csv_tall(o, target_bytes, True, relevant_every, last_updated),
        "csv-tall-v2": lambda o: _csv_tall(o, target_bytes, False, relevant_every, last_updated),
        "csv-wide-v3": lambda o: _csv_wide(o, target_bytes, True, relevant_every, last_updated),
        "csv-wide-v2": lambda o: _csv_wide(o, target_bytes, False, relevant_every, last_updated),
    }[layout]
    with path.open("w", encoding="utf-8", newline="") as out:
        return writer(out)
