"""JSON API v1: the same searches as the pages, as explicit dictionaries."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from directory import settings
from directory.api import hsds_views, kept_results, openapi, serializers
from directory.errors import MESSAGES
from directory.extensions import db
from directory.links import external_url, public_base
from directory.listings import published as listings
from directory.prices import hospital, pricing
from directory.search import params as search_params
from directory.search import places as geo
from directory.search import query as search
from directory.search.query import InvalidSearch

bp = Blueprint("api", __name__)
bp.register_blueprint(hsds_views.bp, url_prefix="/hsds")


def _error(status: int, message: str, errors: dict[str, str] | None = None) -> ResponseReturnValue:
    body: dict[str, Any] = {"status": status, "message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


@bp.errorhandler(InvalidSearch)
def _invalid(exc: InvalidSearch) -> ResponseReturnValue:
    return _error(400, gettext("Some parameters are not valid."), exc.errors)


@bp.errorhandler(geo.UnknownPlace)
def _unknown_place(exc: geo.UnknownPlace) -> ResponseReturnValue:
    return _error(400, str(exc), {"near": str(exc)})


@bp.errorhandler(listings.NotFound)
def _not_found(_exc: listings.NotFound) -> ResponseReturnValue:
    return _error(404, gettext("No published clinic has that slug."))


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> ResponseReturnValue:
    code = exc.code or 500
    return _error(code, str(MESSAGES.get(code, exc.description or "Error")))


def _stale_days() -> int:
    return settings.current().price_stale_after_days


@bp.get("/clinics")
def clinics() -> ResponseReturnValue:
    """Published clinics, with the search page's filters, sorted and paginated."""
    query = search.parse_query(request.args, settings.current())
    result = search.search_with(db.session, query, kept_results.listings)
    today, stale = date.today(), _stale_days()
    encode = serializers.encode
    return kept_results.response(
        {
            "place": encode(serializers.place(result.place)),
            "radius_miles": encode(result.radius),
            "total": encode(result.total),
            "page": encode(query.page),
            "per_page": encode(query.per_page),
            "pages": encode(result.pages),
            "results": kept_results.results(result.hits, today, stale),
            "nearest_beyond_radius": kept_results.results(result.nearby, today, stale),
            "telehealth_programs": kept_results.results(result.remote, today, stale),
            "telehealth_programs_total": encode(result.remote_total),
        }
    )


@bp.get("/clinics/<slug>")
def clinic(slug: str) -> ResponseReturnValue:
    """One published clinic with its prices, sources and statements."""
    found = listings.published_clinic(db.session, slug)
    data = serializers.clinic_detail(found, date.today(), _stale_days())
    data["url"] = external_url("public.clinic_page", slug=found.slug)
    if found.is_hospital:
        data["hospital_charges"] = [
            serializers.hospital_charge(c) for c in hospital.current_charges(db.session, found.id)
        ]
    return jsonify(data)


@bp.get("/regions")
def regions() -> ResponseReturnValue:
    """States with counts of published clinics and telehealth programs."""
    return jsonify(
        {
            "regions": [
                {
                    "state": r.code,
                    "name": r.name,
                    "clinics": r.clinics,
                    "telehealth_programs": r.remote_programs,
                }
                for r in listings.state_counts(db.session)
            ]
        }
    )


@bp.get("/costs/summary")
def costs_summary() -> ResponseReturnValue:
    """Count, min, median and max per treatment and unit for a state or place."""
    query = search.parse_query(pricing.region_args(request.args), settings.current())
    summary = pricing.region_summary(db.session, query)
    return jsonify(
        {
            "region": summary.label,
            "clinics": summary.clinic_count,
            "priced_clinics": summary.priced_clinic_count,
            "prices": summary.price_count,
            "rows": [serializers.summary_row(r) for r in summary.rows],
        }
    )


@bp.get("/hsds")
def hsds_export() -> ResponseReturnValue:
    """The first HSDS address: now the fully nested organizations of the HSDS API."""
    args: dict[str, Any] = request.args.to_dict()
    args.setdefault("full_service", "true")
    return redirect(url_for("api.hsds.organizations", **args), 308)


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    """The OpenAPI 3.1 description of this API."""
    limits = search_params.Limits.from_settings(settings.current())
    return jsonify(openapi.document(public_base() + "/api/v1", limits))
