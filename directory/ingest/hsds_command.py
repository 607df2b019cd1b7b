"""The import-hsds-datapackage command: a thin wrapper around hsds_tabular."""

from __future__ import annotations

from pathlib import Path

import click

from directory.extensions import db
from directory.ingest import hsds_tabular


@click.command("import-hsds-datapackage")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish at once instead of waiting for review.")
def import_hsds_datapackage_command(path: Path, publish: bool) -> None:
    """Add the listings of an HSDS tabular data package (a .zip or a folder)."""
    try:
        summary = hsds_tabular.import_datapackage(db.session, path, publish=publish)
    except hsds_tabular.DatapackageError as exc:
        db.session.rollback()
        raise click.ClickException(f"Nothing was imported: {exc}") from exc
    db.session.commit()
    for slug in summary.created:
        click.echo(f"created {slug} ({summary.status.value})")
    for slug in summary.skipped:
        click.echo(f"skipped {slug}: already in the directory")
    click.echo(f"HSDS import: {len(summary.created)} created, {len(summary.skipped)} skipped.")
