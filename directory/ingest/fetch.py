"""Fetching a clinic's page politely and safely: robots.txt, limits, no private addresses."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from directory.models.base import utcnow

ROBOT_NAME = "KetamineClinicDirectory"
USER_AGENT = f"{ROBOT_NAME}/1.0 (Ketamine Clinic Directory; reads clinic pages for listings)"
TIMEOUT_SECONDS = 10.0
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(ValueError):
    """The page could not or may not be fetched; the message is safe to show."""


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
    """What a fetch may do; tests lower the limits and allow a loopback server."""

    allow_private: bool = False
    timeout: float = TIMEOUT_SECONDS
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = USER_AGENT


def limits_from(config: Mapping[str, Any]) -> Limits:
    """The site's limits; private addresses only if INGEST_ALLOW_PRIVATE_ADDRESSES is true."""
    return Limits(allow_private=config.get("INGEST_ALLOW_PRIVATE_ADDRESSES") is True)


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
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"{parts.hostname} is a private, loopback or link-local address; "
                "the directory does not read pages there."
            )


def fetch(url: str, limits: Limits | None = None) -> Fetched:
    """GET a page within the limits, re-checking every redirect and honouring robots.txt."""
    limits = limits or Limits()
    deadline = time.monotonic() + limits.timeout
    headers = {"User-Agent": limits.user_agent, "Accept": "text/html, text/plain;q=0.9"}
    robots: dict[str, RobotFileParser] = {}
    with httpx.Client(
        timeout=limits.timeout, follow_redirects=False, headers=headers, trust_env=False
    ) as client:
        current = url.strip()
        for _ in range(limits.max_redirects + 1):
            check_url(current, limits.allow_private)
            _check_robots(client, current, robots, limits, deadline)
            body, response = _get(client, current, limits, deadline)
            if response.status_code in _REDIRECTS and response.headers.get("location"):
                current = urljoin(current, response.headers["location"])
                continue
            if response.status_code >= 400:
                raise FetchError(f"The site answered {response.status_code} for {current}.")
            return Fetched(
                url=current,
                body=body,
                content_type=response.headers.get("content-type", ""),
                fetched_at=utcnow(),
            )
    raise FetchError(f"The page redirected more than {limits.max_redirects} times.")


def _get(
    client: httpx.Client, url: str, limits: Limits, deadline: float
) -> tuple[bytes, httpx.Response]:
    """The response and at most max_bytes of its body; more is an error."""
    try:
        with client.stream("GET", url) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise FetchError(_too_big(limits))
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise FetchError(_too_big(limits))
                if time.monotonic() > deadline:
                    raise FetchError(f"The page took longer than {limits.timeout:g} s to read.")
                chunks.append(chunk)
            return b"".join(chunks), response
    except httpx.TimeoutException as exc:
        raise FetchError(f"The site did not answer within {limits.timeout:g} s.") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"The page could not be read: {exc.__class__.__name__}.") from exc


def _too_big(limits: Limits) -> str:
    return f"The page is larger than {limits.max_bytes / 1024 / 1024:g} MB; it was not read."


def _check_robots(
    client: httpx.Client,
    url: str,
    cache: dict[str, RobotFileParser],
    limits: Limits,
    deadline: float,
) -> None:
    """Refuse a URL the site's robots.txt disallows for the directory."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin not in cache:
        parser = RobotFileParser()
        body, response = _get(client, origin + "/robots.txt", limits, deadline)
        if response.status_code in (401, 403):
            parser.disallow_all = True
        elif response.status_code >= 500:
            raise FetchError(f"{origin}/robots.txt could not be read; the page was not fetched.")
        elif response.status_code < 300:
            parser.parse(body.decode("utf-8", errors="replace").splitlines())
        else:
            parser.allow_all = True  # no robots.txt (or one that moved): nothing is disallowed
        cache[origin] = parser
    if not cache[origin].can_fetch(ROBOT_NAME, url):
        raise FetchError(f"{origin}/robots.txt asks robots not to read {parts.path or '/'}.")
