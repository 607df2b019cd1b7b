"""Patient-facing pages. Thin: parse, call a service, render."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from directory import settings
from directory.exports import csv_response, price_rows, search_rows
from directory.extensions import db, limiter
from directory.links import external_url, public_base
from directory.listings import moderation
from directory.listings import published as listings
from directory.listings import rows as listing_rows
from directory.listings.taxonomy import KETAMINE_TREATMENTS, TREATMENT_NAMES, TREATMENTS
from directory.models import ReportCategory
from directory.prices import hospital, pricing
from directory.public import jsonld, rendered, search_shapes
from directory.public.forms import ReportForm
from directory.search import place_suggestions as place_suggestions_service
from directory.search import places as geo
from directory.search import query as search
from directory.search import refine
from directory.search.query import InvalidSearch, SearchQuery
from directory.view_helpers import found_or_404

bp = Blueprint("public", __name__)
rendered.register(bp)


def _export_limit() -> str:
    return settings.current().export_rate_limit


def _parse(args) -> SearchQuery:  # type: ignore[no-untyped-def]
    return search.parse_query(args, settings.current())


def _run_search(args, loader=listing_rows.kept):  # type: ignore[no-untyped-def]
    """(result, errors, suggestions): a search, or what stopped it and what to try instead;
    `loader` reads the listings shown."""
    try:
        query = _parse(args)
    except InvalidSearch as exc:
        return None, exc.errors, ()
    if not query.has_place:
        if "near" in args:  # the form sent with its place left empty: say what it needs
            return None, {"near": geo.no_place_given()}, ()
        return None, {}, ()
    try:
        return search.search_with(db.session, query, loader), {}, ()
    except geo.UnknownPlace as exc:
        return None, {"near": str(exc)}, exc.suggestions


@bp.get("/")
def index() -> str:
    """The search form."""
    compare_max = settings.current().compare_max_clinics
    return render_template("public/index.html", args={}, errors={}, compare_max=compare_max)


@bp.get("/search")
def search_page() -> tuple[str, int]:
    """Results for a place, with filters, sorting and pagination."""
    result, errors, suggestions = _run_search(request.args, rendered.listings_for_page)
    status = 400 if errors else 200
    chips = refine.filter_chips(db.session, result) if result else []
    if result:
        rendered.share_cards([*result.hits, *result.nearby, *result.remote])
    picks, compare_error = _compare_picks(request.args.getlist("compare"))
    context = {
        "result": result,
        "errors": errors,
        "args": request.args,
        "suggestions": suggestions,
        "chips": chips,
        "picks": picks,
        "compare_error": compare_error,
        "compare_max": settings.current().compare_max_clinics,
    }
    kept_content = search_shapes.content(context)
    return render_template("public/search.html", **context, kept_content=kept_content), status


def _compare_picks(values: list[str]):  # type: ignore[no-untyped-def]
    """(clinics, message): the compare tray's published picks, and why any were left out."""
    limit = settings.current().compare_max_clinics
    try:
        slugs = listings.parse_slugs(values, limit)
    except listings.InvalidSelection:
        try:
            slugs = listings.parse_slugs(values, 10_000)[:limit]
        except listings.InvalidSelection:
            return [], gettext("Some of the clinics picked to compare do not exist.")
        clinics, _ = listings.clinics_to_compare(db.session, slugs)
        return clinics, gettext(
            "You can compare up to %(limit)s clinics; remove one to add another.", limit=limit
        )
    clinics, missing = listings.clinics_to_compare(db.session, slugs)
    return clinics, (gettext("Some picked clinics are no longer listed.") if missing else None)


@bp.get("/places/suggest")
def place_suggestions() -> Response:
    """Places starting with what was typed, for the search box's suggestions (JSON)."""
    typed = (request.args.get("q") or "")[: geo.MAX_PLACE_LENGTH * 2]
    names = place_suggestions_service.starting_with(db.session, typed)
    return jsonify({"suggestions": names})


@bp.get("/search.csv")
@limiter.limit(_export_limit)
def search_csv() -> Response | tuple[str, int]:
    """The whole result list of a search as CSV."""
    result, errors, _ = _run_search(request.args)
    if errors or result is None:
        message = "; ".join(errors.values()) or gettext("Enter a place to search.")
        return render_template("errors/error.html", status=400, message=message), 400
    cap = settings.current().export_max_rows
    query = dataclasses.replace(
        result.query, page=1, per_page=cap, remote_page=1, remote_per_page=cap
    )
    full = search.search(db.session, query)
    return csv_response(search_rows(full, base_url=public_base()), "clinics.csv")


@bp.get("/clinics/<slug>")
def clinic_page(slug: str) -> str:
    """One clinic: details, prices with sources, and where each fact came from."""
    page = rendered.clinic_page(slug, lambda: _clinic_article(slug))
    return render_template("public/clinic.html", page=page)


def _clinic_article(slug: str) -> rendered.ClinicPage:
    clinic = found_or_404(listings.published_page, slug)
    managed = listings.slug_is_managed(db.session, slug)
    url = external_url("public.clinic_page", slug=clinic.slug)
    article = rendered.template(
        "public/_clinic_article.html",
        clinic=clinic,
        today=date.today(),
        hospital_charges=hospital.charge_sheet(db.session, clinic.id)
        if clinic.is_hospital
        else None,
        managed=managed,
        compare_near=listings.search_place_for(clinic),
    )
    # A fictional example clinic gives search engines no structured data to show as real.
    data = None if clinic.is_example else jsonld.medical_clinic(clinic, url)
    return rendered.ClinicPage(clinic.display_name, data, article)


# The course the comparison estimates when the visitor has not chosen one.
DEFAULT_COMPARE_TREATMENT = "iv-infusion"
# The longest search (query string) a comparison carries back to its results.
MAX_SEARCH_TEXT = 2000


# The courses a comparison estimates: ketamine treatments, not the consultation or the
# integration session each estimate adds to them.
COURSE_CHOICES = [(slug, name) for slug, name, _ in TREATMENTS if slug in KETAMINE_TREATMENTS]


def _compare_error(message: str) -> tuple[str, int]:
    return render_template(
        "public/compare.html",
        profiles=[],
        rows=[],
        error=message,
        missing=[],
        place=None,
        distances={},
        treatment=DEFAULT_COMPARE_TREATMENT,
        default_treatment=DEFAULT_COMPARE_TREATMENT,
        course_choices=COURSE_CHOICES,
        notice=None,
        search_near=None,
        back_to_search=None,
        compare_max=settings.current().compare_max_clinics,
        args={},
        errors={},
        result=None,
    ), 400


def _report_limit() -> str:
    return settings.current().report_rate_limit


@bp.route("/clinics/<slug>/report", methods=["GET", "POST"])
@limiter.limit(_report_limit, methods=["POST"])
def report(slug: str) -> ResponseReturnValue:
    """Tell the moderators that something on a listing is wrong; no account needed."""
    clinic = found_or_404(listings.published_clinic, slug)
    form = ReportForm()
    if form.validate_on_submit():
        if not form.website_url.data:  # a filled honeypot is a bot: thank it, store nothing
            moderation.report(
                db.session, clinic, ReportCategory(form.category.data), form.note.data or ""
            )
            db.session.commit()
        flash(gettext("Thank you. A moderator will check the listing."), "success")
        return redirect(url_for("public.clinic_page", slug=clinic.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("public/report.html", form=form, clinic=clinic), status


@bp.get("/compare")
def compare() -> tuple[str, int]:
    """Chosen clinics side by side, with an estimated first-course total."""
    cfg = settings.current()
    limit = cfg.compare_max_clinics
    notice = None
    try:
        slugs = listings.parse_slugs(request.args.getlist("clinics"), limit)
    except listings.InvalidSelection as exc:
        try:  # too many picks: show the first ones and say so, rather than an error page
            slugs = listings.parse_slugs(request.args.getlist("clinics"), 10_000)[:limit]
        except listings.InvalidSelection:
            return _compare_error(str(exc))
        notice = gettext(
            "You can compare up to %(limit)s clinics at a time; showing the first %(limit)s.",
            limit=limit,
        )
    treatment = request.args.get("treatment") or DEFAULT_COMPARE_TREATMENT
    if treatment not in KETAMINE_TREATMENTS:
        return _compare_error(gettext("Choose a treatment from the list."))
    clinics, missing = listings.clinics_to_compare(db.session, slugs)
    if slugs and not clinics:
        abort(404)
    near = (request.args.get("near") or "").strip()
    try:
        place = geo.resolve_place(db.session, near) if near else None
    except geo.UnknownPlace as exc:
        return _compare_error(str(exc))
    today = date.today()
    profiles = [
        pricing.cost_profile(c, treatment, today, cfg.price_stale_after_days) for c in clinics
    ]
    came_from = _carried_search(request.args.get("search") or "")
    # Each clinic's miles from the place, and the location they were measured to: as in the
    # search the comparison came from, its nearest in that search's state filter.
    distances = {}
    for c in clinics:
        nearest = geo.nearest_location(place, c.locations, came_from.state)
        nearest = nearest or geo.nearest_location(place, c.locations)
        if nearest is not None:
            index, miles = nearest
            distances[c.slug] = (miles, c.locations[index])
    search_near = near or next(
        (found for c in clinics if (found := listings.search_place_for(c))), None
    )
    return render_template(
        "public/compare.html",
        profiles=profiles,
        rows=pricing.comparison_rows(profiles),
        hospital_cash=hospital.cash_for_compare(
            db.session, clinics, TREATMENT_NAMES.get(treatment, "")
        ),
        missing=missing,
        place=place,
        distances=distances,
        treatment=treatment,
        default_treatment=DEFAULT_COMPARE_TREATMENT,
        course_choices=COURSE_CHOICES,
        error=None,
        notice=notice,
        search_near=search_near,
        back_to_search=_search_came_from(came_from, search_near),
        compare_max=limit,
        args={},
        errors={},
        result=None,
    ), 200


def _carried_search(carried: str) -> SearchQuery:
    """The search a comparison was opened from (its query string, carried in `search`); an
    empty one when it is missing or not valid."""
    try:
        return _parse(MultiDict(parse_qsl(carried[:MAX_SEARCH_TEXT])))
    except InvalidSearch:
        return SearchQuery()


def _search_came_from(query: SearchQuery, near: str | None) -> dict[str, Any] | None:
    """The parameters of the search a comparison was opened from, so "back" returns to
    those results; the place alone when it is missing."""
    if query.has_place:
        return query.as_params()
    return {"near": near} if near else None


@bp.get("/regions")
def regions() -> str:
    """States with counts of clinics and of telehealth programs."""
    states = sorted(listings.state_counts(db.session), key=lambda s: geo.display_order(s.code))
    return render_template("public/regions.html", states=states)


@bp.get("/regions/<state>")
def region(state: str) -> str:
    """A state's cities with counts, and its clinics."""
    directory = found_or_404(listings.state_directory, state)
    return render_template(
        "public/region.html", region=directory, region_name=geo.state_display_name(directory.code)
    )


def _costs(args: dict[str, str]):  # type: ignore[no-untyped-def]
    """(summary, errors) for /costs and its CSV, from the region's parameters."""
    try:
        return pricing.region_summary(db.session, _parse(args)), {}
    except InvalidSearch as exc:
        return None, exc.errors
    except geo.UnknownPlace as exc:
        return None, {"near": str(exc)}


@bp.get("/costs")
def costs() -> tuple[str, int]:
    """Price summary for a region: count, min, median and max per treatment."""
    args = pricing.region_args(request.args)
    summary, errors = _costs(args)

    def content() -> Markup:
        hospital_cash = (
            hospital.region_cash_prices(
                db.session, state=summary.state, place=summary.place, radius=summary.radius
            )
            if summary
            else []
        )
        return rendered.template(
            "public/_costs_content.html",
            summary=summary,
            hospital_cash=hospital_cash,
            errors=errors,
            args=args,
            states=geo.state_choices(),
        )

    return render_template(
        "public/costs.html",
        summary=summary,
        content=content() if errors else rendered.region_costs(args, content),
    ), (400 if errors else 200)


@bp.get("/costs.csv")
@limiter.limit(_export_limit)
def costs_csv() -> Response | tuple[str, int]:
    """The prices behind a region summary as CSV, for one state or place at a time."""
    summary, errors = _costs(pricing.region_args(request.args))
    if not errors and summary is not None and summary.state is None and summary.place is None:
        errors = {"state": gettext("Choose a state or a place to download its prices.")}
    if errors or summary is None:
        return render_template(
            "errors/error.html", status=400, message="; ".join(errors.values())
        ), 400
    limit = settings.current().export_max_rows
    prices, _ = pricing.region_prices(
        db.session, state=summary.state, place=summary.place, radius=summary.radius, limit=limit
    )
    response = csv_response(price_rows(prices, public_base()), "prices.csv")
    if len(prices) >= limit:
        response.headers["X-Rows-Truncated"] = str(limit)
    return response


@bp.get("/about")
def about() -> str:
    """How the directory works, and what clinic pages claim, as their words."""
    quotes = rendered.about_quotes(
        lambda: rendered.template(
            "public/_about_quotes.html", quotes=listings.published_quotes(db.session)
        )
    )
    return render_template("public/about.html", quotes=quotes)
