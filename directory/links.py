"""Absolute links, built from the configured public base URL and never from the request;
links to other sites, http(s) only, found in text a moderator reads; and local paths
taken from a request (`next`, a referrer), checked to stay on this site.

A link built from the request's Host header would let anyone who can send a request
choose the host that a password-reset mail points at.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import url_for
from markupsafe import Markup, escape

from directory import settings


def public_base() -> str:
    """The site's own scheme and host, for example https://directory.example.org."""
    return settings.current().public_base_url


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of an endpoint on the public site."""
    return public_base() + url_for(endpoint, **values)


# An address in free text: http or https only, up to the next space; trailing punctuation
# that closes a sentence or a list ("..., as of") is not part of it.
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def outside_url(url: str | None) -> str | None:
    """The address itself if it is a plain http(s) link to another site, else None."""
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def link_urls(text: str | None) -> Markup:
    """Escaped text with each http(s) address in it made a link that passes no referrer."""
    source = text or ""
    out: list[str] = []
    last = 0
    for match in _URL_IN_TEXT.finditer(source):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        href = outside_url(url)
        if href is None:
            continue
        out.append(str(escape(source[last : match.start()])))
        out.append(f'<a href="{escape(href)}" rel="noopener noreferrer nofollow">{escape(url)}</a>')
        last = end
    out.append(str(escape(source[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece is escaped above


def safe_next(target: str | None) -> str | None:
    """A local path to send someone back to (after sign-in, to a form), or None (no open
    redirects).

    Browsers and urllib drop tabs and newlines and read backslashes as slashes, so any
    whitespace, control character or backslash disqualifies the target outright.
    """
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target
