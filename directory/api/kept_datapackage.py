"""The HSDS data package kept as a file per state of the data, built once per change
instead of once per download.

Building the package reads every published listing whole, about 2 seconds per 1,000
listings. A download serves the file built for the current data version; when there is
none, it builds one (into a temporary file renamed into place, so that workers building
at once never serve half a file) and removes all but the newest two. A directory with
more published listings than `hsds_datapackage_build_max_listings` is not built within a
download: there a download after a change serves the package built last (its
Last-Modified says when) until `flask build-hsds-datapackage` builds the current one,
and before any has been built it answers 503 with Retry-After.

The files are named by the data version alone: the command and the site read the same
database, whatever address each reaches it by, and each deployment has its own folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory import settings
from directory.api import hsds_datapackage
from directory.caching import current_version
from directory.models import Clinic, ClinicStatus

_PREFIX = "hsds-datapackage-"
# The packages kept: the current one, and the one before for downloads still reading it.
_KEPT = 2
# A build's leftovers (a worker killed mid-build) older than this are removed.
_ABANDONED_SECONDS = 24 * 3600


class NotBuiltYet(Exception):
    """No package has been built yet, and the directory is too large to build one within
    a download."""


def directory() -> Path:
    """Where packages are kept: EXPORTS_DIR (relative to the instance folder), or the
    instance folder's exports/."""
    instance = Path(current_app.instance_path)
    return instance / (settings.current().exports_dir or "exports")


def _name(session: Session) -> str:
    """The file name of the current data version's package."""
    version = current_version(session)
    return f"{_PREFIX}{version.number}-{int(version.changed_at.timestamp() * 1_000_000):x}.zip"


def _built() -> list[Path]:
    """The packages kept, newest first (one removed meanwhile by another worker is left
    out)."""
    found = []
    for path in directory().glob(f"{_PREFIX}*.zip"):
        with contextlib.suppress(OSError):
            found.append((path.stat().st_mtime, path))
    return [path for _, path in sorted(found, reverse=True)]


def _tidy(folder: Path) -> None:
    """Remove all but the newest packages, and leftovers of abandoned builds."""
    for older in _built()[_KEPT:]:
        with contextlib.suppress(OSError):
            older.unlink()
    cutoff = time.time() - _ABANDONED_SECONDS
    for leftover in folder.glob(".building-*"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink()


def build(session: Session) -> Path:
    """The package of the current data version as a file, built now if it is not yet."""
    target = directory() / _name(session)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, building = tempfile.mkstemp(dir=target.parent, prefix=".building-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as out:
            hsds_datapackage.write_zip(session, out, scratch_in=target.parent)
        # Readable by the site's workers when a command run as another user built it.
        os.chmod(building, 0o644)
        os.replace(building, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(building)
    _tidy(target.parent)
    return target


def for_download(session: Session) -> Path:
    """The package to download: the current one, built now when the directory is small
    enough to build within a request; else the one built last. NotBuiltYet when there is
    none and the directory is too large."""
    current = directory() / _name(session)
    if current.exists():
        return current
    published = select(func.count()).select_from(Clinic)
    count = session.execute(published.where(Clinic.status == ClinicStatus.PUBLISHED))
    if count.scalar_one() > settings.current().hsds_datapackage_build_max_listings:
        kept = _built()
        if not kept:
            raise NotBuiltYet
        return kept[0]
    return build(session)
