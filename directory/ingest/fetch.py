"""Fetching from the web politely and safely, for clinic pages and hospital price files.

http and https only; no private, loopback or link-local addresses unless the setting
INGEST_ALLOW_PRIVATE_ADDRESSES allows them; every redirect re-checked, at most five;
timeouts and a size cap; a User-Agent that names the directory; robots.txt honoured
where the limits ask for it (clinic pages).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import ipaddress
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from directory.models.base import utcnow
from directory.settings import Settings

ROBOT_NAME = "KetamineClinicDirectory"
USER_AGENT = f"{ROBOT_NAME}/1.0 (Ketamine Clinic Directory; reads clinic pages for listings)"
TIMEOUT_SECONDS = 10.0
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 1 << 20


class FetchError(ValueError):
    """The URL could not or may not be fetched; the message is safe to show."""


@dataclass(frozen=True)
class Fetched:
    """A fetched page: the URL it ended at, its bytes and type, when, and its hash."""

    url: str
    body: bytes
    content_type: str
    fetched_at: datetime

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes as received."""
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True)
class Limits:
    """What a fetch may do; tests lower the limits and allow a loopback server.

    `timeout` bounds each wait on the network; `total_seconds`, when set, bounds the
    whole fetch (a page must arrive quickly; a price file of gigabytes may not).
    """

    allow_private: bool = False
    timeout: float = TIMEOUT_SECONDS
    total_seconds: float | None = TIMEOUT_SECONDS
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = USER_AGENT
    robots: bool = True


def limits_from(settings: Settings, **overrides: Any) -> Limits:
    """The site's limits, with private addresses only if INGEST_ALLOW_PRIVATE_ADDRESSES."""
    limits = Limits(
        allow_private=settings.ingest_allow_private_addresses,
        timeout=settings.ingest_fetch_timeout_seconds,
    )
    return dataclasses.replace(limits, **overrides)


def check_url(url: str, allow_private: bool) -> None:
    """Refuse anything but http(s) to a public address (unless private ones are allowed)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise FetchError("Only http:// and https:// addresses can be read.")
    if not parts.hostname:
        raise FetchError("That address names no host.")
    if parts.username or parts.password:
        raise FetchError("Addresses with a user name or password are not read.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise FetchError(f"The host {parts.hostname} could not be found.") from exc
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"{parts.hostname} is a private, loopback or link-local address; "
                "the directory does not read pages there (set "
                "INGEST_ALLOW_PRIVATE_ADDRESSES to allow it)."
            )


@contextlib.contextmanager
def _final_response(url: str, limits: Limits) -> Iterator[tuple[str, httpx.Response, float | None]]:
    """The final answer after checked redirects (body unread), its URL and the deadline."""
    deadline = time.monotonic() + limits.total_seconds if limits.total_seconds else None
    headers = {"User-Agent": limits.user_agent}
    robots: dict[str, RobotFileParser] = {}
    try:
        with httpx.Client(
            timeout=limits.timeout, follow_redirects=False, headers=headers, trust_env=False
        ) as client:
            current = url.strip()
            for _ in range(limits.max_redirects + 1):
                check_url(current, limits.allow_private)
                if limits.robots:
                    _check_robots(client, current, robots, limits, deadline)
                with client.stream("GET", current) as response:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise FetchError(f"The site answered {response.status_code} for {current}.")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limits.max_bytes:
                        raise FetchError(_too_big(limits))
                    yield current, response, deadline
                    return
    except httpx.TimeoutException as exc:
        raise FetchError(f"The site did not answer within {limits.timeout:g} s.") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"The address could not be read: {exc.__class__.__name__}.") from exc
    raise FetchError(f"The address redirected more than {limits.max_redirects} times.")


def _chunks(response: httpx.Response, limits: Limits, deadline: float | None) -> Iterator[bytes]:
    """The body as it arrives, refusing more than max_bytes or a passed deadline."""
    size = 0
    for chunk in response.iter_bytes(_CHUNK):
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(_too_big(limits))
        if deadline is not None and time.monotonic() > deadline:
            raise FetchError(f"The address took longer than {limits.total_seconds:g} s to read.")
        yield chunk


def fetch(url: str, limits: Limits | None = None) -> Fetched:
    """GET a page within the limits, re-checking every redirect and honouring robots.txt."""
    limits = limits or Limits()
    with _final_response(url, limits) as (final, response, deadline):
        body = b"".join(_chunks(response, limits, deadline))
        content_type = response.headers.get("content-type", "")
    return Fetched(url=final, body=body, content_type=content_type, fetched_at=utcnow())


def fetch_to(url: str, out: IO[bytes], limits: Limits) -> str:
    """Write the body at url into out as it arrives (never whole in memory); the final URL."""
    with _final_response(url, limits) as (final, response, deadline):
        for chunk in _chunks(response, limits, deadline):
            out.write(chunk)
    return final


def fetch_text(url: str, limits: Limits) -> str:
    """A small text document, decoded as UTF-8."""
    return fetch(url, limits).body.decode("utf-8", errors="replace")


def _too_big(limits: Limits) -> str:
    size = (
        f"{limits.max_bytes / 1024 / 1024:g} MB"
        if limits.max_bytes >= 1024 * 1024
        else f"{limits.max_bytes:,} bytes"
    )
    return f"The file is larger than the limit of {size}; it was not read."


def _check_robots(
    client: httpx.Client,
    url: str,
    cache: dict[str, RobotFileParser],
    limits: Limits,
    deadline: float | None,
) -> None:
    """Refuse a URL the site's robots.txt disallows for the directory."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin not in cache:
        parser = RobotFileParser()
        with client.stream("GET", origin + "/robots.txt") as response:
            status = response.status_code
            body = b"".join(_chunks(response, limits, deadline)) if status < 300 else b""
        if status in (401, 403):
            parser.disallow_all = True  # type: ignore[attr-defined]  # what read() sets on 401/403
        elif status >= 500:
            raise FetchError(f"{origin}/robots.txt could not be read; the page was not fetched.")
        elif status < 300:
            parser.parse(body.decode("utf-8", errors="replace").splitlines())
        else:
            # No robots.txt (or one that moved): nothing is disallowed, as read() decides.
            parser.allow_all = True  # type: ignore[attr-defined]
        cache[origin] = parser
    if not cache[origin].can_fetch(ROBOT_NAME, url):
        raise FetchError(f"{origin}/robots.txt asks robots not to read {parts.path or '/'}.")
