"""Security headers on every response, and limits checked before any work is done."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from directory import settings
from directory.extensions import request_deadline


def content_security_policy(tile_url: str) -> str:
    """No inline script anywhere (the JSON-LD data block is not executed, so the policy
    does not apply to it); images from this site and the configured map tile server."""
    parts = urlsplit(tile_url)
    tiles = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data:{tiles}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _has_nul(values: MultiDict[str, str]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in routes, no larger than a database integer: a larger id is simply a
    page that does not exist (404), not an overflow deep in the driver."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_converters(app: Flask) -> None:
    """Install the bounded integer converter before any route is added."""
    app.url_map.converters["int"] = BoundedIntConverter


def register(app: Flask) -> None:
    """Install the request limit and the response headers."""
    site = settings.of(app)
    policy = content_security_policy(site.map_tile_url)
    hsts = site.deployment != "development" and not site.testing

    def _start_budget() -> None:
        budget = settings.of(app).request_time_budget_seconds
        g.budget_token = request_deadline.set(time.monotonic() + budget)

    @app.teardown_request
    def _end_budget(_exc: BaseException | None) -> None:
        token = g.pop("budget_token", None)
        if token is not None:
            request_deadline.reset(token)

    def _check_query_length() -> None:
        limits = settings.of(app)
        if len(request.query_string) > limits.max_query_string_length:
            abort(414)
        if len(request.args) > limits.max_query_parameters:
            abort(400)
        # No text a person types contains NUL, and PostgreSQL cannot store it: refuse it
        # here, once, rather than in every field that might reach the database.
        if _has_nul(request.args) or (request.method == "POST" and _has_nul(request.form)):
            abort(400)
        # Werkzeug bounds the parts of multipart forms only; bound URL-encoded ones alike.
        if request.method == "POST":
            parts = sum(1 for _ in request.form.items(multi=True))
            if parts > limits.max_form_parts:
                abort(413)

    # First of all, before CSRF protection or sign-in read the form; and before that, the
    # budget starts, so that every statement of the request counts against it.
    app.before_request_funcs.setdefault(None, []).insert(0, _check_query_length)
    app.before_request_funcs[None].insert(0, _start_budget)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html" and "Cache-Control" not in headers:
            # Pages may show a signed-in person's data; shared caches must not keep them.
            headers["Cache-Control"] = "private, no-cache"
        return response
