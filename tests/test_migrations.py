"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from directory.extensions import db


def test_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_record_their_version(app):
    tables = set(inspect(db.engine).get_table_names())
    assert "alembic_version" in tables
    assert {t.name for t in db.metadata.sorted_tables} <= tables


def test_init_db_on_a_database_from_before_migrations_says_what_to_do(runner, tmp_path):
    from directory import create_app

    legacy = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}",
        }
    )
    with legacy.app_context():
        db.create_all()
        result = legacy.test_cli_runner().invoke(args=["init-db"])
        db.engine.dispose()
    assert result.exit_code != 0
    assert "created before migrations" in result.output


def test_the_suite_runs_on_the_database_it_was_given(app):
    import os

    expected = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    assert db.engine.dialect.name == expected
