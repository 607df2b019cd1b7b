"""flask extract-page: a page file to the documented JSON, or a clear refusal."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ingest import scoring

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "documents"
SHAPE = [
    "name",
    "locations",
    "service_area_states",
    "phones",
    "website",
    "email",
    "treatments",
    "conditions",
    "prices",
    "free_consultation",
    "payment_options",
    "languages",
    "warnings",
]


def test_json_output_has_the_documented_shape(runner) -> None:
    result = runner.invoke(
        args=["extract-page", str(scoring.PAGES / "01_price_table.html"), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [k for k in data if k in SHAPE] == SHAPE
    assert data["name"] == {"value": "Lakeview Ketamine Clinic", "quote": data["name"]["quote"]}
    assert set(data["locations"][0]) >= {
        "address_1",
        "address_2",
        "city",
        "state",
        "postal_code",
        "quote",
    }
    assert set(data["phones"][0]) >= {"e164", "display", "vanity", "kind", "quote"}
    assert set(data["prices"][0]) >= {
        "treatment",
        "amount_cents",
        "unit",
        "sessions_included",
        "included",
        "quote",
    }
    assert {"slug", "quote"} <= set(data["treatments"][0])
    assert data["free_consultation"]["value"] is True


def test_plain_output_summarises_the_seed_page(runner) -> None:
    result = runner.invoke(args=["extract-page", str(SEEDS / "000_ae40677ab993d68a.txt")])
    assert result.exit_code == 0, result.output
    assert "Ketamine Institute of Michigan" in result.output
    assert "(855) 538-2646 ((855) KETAMINE)" in result.output


def test_a_news_article_exits_non_zero_and_prints_no_listing(runner) -> None:
    result = runner.invoke(
        args=["extract-page", str(scoring.PAGES / "09_news_article.html"), "--json"]
    )
    assert result.exit_code != 0
    assert "does not describe a clinic" in result.output
    assert "{" not in result.output


def test_a_missing_file_is_a_clear_error(runner, tmp_path) -> None:
    result = runner.invoke(args=["extract-page", str(tmp_path / "nope.html")])
    assert result.exit_code != 0
    assert "No such file" in result.output


def test_a_private_address_is_refused_without_the_setting(runner) -> None:
    result = runner.invoke(args=["extract-page", "http://127.0.0.1:9/clinic.html"])
    assert result.exit_code != 0
    assert "private, loopback or link-local" in result.output
