"""The OpenAPI 3.1 document for /api/v1, written out so the contract is explicit."""

from __future__ import annotations

from typing import Any

from directory.api import hsds_openapi
from directory.listings import schema
from directory.listings.schema import Kind
from directory.search import params

# The search parameters the regional price summary reads.
COST_PARAMS = ("near", "radius", "state")


_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_NUM = {"type": ["number", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
_NULLABLE_BOOL = {"type": ["boolean", "null"]}


def _listing_properties(audience: str) -> dict[str, Any]:
    """The API's schema of the listing fields it shows as stored, from the listing schema."""
    properties: dict[str, Any] = {}
    for name in schema.api_fields(audience):
        spec = schema.SPECS[name]
        if spec.kind is Kind.TEXT:
            properties[name] = {"type": "string"} if spec.column_empty == "" else _NULLABLE_STR
        elif spec.kind is Kind.FLAG:
            properties[name] = _NULLABLE_BOOL
        else:
            properties[name] = {"type": "array", "items": {"type": "string"}}
        properties[name] = {**properties[name], "description": spec.label}
    return properties


SCHEMAS: dict[str, Any] = {
    # Both APIs answer errors with the same JSON body.
    "Error": hsds_openapi.ERROR,
    "Location": {
        "type": "object",
        "required": ["state", "latitude", "longitude", "geocode_precision"],
        "properties": {
            "address_1": _NULLABLE_STR,
            "address_2": _NULLABLE_STR,
            "city": _NULLABLE_STR,
            "state": {"type": "string"},
            "postal_code": _NULLABLE_STR,
            "metro": _NULLABLE_STR,
            "latitude": {"type": "number"},
            "longitude": {"type": "number"},
            "geocode_precision": {
                "type": "string",
                "enum": ["address", "postal_code", "city", "region"],
            },
        },
    },
    "Phone": {
        "type": "object",
        "required": ["e164", "display", "kind"],
        "properties": {
            "e164": {"type": "string"},
            "display": {"type": "string"},
            "vanity": _NULLABLE_STR,
            "kind": {"type": "string", "enum": ["main", "toll_free", "text"]},
        },
    },
    "Price": {
        "type": "object",
        "required": ["treatment", "amount_cents", "currency", "unit", "source_url", "as_of"],
        "properties": {
            "treatment": {"type": "string"},
            "amount_cents": {"type": "integer", "minimum": 0},
            "currency": {"type": "string"},
            "unit": {"type": "string", "enum": ["session", "series", "consultation", "month"]},
            "sessions_included": _NULLABLE_INT,
            "included": {"type": "string"},
            "insurance_accepted": {"type": "boolean"},
            "valid_from": _NULLABLE_STR,
            "valid_to": _NULLABLE_STR,
            "source_url": {"type": "string"},
            "as_of": {"type": "string", "format": "date"},
            "stale": {"type": "boolean"},
        },
    },
    "ClinicSummary": {
        "type": "object",
        "required": [
            "slug",
            "name",
            "is_example",
            "kind",
            "location",
            "phones",
            "treatments",
            "prices",
            "distance_miles",
        ],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "is_example": {"type": "boolean"},
            "kind": {"type": "string", "enum": ["clinic", "telehealth_program", "hospital"]},
            "location": {"oneOf": [{"$ref": "#/components/schemas/Location"}, {"type": "null"}]},
            "service_area_states": {"type": "array", "items": {"type": "string"}},
            "distance_miles": _NULLABLE_NUM,
            "phones": {"type": "array", "items": {"$ref": "#/components/schemas/Phone"}},
            **_listing_properties("summary"),
            "access_as_of": _NULLABLE_STR,
            "prices": {"type": "array", "items": {"$ref": "#/components/schemas/Price"}},
            "lowest_session_price_cents": _NULLABLE_INT,
            "last_verified": {
                "type": "object",
                "properties": {"on": _NULLABLE_STR, "by": _NULLABLE_STR},
            },
        },
    },
    "HospitalCharge": {
        "type": "object",
        "required": ["code", "code_type", "treatment", "kind", "amount_cents", "as_of", "source"],
        "properties": {
            "code": {"type": "string"},
            "code_type": {"type": "string"},
            "treatment": {"type": "string"},
            "covers": {"type": "string"},
            "description": {"type": "string"},
            "setting": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": [
                    "gross",
                    "discounted_cash",
                    "negotiated_dollar",
                    "negotiated_percentage",
                    "negotiated_algorithm",
                    "minimum",
                    "maximum",
                ],
            },
            "amount_cents": _NULLABLE_INT,
            "payer_name": _NULLABLE_STR,
            "plan_name": _NULLABLE_STR,
            "percentage": _NULLABLE_STR,
            "algorithm": _NULLABLE_STR,
            "methodology": _NULLABLE_STR,
            "drug_unit": _NULLABLE_STR,
            "drug_unit_type": _NULLABLE_STR,
            "median_cents": _NULLABLE_INT,
            "p10_cents": _NULLABLE_INT,
            "p90_cents": _NULLABLE_INT,
            "estimated_cents": _NULLABLE_INT,
            "as_of": {"type": "string", "format": "date"},
            "source": {"type": "string"},
            "attestation_confirmed": {"type": "boolean"},
        },
    },
    "ClinicDetail": {
        "allOf": [{"$ref": "#/components/schemas/ClinicSummary"}],
        "type": "object",
        "required": [
            "description",
            "locations",
            "conditions",
            "care_team",
            "sources",
            "clinic_statements",
            "url",
        ],
        "properties": {
            **_listing_properties("detail"),
            "url": {"type": "string"},
            "hospital_charges": {
                "type": "array",
                "description": "Hospitals only: current standard charges from the price file.",
                "items": {"$ref": "#/components/schemas/HospitalCharge"},
            },
            "locations": {"type": "array", "items": {"$ref": "#/components/schemas/Location"}},
            "care_team": {
                "type": "object",
                "properties": {
                    "administered_by": _NULLABLE_STR,
                    "monitoring": _NULLABLE_STR,
                    "private_room": _NULLABLE_BOOL,
                    "year_opened": _NULLABLE_INT,
                },
            },
            "sources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string"},
                        "source_document": _NULLABLE_STR,
                        "source_url": _NULLABLE_STR,
                        "quote": {"type": "string"},
                    },
                },
            },
            "clinic_statements": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "topic": {"type": "string"},
                        "quote": {"type": "string"},
                        "source_document": {"type": "string"},
                    },
                },
            },
        },
    },
    "Place": {
        "type": ["object", "null"],
        "properties": {
            "kind": {"type": "string"},
            "label": {"type": "string"},
            "state": _NULLABLE_STR,
            "latitude": _NULLABLE_NUM,
            "longitude": _NULLABLE_NUM,
        },
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


_ERROR_400 = _json(_ref("Error"), "A parameter is not valid; `errors` names each one.")
_ERROR_404 = _json(_ref("Error"), "Not found.")
_LIST = {"type": "array", "items": _ref("ClinicSummary")}


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
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["total", "results"],
                                "properties": {
                                    "place": _ref("Place"),
                                    "radius_miles": _NULLABLE_NUM,
                                    "total": {"type": "integer"},
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                    "pages": {"type": "integer"},
                                    "results": _LIST,
                                    "nearest_beyond_radius": _LIST,
                                    "telehealth_programs": _LIST,
                                    "telehealth_programs_total": {"type": "integer"},
                                },
                            },
                            "One page of results.",
                        ),
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
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _json(_ref("ClinicDetail"), "The clinic."),
                        "404": _ERROR_404,
                    },
                }
            },
            "/regions": {
                "get": {
                    "operationId": "listRegions",
                    "summary": "States with counts",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "regions": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "state": {"type": "string"},
                                                "name": {"type": "string"},
                                                "clinics": {"type": "integer"},
                                                "telehealth_programs": {"type": "integer"},
                                            },
                                        },
                                    }
                                },
                            },
                            "The states.",
                        )
                    },
                }
            },
            "/costs/summary": {
                "get": {
                    "operationId": "costSummary",
                    "summary": "Price summary for a state or the area around a place",
                    "parameters": params.openapi_parameters(COST_PARAMS, limits),
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "region": {"type": "string"},
                                    "clinics": {"type": "integer"},
                                    "prices": {"type": "integer"},
                                    "rows": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "treatment": {"type": "string"},
                                                "unit": {"type": "string"},
                                                "count": {"type": "integer"},
                                                "min_cents": {"type": "integer"},
                                                "median_cents": {"type": "integer"},
                                                "max_cents": {"type": "integer"},
                                            },
                                        },
                                    },
                                },
                            },
                            "The summary.",
                        ),
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
                            "headers": {"Location": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            **hsds_paths(),
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
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


def hsds_paths() -> dict[str, Any]:
    """The HSDS API's paths under /hsds, for this document."""
    paths = {f"/hsds{p}": _local(item) for p, item in hsds_openapi.document("")["paths"].items()}
    paths["/hsds/openapi.json"] = {
        "get": {
            "operationId": "hsdsOpenapi",
            "summary": "Open Referral's HSDS OpenAPI definition, filled in for this site",
            "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
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
                        "application/zip": {
                            "schema": {"type": "string", "contentEncoding": "binary"}
                        }
                    },
                }
            },
        }
    }
    return paths
