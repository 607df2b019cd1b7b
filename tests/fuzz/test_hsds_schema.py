"""Schemathesis against the HSDS OpenAPI definition as this site fills it in, with every
record checked against Open Referral's compiled schemas (tests/hsds_schemas)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.conftest import price
from tests.hsds_validation import inline_official_refs

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def test_every_hsds_operation_conforms_to_the_definition(app, client, seeded, make_clinic):
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
    document = client.get("/api/v1/hsds/openapi.json").get_json()
    assert document["servers"] == [{"url": "http://localhost/api/v1/hsds"}]
    schema = schemathesis.openapi.from_dict(inline_official_refs(document))
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /",
        "GET /organizations",
        "GET /organizations/{id}",
        "GET /services",
        "GET /services/{id}",
        "GET /service_at_locations",
        "GET /service_at_locations/{id}",
        "GET /taxonomies",
        "GET /taxonomy_terms",
    }
    calls = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case):
            response = case.call_and_validate(
                headers={"Accept-Encoding": "identity"}, checks=CHECKS
            )
            assert response.status_code < 500
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1

        check()
    assert set(calls) == {op.label for op in operations}
