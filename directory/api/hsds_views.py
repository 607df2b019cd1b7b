"""The HSDS 3.0 API under /api/v1/hsds/, following Open Referral's OpenAPI definition."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, jsonify, request, send_file
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from directory import settings
from directory.api import hsds, hsds_records, kept_datapackage
from directory.extensions import db
from directory.links import external_url, public_base

bp = Blueprint("hsds", __name__)

TRUE_WORDS = {"1", "true", "yes"}


def _filters() -> hsds_records.Filters:
    return hsds_records.parse_filters(db.session, request.args, settings.current())


def _full(*names: str) -> bool:
    return any((request.args.get(n) or "").strip().lower() in TRUE_WORDS for n in names)


def _page(filters: hsds_records.Filters, page: hsds_records.Page) -> ResponseReturnValue:
    return jsonify(hsds.envelope(page.total, filters.page, filters.per_page, page.contents))


def _found(record: dict[str, Any] | None) -> ResponseReturnValue:
    if record is None:
        abort(404)
    return jsonify(record)


def _stored_id(value: str) -> str:
    """An HSDS id as it is stored (a lowercase UUID); anything else names nothing here and
    never reaches the database (PostgreSQL refuses text such as a NUL byte)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort(404)


def _records(fetch: Callable[..., hsds_records.Page], *full_flags: str) -> ResponseReturnValue:
    """One page of stored records; any of `full_flags` set to true nests their relations."""
    filters = _filters()
    return _page(filters, fetch(db.session, filters, full=_full(*full_flags)))


def _record(
    fetch: Callable[[Session, str], dict[str, Any] | None], raw_id: str
) -> ResponseReturnValue:
    """One stored record by its id, or a 404."""
    return _found(fetch(db.session, _stored_id(raw_id)))


@bp.get("/")
def root() -> ResponseReturnValue:
    """Which HSDS version and profile this API speaks."""
    return jsonify(
        {
            "version": hsds.HSDS_VERSION,
            "profile": hsds.PROFILE_URL,
            "openapi_url": external_url("api.hsds.openapi_document"),
        }
    )


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    """Open Referral's HSDS OpenAPI definition, filled in for this site."""
    from directory.api import hsds_openapi

    max_radius = settings.current().search_max_radius_miles
    return jsonify(hsds_openapi.document(public_base() + "/api/v1/hsds", max_radius))


@bp.get("/organizations")
def organizations() -> ResponseReturnValue:
    """Listings as organizations; full_service=true nests services, postcode finds the nearest."""
    return _records(hsds_records.organizations, "full", "full_service")


@bp.get("/organizations/<org_id>")
def organization(org_id: str) -> ResponseReturnValue:
    """One organization with its locations, phones and services."""
    return _record(hsds_records.organization, org_id)


@bp.get("/services")
def services() -> ResponseReturnValue:
    """Each treatment a published listing offers; postcode and proximity find the nearest."""
    return _records(hsds_records.services, "full")


@bp.get("/services/<service_id>")
def service(service_id: str) -> ResponseReturnValue:
    """One service with its prices, service areas, schedules and organization."""
    return _record(hsds_records.service, service_id)


@bp.get("/service_at_locations")
def services_at_locations() -> ResponseReturnValue:
    """Services at locations; postcode and proximity (metres) find the nearest."""
    return _records(hsds_records.services_at_locations, "full")


@bp.get("/service_at_locations/<sal_id>")
def service_at_location(sal_id: str) -> ResponseReturnValue:
    """One service at one location, fully nested."""
    return _record(hsds_records.service_at_location, sal_id)


@bp.get("/taxonomies")
def taxonomies() -> ResponseReturnValue:
    """The treatments, the conditions and the listing facts, as taxonomies."""
    filters = _filters()
    rows = [hsds.taxonomy(t) for t in hsds.TAXONOMIES]
    rows = [r for r in rows if _matches(r, filters.search)]
    return _page(filters, hsds_records.Page(len(rows), _slice(rows, filters)))


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str) -> ResponseReturnValue:
    """One taxonomy."""
    found = [hsds.taxonomy(t) for t in hsds.TAXONOMIES if t.id == taxonomy_id.lower()]
    return _found(found[0] if found else None)


@bp.get("/taxonomy_terms")
def taxonomy_terms() -> ResponseReturnValue:
    """Every term; taxonomy_id keeps one taxonomy's."""
    filters = _filters()
    wanted = (request.args.get("taxonomy_id") or "").strip().lower()
    rows = [
        r
        for r in hsds.taxonomy_terms()
        if _matches(r, filters.search) and (not wanted or r["taxonomy_id"] == wanted)
    ]
    return _page(filters, hsds_records.Page(len(rows), _slice(rows, filters)))


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str) -> ResponseReturnValue:
    """One taxonomy term."""
    found = [r for r in hsds.taxonomy_terms() if r["id"] == term_id.lower()]
    return _found(found[0] if found else None)


@bp.get("/datapackage.zip")
def datapackage() -> ResponseReturnValue:
    """Every published listing as an HSDS tabular data package (CSV files in a zip)."""
    try:
        package = kept_datapackage.for_download(db.session)
    except kept_datapackage.NotBuiltYet:
        message = "The data package is being prepared. Please try again in an hour."
        return jsonify({"message": message}), 503, {"Retry-After": "3600"}
    return send_file(
        package,
        mimetype="application/zip",
        as_attachment=True,
        download_name="hsds-datapackage.zip",
        conditional=True,
    )


def _matches(record: dict[str, Any], text: str) -> bool:
    if not text:
        return True
    needle = text.lower()
    return needle in record["name"].lower() or needle in record["description"].lower()


def _slice(rows: list[Any], filters: hsds_records.Filters) -> list[Any]:
    start = (filters.page - 1) * filters.per_page
    return rows[start : start + filters.per_page]
