"""Flask CLI commands: thin, idempotent wrappers around the seeding services."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click
import flask_migrate
from flask import Flask
from sqlalchemy import inspect as sa_inspect

from directory import backup, settings
from directory.accounts import service as accounts
from directory.api import kept_datapackage
from directory.demo import clinics as demo_clinics
from directory.extensions import MIGRATIONS_DIR, db
from directory.ingest import page_commands
from directory.ingest.commands import import_listings_command
from directory.ingest.hpt.commands import import_hpt_command
from directory.ingest.hsds_command import import_hsds_datapackage_command
from directory.listings import derived, seeding
from directory.public import stored_cards


def register(app: Flask) -> None:
    """Attach the directory's commands to `flask --app directory`."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(rebuild_derived_command)
    app.cli.add_command(render_cards_command)
    app.cli.add_command(build_hsds_datapackage_command)
    app.cli.add_command(import_hsds_datapackage_command)
    app.cli.add_command(import_hpt_command)
    app.cli.add_command(page_commands.extract_page_command)
    app.cli.add_command(import_listings_command)


def apply_migrations() -> None:
    """Bring the schema to the newest migration (an empty database gets all of it)."""
    inspector = sa_inspect(db.engine)
    tables = set(inspector.get_table_names())
    if "clinics" in tables and "alembic_version" not in tables:
        raise click.ClickException(
            "This database was created before migrations were introduced. Move it aside "
            "(for example instance/directory.sqlite3) and run the command again."
        )
    flask_migrate.upgrade(directory=MIGRATIONS_DIR)


def _prepare_database() -> None:
    apply_migrations()
    seeding.load_taxonomy(db.session)
    with click.progressbar(length=73_000, label="Loading the ZIP and city gazetteer") as bar:
        total = seeding.load_gazetteer(db.session, progress=bar.update)
    db.session.commit()
    _refresh_planner_statistics()  # the migrations ran on empty tables
    click.echo(f"Gazetteer: {total:,} places.")


def _refresh_planner_statistics() -> None:
    """Let the query planner see the new table sizes after a bulk load."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


@click.command("init-db")
def init_db_command() -> None:
    """Apply the migrations and load the taxonomy and the offline gazetteer."""
    _prepare_database()
    click.echo("Database ready.")


@click.command("seed")
def seed_command() -> None:
    """Load the clinics taken from the seed documents (existing ones are left alone)."""
    _prepare_database()
    report = seeding.load_seed_clinics(db.session)
    db.session.commit()
    _refresh_planner_statistics()
    for slug in report.created:
        click.echo(f"created {slug}")
    click.echo(f"Seed clinics: {len(report.created)} created, {len(report.skipped)} already there.")


@click.command("demo-data")
@click.option(
    "--clinics", "count", default=300, show_default=True, type=click.IntRange(0, 1_000_000)
)
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date the as-of dates count back from (default: today).",
)
def demo_data_command(count: int, seed: int, today: object) -> None:
    """Add fictional example clinics, labelled as such, for demos and benchmarks."""
    _prepare_database()
    as_of = today.date() if today is not None else date.today()  # type: ignore[attr-defined]
    with click.progressbar(length=count, label="Creating example clinics") as bar:
        created = demo_clinics.create_example_clinics(
            db.session, count, seed=seed, today=as_of, progress=bar.update
        )
        db.session.commit()
    _refresh_planner_statistics()
    click.echo(f"Example clinics: {created} created, {count - created} already there.")


@click.command("rebuild-derived")
def rebuild_derived_command() -> None:
    """Recompute the tables kept from the listings (lowest prices, the points searches
    read, each state's telehealth programs, HSDS service and service-at-location ids), in
    one transaction: after SQL run by hand on the tables they follow, which the site
    cannot see."""
    apply_migrations()
    counted = derived.rebuild_all(db.session)
    db.session.commit()
    _refresh_planner_statistics()
    for name, rows in counted.items():
        click.echo(f"{name}: {rows:,} rows")


@click.command("render-cards")
def render_cards_command() -> None:
    """Render the result cards, and the API's search results kept with them, that
    searches cannot use as kept: missing, rendered by an earlier release or other
    settings, or with an "over 12 months old" flag or a price's staleness turned since.
    Run it after a deploy and once a day; searches render such cards themselves until
    then."""
    apply_migrations()
    rendered = stored_cards.render_due(db.session, date.today())
    click.echo(f"Result cards rendered for {rendered:,} listings.")


@click.command("build-hsds-datapackage")
def build_hsds_datapackage_command() -> None:
    """Build the HSDS data package of the data as it stands, for /api/v1/hsds/datapackage.zip
    to serve. A directory too large to build it within a download needs this after each
    import and once an hour or so (approvals change the data too)."""
    path = kept_datapackage.build(db.session)
    click.echo(f"HSDS data package: {path} ({path.stat().st_size:,} bytes).")


@click.command("create-admin")
@click.argument("email")
def create_admin_command(email: str) -> None:
    """Create an admin (or promote an account). Password from ADMIN_PASSWORD or a prompt."""
    apply_migrations()
    password = os.environ.get("ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = accounts.create_admin(db.session, email, password, settings.current())
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Admin ready: {user.email}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the whole database to PATH (SQLite online backup, or pg_dump)."""
    try:
        backup.backup(db.engine, path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {path}")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH."""
    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    try:
        backup.restore(db.engine, path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored from {path}")
