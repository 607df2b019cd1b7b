"""Reading a page from a file, an upload or a URL, and keeping it as a source document."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from directory.ingest import fetch, pages
from directory.ingest.pages import Page
from directory.models import SourceDocument, User, utcnow


@dataclass(frozen=True)
class Read:
    """A page and the bytes it came from, with where and when."""

    page: Page
    body: bytes
    url: str | None
    file_name: str | None
    fetched_at: datetime


def is_url(text: str) -> bool:
    """True for an http(s) address (anything else on the command line is a file path)."""
    return text.strip().lower().startswith(("http://", "https://"))


def read_bytes(body: bytes, file_name: str) -> Read:
    """A page from an uploaded or local file; the extension decides HTML or text."""
    guessed = mimetypes.guess_type(file_name)[0]
    content_type = guessed if guessed in ("text/html", "text/plain") else None
    return Read(pages.from_bytes(body, content_type), body, None, file_name, utcnow())


def read_path(path: Path) -> Read:
    """A page from a local file."""
    return read_bytes(path.read_bytes(), path.name)


def read_url(url: str, limits: fetch.Limits) -> Read:
    """A page fetched from the web within the limits (FetchError otherwise)."""
    got = fetch.fetch(url, limits)
    return Read(
        pages.from_bytes(got.body, got.content_type, got.url),
        got.body,
        got.url,
        None,
        got.fetched_at,
    )


def store(session: Session, read: Read, user: User | None) -> SourceDocument:
    """Keep the page the extracted facts quote: source, time, hash and visible text."""
    document = SourceDocument(
        url=read.url,
        file_name=read.file_name,
        fetched_at=read.fetched_at,
        sha256=hashlib.sha256(read.body).hexdigest(),
        content_type=read.page.content_type,
        text=read.page.text,
        submitted_by_id=user.id if user else None,
    )
    session.add(document)
    session.flush()
    return document
