"""The HSDS tabular data package: valid under Frictionless and the HSDS table schemas, and
read back into an empty directory it exports the very same records."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import configure, price
from hsds_validation import schema, validator
from sqlalchemy import event, func, select

from directory.demo import clinics as demo_clinics
from directory.extensions import db
from directory.ingest import hsds_tabular
from directory.listings import seeding
from directory.models import Clinic, ClinicStatus, Location, Place

URL = "/api/v1/hsds/datapackage.zip"


@pytest.fixture
def site(app, make_clinic) -> None:
    """Seed clinics, 60 example clinics and a telehealth program with prices and hours."""
    seeding.load_seed_clinics(db.session)
    demo_clinics.create_example_clinics(db.session, 60, seed=11, today=date.today())
    db.session.commit()
    make_clinic(
        "Remote Program",
        slug="remote-program",
        service_areas=("MI", "OH"),
        treatments=("at-home",),
        conditions=("ptsd", "anxiety"),
        hours="Evenings by video",
        accepts_insurance=False,
        prices=(price("at-home", 299, "month", insurance=True),),
        last_verified_on=date(2026, 2, 1),
    )


def package_bytes(client) -> bytes:
    """The downloaded package (sent from its file, which the response closes)."""
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    response.close()
    return body


def download(client) -> dict[str, str]:
    body = package_bytes(client)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def published() -> int:
    return db.session.execute(
        select(func.count()).select_from(Clinic).where(Clinic.status == ClinicStatus.PUBLISHED)
    ).scalar_one()


def test_the_package_is_valid_under_frictionless_and_the_hsds_table_schemas(client, site, tmp_path):
    import frictionless

    files = download(client)
    descriptor = json.loads(files["datapackage.json"])
    tables = schema("compiled/tabular.json")["properties"]
    assert {r["name"] for r in descriptor["resources"]} == set(tables)
    for resource in descriptor["resources"]:
        assert resource["path"] == tables[resource["name"]]["items"]["path"]
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")

    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]

    # Each row against Open Referral's own table schema (its columns; lists are other tables).
    counts = {}
    for resource in descriptor["resources"]:
        item = tables[resource["name"]]["items"]
        row_schema = {
            "type": "object",
            "required": item["required"],
            "properties": {k: v for k, v in item["properties"].items() if v["type"] != "array"},
            "additionalProperties": False,
        }
        rows = list(csv.DictReader(io.StringIO(files[resource["path"]])))
        header = files[resource["path"]].splitlines()[0].split(",")
        assert header == list(row_schema["properties"])
        check = validator("compiled/tabular.json").evolve(schema=row_schema)
        for row in rows:
            typed = {
                k: float(v) if row_schema["properties"][k]["type"] == "number" else v
                for k, v in row.items()
                if v != "" or k in item["required"]
            }
            errors = [e.message for e in check.iter_errors(typed)]
            assert not errors, (resource["name"], row, errors)
        counts[resource["name"]] = len(rows)
    assert counts["organization"] == published() > 60
    assert counts["taxonomy"] == 4
    assert counts["service_area"] >= 2
    assert counts["cost_option"] > 60
    assert counts["metadata"] >= 1


def test_export_import_into_an_empty_directory_export_gives_the_same_records(
    client, site, tmp_path
):
    first = download(client)
    count = published()
    package = tmp_path / "first.zip"
    package.write_bytes(package_bytes(client))

    for clinic in db.session.execute(select(Clinic)).scalars():
        db.session.delete(clinic)
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Location)).scalar_one() == 0

    summary = hsds_tabular.import_datapackage(db.session, package, publish=True)
    db.session.commit()
    assert len(summary.created) == count
    assert summary.skipped == []
    assert published() == count

    second = download(client)
    assert set(second) == set(first)
    for name in first:
        assert second[name] == first[name], name

    # A second import changes nothing: every listing is already there.
    again = hsds_tabular.import_datapackage(db.session, package, publish=True)
    assert again.created == []
    assert len(again.skipped) == count


def test_import_without_publish_leaves_listings_pending(client, make_clinic, tmp_path):
    make_clinic("Pending Soon", slug="pending-soon", prices=(price("iv-infusion", 500),))
    package = tmp_path / "p.zip"
    package.write_bytes(package_bytes(client))
    db.session.delete(db.session.execute(select(Clinic)).scalar_one())
    db.session.commit()

    summary = hsds_tabular.import_datapackage(db.session, package, publish=False)
    db.session.commit()
    assert summary.created == ["pending-soon"]
    clinic = db.session.execute(select(Clinic)).scalar_one()
    assert clinic.status is ClinicStatus.PENDING
    assert [(p.amount_cents, p.source_url) for p in clinic.prices] == [
        (50000, "https://example.com/prices")
    ]
    assert client.get("/api/v1/hsds/organizations").get_json()["total_items"] == 0


def _rewrite(package: Path, target: Path, name: str, old: str, new: str) -> None:
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.namelist():
            text = source.read(item).decode("utf-8")
            out.writestr(item, text.replace(old, new) if item == name else text)


def test_a_bad_row_imports_nothing_and_names_the_problem(client, make_clinic, tmp_path):
    make_clinic("Good One", slug="good-one", near="48336")
    make_clinic("Bad One", slug="bad-one", near="60601", state="IL")
    package = tmp_path / "ok.zip"
    package.write_bytes(package_bytes(client))
    for clinic in db.session.execute(select(Clinic)).scalars():
        db.session.delete(clinic)
    db.session.commit()
    broken = tmp_path / "broken.zip"
    _rewrite(package, broken, "addresses.csv", ",IL,", ",Atlantis,")

    with pytest.raises(hsds_tabular.DatapackageError, match="'Atlantis' is not a US state"):
        hsds_tabular.import_datapackage(db.session, broken, publish=True)
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Clinic)).scalar_one() == 0


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04garbage"])
def test_a_file_that_is_not_a_package_is_refused(app, tmp_path, content):
    path = tmp_path / "x.zip"
    path.write_bytes(content)
    with pytest.raises(hsds_tabular.DatapackageError, match="not a readable HSDS data package"):
        hsds_tabular.import_datapackage(db.session, path, publish=True)


def test_the_command_imports_a_package(client, runner, make_clinic, tmp_path):
    make_clinic("Command Clinic", slug="command-clinic")
    package = tmp_path / "c.zip"
    package.write_bytes(package_bytes(client))
    db.session.delete(db.session.execute(select(Clinic)).scalar_one())
    db.session.commit()

    result = runner.invoke(args=["import-hsds-datapackage", str(package), "--publish"])
    assert result.exit_code == 0, result.output
    assert "created command-clinic (published)" in result.output
    assert "1 created, 0 skipped" in result.output
    again = runner.invoke(args=["import-hsds-datapackage", str(package)])
    assert "skipped command-clinic: already in the directory" in again.output

    junk = tmp_path / "junk.zip"
    junk.write_text("junk")
    failed = runner.invoke(args=["import-hsds-datapackage", str(junk)])
    assert failed.exit_code == 1
    assert "Nothing was imported" in failed.output


def test_a_location_given_at_0_0_is_placed_from_its_address(client, make_clinic, tmp_path):
    """A file's 0, 0 is its "no coordinates", not a point off the coast of Africa."""
    clinic = make_clinic("Zero Clinic", slug="zero-clinic", latitude=0.0, longitude=0.0)
    clinic.locations[0].postal_code = "48336"
    db.session.commit()
    package = tmp_path / "z.zip"
    package.write_bytes(package_bytes(client))
    db.session.delete(clinic)
    db.session.commit()

    hsds_tabular.import_datapackage(db.session, package, publish=True)
    db.session.commit()
    location = db.session.execute(select(Location)).scalar_one()
    zip_centre = db.session.execute(
        select(Place.latitude, Place.longitude).where(Place.kind == "zip", Place.key == "48336")
    ).one()
    assert (location.latitude, location.longitude) == tuple(zip_centre)
    assert "Zero Clinic" in client.get("/search?near=48336").get_data(as_text=True)


def _organization_names(client) -> set[str]:
    return {
        row["name"] for row in csv.DictReader(io.StringIO(download(client)["organizations.csv"]))
    }


def _statements_of(client, url: str, **headers: str) -> tuple[list[str], Any]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=headers)
        response.close()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen, response


def test_the_package_is_built_once_per_change_and_kept_as_a_file(app, client, make_clinic):
    make_clinic("Alpha Clinic", slug="alpha")
    first = package_bytes(client)
    exports = Path(app.config["EXPORTS_DIR"])
    (kept,) = exports.glob("hsds-datapackage-*.zip")
    assert kept.stat().st_mode & 0o777 == 0o644

    # Downloaded again while the data stands: the file, without reading a listing.
    statements, again = _statements_of(client, URL)
    assert again.status_code == 200
    assert package_bytes(client) == first
    assert not any("FROM clinics" in sql and "count" not in sql for sql in statements)

    # A client holding it is told it has not changed.
    statements, unchanged = _statements_of(client, URL, **{"If-None-Match": again.headers["ETag"]})
    assert unchanged.status_code == 304

    # Each change gives a new package; two are kept.
    for name in ("Beta Clinic", "Gamma Clinic"):
        make_clinic(name)
        assert name in _organization_names(client)
    assert "Alpha Clinic" in _organization_names(client)
    assert len(list(exports.glob("hsds-datapackage-*.zip"))) == 2
    assert not list(exports.glob(".building-*"))


def test_a_large_directory_serves_the_package_built_last_until_the_command_builds(
    app, client, runner, make_clinic
):
    make_clinic("Alpha Clinic", slug="alpha")
    assert _organization_names(client) == {"Alpha Clinic"}  # no package yet: built now
    configure(app, HSDS_DATAPACKAGE_BUILD_MAX_LISTINGS=1)
    make_clinic("Beta Clinic")
    # Too large to build within a download: the package built last, with its date.
    response = client.get(URL)
    assert response.headers["Last-Modified"]
    response.close()
    assert _organization_names(client) == {"Alpha Clinic"}

    result = runner.invoke(args=["build-hsds-datapackage"])

    assert result.exit_code == 0, result.output
    assert "HSDS data package:" in result.output
    assert _organization_names(client) == {"Alpha Clinic", "Beta Clinic"}


def test_a_large_directory_without_a_package_says_when_to_come_back(app, client, make_clinic):
    make_clinic("Alpha Clinic", slug="alpha")
    make_clinic("Beta Clinic")
    configure(app, HSDS_DATAPACKAGE_BUILD_MAX_LISTINGS=1)

    response = client.get(URL)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "3600"
    assert "try again" in response.get_json()["message"]
    assert not list(Path(app.config["EXPORTS_DIR"]).glob("*"))  # nothing was built
