"""import-listings: CSV and HSDS files become cited, moderated listings; duplicates wait."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from directory import create_app
from directory.api import hsds
from directory.extensions import db
from directory.ingest import dedupe
from directory.listings import moderation
from directory.models import (
    Clinic,
    ClinicStatus,
    Decision,
    DuplicateStatus,
    ExternalId,
    GeocodePrecision,
    Phone,
    PossibleDuplicate,
    Provenance,
    Revision,
    RevisionKind,
)
from directory.search import places as geo
from directory.search.geocoding import GazetteerGeocoder
from tests.conftest import _config, copy_of_template, price

COLUMNS = [
    "source",
    "external_id",
    "name",
    "address_1",
    "address_2",
    "city",
    "state",
    "postal_code",
    "service_area_states",
    "phones",
    "website",
    "treatments",
    "conditions",
    "free_consultation",
]
LAKESIDE = {
    "source": "test-list",
    "external_id": "1",
    "name": "Lakeside Ketamine Center",
    "address_1": "100 Example Street",
    "address_2": "Suite 200",
    "city": "Ann Arbor",
    "state": "MI",
    "postal_code": "48104",
    "phones": "(734) 555-0101",
    "website": "https://lakeside.example.com",
    "treatments": "iv-infusion;consultation",
    "conditions": "depression;ptsd",
    "free_consultation": "yes",
}
RIVERBEND = {
    "source": "test-list",
    "external_id": "2",
    "name": "Riverbend Infusions",
    "address_1": "200 Sample Avenue",
    "city": "Detroit",
    "state": "MI",
    "postal_code": "48201",
    "phones": "313-555-0102;(800) 555-0199",
    "treatments": "iv-infusion;esketamine",
    "conditions": "ptsd",
    "free_consultation": "no",
}
TELEHEALTH = {
    "source": "test-list",
    "external_id": "3",
    "name": "Statewide Home Ketamine Program",
    "service_area_states": "MI;OH",
    "phones": "(616) 555-0103",
    "treatments": "at-home",
}


def write_csv(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def run(runner: Any, path: Path, *flags: str) -> Any:
    return runner.invoke(args=["import-listings", str(path), *flags])


def counts() -> dict[str, int]:
    db.session.expire_all()

    def n(model: Any) -> int:
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()

    return {
        "clinics": n(Clinic),
        "revisions": n(Revision),
        "external_ids": n(ExternalId),
        "duplicates": n(PossibleDuplicate),
        "provenance": n(Provenance),
    }


def clinic_named(name: str) -> Clinic:
    db.session.expire_all()
    return db.session.execute(select(Clinic).where(Clinic.name == name)).scalar_one()


def test_csv_rows_land_as_pending_listings_in_the_queue(runner, tmp_path, make_user):
    path = write_csv(tmp_path / "listings.csv", LAKESIDE, RIVERBEND, TELEHEALTH)
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "3 rows: 3 new, 0 updated, 0 unchanged, 0 possible duplicates, 0 invalid" in (
        result.output
    )
    lakeside = clinic_named("Lakeside Ketamine Center")
    assert lakeside.status is ClinicStatus.PENDING
    # Placed offline at the ZIP centroid, with the precision recorded, once approved.
    queue = moderation.queue(db.session, date.today(), 180)
    assert {r.clinic.name for r in queue.new_clinics.items} == {
        "Lakeside Ketamine Center",
        "Riverbend Infusions",
        "Statewide Home Ketamine Program",
    }
    admin = make_user("admin@example.org", admin=True)
    revision = next(r for r in queue.new_clinics.items if r.clinic_id == lakeside.id)
    assert revision.note == "Imported from listings.csv, row 2 (source test-list, id 1)"
    moderation.approve_revision(db.session, admin, revision, GazetteerGeocoder())
    db.session.commit()
    lakeside = clinic_named("Lakeside Ketamine Center")
    assert lakeside.status is ClinicStatus.PUBLISHED
    centroid = geo.resolve_place(db.session, "48104")
    loc = lakeside.location
    assert (loc.address_1, loc.address_2, loc.city, loc.state, loc.postal_code) == (
        "100 Example Street",
        "Suite 200",
        "Ann Arbor",
        "MI",
        "48104",
    )
    assert (loc.latitude, loc.longitude) == (centroid.latitude, centroid.longitude)
    assert loc.geocode_precision is GeocodePrecision.POSTAL_CODE
    assert [p.e164 for p in lakeside.phones] == ["+17345550101"]
    assert {t.slug for t in lakeside.treatments} == {"iv-infusion", "consultation"}
    assert lakeside.free_consultation is True
    # Every imported fact cites the file and the row.
    cited = {s.field: s.quote for s in lakeside.sources}
    assert set(cited) >= {"name", "website", "location", "phones", "treatments", "conditions"}
    assert set(cited.values()) == {"listings.csv, row 2 (source test-list, id 1)"}
    # The import account does not become the listing's owner.
    assert not revision.submitter.clinics
    riverbend = next(r for r in queue.new_clinics.items if r.clinic.name == "Riverbend Infusions")
    assert [(p["e164"], p["kind"]) for p in riverbend.payload["phones"]] == [
        ("+13135550102", "main"),
        ("+18005550199", "toll_free"),
    ]
    program = clinic_named("Statewide Home Ketamine Program")
    assert [a.state for a in program.service_areas] == ["MI", "OH"]


def test_publish_makes_listings_public_with_the_file_as_source(runner, client, tmp_path):
    path = write_csv(tmp_path / "board.csv", LAKESIDE)
    result = run(runner, path, "--publish")
    assert result.exit_code == 0, result.output
    lakeside = clinic_named("Lakeside Ketamine Center")
    assert lakeside.status is ClinicStatus.PUBLISHED
    assert {(s.source_document, s.quote) for s in lakeside.sources} == {
        ("board.csv", "board.csv, row 2 (source test-list, id 1)")
    }
    page = client.get(f"/clinics/{lakeside.slug}")
    assert page.status_code == 200
    assert "Lakeside Ketamine Center" in page.get_data(as_text=True)


def test_the_same_file_again_changes_nothing(runner, tmp_path):
    path = write_csv(tmp_path / "listings.csv", LAKESIDE, RIVERBEND)
    assert run(runner, path).exit_code == 0
    before = counts()
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "2 rows: 0 new, 0 updated, 2 unchanged" in result.output
    assert counts() == before
    published = write_csv(tmp_path / "published.csv", TELEHEALTH)
    assert run(runner, published, "--publish").exit_code == 0
    before = counts()
    assert "1 unchanged" in run(runner, published, "--publish").output
    assert counts() == before


def test_a_later_file_updates_its_own_listing_by_external_id(runner, tmp_path, make_clinic):
    website = make_clinic("Unrelated Clinic", near="60601").website
    assert run(runner, write_csv(tmp_path / "v1.csv", LAKESIDE), "--publish").exit_code == 0
    lakeside = clinic_named("Lakeside Ketamine Center")
    changed = {**LAKESIDE, "website": "https://new.lakeside.example.com"}
    result = run(runner, write_csv(tmp_path / "v2.csv", changed))
    assert result.exit_code == 0, result.output
    assert "0 new, 1 updated" in result.output
    # Without --publish the change waits for review as an edit of the same listing.
    assert clinic_named("Lakeside Ketamine Center").website == "https://lakeside.example.com"
    edit = db.session.execute(
        select(Revision).where(Revision.clinic_id == lakeside.id, Revision.status == "pending")
    ).scalar_one()
    assert edit.kind is RevisionKind.EDIT
    assert edit.payload["website"] == "https://new.lakeside.example.com"
    assert "v2.csv, row 2" in edit.note
    # With --publish a later file applies its change and cites itself.
    again = {**LAKESIDE, "website": "https://third.lakeside.example.com"}
    result = run(runner, write_csv(tmp_path / "v3.csv", again), "--publish")
    assert "0 new, 1 updated" in result.output
    lakeside = clinic_named("Lakeside Ketamine Center")
    assert lakeside.website == "https://third.lakeside.example.com"
    assert [s.source_document for s in lakeside.sources_for("website")] == ["v3.csv"]
    db.session.expire_all()
    assert db.session.get(Revision, edit.id).status is Decision.WITHDRAWN
    assert clinic_named("Unrelated Clinic").website == website
    assert counts()["clinics"] == 2


def test_dry_run_writes_nothing_and_says_what_would_happen(runner, tmp_path, make_clinic):
    make_clinic("Alpha Infusions")
    before = counts()
    twin = {**RIVERBEND, "external_id": "9", "phones": "(555) 555-0100"}
    path = write_csv(tmp_path / "listings.csv", LAKESIDE, twin)
    result = run(runner, path, "--dry-run", "--publish")
    assert result.exit_code == 0, result.output
    assert "row 2: new Lakeside Ketamine Center" in result.output
    assert "row 3: duplicate Riverbend Infusions (possible duplicate of test-clinic-1" in (
        result.output
    )
    assert "Dry run, nothing written. Would import 2 rows: 1 new" in result.output
    assert counts() == before


def test_an_invalid_row_stops_the_import_and_names_row_and_field(runner, tmp_path):
    bad_zip = {**RIVERBEND, "postal_code": "4820"}
    bad_treatment = {**TELEHEALTH, "treatments": "magic"}
    path = write_csv(tmp_path / "listings.csv", LAKESIDE, bad_zip, bad_treatment)
    before = counts()
    result = run(runner, path)
    assert result.exit_code != 0
    assert "Row 3, postal_code: not a ZIP code" in result.output
    assert "Row 4, treatments: unknown treatment 'magic'" in result.output
    assert "Nothing was imported" in result.output
    assert counts() == before
    # A ZIP code the gazetteer does not know is caught before anything is written too.
    unknown = write_csv(tmp_path / "unknown.csv", LAKESIDE, {**RIVERBEND, "postal_code": "00000"})
    result = run(runner, unknown)
    assert "Row 3, postal_code: no such place in the ZIP gazetteer" in result.output
    assert counts() == before
    # So is a ZIP code of another state, which would place the listing there.
    elsewhere = write_csv(tmp_path / "other.csv", LAKESIDE, {**RIVERBEND, "postal_code": "90210"})
    result = run(runner, elsewhere)
    assert "Row 3, postal_code: ZIP code 90210 is in CA, not MI" in result.output
    assert counts() == before
    # --skip-invalid imports the valid rows and counts the others.
    result = run(runner, path, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "3 rows: 1 new, 0 updated, 0 unchanged, 0 possible duplicates, 2 invalid" in (
        result.output
    )
    assert counts()["clinics"] == before["clinics"] + 1


def test_a_file_that_is_not_a_listing_file_is_a_clear_error(runner, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,title\n1,x\n", encoding="utf-8")
    result = run(runner, wrong)
    assert result.exit_code != 0
    assert "Row 1: unknown column(s) id, title" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"contents": [{"name": "x"', encoding="utf-8")
    result = run(runner, broken)
    assert result.exit_code != 0
    assert "not valid JSON" in result.output
    assert counts()["clinics"] == 0


def pending_duplicates() -> list[PossibleDuplicate]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(PossibleDuplicate).where(PossibleDuplicate.status == DuplicateStatus.PENDING)
        ).scalars()
    )


def test_same_phone_is_a_possible_duplicate_not_a_new_listing(runner, tmp_path, make_clinic):
    alpha = make_clinic("Alpha Infusions", near="48336")  # phone (555) 555-0100
    row = {**RIVERBEND, "phones": "555.555.0100"}
    result = run(runner, write_csv(tmp_path / "f.csv", row), "--publish")
    assert "0 new, 0 updated, 0 unchanged, 1 possible duplicates" in result.output
    [item] = pending_duplicates()
    assert item.clinic_id == alpha.id
    assert item.reasons == "same phone +15555550100"
    assert item.citation == "f.csv, row 2 (source test-list, id 2)"
    assert counts()["clinics"] == 1
    # Importing it again neither adds a listing nor a second flag.
    assert "1 possible duplicates" in run(runner, tmp_path / "f.csv", "--publish").output
    assert len(pending_duplicates()) == 1


def test_same_normalised_address_is_a_possible_duplicate(runner, tmp_path, make_clinic):
    alpha = make_clinic("Alpha Infusions", near="48336")  # 1 Test St, 48336
    db.session.execute(Phone.__table__.delete())
    db.session.commit()
    row = {
        **RIVERBEND,
        "name": "Completely Different Name",
        "address_1": "1 Test Street",
        "city": "Farmington",
        "postal_code": "48336-1234",
    }
    run(runner, write_csv(tmp_path / "f.csv", row))
    [item] = pending_duplicates()
    assert (item.clinic_id, item.reasons) == (alpha.id, "same address")


def test_close_name_in_the_same_zip_is_a_possible_duplicate(runner, tmp_path, make_clinic):
    alpha = make_clinic("Alpha Ketamine Infusions", near="48336")
    make_clinic("Alpha Ketamine Infusions", near="60601", slug="alpha-chicago")
    db.session.execute(Phone.__table__.delete())
    db.session.commit()
    near_twin = {
        **LAKESIDE,
        "name": "Alpha Ketamine Infusion, LLC",
        "postal_code": "48336",
        "address_1": "99 Other Road",
        "city": "Farmington",
    }
    elsewhere = {**RIVERBEND, "name": "Alpha Infusions Northside", "postal_code": "48201"}
    result = run(runner, write_csv(tmp_path / "f.csv", near_twin, elsewhere))
    assert "1 new, 0 updated, 0 unchanged, 1 possible duplicates" in result.output
    [item] = pending_duplicates()
    assert (item.clinic_id, item.reasons) == (alpha.id, "similar name in ZIP 48336")


def test_two_rows_of_one_file_for_one_clinic_are_flagged(runner, tmp_path):
    twin = {**LAKESIDE, "external_id": "1b", "name": "Lakeside Ketamine Centre"}
    result = run(runner, write_csv(tmp_path / "f.csv", LAKESIDE, twin))
    assert "1 new, 0 updated, 0 unchanged, 1 possible duplicates" in result.output
    [item] = pending_duplicates()
    assert item.clinic.name == "Lakeside Ketamine Center"
    assert "same phone +17345550101" in item.reasons
    assert "same address" in item.reasons


def test_address_keys_ignore_spelling_but_not_the_suite():
    one = dedupe.address_key("100 North Main Street", "Suite 200", "48104")
    assert one == dedupe.address_key("100 N. Main St", "Ste 200", "48104-1111")
    assert one != dedupe.address_key("100 N Main St", "Suite 300", "48104")
    assert dedupe.address_key("100 Main St", None, None) is None


# --- HSDS -------------------------------------------------------------------------------------


HSDS_EXPORT = "/api/v1/hsds/organizations?full_service=true&per_page=100"


def hsds_export(client: Any) -> dict[str, Any]:
    response = client.get(HSDS_EXPORT)
    assert response.status_code == 200
    return response.get_json()


def fact(code: str, value: str) -> dict[str, str]:
    """An HSDS attribute holding one of the directory's listing facts."""
    return {"taxonomy_term_id": hsds.FACT_TAXONOMY.term_id(code), "value": value}


def test_hsds_file_is_imported_and_reimport_changes_nothing(runner, client, tmp_path):
    org = {
        "id": "3f1c0d52-0000-4000-8000-000000000001",
        "name": "Harbor Ketamine Clinic",
        "website": "https://harbor.example.org",
        "phones": [{"number": "+12165550104", "description": "(216) 555-0104"}],
        "locations": [
            {
                "addresses": [
                    {
                        "address_1": "5 Example Plaza",
                        "city": "Cleveland",
                        "state_province": "OH",
                        "postal_code": "44114",
                    }
                ]
            }
        ],
        "services": [
            {
                "name": "IV ketamine infusion",
                "cost_options": [
                    {
                        "option": "per session",
                        "amount": 450,
                        "currency": "USD",
                        "amount_description": "per session",
                        "attributes": [
                            fact("price-source-url", "https://harbor.example.org/prices"),
                            fact("price-as-of", "2026-06-01"),
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "partner.json"
    path.write_text(json.dumps({"total_items": 1, "contents": [org]}), encoding="utf-8")
    result = run(runner, path, "--publish", "--source", "partner-directory")
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
    harbor = clinic_named("Harbor Ketamine Clinic")
    assert harbor.status is ClinicStatus.PUBLISHED
    assert [(p.amount_cents, p.unit.value, p.treatment.slug) for p in harbor.prices] == [
        (45000, "session", "iv-infusion")
    ]
    ext = db.session.execute(select(ExternalId)).scalar_one()
    assert (ext.source, ext.external_id) == ("partner-directory", org["id"])
    before = counts()
    result = run(runner, path, "--publish", "--source", "partner-directory")
    assert "1 unchanged" in result.output
    assert counts() == before


PROVENANCE = {hsds.FACT_TAXONOMY.term_id(c) for c in ("source", "clinic-statement")}
GENERATED = (
    "id",
    "location_id",
    "service_id",
    "organization_id",
    "link_id",
    "metadata",
    "last_modified",
)


def _without_ids(value: Any) -> Any:
    """The export's listing facts: without generated identifiers, and without provenance,
    which after an import rightly names the file and row instead of the first source."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in GENERATED}
    if isinstance(value, list):
        return [
            _without_ids(v)
            for v in value
            if not (isinstance(v, dict) and v.get("taxonomy_term_id") in PROVENANCE)
        ]
    return value


def test_round_trip_export_import_into_an_empty_database(
    app, client, make_clinic, seeded, template_db, tmp_path
):
    make_clinic(
        "Harbor Ketamine Clinic",
        near="44114",
        prices=(price("iv-infusion", 450), price("iv-infusion", 2400, "series", sessions=6)),
        website="https://harbor.example.org",
        email="hello@harbor.example.org",
        description="Fictional clinic for the round trip.",
    )
    make_clinic("Statewide Home Program", service_areas=("OH", "PA"), treatments=("at-home",))
    for n, clinic in enumerate(db.session.execute(select(Clinic)).scalars()):
        for phone in clinic.phones:
            if phone.e164 == "+15555550100":
                phone.e164, phone.display = f"+1216555010{n}", f"(216) 555-010{n}"
    db.session.commit()
    exported = hsds_export(client)
    assert exported["total_items"] >= 4
    path = tmp_path / "export.json"
    path.write_text(json.dumps(exported), encoding="utf-8")

    empty, drop = copy_of_template(template_db, tmp_path / "empty.sqlite3")
    other = create_app(_config(empty))
    try:
        with other.app_context():
            result = other.test_cli_runner().invoke(
                args=["import-listings", str(path), "--publish"]
            )
            assert result.exit_code == 0, result.output
            assert f"{exported['total_items']} new" in result.output
            again = other.test_client().get(HSDS_EXPORT).get_json()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()

    def by_slug(doc: dict[str, Any]) -> dict[str, Any]:
        return {
            o["organization_identifiers"][0]["identifier"]: _without_ids(o) for o in doc["contents"]
        }

    before, after = by_slug(exported), by_slug(again)
    assert sorted(after) == sorted(before)
    for slug, organization in before.items():
        for key, value in organization.items():
            assert after[slug][key] == value, f"{slug}: {key}: {after[slug][key]} != {value}"
