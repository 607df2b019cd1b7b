"""The OpenAPI 3.1 document for /api/v1, written out so the contract is explicit."""

from __future__ import annotations

from typing import Any

from directory.api import hsds_openapi
from directory.api.schema_parts import (
    BOOLEAN,
    INTEGER,
    NULLABLE_BOOL,
    NULLABLE_INT,
    NULLABLE_NUM,
    NULLABLE_STR,
    NUMBER,
    STRING,
    array,
    component,
    each,
    json_response,
    obj,
    one_of,
)
from directory.listings import schema
from directory.listings.schema import Kind
from directory.models import ChargeKind, GeocodePrecision, PhoneKind, PriceUnit
from directory.prices import pricing
from directory.search import params

_DATE = {"type": "string", "format": "date"}


def _listing_properties(audience: str) -> dict[str, Any]:
    """The API's schema of the listing fields it shows as stored, from the listing schema."""
    properties: dict[str, Any] = {}
    for name in schema.api_fields(audience):
        spec = schema.SPECS[name]
        if spec.kind is Kind.TEXT:
            properties[name] = STRING if spec.column_empty == "" else NULLABLE_STR
        elif spec.kind is Kind.FLAG:
            properties[name] = NULLABLE_BOOL
        else:
            properties[name] = array(STRING)
        properties[name] = {**properties[name], "description": spec.label}
    return properties


SCHEMAS: dict[str, Any] = {
    # Both APIs answer errors with the same JSON body.
    "Error": hsds_openapi.ERROR,
    "Location": obj(
        {
            **each(NULLABLE_STR, "address_1", "address_2", "city"),
            "state": STRING,
            **each(NULLABLE_STR, "postal_code", "metro"),
            **each(NUMBER, "latitude", "longitude"),
            "geocode_precision": one_of(GeocodePrecision),
        },
        required=["state", "latitude", "longitude", "geocode_precision"],
    ),
    "Phone": obj(
        {
            **each(STRING, "e164", "display"),
            "vanity": NULLABLE_STR,
            "kind": one_of(PhoneKind),
        },
        required=["e164", "display", "kind"],
    ),
    "Price": obj(
        {
            "treatment": STRING,
            "amount_cents": {"type": "integer", "minimum": 0},
            "currency": STRING,
            "unit": one_of(PriceUnit),
            "sessions_included": NULLABLE_INT,
            "included": STRING,
            "insurance_accepted": BOOLEAN,
            **each(NULLABLE_STR, "valid_from", "valid_to"),
            "source_url": STRING,
            "as_of": _DATE,
            "stale": BOOLEAN,
        },
        required=["treatment", "amount_cents", "currency", "unit", "source_url", "as_of"],
    ),
    "ClinicSummary": obj(
        {
            **each(STRING, "slug", "name"),
            "is_example": BOOLEAN,
            "kind": {"type": "string", "enum": ["clinic", "telehealth_program", "hospital"]},
            "location": {
                "oneOf": [component("Location"), {"type": "null"}],
                "description": "In a search's results, the clinic's location nearest the "
                "place searched (within the state filter), the one distance_miles is "
                "measured to; its first location otherwise. Every location is in "
                "/clinics/{slug}.",
            },
            "service_area_states": array(STRING),
            "distance_miles": {
                **NULLABLE_NUM,
                "description": "Great-circle miles from the place searched to the location "
                "shown; null without a place, for a telehealth program, and for a listing "
                "placed only at its area's centre.",
            },
            "phones": array(component("Phone")),
            **_listing_properties("summary"),
            "access_as_of": NULLABLE_STR,
            "prices": array(component("Price")),
            "lowest_session_price_cents": {
                **NULLABLE_INT,
                "description": "The lowest published per-session price, of the treatment "
                "searched for, or else of any ketamine treatment (not a consultation or "
                "integration therapy); null without one.",
            },
            "last_verified": obj(each(NULLABLE_STR, "on", "by")),
        },
        required=(
            "slug name is_example kind location phones treatments prices distance_miles"
        ).split(),
    ),
    "HospitalCharge": obj(
        {
            **each(STRING, "code", "code_type", "treatment", "covers", "description", "setting"),
            "kind": one_of(ChargeKind),
            "amount_cents": NULLABLE_INT,
            **each(
                NULLABLE_STR,
                "payer_name",
                "plan_name",
                "percentage",
                "algorithm",
                "methodology",
                "drug_unit",
                "drug_unit_type",
            ),
            **each(NULLABLE_INT, "median_cents", "p10_cents", "p90_cents", "estimated_cents"),
            "as_of": _DATE,
            "source": STRING,
            "attestation_confirmed": BOOLEAN,
        },
        required=["code", "code_type", "treatment", "kind", "amount_cents", "as_of", "source"],
    ),
    "ClinicDetail": {
        "allOf": [component("ClinicSummary")],
        **obj(
            {
                **_listing_properties("detail"),
                "url": STRING,
                "hospital_charges": {
                    **array(component("HospitalCharge")),
                    "description": "Hospitals only: current standard charges from the price file.",
                },
                "locations": array(component("Location")),
                "care_team": obj(
                    {
                        **each(NULLABLE_STR, "administered_by", "monitoring"),
                        "private_room": NULLABLE_BOOL,
                        "year_opened": NULLABLE_INT,
                    }
                ),
                "sources": array(
                    obj(
                        {
                            "field": STRING,
                            **each(NULLABLE_STR, "source_document", "source_url"),
                            "quote": STRING,
                        }
                    )
                ),
                "clinic_statements": array(obj(each(STRING, "topic", "quote", "source_document"))),
            },
            required=(
                "description locations conditions care_team sources clinic_statements url"
            ).split(),
        ),
    },
    "Place": {
        **obj(
            {
                **each(STRING, "kind", "label"),
                "state": NULLABLE_STR,
                **each(NULLABLE_NUM, "latitude", "longitude"),
            }
        ),
        "type": ["object", "null"],
    },
}


_ERROR_400 = json_response(component("Error"), "A parameter is not valid; `errors` names each one.")
_ERROR_404 = json_response(component("Error"), "Not found.")
_LIST = array(component("ClinicSummary"))
_SEARCH_RESULTS = obj(
    {
        "place": component("Place"),
        "radius_miles": NULLABLE_NUM,
        **each(INTEGER, "total", "page", "per_page", "pages"),
        **each(_LIST, "results", "nearest_beyond_radius", "telehealth_programs"),
        "telehealth_programs_total": INTEGER,
    },
    required=["total", "results"],
)
_REGIONS = obj(
    {
        "regions": array(
            obj(
                {**each(STRING, "state", "name"), **each(INTEGER, "clinics", "telehealth_programs")}
            )
        )
    }
)
_COST_SUMMARY = obj(
    {
        "region": STRING,
        "clinics": {**INTEGER, "description": "Published listings in the region, priced or not."},
        "priced_clinics": {
            **INTEGER,
            "description": "Of those, the listings with at least one price counted here.",
        },
        "prices": {**INTEGER, "description": "Prices counted: each with a source and a date."},
        "rows": array(
            obj(
                {
                    **each(STRING, "treatment", "unit"),
                    **each(INTEGER, "count", "min_cents", "median_cents", "max_cents"),
                }
            )
        ),
    }
)


def document(server_url: str, limits: params.Limits | None = None) -> dict[str, Any]:
    """The whole document, with the given base URL; query parameters come from search/params.py."""
    limits = limits or params.Limits()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ketamine Clinic Directory API",
            "version": "1.0.0",
            "description": "Published ketamine clinics, their locations and the prices they "
            "publish (with source and as-of date). Example clinics are fictional and carry "
            "is_example: true. No medical advice.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/clinics": {
                "get": {
                    "operationId": "searchClinics",
                    "summary": "Search published clinics",
                    "parameters": params.openapi_parameters(limits=limits),
                    "responses": {
                        "200": json_response(_SEARCH_RESULTS, "One page of results."),
                        "400": _ERROR_400,
                    },
                }
            },
            "/clinics/{slug}": {
                "get": {
                    "operationId": "getClinic",
                    "summary": "One published clinic",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": STRING,
                        }
                    ],
                    "responses": {
                        "200": json_response(component("ClinicDetail"), "The clinic."),
                        "404": _ERROR_404,
                    },
                }
            },
            "/regions": {
                "get": {
                    "operationId": "listRegions",
                    "summary": "States with counts",
                    "responses": {"200": json_response(_REGIONS, "The states.")},
                }
            },
            "/costs/summary": {
                "get": {
                    "operationId": "costSummary",
                    "summary": "Price summary for a state or the area around a place",
                    "parameters": params.openapi_parameters(pricing.REGION_PARAMS, limits),
                    "responses": {
                        "200": json_response(_COST_SUMMARY, "The summary."),
                        "400": _ERROR_400,
                    },
                }
            },
            "/hsds": {
                "get": {
                    "operationId": "hsdsOrganizations",
                    "summary": "The first HSDS address: redirects to the HSDS API's organizations",
                    "parameters": params.openapi_parameters(("page", "per_page"), limits),
                    "responses": {
                        "308": {
                            "description": "Moved to /hsds/organizations?full_service=true "
                            "(the query string is kept).",
                            "headers": {"Location": {"schema": STRING}},
                        }
                    },
                }
            },
            **hsds_paths(limits.max_radius),
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": json_response({"type": "object"}, "The OpenAPI document.")
                    },
                }
            },
        },
        "components": {"schemas": {**SCHEMAS, **HSDS_SCHEMAS}},
    }


# The HSDS API's record schemas are Open Referral's compiled ones, named by URL in
# /hsds/openapi.json; here they are described, so this document stays self-contained.
HSDS_SCHEMAS = {
    "HsdsPage": hsds_openapi.PAGE,
    "HsdsTaxonomy": hsds_openapi.TAXONOMY,
    "HsdsTaxonomyTerm": hsds_openapi.TAXONOMY_TERM,
}
_HSDS_LOCAL = {
    "#/components/schemas/Page": "#/components/schemas/HsdsPage",
    "#/components/schemas/Taxonomy": "#/components/schemas/HsdsTaxonomy",
    "#/components/schemas/TaxonomyTerm": "#/components/schemas/HsdsTaxonomyTerm",
    "#/components/schemas/Error": "#/components/schemas/Error",
}


def _local(node: Any) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in _HSDS_LOCAL:
                return {"$ref": _HSDS_LOCAL[ref]}
            name = ref.rsplit("/", 1)[1]
            return {
                "type": "object",
                "description": f"An Open Referral HSDS 3.0 record, valid under {ref}.",
                "required": ["id"],
                "properties": {"id": {"type": "string", "format": "uuid"}},
                "title": name,
            }
        return {k: _local(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_local(v) for v in node]
    return node


def hsds_paths(max_radius_miles: float) -> dict[str, Any]:
    """The HSDS API's paths under /hsds, for this document."""
    hsds = hsds_openapi.document("", max_radius_miles)
    paths = {f"/hsds{p}": _local(item) for p, item in hsds["paths"].items()}
    paths["/hsds/openapi.json"] = {
        "get": {
            "operationId": "hsdsOpenapi",
            "summary": "Open Referral's HSDS OpenAPI definition, filled in for this site",
            "responses": {"200": json_response({"type": "object"}, "The OpenAPI document.")},
        }
    }
    paths["/hsds/datapackage.zip"] = {
        "get": {
            "operationId": "hsdsDatapackage",
            "summary": "Every published listing as an HSDS tabular data package",
            "responses": {
                "200": {
                    "description": "A zip of datapackage.json and one CSV per HSDS table.",
                    "content": {
                        "application/zip": {"schema": {**STRING, "contentEncoding": "binary"}}
                    },
                }
            },
        }
    }
    return paths
