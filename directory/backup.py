"""Backup and restore of the whole database: SQLite's online backup, or pg_dump/pg_restore."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import cast

from sqlalchemy.engine import Engine, make_url


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def _pg_url(engine: Engine) -> str:
    """The engine's URL in the plain form the PostgreSQL tools accept."""
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))[-1:]), None
    )
    if not found:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client).")
    return found


def _run(tool: str, *args: str) -> None:
    """Run a PostgreSQL tool; its own error message becomes the BackupError."""
    command = [_pg_tool(tool), *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        raise BackupError(result.stderr.strip())


def _sqlite_copy(engine: Engine, path: Path, to_file: bool) -> None:
    """Copy the live SQLite database to the file at path, or the file over it.

    Online: writers may continue while a copy is made.
    """
    raw = engine.raw_connection()
    try:
        live = cast(sqlite3.Connection, raw.driver_connection)
        with sqlite3.connect(path) as file:
            if to_file:
                live.backup(file)
            else:
                file.backup(live)
    finally:
        raw.close()


def backup(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the live database to target."""
    if engine.dialect.name == "sqlite":
        _sqlite_copy(engine, target, to_file=True)
        return
    if engine.dialect.name == "postgresql":
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}", _pg_url(engine))
        return
    raise BackupError(f"No backup method for {engine.dialect.name}.")


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's contents with a backup made by `backup`."""
    if not source.is_file():
        raise BackupError(f"No backup at {source}.")
    engine.dispose()  # no pooled connection may hold the old pages
    if engine.dialect.name == "sqlite":
        _sqlite_copy(engine, source, to_file=False)
        return
    if engine.dialect.name == "postgresql":
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_pg_url(engine)}",
            str(source),
        )
        return
    raise BackupError(f"No restore method for {engine.dialect.name}.")
