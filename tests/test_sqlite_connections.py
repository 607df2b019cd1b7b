"""What every SQLite connection the site opens is set to do."""

from __future__ import annotations

import pytest
from flask import Flask

from directory.extensions import db
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite connection settings")


def _pragma(app: Flask, name: str) -> object:
    with app.app_context():
        value = db.session.connection().exec_driver_sql(f"PRAGMA {name}").scalar()
        db.session.remove()
    return value


def test_connections_write_ahead_check_foreign_keys_and_map_reads(app: Flask) -> None:
    assert _pragma(app, "journal_mode") == "wal"
    assert _pragma(app, "foreign_keys") == 1
    assert _pragma(app, "busy_timeout") == app.config["SQLITE_BUSY_TIMEOUT_MS"]
    assert _pragma(app, "mmap_size") == app.config["SQLITE_MMAP_BYTES"] > 0


def test_memory_mapped_reads_follow_the_setting(app_like) -> None:
    assert _pragma(app_like(SQLITE_MMAP_BYTES=0), "mmap_size") == 0
    assert _pragma(app_like(SQLITE_MMAP_BYTES=64 * 1024 * 1024), "mmap_size") == 64 * 1024 * 1024
