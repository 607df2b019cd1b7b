"""The import-listings command: a thin wrapper around the bulk importer."""

from __future__ import annotations

from pathlib import Path

import click

from directory.extensions import db
from directory.ingest import bulk, imports

SHOWN_ROWS = 50  # rows listed one by one; the summary counts them all


@click.command("import-listings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--publish", is_flag=True, help="Publish new listings at once (else: pending).")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some are not.")
@click.option("--source", default=None, help="Source name for rows that give none.")
def import_listings_command(
    file: Path, dry_run: bool, publish: bool, skip_invalid: bool, source: str | None
) -> None:
    """Import listings from a CSV file or an HSDS 3.0 JSON file (as /api/v1/hsds serves)."""
    from directory.cli import apply_migrations

    apply_migrations()
    opener = lambda: file.open("rb")  # noqa: E731
    try:
        click.echo(f"Checking {file.name} ...")
        report = imports.check_file(db.session, opener, file.name, source=source)
        if not report.invalid or skip_invalid:
            with click.progressbar(length=report.rows, label="Importing rows") as bar:
                report = imports.write_file(
                    db.session,
                    opener,
                    file.name,
                    report,
                    imports.WriteOptions(
                        publish=publish,
                        source=source,
                        progress=bar.update,
                        release_memory=True,
                        keep_outcomes=SHOWN_ROWS,
                    ),
                )
    except bulk.BulkFileError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    for error in report.errors:
        click.echo(f"invalid: {error}", err=True)
    if report.invalid > len(report.errors):
        click.echo(f"... and more: {report.invalid} invalid rows in all.", err=True)
    if not report.written:
        db.session.rollback()
        click.echo(report.summary())
        raise click.ClickException(
            "Nothing was imported: fix the rows above, or use --skip-invalid."
        )
    for outcome in report.outcomes:
        detail = f" ({outcome.detail})" if outcome.detail else ""
        click.echo(f"row {outcome.row}: {outcome.action} {outcome.name}{detail}")
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run, nothing written. Would import {report.summary()}.")
        return
    db.session.commit()
    where = "published" if publish else "pending in the moderation queue"
    click.echo(f"Imported {report.summary()}. New listings are {where}.")
