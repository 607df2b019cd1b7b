"""The HSDS data package kept as a file per state of the data, built once per change
instead of once per download.

Building the package reads every published listing whole, about 2 seconds per 1,000
listings. A download serves the file built for the current data version; when there is
none, it builds one (into a temporary file renamed into place, so that workers building
at once never serve half a file) and removes all but the newest two. A directory with
more published listings than `hsds_datapackage_build_max_listings` is not built within a
download: there a download after a change serves the package built last (its
Last-Modified says when) until `flask build-hsds-datapackage` builds the current one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory import settings
from directory.api import hsds_datapackage
from directory.caching import version_stamp
from directory.models import Clinic, ClinicStatus

_PREFIX = "hsds-datapackage-"
# The packages kept: the current one, and the one before for downloads still reading it.
_KEPT = 2


def _directory() -> Path:
    configured = settings.current().exports_dir
    return Path(configured) if configured else Path(current_app.instance_path) / "exports"


def _names(session: Session) -> tuple[str, str]:
    """This database's prefix of package file names, and the current version's name."""
    address, number, changed_at = version_stamp(session)
    database = hashlib.sha256(address.encode()).hexdigest()[:12]
    prefix = f"{_PREFIX}{database}-"
    return prefix, f"{prefix}{number}-{int(changed_at.timestamp() * 1_000_000):x}.zip"


def _built(prefix: str) -> list[Path]:
    """This database's packages, newest first."""
    found = _directory().glob(f"{prefix}*.zip")
    return sorted(found, key=lambda path: path.stat().st_mtime, reverse=True)


def build(session: Session) -> Path:
    """The package of the current data version as a file, built now if it is not yet."""
    prefix, name = _names(session)
    target = _directory() / name
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, building = tempfile.mkstemp(dir=target.parent, prefix=".building-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as out:
            hsds_datapackage.write_zip(session, out)
        # Readable by the site's workers when a command run as another user built it.
        os.chmod(building, 0o644)
        os.replace(building, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(building)
    for older in _built(prefix)[_KEPT:]:
        with contextlib.suppress(FileNotFoundError):
            older.unlink()
    return target


def for_download(session: Session) -> Path:
    """The package to download: the current one, built now when the directory is small
    enough to build within a request; else the one built last, if any."""
    prefix, name = _names(session)
    current = _directory() / name
    if current.exists():
        return current
    published = select(func.count()).select_from(Clinic)
    count = session.execute(published.where(Clinic.status == ClinicStatus.PUBLISHED))
    if count.scalar_one() > settings.current().hsds_datapackage_build_max_listings:
        kept = _built(prefix)
        if kept:
            return kept[0]
    return build(session)
