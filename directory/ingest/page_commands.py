"""The extract-page command: a clinic's page to a candidate listing, printed."""

from __future__ import annotations

import json
from pathlib import Path

import click

from directory import settings
from directory.ingest import documents, extract, fetch


@click.command("extract-page")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the candidate as JSON.")
def extract_page_command(source: str, as_json: bool) -> None:
    """Print the listing a clinic's page (a file or an http(s) URL) states, with quotes."""
    try:
        if documents.is_url(source):
            read = documents.read_url(source, fetch.limits_from(settings.current()))
        else:
            path = Path(source)
            if not path.is_file():
                raise click.ClickException(f"No such file: {source}")
            read = documents.read_path(path)
        candidate = extract.extract(read.page)
    except (fetch.FetchError, extract.NotAClinicPage) as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"Could not read {source}: {exc.strerror}") from exc
    if as_json:
        click.echo(json.dumps(candidate.as_json(), indent=2, ensure_ascii=False))
        return
    _print_summary(candidate)


def _print_summary(candidate: extract.Candidate) -> None:
    data = candidate.as_json()
    name = data["name"]["value"] if data["name"] else "(no name stated)"
    click.echo(name)
    for loc in data["locations"]:
        parts = [
            loc.get("address_1"),
            loc.get("address_2"),
            loc.get("city"),
            loc.get("metro"),
            loc.get("state"),
            loc.get("postal_code"),
        ]
        click.echo("  location: " + ", ".join(p for p in parts if p))
    if data["service_area_states"]:
        click.echo("  serves: " + ", ".join(data["service_area_states"]))
    for phone in data["phones"]:
        vanity = f" ({phone['vanity']})" if phone["vanity"] else ""
        click.echo(f"  {phone['kind']}: {phone['display']}{vanity}")
    for key in ("website", "email"):
        if data[key]:
            click.echo(f"  {key}: {data[key]['value']}")
    for key in ("treatments", "conditions"):
        if data[key]:
            click.echo(f"  {key}: " + ", ".join(t["slug"] for t in data[key]))
    for price in data["prices"]:
        count = f" x{price['sessions_included']}" if price["unit"] == "series" else ""
        click.echo(
            f"  price: {price['treatment']} ${price['amount_cents'] / 100:,.2f} "
            f"per {price['unit']}{count}"
        )
    if data["free_consultation"]:
        click.echo("  free consultation")
    for key in ("payment_options", "languages"):
        if data[key]:
            click.echo(f"  {key.replace('_', ' ')}: " + ", ".join(v["value"] for v in data[key]))
    for warning in data["warnings"]:
        click.echo(f"  warning: {warning}")
