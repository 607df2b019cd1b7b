"""Open Referral's HSDS 3.0 OpenAPI definition, filled in with this site's server and limits."""

from __future__ import annotations

from typing import Any

from directory.api.hsds_records import DEFAULT_PROXIMITY_MILES, METRES_PER_MILE
from directory.api.schema_parts import (
    BOOLEAN,
    INTEGER,
    STRING,
    UUID,
    array,
    component,
    each,
    json_response,
    obj,
)
from directory.config import Defaults

_URI = {"type": "string", "format": "uri"}
SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/"


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_DEFAULT_METRES = DEFAULT_PROXIMITY_MILES * METRES_PER_MILE


def _proximity(max_miles: float) -> dict[str, Any]:
    """The proximity parameter, up to the site's largest search radius."""
    return _query(
        "proximity",
        "Metres from the centroid of the postcode, as HSDS 3.0 defines it (default "
        f"{_DEFAULT_METRES:,.0f}, {DEFAULT_PROXIMITY_MILES:g} miles); needs postcode.",
        {"type": "number", "exclusiveMinimum": 0, "maximum": max_miles * METRES_PER_MILE},
    )


PARAMETERS: dict[str, dict[str, Any]] = {
    "search": _query(
        "search",
        "Text to look for in names and descriptions.",
        {"type": "string", "maxLength": 200},
    ),
    "page": _query(
        "page", "Page number from 1.", {"type": "integer", "minimum": 1, "maximum": 100000}
    ),
    "per_page": _query(
        "per_page",
        "Results a page, at most 100.",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
    "organization_id": _query(
        "organization_id",
        "Only this organization's services.",
        {"type": "string", "format": "uuid"},
    ),
    "taxonomy_term_id": _query(
        "taxonomy_term_id",
        "Only services with this treatment, condition or way-to-pay term.",
        {"type": "string", "format": "uuid"},
    ),
    "taxonomy_id": _query(
        "taxonomy_id", "Only this taxonomy's terms.", {"type": "string", "format": "uuid"}
    ),
    "modified_after": _query(
        "modified_after",
        "Only listings changed at or after this date and time (RFC 3339).",
        {"type": "string", "format": "date-time"},
    ),
    "full": _query(
        "full", "true nests every related record.", {"type": "string", "enum": ["true", "false"]}
    ),
    "full_service": _query(
        "full_service",
        "true nests each organization's services.",
        {"type": "string", "enum": ["true", "false"]},
    ),
    "postcode": _query(
        "postcode",
        "A 5-digit US ZIP code: only records with a location within `proximity` metres of "
        "its centroid, nearest first (a record is as near as its nearest location).",
        {"type": "string", "pattern": "^[0-9]{5}$"},
    ),
    "proximity": _proximity(Defaults.SEARCH_MAX_RADIUS_MILES),
}

_PAGE_PROPERTIES = {
    **each(INTEGER, "total_items", "total_pages", "page_number", "size"),
    **each(BOOLEAN, "first_page", "last_page", "empty"),
}
# Each list answer adds its records under "contents".
PAGE = obj(_PAGE_PROPERTIES, required=[*_PAGE_PROPERTIES, "contents"])
ERROR = obj(
    {
        "status": INTEGER,
        "message": STRING,
        "errors": {"type": "object", "additionalProperties": STRING},
    },
    required=["status", "message"],
)
TAXONOMY = obj(
    {"id": UUID, **each(STRING, "name", "description", "uri", "version")},
    required=["id", "name", "description"],
)
TAXONOMY_TERM = obj(
    {
        **each(UUID, "id", "parent_id", "taxonomy_id"),
        **each(STRING, "code", "name", "description", "taxonomy", "language", "term_uri"),
    },
    required=["id", "name", "description"],
)


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": SCHEMA_BASE + name}


def _list(
    item: dict[str, Any], description: str, operation: str, params: list[str], details: str = ""
) -> dict[str, Any]:
    return {
        "get": {
            "summary": description,
            **({"description": details} if details else {}),
            "operationId": operation,
            "parameters": [PARAMETERS[p] for p in params],
            "responses": {
                "200": json_response(
                    {
                        "allOf": [component("Page")],
                        "properties": {"contents": array(item)},
                    },
                    "One page.",
                ),
                "400": json_response(component("Error"), "A parameter is not valid."),
            },
        }
    }


def _one(item: dict[str, Any], description: str, operation: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": description,
            "operationId": operation,
            "parameters": [{"in": "path", "name": "id", "required": True, "schema": STRING}],
            "responses": {
                "200": json_response(item, description),
                "404": json_response(component("Error"), "No such record."),
            },
        },
    }


PATHS: dict[str, dict[str, Any]] = {
    "/organizations": _list(
        _ref("organization_list.json"),
        "Organizations, one a listing",
        "listOrganizations",
        [
            "search",
            "full_service",
            "full",
            "modified_after",
            "postcode",
            "proximity",
            "page",
            "per_page",
        ],
        "With postcode: only organizations with a location within proximity metres "
        f"(default {_DEFAULT_METRES:,.0f}) of the postcode, nearest first.",
    ),
    "/organizations/{id}": _one(_ref("organization.json"), "One organization", "getOrganization"),
    "/services": _list(
        _ref("service_list.json"),
        "Services, one a treatment a listing offers",
        "listServices",
        [
            "search",
            "taxonomy_term_id",
            "organization_id",
            "modified_after",
            "full",
            "postcode",
            "proximity",
            "page",
            "per_page",
        ],
        "With postcode: only services offered at a location within proximity metres "
        f"(default {_DEFAULT_METRES:,.0f}) of the postcode, each once, nearest first "
        "(a service is as near as its nearest location); total_items counts them.",
    ),
    "/services/{id}": _one(_ref("service.json"), "One service", "getService"),
    "/service_at_locations": _list(
        _ref("service_at_location_list.json"),
        "Services at locations, nearest first",
        "listServiceAtLocations",
        [
            "search",
            "taxonomy_term_id",
            "organization_id",
            "modified_after",
            "full",
            "postcode",
            "proximity",
            "page",
            "per_page",
        ],
    ),
    "/service_at_locations/{id}": _one(
        _ref("service_at_location.json"), "One service at a location", "getServiceAtLocation"
    ),
    "/taxonomies": _list(
        component("Taxonomy"),
        "Taxonomies",
        "listTaxonomies",
        ["search", "page", "per_page"],
    ),
    "/taxonomies/{id}": _one(component("Taxonomy"), "One taxonomy", "getTaxonomy"),
    "/taxonomy_terms": _list(
        component("TaxonomyTerm"),
        "Taxonomy terms",
        "listTaxonomyTerms",
        ["search", "taxonomy_id", "page", "per_page"],
    ),
    "/taxonomy_terms/{id}": _one(component("TaxonomyTerm"), "One taxonomy term", "getTaxonomyTerm"),
}


def _paths(max_radius_miles: float) -> dict[str, Any]:
    """The paths, their proximity parameter up to the site's largest search radius."""
    if max_radius_miles == Defaults.SEARCH_MAX_RADIUS_MILES:
        return PATHS
    proximity = _proximity(max_radius_miles)

    def limited(operation: dict[str, Any]) -> dict[str, Any]:
        given = operation.get("parameters", [])
        named = [proximity if p is PARAMETERS["proximity"] else p for p in given]
        return {**operation, "parameters": named} if given else operation

    return {path: {verb: limited(op) for verb, op in item.items()} for path, item in PATHS.items()}


def document(
    server_url: str, max_radius_miles: float = Defaults.SEARCH_MAX_RADIUS_MILES
) -> dict[str, Any]:
    """The HSDS API of this site; the record schemas are Open Referral's compiled ones."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ketamine Clinic Directory: Open Referral HSDS 3.0 API",
            "version": "3.0",
            "description": "Published listings as HSDS 3.0. A listing is an organization; "
            "each treatment it offers is a service; prices are cost options; the states a "
            "telehealth program serves are service areas. Facts HSDS has no field for are "
            "attributes whose taxonomy term (see /taxonomy_terms) names them. "
            "The whole directory as an HSDS tabular data package: /datapackage.zip.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/": {
                "get": {
                    "summary": "The HSDS version and profile of this API",
                    "operationId": "getAPIMetaInformation",
                    "responses": {
                        "200": json_response(
                            obj(
                                {"version": STRING, **each(_URI, "profile", "openapi_url")},
                                required=["version", "profile"],
                            ),
                            "About this API.",
                        )
                    },
                }
            },
            **_paths(max_radius_miles),
        },
        "components": {
            "schemas": {
                "Page": PAGE,
                "Error": ERROR,
                "Taxonomy": TAXONOMY,
                "TaxonomyTerm": TAXONOMY_TERM,
            }
        },
    }
