"""Rendered pieces of pages shared by every worker, in Redis when one is configured.

Each worker keeps the pieces it renders (caching.VersionedMemo), but a worker meets most
clinics for the first time: with several workers, each would render the same result card
or clinic page again. Pieces put here are read back by the others in one round trip per
page: result cards not kept with their listings, and clinic pages.

- **Never stale.** A key carries the data version and everything else the piece depends on
  (the caller's `material`), and the build: a digest of the code, templates and
  translations, so a deploy never serves pieces an older release rendered. Pieces expire
  after an hour.
- **Never trusted blindly.** Each value is signed with a key derived from the secret key,
  and one whose signature does not match (written by anything else) is ignored.
- **An accelerator only.** Without a Redis, or while it fails or answers slowly, pieces
  are rendered as before: a fault is logged and Redis is left alone for a while, so a page
  never waits on it twice.

`DIRECTORY_SHARED_CARDS_URL` names a Redis of its own for the pieces; otherwise they share
`REDIS_URL` with the rate limits.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import time
from collections.abc import Hashable, Mapping
from importlib import metadata
from pathlib import Path
from typing import cast

from flask import Flask, current_app

log = logging.getLogger(__name__)

# How long a piece is kept: cards viewed in the last hour, at most.
TTL_SECONDS = 3600
# How long a call may wait for Redis; a call slower than SLOW_SECONDS counts as a fault
# too; after a fault Redis is left alone for PAUSE_SECONDS.
TIMEOUT_SECONDS = 0.25
SLOW_SECONDS = 0.1
PAUSE_SECONDS = 30.0

_EXTENSION = "shared_pieces"
_SIGNATURE_BYTES = 16


class _Store:
    def __init__(self, url: str, secret: str, build: str) -> None:
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        self.errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.signing_key = hashlib.sha256(b"shared pieces\0" + secret.encode()).digest()
        self.build = build
        self.paused_until = 0.0

    def available(self) -> bool:
        return time.monotonic() >= self.paused_until

    def failed(self, why: object) -> None:
        log.warning("Shared page pieces unavailable for %ss: %s", PAUSE_SECONDS, why)
        self.paused_until = time.monotonic() + PAUSE_SECONDS

    def took(self, started: float) -> None:
        elapsed = time.monotonic() - started
        if elapsed > SLOW_SECONDS:
            self.failed(f"Redis took {elapsed * 1000:.0f} ms")

    def signature(self, key: str, value: bytes) -> bytes:
        digest = hmac.new(self.signing_key, key.encode() + b"\0" + value, hashlib.sha256)
        return digest.digest()[:_SIGNATURE_BYTES]


def init_app(app: Flask) -> None:
    """Connect to Redis lazily, when DIRECTORY_SHARED_CARDS_URL or REDIS_URL names one."""
    url = app.config.get("SHARED_CARDS_URL") or app.config.get("REDIS_URL")
    # Read now, as the app starts: a worker forked from a preloaded app then stamps what
    # it renders with the code it runs, not with newer files put on disk since.
    build = build_of(app)
    store = _Store(url, app.config["SECRET_KEY"], build) if url else None
    app.extensions[_EXTENSION] = store


def enabled() -> bool:
    """Whether pieces are shared now (a Redis is configured and not paused)."""
    return _store() is not None


_FORMATTING_LIBRARIES = ("babel", "flask-babel", "us")


def build_of(app: Flask) -> str:
    """A digest of what renders the app's pieces: its code, templates and translations."""
    return _build(app.root_path, str(app.template_folder or "templates"))


@functools.cache
def _build(root: str, template_folder: str) -> str:
    """A digest of what renders the pieces: the package's code and data (the taxonomy's
    labels), its templates, its compiled translations, and the versions of the libraries
    that format them (read once per process: a search page asks for it)."""
    package = Path(root)
    templates = package / template_folder
    digest = hashlib.sha256()
    patterns = ((package, "*.py"), (package, "*.json"), (package, "*.mo"), (templates, "*.html"))
    for folder, pattern in patterns:
        for path in sorted(folder.rglob(pattern)):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    for library in _FORMATTING_LIBRARIES:  # money, dates, language and state names
        digest.update(f"{library} {metadata.version(library)}".encode())
    return digest.hexdigest()[:16]


def _store() -> _Store | None:
    store: _Store | None = current_app.extensions.get(_EXTENSION)
    return store if store is not None and store.available() else None


def prefix(kind: str, material: Hashable) -> str:
    """The start of the keys of one kind of piece rendered from `material` (its repr must
    be the same in every worker and hold no secret), by this build."""
    store: _Store | None = current_app.extensions.get(_EXTENSION)
    build = store.build if store is not None else ""
    digest = hashlib.sha256(f"{build}\0{material!r}".encode()).hexdigest()[:32]
    return f"{kind}:{digest}:"


def get_many(keys: list[str]) -> dict[str, bytes]:
    """The pieces kept under these keys (those not kept, or not signed by this site, are
    left out)."""
    store = _store()
    if store is None or not keys:
        return {}
    started = time.monotonic()
    try:
        values = cast(list[bytes | None], store.client.mget(keys))
    except store.errors as exc:
        store.failed(exc)
        return {}
    store.took(started)
    found = {}
    for key, value in zip(keys, values, strict=True):
        if value is None:
            continue
        signature, payload = value[:_SIGNATURE_BYTES], value[_SIGNATURE_BYTES:]
        if hmac.compare_digest(signature, store.signature(key, payload)):
            found[key] = payload
    return found


def put_many(pieces: Mapping[str, bytes], seconds: int = TTL_SECONDS) -> None:
    """Keep pieces for the other workers, for `seconds`."""
    store = _store()
    if store is None or not pieces:
        return
    started = time.monotonic()
    try:
        with store.client.pipeline(transaction=False) as pipe:
            for key, value in pieces.items():
                pipe.set(key, store.signature(key, value) + value, ex=seconds)
            pipe.execute()
    except store.errors as exc:
        store.failed(exc)
        return
    store.took(started)
