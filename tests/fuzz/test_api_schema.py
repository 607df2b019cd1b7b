"""Schemathesis against /api/v1/openapi.json: every operation, every response checked."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.conftest import price

# Every response check except "a schema-valid request must be accepted": whether a
# `near` string names a place is decided by the gazetteer, which no schema can say,
# and an unknown place is rightly a 400 with a message.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


# Schemathesis's WSGI transport reads a response without closing it: the HSDS package,
# sent from its file, is closed when collected instead.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*hsds-datapackage:pytest.PytestUnraisableExceptionWarning"
)
def test_every_operation_conforms_to_the_document(app, seeded, make_clinic):
    make_clinic(
        "Priced Clinic",
        prices=(price("iv-infusion", 500), price("iv-infusion", 2700, "series", sessions=6)),
    )
    make_clinic(
        "Remote Program",
        service_areas=("MI", "IL"),
        treatments=("at-home",),
        prices=(price("at-home", 300, "month"),),
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /clinics",
        "GET /clinics/{slug}",
        "GET /costs/summary",
        "GET /hsds",
        "GET /regions",
    }
    calls = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case):
            # The WSGI transport does not undo gzip, so ask for the plain body.
            response = case.call_and_validate(
                headers={"Accept-Encoding": "identity"}, checks=CHECKS
            )
            assert response.status_code < 500
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1

        check()
    assert set(calls) == {op.label for op in operations}
