"""Fetching a file from the web safely: http(s) only, public addresses, timeouts, size caps."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import httpx

MAX_REDIRECTS = 5
USER_AGENT = "ketamine-clinic-directory (price transparency import)"


class FetchError(ValueError):
    """The URL was refused or could not be fetched; the message is safe to show."""


@dataclass(frozen=True)
class FetchLimits:
    """How long to wait, how much to read, and whether private addresses are allowed."""

    timeout_seconds: float = 30.0
    max_bytes: int = 8 * 1024**3
    allow_private: bool = False

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], max_bytes: int | None = None
    ) -> FetchLimits:
        """Limits from INGEST_FETCH_TIMEOUT_SECONDS and INGEST_ALLOW_PRIVATE_ADDRESSES."""
        return cls(
            timeout_seconds=float(settings.get("INGEST_FETCH_TIMEOUT_SECONDS", 30.0)),
            max_bytes=max_bytes if max_bytes is not None else cls.max_bytes,
            allow_private=bool(settings.get("INGEST_ALLOW_PRIVATE_ADDRESSES", False)),
        )


def check_url(url: str, allow_private: bool) -> None:
    """Refuse anything but http(s) to a public address (unless private ones are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"Only http and https URLs can be fetched, not {url[:200]!r}.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise FetchError(f"Cannot resolve {parts.hostname!r}: {exc}") from exc
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"{parts.hostname} resolves to a private or local address ({address}); "
                "set INGEST_ALLOW_PRIVATE_ADDRESSES to fetch from it."
            )


def _stream(client: httpx.Client, url: str, limits: FetchLimits) -> httpx.Response:
    """The final response after checked redirects, with its body not yet read."""
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, limits.allow_private)
        response = client.send(client.build_request("GET", url), stream=True)
        if response.is_redirect:
            response.close()
            url = urljoin(url, response.headers.get("location", ""))
            continue
        if response.status_code != 200:
            response.close()
            raise FetchError(f"{url[:200]} answered {response.status_code}.")
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > limits.max_bytes:
            response.close()
            raise FetchError(f"{url[:200]} is larger than the limit of {limits.max_bytes:,} bytes.")
        return response
    raise FetchError(f"{url[:200]} redirects more than {MAX_REDIRECTS} times.")


def fetch_to(url: str, out: IO[bytes], limits: FetchLimits) -> str:
    """Write the body at url into out, as it arrives; returns the final URL."""
    written = 0
    try:
        with httpx.Client(
            timeout=limits.timeout_seconds, headers={"User-Agent": USER_AGENT}
        ) as client:
            response = _stream(client, url, limits)
            try:
                for chunk in response.iter_bytes(1 << 20):
                    written += len(chunk)
                    if written > limits.max_bytes:
                        raise FetchError(
                            f"{url[:200]} is larger than the limit of {limits.max_bytes:,} bytes."
                        )
                    out.write(chunk)
            finally:
                response.close()
            return str(response.url)
    except httpx.HTTPError as exc:
        raise FetchError(f"Could not fetch {url[:200]}: {exc}") from exc


def fetch_text(url: str, limits: FetchLimits) -> str:
    """A small text document (at most limits.max_bytes), decoded as UTF-8."""
    import io

    buffer = io.BytesIO()
    fetch_to(url, buffer, limits)
    return buffer.getvalue().decode("utf-8", errors="replace")
