"""Rendered pieces of pages shared by every worker, in Redis when REDIS_URL names one.

Each worker keeps the pieces it renders (caching.VersionedMemo), but a worker meets most
clinics for the first time: with several workers, each would render the same result card
again. Pieces put here are read back by the others in one round trip per page. Their keys
carry the data version and everything else the piece depends on, so a piece is never read
after an approval or import has changed it; they expire after an hour.

The store is an accelerator only: without REDIS_URL, or while Redis does not answer, the
pieces are rendered as before (a failure is logged and Redis is left alone for a while, so
a page never waits on it twice).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import cast

from flask import Flask, current_app

log = logging.getLogger(__name__)

# How long a piece is kept: cards viewed in the last hour, at most.
TTL_SECONDS = 3600
# How long a call may wait for Redis, and how long Redis is left alone after a failure.
TIMEOUT_SECONDS = 0.25
PAUSE_SECONDS = 30.0

_EXTENSION = "shared_pieces"


class _Store:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        self.errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.paused_until = 0.0

    def available(self) -> bool:
        return time.monotonic() >= self.paused_until

    def failed(self, exc: Exception) -> None:
        log.warning("Shared page pieces unavailable for %ss: %s", PAUSE_SECONDS, exc)
        self.paused_until = time.monotonic() + PAUSE_SECONDS


def init_app(app: Flask) -> None:
    """Connect to Redis lazily, when REDIS_URL names one."""
    url = app.config.get("REDIS_URL")
    app.extensions[_EXTENSION] = _Store(url) if url else None


def _store() -> _Store | None:
    store: _Store | None = current_app.extensions.get(_EXTENSION)
    return store if store is not None and store.available() else None


def get_many(keys: list[str]) -> dict[str, bytes]:
    """The pieces kept under these keys (those not kept are left out)."""
    store = _store()
    if store is None or not keys:
        return {}
    try:
        values = cast(list[bytes | None], store.client.mget(keys))
    except store.errors as exc:
        store.failed(exc)
        return {}
    return {key: value for key, value in zip(keys, values, strict=True) if value is not None}


def put_many(pieces: Mapping[str, bytes] | Iterable[tuple[str, bytes]]) -> None:
    """Keep pieces for the other workers, for TTL_SECONDS."""
    store = _store()
    items = list(pieces.items() if isinstance(pieces, Mapping) else pieces)
    if store is None or not items:
        return
    try:
        with store.client.pipeline(transaction=False) as pipe:
            for key, value in items:
                pipe.set(key, value, ex=TTL_SECONDS)
            pipe.execute()
    except store.errors as exc:
        store.failed(exc)
