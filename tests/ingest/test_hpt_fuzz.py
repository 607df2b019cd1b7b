"""Hypothesis over price file rows: every file is either imported or refused with a clear error."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.ingest.hpt import codes
from directory.ingest.hpt.reader import read_file
from directory.ingest.hpt.records import HptFormatError

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
GENERAL = (
    "hospital_name,last_updated_on,version,location_name,hospital_address,license_number|MI\n"
    'Example Fuzz Hospital,2026-01-01,3.0.0,Example Fuzz Hospital,"1 Example Way, Troy, MI '
    '48083",EX-1\n'
)
COLUMNS = [
    "description",
    "code|1",
    "code|1|type",
    "setting",
    "drug_unit_of_measurement",
    "drug_type_of_measurement",
    "standard_charge|gross",
    "standard_charge|discounted_cash",
    "payer_name",
    "plan_name",
    "standard_charge|negotiated_dollar",
    "standard_charge|negotiated_percentage",
    "standard_charge|negotiated_algorithm",
    "median_amount",
    "standard_charge|min",
    "standard_charge|max",
    "standard_charge|methodology",
]
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
amount = st.one_of(
    st.decimals(min_value=-10, max_value=10**9, places=2, allow_nan=False).map(str),
    st.sampled_from(["", "N/A", "$1,200.50", "1e3", "Infinity", "12.3.4", "-5"]),
    text,
)
code = st.one_of(st.sampled_from([*codes.RELEVANT_CODES, " g2082 ", "70551", ""]), text)
code_type = st.sampled_from(["CPT", "HCPCS", "NDC", "CDM", "", "ndc"])
description = st.one_of(st.sampled_from(["KETAMINE 10 MG", "Esketamine", "MRI"]), text)
row = st.tuples(
    description,
    code,
    code_type,
    st.sampled_from(["outpatient", "inpatient", "both", ""]),
    text,
    text,
    amount,
    amount,
    text,
    text,
    amount,
    text,
    text,
    amount,
    amount,
    amount,
    text,
).map(list)


def _read(content: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        try:
            parsed = read_file(path)
        except HptFormatError as exc:
            assert str(exc)  # a message a person can act on
            return
    for charge in parsed.charges:
        assert charge.code.upper() in codes.RELEVANT_CODES or charge.code_type == "NDC"
        assert charge.amount_cents is None or charge.amount_cents >= 0
        assert charge.treatment in {"esketamine", "iv-infusion", "consultation"}
    assert parsed.items_kept <= parsed.items_seen


@FUZZ
@given(st.lists(row, min_size=1, max_size=8))
def test_well_formed_csv_rows_are_imported_or_refused_clearly(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    _read(GENERAL + out.getvalue())


@FUZZ
@given(st.lists(st.text(max_size=80), min_size=0, max_size=6))
def test_arbitrary_lines_after_the_header_never_crash(lines):
    _read(GENERAL + ",".join(COLUMNS) + "\n" + "\n".join(lines))


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data):
    _read(data)
