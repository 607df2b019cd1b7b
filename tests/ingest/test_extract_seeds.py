"""The extractor against the five seed documents and the facts typed by hand from them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from directory.ingest import extract, pages

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
CLINICS = tomllib.loads((SEEDS / "clinics.toml").read_text(encoding="utf-8"))["clinic"]

# What the extractor finds beyond seeds/clinics.toml, for a person to judge. Each is a
# condition the page names in a sentence about treatment; the hand-typed file kept to the
# conditions each clinic plainly offers, so these are judged as page mentions, not offers.
EXTRAS: dict[str, set[tuple[str, str]]] = {
    "000_ae40677ab993d68a.txt": {("conditions", "treatment-resistant-depression")},
    "001_0ffca1ba7a81b6e2.txt": set(),
    "002_707eb04bd652e5f4.txt": set(),
    # Conditions named in the page's "Ketamine in the News" headlines.
    "003_fbc5f75786c1f9dd.txt": {
        ("conditions", "treatment-resistant-depression"),
        ("conditions", "ptsd"),
        ("conditions", "suicidal-ideation"),
    },
    # "alleviate the symptoms of depression, anxiety, PTSD" and Spravato for TRD.
    "004_e2c3514c433ffe98.txt": {
        ("conditions", "treatment-resistant-depression"),
        ("conditions", "anxiety"),
        ("conditions", "ptsd"),
    },
}


def _extract(document: str) -> tuple[pages.Page, dict[str, Any]]:
    page = pages.from_text((SEEDS / "documents" / document).read_text(encoding="utf-8"))
    return page, extract.extract(page).as_json()


def _facts(data: dict[str, Any]) -> set[tuple[str, str]]:
    facts = {("treatments", t["slug"]) for t in data.get("treatments", [])}
    facts |= {("conditions", c["slug"]) for c in data.get("conditions", [])}
    facts |= {("phones", p["e164"]) for p in data.get("phones", [])}
    if data.get("name"):
        facts.add(("name", data["name"]["value"]))
    if data.get("free_consultation"):
        facts.add(("free_consultation", "true"))
    for loc in data.get("locations") or ([data["location"]] if data.get("location") else []):
        facts.add(("location", loc.get("address_1") or loc.get("metro") or ""))
    for key in ("website", "email"):
        if data.get(key):
            facts.add((key, data[key]["value"] if isinstance(data[key], dict) else data[key]))
    facts |= {("prices", p["treatment"]) for p in data.get("prices", [])}
    facts |= {("languages", v["value"]) for v in data.get("languages", [])}
    facts |= {("payment_options", v["value"]) for v in data.get("payment_options", [])}
    return facts


@pytest.mark.parametrize("clinic", CLINICS, ids=[c["document"] for c in CLINICS])
def test_the_extractor_finds_every_fact_the_seed_file_holds(clinic: dict[str, Any]) -> None:
    page, found = _extract(clinic["document"])

    if "name" in clinic:
        assert found["name"]["value"] == clinic["name"]["value"]
    else:
        assert found["name"] is None
        assert any("no clinic name" in w for w in found["warnings"])

    location = clinic.get("location")
    if location is None:
        assert found["locations"] == []
        assert any("no address" in w for w in found["warnings"])
    else:
        keys = ("address_1", "address_2", "city", "state", "postal_code", "metro")
        want = {k: location.get(k) for k in keys}
        assert want in [{k: loc.get(k) for k in keys} for loc in found["locations"]]

    phones = {p["e164"]: p for p in found["phones"]}
    for phone in clinic.get("phones", []):
        got = phones[phone["e164"]]
        assert got["display"] == phone["display"]
        assert got["kind"] == phone["kind"]
        assert got.get("vanity") == phone.get("vanity")

    assert {t["slug"] for t in clinic.get("treatments", [])} <= {
        t["slug"] for t in found["treatments"]
    }
    assert {c["slug"] for c in clinic.get("conditions", [])} <= {
        c["slug"] for c in found["conditions"]
    }
    if clinic.get("free_consultation"):
        assert found["free_consultation"]["value"] is True
    assert found["prices"] == []  # none of the seed pages publishes a price


def test_the_michigan_phone_is_found_in_both_its_forms() -> None:
    page, found = _extract("000_ae40677ab993d68a.txt")
    (phone,) = found["phones"]
    assert (phone["e164"], phone["display"], phone["vanity"]) == (
        "+18555382646",
        "(855) 538-2646",
        "(855) KETAMINE",
    )
    assert "(855) KETAMINE" in phone["vanity_quote"]
    assert "(855) 538-2646" in phone["quote"]


@pytest.mark.parametrize("document", sorted(EXTRAS))
def test_every_quote_is_in_the_document(document: str) -> None:
    page, found = _extract(document)
    quotes = [found["name"]["quote"]] if found["name"] else []
    for key in ("locations", "phones", "treatments", "conditions", "prices"):
        quotes += [item["quote"] for item in found[key]]
    quotes += [p["vanity_quote"] for p in found["phones"] if p.get("vanity_quote")]
    assert quotes
    for quote in quotes:
        assert page.shows(quote), quote


@pytest.mark.parametrize("clinic", CLINICS, ids=[c["document"] for c in CLINICS])
def test_what_the_extractor_finds_beyond_the_seed_file_is_listed(clinic: dict[str, Any]) -> None:
    _, found = _extract(clinic["document"])
    seed = dict(clinic)
    seed["location"] = clinic.get("location")
    extras = _facts(found) - _facts(seed)
    print(f"\n{clinic['document']}: found beyond clinics.toml:")
    for field, value in sorted(extras):
        print(f"  {field}: {value}")
    assert extras == EXTRAS[clinic["document"]]
