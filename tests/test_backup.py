"""Backup and restore: a fresh database restored from a backup holds every row."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, select

from directory import create_app
from directory.extensions import db
from tests import conftest
from tests.conftest import price


def snapshot(session) -> dict[str, list[tuple]]:
    return {
        table.name: sorted(
            tuple(repr(v) for v in row) for row in session.execute(select(table)).all()
        )
        for table in db.metadata.sorted_tables
    }


def test_backup_then_restore_into_a_fresh_database(
    app, runner, seeded, make_clinic, make_user, tmp_path
):
    make_clinic("Backed Up", prices=(price("iv-infusion", 450),), hours="Mon-Fri")
    make_user("owner@example.org")
    before = snapshot(db.session)
    target = tmp_path / "site.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0

    if conftest.PG_URL:
        name = f"directory_restore_{uuid.uuid4().hex[:10]}"
        conftest._pg_admin(f"CREATE DATABASE {name}")
        fresh_uri = conftest._pg_database_url(name)
    else:
        fresh_uri = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        create_engine(fresh_uri).dispose()
    fresh = create_app(conftest._config(fresh_uri))
    try:
        with fresh.app_context():
            restored = fresh.test_cli_runner().invoke(args=["restore", "--yes", str(target)])
            assert restored.exit_code == 0, restored.output
            assert snapshot(db.session) == before
            db.session.remove()
            db.engine.dispose()
    finally:
        if conftest.PG_URL:
            conftest._pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_restore_of_a_missing_file_says_so(runner, tmp_path):
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "nothing.backup")])
    assert result.exit_code != 0
    assert "No backup at" in result.output
