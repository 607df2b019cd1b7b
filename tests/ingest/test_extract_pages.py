"""The extractor against fictional clinic pages written for the tests, field by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from directory.ingest import extract
from tests.ingest import scoring

PAGE_FILES = scoring.page_files()
# Precision first: a wrong phone or price misleads patients; a missed one only leaves a gap.
PRECISION_FLOOR = {"phones": 1.0, "prices": 1.0, "vanity": 1.0, "locations": 1.0}
DEFAULT_PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.8


def test_there_are_at_least_fifteen_pages() -> None:
    assert len(PAGE_FILES) >= 15


def test_recall_and_precision_per_field() -> None:
    counts, mistakes, verdicts = scoring.score()
    print("\n" + "\n".join(verdicts))
    print(scoring.table(counts))
    print("\n".join(mistakes))
    assert not [m for m in mistakes if "not a clinic" in m]
    for field, c in counts.items():
        precision = scoring.ratio(c["tp"], c["tp"] + c["fp"])
        recall = scoring.ratio(c["tp"], c["tp"] + c["fn"])
        assert precision >= PRECISION_FLOOR.get(field, DEFAULT_PRECISION_FLOOR), field
        assert recall >= RECALL_FLOOR, field


@pytest.mark.parametrize("path", PAGE_FILES, ids=[p.name for p in PAGE_FILES])
def test_every_fact_quotes_the_visible_text(path: Path) -> None:
    page = scoring.read_page(path)
    try:
        found = extract.extract(page).as_json()
    except extract.NotAClinicPage:
        return
    quotes = [
        found[k]["quote"] for k in ("name", "website", "email", "free_consultation") if found[k]
    ]
    for key in (
        "locations",
        "phones",
        "treatments",
        "conditions",
        "prices",
        "payment_options",
        "languages",
    ):
        assert all(item["quote"] for item in found[key])
        quotes += [item["quote"] for item in found[key]]
    quotes += found["service_area_quotes"]
    for quote in quotes:
        assert page.shows(quote), quote


def _found(name: str) -> dict:
    return extract.extract(scoring.read_page(scoring.PAGES / name)).as_json()


def test_a_market_range_is_not_the_clinics_price() -> None:
    found = _found("07_market_range.html")
    assert 40000 not in {p["amount_cents"] for p in found["prices"]}
    assert any("prices in general" in w for w in found["warnings"])


def test_a_fax_number_is_not_offered_as_a_phone() -> None:
    found = _found("06_fax.html")
    kinds = {p["e164"]: p["kind"] for p in found["phones"]}
    assert kinds == {"+16515550120": "main", "+16515550121": "fax", "+16515550122": "fax"}


def test_call_for_pricing_gives_no_price_and_says_so() -> None:
    found = _found("08_call_for_pricing.html")
    assert found["prices"] == []
    assert any("call for pricing" in w for w in found["warnings"])


def test_scripts_comments_hidden_and_navigation_text_are_not_read() -> None:
    found = _found("12_odd_markup.html")
    assert [p["e164"] for p in found["phones"]] == ["+18435550190"]


def test_structured_data_not_shown_on_the_page_is_left_out_with_a_warning() -> None:
    found = _found("02_jsonld_clinic.html")
    assert [loc["city"] for loc in found["locations"]] == ["Boston"]
    assert any("9 Hidden Lane" in w for w in found["warnings"])


def test_national_helplines_are_not_the_clinics_phone() -> None:
    found = _found("17_helpline.html")
    assert [p["e164"] for p in found["phones"]] == ["+14025550115"]


@pytest.mark.parametrize("name", ["09_news_article.html", "13_personal_blog.html"])
def test_a_page_that_is_not_a_clinic_is_refused(name: str) -> None:
    with pytest.raises(extract.NotAClinicPage, match="does not describe a clinic"):
        _found(name)


def test_expected_files_use_only_fictional_phone_numbers() -> None:
    for path in PAGE_FILES:
        expected = json.loads(scoring.expected_path(path).read_text(encoding="utf-8"))
        for phone in expected.get("phones", []):
            assert phone["e164"][5:10] == "55501", phone  # +1 AAA 555-01xx
