"""Importing price files by path or URL, and finding them through a site's cms-hpt.txt."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from sqlalchemy.orm import Session

from directory.ingest import fetch
from directory.ingest.hpt import importer, opener, reader
from directory.ingest.hpt.importer import ImportReport
from directory.search.geocoding import Geocoder
from directory.settings import Settings

CMS_HPT_TXT = "cms-hpt.txt"
MAX_INDEX_BYTES = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 16 * 1024**3


def is_url(location: str) -> bool:
    """True for an http(s) address rather than a local path."""
    return urlsplit(location).scheme in ("http", "https")


def import_path(
    session: Session, path: Path, source: str, geocoder: Geocoder, website: str | None = None
) -> ImportReport:
    """Read a local file and write its charges; HptFormatError when it is malformed."""
    parsed = reader.read_file(path)
    return importer.import_parsed(session, parsed, source, opener.sha256(path), geocoder, website)


def import_location(
    session: Session,
    location: str,
    settings: Settings,
    geocoder: Geocoder,
    website: str | None = None,
) -> ImportReport:
    """Import a file from a local path or a URL (downloaded to a temporary file first)."""
    if not is_url(location):
        path = Path(location)
        if not path.is_file():
            raise fetch.FetchError(f"No such file: {location}")
        return import_path(session, path, path.name, geocoder, website)
    max_bytes = settings.hpt_max_file_bytes
    # A price file may take minutes to arrive: a wait limit, no limit on the whole.
    limits = _limits(settings, max_bytes)
    with tempfile.NamedTemporaryFile(prefix="price-file-", suffix=".download") as tmp:
        final_url = fetch.fetch_to(location, tmp, limits)
        tmp.flush()
        return import_path(session, Path(tmp.name), final_url, geocoder, website)


def _limits(settings: Settings, max_bytes: int) -> fetch.Limits:
    """Price files are published for machines (45 CFR 180.50): no robots.txt to consult."""
    return fetch.limits_from(
        settings,
        max_bytes=max_bytes,
        timeout=settings.hpt_fetch_timeout_seconds,
        total_seconds=None,
        robots=False,
        user_agent=f"{fetch.USER_AGENT} (price transparency import)",
    )


def parse_index(text: str, base_url: str) -> list[str]:
    """The mrf-url entries of a cms-hpt.txt file, as absolute URLs, without repeats."""
    urls: list[str] = []
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "mrf-url" and value.strip():
            url = urljoin(base_url, value.strip())
            if url not in urls:
                urls.append(url)
    return urls


def site_files(site_url: str, settings: Settings) -> list[str]:
    """The price files a hospital's site lists in /cms-hpt.txt at its root."""
    parts = urlsplit(site_url if is_url(site_url) else f"https://{site_url}")
    index_url = f"{parts.scheme}://{parts.netloc}/{CMS_HPT_TXT}"
    limits = _limits(settings, MAX_INDEX_BYTES)
    urls = parse_index(fetch.fetch_text(index_url, limits), index_url)
    if not urls:
        raise fetch.FetchError(f"{index_url} lists no mrf-url entries.")
    return urls
