"""Opening a price file as bytes, whether plain, gzip or a zip holding one file."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from directory.ingest.hpt.records import HptFormatError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
DATA_SUFFIXES = (".json", ".csv", ".txt")


def compression(path: Path) -> str:
    """ "gzip", "zip" or "none", from the file's first bytes (never from its name)."""
    with path.open("rb") as raw:
        head = raw.read(4)
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head == ZIP_MAGIC:
        return "zip"
    return "none"


def _zip_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    members = [
        m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")
    ]
    data = [m for m in members if m.filename.lower().endswith(DATA_SUFFIXES)] or members
    if len(data) != 1:
        names = ", ".join(m.filename for m in data[:5]) or "nothing"
        raise HptFormatError(f"The zip file must hold exactly one price file; it holds {names}.")
    return data[0]


@contextlib.contextmanager
def open_bytes(path: Path) -> Iterator[IO[bytes]]:
    """The file's content as a binary stream, decompressed as it is read."""
    kind = compression(path)
    try:
        if kind == "gzip":
            with gzip.open(path, "rb") as stream:
                yield stream  # type: ignore[misc]  # GzipFile is a binary stream
        elif kind == "zip":
            with zipfile.ZipFile(path) as archive, archive.open(_zip_member(archive)) as stream:
                yield stream
        else:
            with path.open("rb") as stream:
                yield stream
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise HptFormatError(f"The {kind} file is damaged or cut short: {exc}") from exc


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    """The hash of the file as stored, to tell one published file from another."""
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while block := raw.read(chunk):
            digest.update(block)
    return digest.hexdigest()
