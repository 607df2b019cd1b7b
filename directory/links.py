"""Absolute links, built from the configured public base URL and never from the request.

A link built from the request's Host header would let anyone who can send a request
choose the host that a password-reset mail points at.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def public_base() -> str:
    """The site's own scheme and host, for example https://directory.example.org."""
    return str(current_app.config["PUBLIC_BASE_URL"])


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of an endpoint on the public site."""
    return public_base() + url_for(endpoint, **values)
