"""Fingerprinted static files: /static/css/site.<hash>.css, cached for a year."""

from __future__ import annotations

import gzip
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, abort, request, send_from_directory
from werkzeug.wrappers import Response

ONE_YEAR = 365 * 24 * 3600
# Text assets sent gzipped to browsers that accept it (Leaflet's script shrinks from 144 KB
# to 42 KB); Flask-Compress leaves files alone, as they are streamed from disk.
COMPRESSIBLE = frozenset({".css", ".js", ".svg", ".json"})
_FINGERPRINT = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")


@lru_cache(maxsize=1024)
def _digest(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def fingerprint(static_folder: str, filename: str) -> str | None:
    """The file's short content hash, or None when there is no such file."""
    path = Path(static_folder, filename)
    try:
        mtime = path.stat().st_mtime
    except (OSError, ValueError):
        return None
    return _digest(str(path), mtime)


@lru_cache(maxsize=64)
def _gzipped(path: str, mtime: float) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def _compressed(response: Response, folder: str, filename: str) -> Response:
    """The whole-file response gzipped, when the browser takes gzip and the file is text."""
    path = Path(folder, filename)
    if (
        response.status_code != 200
        or path.suffix not in COMPRESSIBLE
        or "gzip" not in request.accept_encodings
    ):
        return response
    body = _gzipped(str(path), path.stat().st_mtime)
    response.close()  # the open file send_from_directory would have streamed
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, _weak = response.get_etag()
    if etag:  # another encoding of the same file: a weak validator
        response.set_etag(etag, weak=True)
    return response


def register(app: Flask) -> None:
    """Rewrite url_for('static') to fingerprinted names and serve them with long caching."""
    folder = app.static_folder
    assert folder is not None  # noqa: S101
    known: dict[str, str | None] = {}

    def digest_of(name: str) -> str | None:
        # Deployed files do not change under a running worker: stat each once, not per link.
        if app.debug:
            return fingerprint(folder, name)
        if name not in known:
            known[name] = fingerprint(folder, name)
        return known[name]

    @app.url_defaults
    def _fingerprint_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or "filename" not in values:
            return
        name = values["filename"]
        digest = digest_of(name)
        if digest:
            stem, dot, ext = name.rpartition(".")
            values["filename"] = f"{stem}.{digest}.{ext}" if dot else name

    def static(filename: str) -> Response:
        match = _FINGERPRINT.match(filename)
        if match:
            original = f"{match['stem']}{match['ext']}"
            if fingerprint(folder, original) != match["hash"]:
                abort(404)  # an old fingerprint: the page that asked for it is stale
            response = send_from_directory(folder, original, max_age=ONE_YEAR)
            response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
            return _compressed(response, folder, original)
        return send_from_directory(folder, filename, max_age=3600)

    app.view_functions["static"] = static
