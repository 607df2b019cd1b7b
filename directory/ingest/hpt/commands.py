"""The import-hpt command: thin, one transaction per file."""

from __future__ import annotations

import click

from directory.extensions import db
from directory.ingest.fetch import FetchError
from directory.ingest.hpt import service
from directory.ingest.hpt.importer import ImportReport
from directory.ingest.hpt.records import HptFormatError
from directory.search.geocoding import GazetteerGeocoder
from directory.settings import current as site_settings


def _describe(report: ImportReport) -> str:
    lines = [
        f"{report.source}: {report.hospital_name}, {report.file_format} v{report.version}, "
        f"last updated {report.last_updated_on.isoformat()}",
        f"  items: {report.items_seen:,} read, {report.items_kept:,} kept, "
        f"{report.items_skipped:,} skipped; {report.charges:,} charges",
    ]
    if not report.charges:
        lines.append("  no esketamine, ketamine, infusion or evaluation charges: no listing")
    for label, slugs in (
        ("new, waiting for review", report.created),
        ("charges replaced", report.updated),
        ("unchanged", report.unchanged),
        ("skipped, the directory holds a newer file", report.older),
    ):
        for slug in slugs:
            lines.append(f"  {slug}: {label}")
    for slug in report.unplaced:
        lines.append(
            f"  {slug}: its address could not be placed by ZIP code (is the gazetteer loaded? "
            "run init-db); a listing needs one to be approved"
        )
    return "\n".join(lines)


@click.command("import-hpt")
@click.argument("location", required=False)
@click.option(
    "--from-site",
    "site",
    metavar="URL",
    help="Import every file the site's /cms-hpt.txt lists.",
)
def import_hpt_command(location: str | None, site: str | None) -> None:
    """Import a hospital price transparency file (path or URL; JSON or CSV, gzip or zip)."""
    from directory.cli import apply_migrations
    from directory.listings import seeding

    if bool(location) == bool(site):
        raise click.UsageError("Give either a file path or URL, or --from-site URL.")
    apply_migrations()
    seeding.load_taxonomy(db.session)
    db.session.commit()
    settings = site_settings()
    try:
        locations = service.site_files(site, settings) if site else [location]
    except FetchError as exc:
        raise click.ClickException(str(exc)) from exc
    failures = 0
    for item in locations:
        assert item is not None  # noqa: S101 - one of the two was given
        try:
            report = service.import_location(
                db.session, item, settings, GazetteerGeocoder(), website=site
            )
            db.session.commit()
        except (HptFormatError, FetchError) as exc:
            db.session.rollback()  # nothing of a failed file is kept
            failures += 1
            click.echo(f"{item}: not imported: {exc}", err=True)
            continue
        click.echo(_describe(report))
    if failures:
        raise click.ClickException(f"{failures} of {len(locations)} files could not be imported.")
