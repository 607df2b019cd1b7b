"""Security headers on every response, and limits checked before any work is done."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response


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


def register(app: Flask) -> None:
    """Install the request limit and the response headers."""
    policy = content_security_policy(app.config["MAP_TILE_URL"])

    @app.before_request
    def _check_query_length() -> None:
        if len(request.query_string) > app.config["MAX_QUERY_STRING_LENGTH"]:
            abort(414)
        if len(request.args) > app.config["MAX_QUERY_PARAMETERS"]:
            abort(400)
        # No text a person types contains NUL, and PostgreSQL cannot store it: refuse it
        # here, once, rather than in every field that might reach the database.
        if _has_nul(request.args) or (request.method == "POST" and _has_nul(request.form)):
            abort(400)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        if response.mimetype == "text/html" and "Cache-Control" not in headers:
            # Pages may show a signed-in person's data; shared caches must not keep them.
            headers["Cache-Control"] = "private, no-cache"
        return response
