"""Reading price files: every layout and version, compression, the official examples, errors."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from directory.ingest.hpt.reader import read_file
from directory.ingest.hpt.records import HptFormatError
from tests.ingest.hpt_generate import LAYOUTS, write_price_file

FILES = Path(__file__).parent / "hpt_files"


def _charges(parsed):
    return {(c.code, c.kind, c.payer_name, c.amount_cents) for c in parsed.charges}


@pytest.mark.parametrize(
    ("name", "file_format", "version", "locations", "seen", "kept"),
    [
        ("v3_small.json", "json", "3.0.0", ["Example General Hospital"], 6, 4),
        ("v22_small.json", "json", "2.2.0", ["Example Valley Hospital"], 3, 2),
        (
            "v3_tall.csv",
            "csv-tall",
            "3.0.0",
            ["Example Lakes Hospital", "Example Lakes North Campus"],
            5,
            4,
        ),
        ("v3_wide.csv", "csv-wide", "3.0.0", ["Example Harbor Hospital"], 2, 1),
        ("v2_tall.csv", "csv-tall", "2.1.0", ["Example Ridge Hospital"], 2, 2),
        ("v2_wide.csv", "csv-wide", "2.0.0", ["Example Pines Hospital"], 2, 1),
    ],
)
def test_each_layout_and_version_is_read_from_its_content(
    name, file_format, version, locations, seen, kept
):
    parsed = read_file(FILES / name)
    assert parsed.file_format == file_format
    assert parsed.header.version == version
    assert parsed.header.location_names == locations
    assert (parsed.items_seen, parsed.items_kept, parsed.items_skipped) == (seen, kept, seen - kept)
    assert parsed.header.attestation_confirmed is True


def test_json_v3_keeps_cash_gross_range_and_each_insurer_with_v3_estimates():
    parsed = read_file(FILES / "v3_small.json")
    assert parsed.header.last_updated_on == date(2026, 3, 1)
    assert parsed.header.licence_state == "MI" and parsed.header.licence_number == "EX-1001"
    assert parsed.header.npis == ["0000000101"]
    assert parsed.header.attester_name == "Pat Example"
    got = _charges(parsed)
    assert {
        ("G2082", "discounted_cash", None, 87050),
        ("G2082", "gross", None, 145000),
        ("G2082", "minimum", None, 61000),
        ("G2082", "maximum", None, 99000),
        ("G2082", "negotiated_dollar", "Example Health Plan", 99000),
        ("G2082", "negotiated_percentage", "Sample Mutual", None),
        ("90791", "negotiated_dollar", "Example Health Plan", 15000),
        ("J3490", "discounted_cash", None, 2100),
        ("42023-0113-10", "gross", None, 4825),
    } <= got
    pct = next(c for c in parsed.charges if c.kind == "negotiated_percentage")
    assert (pct.percentage, pct.median_cents, pct.p10_cents, pct.p90_cents, pct.count) == (
        "60",
        81240,
        70000,
        90500,
        "1 through 10",
    )
    assert pct.plan_name == "HMO Gold" and pct.methodology == "percent of total billed charges"
    ndc = next(c for c in parsed.charges if c.code_type == "NDC")
    assert (ndc.drug_unit, ndc.drug_unit_type, ndc.treatment) == ("10", "ML", "iv-infusion")


def test_unclassified_drug_codes_are_kept_only_when_they_name_ketamine():
    parsed = read_file(FILES / "v3_small.json")
    descriptions = {c.description for c in parsed.charges if c.code == "J3490"}
    assert descriptions == {"KETAMINE HCL 10 MG INJ"}  # the ondansetron line is skipped
    esketamine = read_file(FILES / "v2_tall.csv")
    j3490 = [c for c in esketamine.charges if c.code == "J3490"]
    assert j3490 and {c.treatment for c in j3490} == {"esketamine"}
    assert {(c.drug_unit, c.drug_unit_type) for c in j3490} == {("28", "UN")}


def test_codes_map_to_the_sites_treatments_with_what_they_cover():
    seen = {}
    for name in ("v3_small.json", "v22_small.json", "v3_tall.csv", "v2_wide.csv"):
        for c in read_file(FILES / name).charges:
            seen[c.code] = (c.treatment, c.covers)
    assert seen["G2082"] == ("esketamine", "whole session")
    assert seen["G2083"] == ("esketamine", "whole session")
    assert seen["S0013"] == ("esketamine", "drug only")
    assert seen["J3490"] == ("iv-infusion", "drug only")
    assert seen["96365"] == ("iv-infusion", "administration")
    assert seen["96366"] == ("iv-infusion", "administration")
    assert seen["90791"] == ("consultation", "evaluation")
    assert seen["90792"] == ("consultation", "evaluation")


def test_json_v2_keeps_algorithms_as_text_with_the_estimated_amount():
    parsed = read_file(FILES / "v22_small.json")
    algo = next(c for c in parsed.charges if c.kind == "negotiated_algorithm")
    assert algo.algorithm == "110% of the Medicare fee schedule"
    assert algo.estimated_cents == 28000 and algo.amount_cents is None
    assert algo.notes == "Fee schedule updated each January."
    assert parsed.header.npis == [] and parsed.header.attester_name is None


def test_tall_csv_repeats_of_an_items_own_charges_are_kept_once():
    parsed = read_file(FILES / "v3_tall.csv")
    g2083 = [c for c in parsed.charges if c.code == "G2083"]
    assert sorted(c.kind for c in g2083) == [
        "discounted_cash",
        "gross",
        "maximum",
        "minimum",
        "negotiated_dollar",
        "negotiated_dollar",
    ]
    mutual = next(c for c in g2083 if c.payer_name == "Sample Mutual")
    assert (mutual.median_cents, mutual.p10_cents, mutual.p90_cents, mutual.count) == (
        118000,
        110000,
        125000,
        "11",
    )
    assert parsed.header.last_updated_on == date(2026, 4, 1)  # written M/D/YYYY
    assert parsed.header.addresses[1] == "9 North Road, Troy, MI 48083"


def test_wide_csv_reads_each_payer_column_group():
    parsed = read_file(FILES / "v3_wide.csv")
    payers = {(c.payer_name, c.plan_name, c.kind) for c in parsed.charges if c.payer_name}
    assert payers == {
        ("Example Health Plan", "PPO", "negotiated_dollar"),
        ("Sample Mutual", "HMO", "negotiated_percentage"),
    }
    v2 = read_file(FILES / "v2_wide.csv")
    dollar = next(c for c in v2.charges if c.kind == "negotiated_dollar")
    assert dollar.payer_name == "Example Health Plan"  # underscores of v2 headers read as spaces
    assert dollar.amount_cents == 110000  # "$1,100.00"


@pytest.mark.parametrize(
    "name",
    [
        "v3_json_format_example.json",
        "V3.0.0_Tall_CSV_Format_Example.csv",
        "V3.0.0_Wide_CSV_Format_Example.csv",
        "V2.0.0_Wide_CSV_Format_Example.csv",
    ],
)
def test_the_official_cms_examples_are_read_and_hold_nothing_the_directory_keeps(name):
    parsed = read_file(FILES / name)
    assert parsed.header.hospital_name == "West Mercy Hospital"
    assert parsed.header.location_names == ["West Mercy Hospital", "West Mercy Surgical Center"]
    assert parsed.items_seen > 15
    assert parsed.items_kept == 0 and parsed.charges == []


def test_official_examples_with_a_kept_code_yield_its_charges(tmp_path):
    for name in ("v3_json_format_example.json", "V3.0.0_Tall_CSV_Format_Example.csv"):
        text = (FILES / name).read_text(encoding="utf-8").replace("70551", "96365")
        (tmp_path / name).write_text(text, encoding="utf-8")
        parsed = read_file(tmp_path / name)
        assert ("96365", "discounted_cash", None, 108000) in _charges(parsed)
        assert ("96365", "negotiated_dollar", "Region Health Insurance", 25000) in _charges(parsed)


def test_gzip_and_zip_files_read_like_the_plain_file(tmp_path):
    plain = read_file(FILES / "v3_tall.csv")
    gz = tmp_path / "prices.csv.gz"
    with (FILES / "v3_tall.csv").open("rb") as src, gzip.open(gz, "wb") as out:
        shutil.copyfileobj(src, out)
    zipped = tmp_path / "prices.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(FILES / "v3_small.json", "standardcharges.json")
    assert read_file(gz).charges == plain.charges
    assert read_file(zipped).charges == read_file(FILES / "v3_small.json").charges
    # Named .json but gzip inside: the content decides.
    misnamed = tmp_path / "prices.json"
    shutil.copyfile(gz, misnamed)
    assert read_file(misnamed).file_format == "csv-tall"


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_truncated_json_names_the_item_where_it_broke(tmp_path):
    text = (FILES / "v3_small.json").read_text(encoding="utf-8")
    cut = text[: text.index("Psychiatric diagnostic evaluation") + 10]
    with pytest.raises(HptFormatError, match=r"standard_charge_information\[5\]"):
        read_file(_write(tmp_path, "cut.json", cut))


def test_a_malformed_item_names_its_json_path(tmp_path):
    data = json.loads((FILES / "v3_small.json").read_text(encoding="utf-8"))
    data["standard_charge_information"][1]["standard_charges"][0]["discounted_cash"] = "lots"
    with pytest.raises(
        HptFormatError, match=r"\$\.standard_charge_information\[1\]\.standard_charges\[0\]"
    ):
        read_file(_write(tmp_path, "bad.json", json.dumps(data)))
    data = json.loads((FILES / "v3_small.json").read_text(encoding="utf-8"))
    data["standard_charge_information"][2]["code_information"] = "J3490"
    with pytest.raises(HptFormatError, match=r"\[2\]\.code_information must be a list"):
        read_file(_write(tmp_path, "bad2.json", json.dumps(data)))


def test_a_bad_amount_on_a_kept_csv_line_names_the_line(tmp_path):
    text = (FILES / "v3_tall.csv").read_text(encoding="utf-8")
    text = text.replace("2100,1300,Sample Mutual", "2100,thirteen hundred,Sample Mutual")
    with pytest.raises(HptFormatError, match=r"^line 5 .*discounted_cash"):
        read_file(_write(tmp_path, "bad.csv", text))


@pytest.mark.parametrize("amount", ["1E100", "99999999999999", "1e30"])
def test_an_amount_too_large_to_be_a_charge_names_the_line(tmp_path, amount):
    text = (FILES / "v3_tall.csv").read_text(encoding="utf-8")
    text = text.replace("2100,1300,Sample Mutual", f"2100,{amount},Sample Mutual")
    with pytest.raises(HptFormatError, match=r"^line 5 .*too large to be a charge"):
        read_file(_write(tmp_path, "big.csv", text))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("<html><body>Not found</body></html>", "neither a JSON nor a CSV"),
        ("[1, 2, 3]", "is a list"),
        ('{"hospital_name": "Example", "version": "3.0.0"}', "last_updated_on is missing"),
        ("a,b,c\n1,2,3\n", "hospital_name is missing"),
        ("hospital_name,last_updated_on,version\nX,2026-01-01,1.1\n", "version '1.1'"),
        (
            "hospital_name,last_updated_on,version,location_name\nX,yesterday,3.0.0,X\n"
            "description,code|1\n",
            "not a date",
        ),
        (
            "hospital_name,last_updated_on,version,location_name\nX,2026-01-01,3.0.0,X\n"
            "code|1,code|1|type\nG2082,HCPCS\n",
            "line 3: the column 'description' is missing",
        ),
        (
            "hospital_name,last_updated_on,version,location_name\nX,2026-01-01,3.0.0,X\n"
            "description,setting,code|1,code|1|type\n",
            "lists no items",
        ),
    ],
)
def test_files_that_are_not_price_files_get_a_clear_error(tmp_path, content, message):
    with pytest.raises(HptFormatError, match=message):
        read_file(_write(tmp_path, "file", content))


def test_a_damaged_gzip_file_is_a_clear_error(tmp_path):
    data = gzip.compress((FILES / "v3_small.json").read_bytes())
    with pytest.raises(HptFormatError, match="damaged or cut short"):
        read_file(_write(tmp_path, "cut.json.gz", data[: len(data) // 2]))


def test_header_after_the_items_is_still_read(tmp_path):
    data = json.loads((FILES / "v3_small.json").read_text(encoding="utf-8"))
    items = data.pop("standard_charge_information")
    reordered = {"standard_charge_information": items, **data}
    parsed = read_file(_write(tmp_path, "late.json", json.dumps(reordered)))
    assert parsed.header.hospital_name == "Example General Hospital"
    assert parsed.items_kept == 4


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_generated_multi_megabyte_file_in_each_layout_keeps_exactly_the_relevant_items(
    tmp_path, layout
):
    path = tmp_path / f"large-{layout}"
    written = write_price_file(path, layout, 2_000_000, relevant_every=250)
    parsed = read_file(path)
    assert parsed.items_seen == written.items
    assert parsed.items_kept == written.relevant > 0
    assert {c.code for c in parsed.charges} == {"G2082", "96365", "90791", "J3490"}


def test_a_file_keeping_more_charges_than_one_hospital_could_is_refused(monkeypatch):
    from directory.ingest.hpt import records

    monkeypatch.setattr(records, "MAX_KEPT_CHARGES", 5)
    with pytest.raises(HptFormatError, match=r"standard_charge_information\[1\]: more than 5"):
        read_file(FILES / "v3_small.json")
    with pytest.raises(HptFormatError, match="line 5: more than 5"):
        read_file(FILES / "v3_tall.csv")
