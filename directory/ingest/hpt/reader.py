"""Reading any supported price file: the layout is told from the content, not the name."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from directory.ingest.hpt import csv_reader, json_reader, opener
from directory.ingest.hpt.records import HptFormatError, ParsedFile


def _first_byte(path: Path) -> bytes:
    with opener.open_bytes(path) as stream:
        head = stream.read(4096)
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text[:1]


def read_file(path: Path) -> ParsedFile:
    """Parse a JSON or CSV price file (plain, gzip or zip); HptFormatError when malformed."""

    @contextlib.contextmanager
    def open_stream() -> Iterator[IO[bytes]]:
        with opener.open_bytes(path) as stream:
            yield stream

    first = _first_byte(path)
    if not first:
        raise HptFormatError("The file is empty.")
    if first == b"{":
        return json_reader.read(open_stream)
    if first == b"[":
        raise HptFormatError("$: the JSON file is a list; the CMS template is one object.")
    if b"\x00" in first or first in (b"<",):
        raise HptFormatError("This is neither a JSON nor a CSV price file.")
    return csv_reader.read(open_stream)
