"""Importing price files: listings through moderation, charges with history, pages, the CLI."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
from hsds_validation import check
from sqlalchemy import func, select

from directory.api import hsds
from directory.extensions import db
from directory.ingest import fetch
from directory.ingest.hpt import service
from directory.listings import moderation
from directory.models import (
    AuditEvent,
    Clinic,
    ClinicIdentifier,
    ClinicStatus,
    Decision,
    HospitalCharge,
    IdentifierScheme,
    ListingKind,
    PriceFileImport,
    Revision,
    RevisionKind,
)
from directory.search.geocoding import GazetteerGeocoder
from tests.conftest import configure

FILES = Path(__file__).parent / "hpt_files"


def _import(name: str | Path):
    path = FILES / name if isinstance(name, str) else name
    report = service.import_path(db.session, path, path.name, GazetteerGeocoder())
    db.session.commit()
    return report


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _approve(make_user, slug: str) -> Clinic:
    admin = make_user("moderator@example.org", admin=True)
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == slug)).scalar_one()
    revision = db.session.execute(
        select(Revision).where(Revision.clinic_id == clinic.id)
    ).scalar_one()
    moderation.approve_revision(db.session, admin, revision, GazetteerGeocoder())
    db.session.commit()
    return clinic


def test_first_import_puts_each_hospital_location_in_the_moderation_queue(app, client):
    report = _import("v3_tall.csv")
    assert report.created == ["example-lakes-hospital", "example-lakes-north-campus"]
    clinics = db.session.execute(select(Clinic).order_by(Clinic.id)).scalars().all()
    assert [(c.name, c.kind, c.status) for c in clinics] == [
        ("Example Lakes Hospital", ListingKind.HOSPITAL, ClinicStatus.PENDING),
        ("Example Lakes North Campus", ListingKind.HOSPITAL, ClinicStatus.PENDING),
    ]
    queue = moderation.queue(db.session, date.today(), 182)
    assert [r.clinic.slug for r in queue.new_clinics.items] == report.created
    proposal = queue.new_clinics.items[1].payload
    assert proposal["location"]["postal_code"] == "48083"
    assert proposal["location"]["city"] == "Troy"
    assert proposal["treatments"] == ["esketamine", "consultation"]
    identifiers = {
        (i.scheme, i.value, i.state)
        for i in db.session.execute(
            select(ClinicIdentifier).where(ClinicIdentifier.clinic_id == clinics[0].id)
        ).scalars()
    }
    assert (IdentifierScheme.STATE_LICENCE, "EX-3003", "MI") in identifiers
    assert (IdentifierScheme.NPI, "0000000301", None) in identifiers
    assert (IdentifierScheme.NPI, "0000000302", None) in identifiers
    assert _count(HospitalCharge) == 2 * 11
    # Not public before a moderator approves it.
    assert client.get("/clinics/example-lakes-hospital").status_code == 404


def test_an_approved_hospital_page_shows_cash_prices_then_insurers(app, client, make_user):
    _import("v3_small.json")
    clinic = _approve(make_user, "example-general-hospital")
    assert clinic.status is ClinicStatus.PUBLISHED
    assert clinic.location.postal_code == "48336"
    html = client.get("/clinics/example-general-hospital").get_data(as_text=True)
    heading = "Hospital standard charges (published under federal price transparency rules)"
    assert heading in html
    cash_at, insurers_at = (
        html.index("Cash price (paying without insurance)"),
        html.index("Rates negotiated with insurers"),
    )
    assert cash_at < insurers_at
    cash_table = html[cash_at:insurers_at]
    assert "$870.50" in cash_table and "$1,450" in cash_table
    insurers = html[insurers_at:]
    assert "Example Health Plan" in insurers and "$990" in insurers
    assert "60% of the hospital&#39;s charges" in insurers
    assert "median $812.40, most between $700 and $905" in insurers
    assert "1 March 2026" in insurers
    assert "at least two hours of observation" in html  # what G2082 includes
    assert "Pat Example" in html
    assert "No published prices. This clinic" not in html
    assert "price transparency file (proposal" in html  # where the listing's facts came from


def test_the_api_carries_the_current_hospital_charges(app, client, make_user):
    _import("v22_small.json")
    _approve(make_user, "example-valley-hospital")
    data = client.get("/api/v1/clinics/example-valley-hospital").get_json()
    assert data["kind"] == "hospital"
    charges = data["hospital_charges"]
    cash = [c for c in charges if c["kind"] == "discounted_cash"]
    assert {(c["code"], c["amount_cents"]) for c in cash} == {("96365", 41000), ("96366", 12000)}
    algo = next(c for c in charges if c["kind"] == "negotiated_algorithm")
    assert algo["algorithm"] == "110% of the Medicare fee schedule"
    assert algo["as_of"] == "2025-07-01" and algo["source"] == "v22_small.json"


def test_importing_the_same_file_again_changes_nothing(app, make_user):
    _import("v3_small.json")
    _approve(make_user, "example-general-hospital")
    before = (_count(HospitalCharge), _count(PriceFileImport), _count(AuditEvent))
    report = _import("v3_small.json")
    assert report.unchanged == ["example-general-hospital"]
    assert report.created == report.updated == []
    assert (_count(HospitalCharge), _count(PriceFileImport), _count(AuditEvent)) == before


def test_a_newer_file_replaces_the_charges_and_keeps_the_old_ones_as_history(
    app, client, make_user, tmp_path
):
    _import("v3_small.json")
    clinic = _approve(make_user, "example-general-hospital")
    newer = tmp_path / "newer.json"
    newer.write_text(
        (FILES / "v3_small.json")
        .read_text(encoding="utf-8")
        .replace('"2026-03-01"', '"2026-06-01"')
        .replace("870.50", "905"),
        encoding="utf-8",
    )
    report = _import(newer)
    assert report.updated == ["example-general-hospital"]
    rows = (
        db.session.execute(select(HospitalCharge).where(HospitalCharge.clinic_id == clinic.id))
        .scalars()
        .all()
    )
    old = [c for c in rows if c.as_of == date(2026, 3, 1)]
    new = [c for c in rows if c.as_of == date(2026, 6, 1)]
    assert len(old) == len(new) == 13
    assert {c.valid_to for c in old} == {date(2026, 6, 1)}
    assert {c.valid_to for c in new} == {None}
    event = (
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.action == "price_file.imported")
            .order_by(AuditEvent.id.desc())
        )
        .scalars()
        .first()
    )
    assert event.after["items_kept"] == 4 and event.after["items_skipped"] == 2
    assert event.after["listings_updated"] == 1
    html = client.get("/clinics/example-general-hospital").get_data(as_text=True)
    assert "$905" in html and "$870.50" not in html
    # The older file again: the directory keeps the newer charges.
    assert _import("v3_small.json").older == ["example-general-hospital"]


def test_a_hospital_with_no_relevant_items_gets_no_listing(app):
    report = _import("V3.0.0_Wide_CSV_Format_Example.csv")
    assert report.items_seen == 26 and report.items_skipped == 26
    assert report.created == []
    assert _count(Clinic) == 0 and _count(PriceFileImport) == 0


def test_costs_page_shows_hospital_cash_prices_as_their_own_rows(
    app, client, make_user, make_clinic
):
    from tests.conftest import price

    make_clinic("Example Clinic", prices=(price("esketamine", 700),), treatments=("esketamine",))
    _import("v3_small.json")
    _approve(make_user, "example-general-hospital")
    html = client.get("/costs?state=MI").get_data(as_text=True)
    assert "Hospital cash prices" in html
    hospital_part = html[html.index("Hospital cash prices") :]
    assert "Example General Hospital" in hospital_part and "$870.50" in hospital_part
    assert "not included in the clinic figures" in hospital_part


def test_cli_imports_a_file_and_reports_counts(app, runner):
    result = runner.invoke(args=["import-hpt", str(FILES / "v2_wide.csv")])
    assert result.exit_code == 0, result.output
    assert "2 read, 1 kept, 1 skipped" in result.output
    assert "example-pines-hospital: new, waiting for review" in result.output
    again = runner.invoke(args=["import-hpt", str(FILES / "v2_wide.csv")])
    assert "example-pines-hospital: unchanged" in again.output


def test_cli_refuses_a_malformed_file_and_writes_nothing(app, runner, tmp_path):
    bad = tmp_path / "bad.csv"
    text = (FILES / "v3_tall.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace(",30,18,", ",30,eighteen,"), encoding="utf-8")
    result = runner.invoke(args=["import-hpt", str(bad)])
    assert result.exit_code != 0
    assert "line 6" in result.output and "not an amount" in result.output
    assert _count(Clinic) == _count(HospitalCharge) == _count(PriceFileImport) == 0
    missing = runner.invoke(args=["import-hpt", str(tmp_path / "nothing.json")])
    assert missing.exit_code != 0 and "No such file" in missing.output


@pytest.fixture
def loopback_site(tmp_path):
    """A hospital site on a loopback port: /cms-hpt.txt and the files it lists."""
    root = tmp_path / "site"
    (root / "files").mkdir(parents=True)
    shutil.copyfile(FILES / "v3_small.json", root / "files" / "standardcharges.json")
    shutil.copyfile(FILES / "v2_wide.csv", root / "files" / "pines.csv")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):  # keep the test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    (root / "cms-hpt.txt").write_text(
        "location-name: Example General Hospital\n"
        "source-page-url: https://www.example.com/price-transparency\n"
        "mrf-url: /files/standardcharges.json\n"
        "contact-name: Jo Example\n"
        "contact-email: prices@example.com\n\n"
        "location-name: Example Pines Hospital\n"
        f"mrf-url: {url}/files/pines.csv\n",
        encoding="utf-8",
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


def test_from_site_reads_cms_hpt_txt_and_imports_each_file(app, runner, loopback_site):
    configure(app, INGEST_ALLOW_PRIVATE_ADDRESSES=True)
    result = runner.invoke(args=["import-hpt", "--from-site", loopback_site])
    assert result.exit_code == 0, result.output
    assert f"{loopback_site}/files/standardcharges.json: Example General Hospital" in result.output
    slugs = set(db.session.execute(select(Clinic.slug)).scalars())
    assert slugs == {"example-general-hospital", "example-pines-hospital"}
    source = db.session.execute(select(PriceFileImport.source)).scalars().all()
    assert f"{loopback_site}/files/standardcharges.json" in source
    clinic = db.session.execute(
        select(Clinic).where(Clinic.slug == "example-pines-hospital")
    ).scalar_one()
    proposal = db.session.execute(
        select(Revision).where(Revision.clinic_id == clinic.id)
    ).scalar_one()
    assert proposal.kind is RevisionKind.NEW_CLINIC and proposal.status is Decision.PENDING
    assert proposal.payload["website"] == loopback_site


def test_loopback_and_private_addresses_are_refused_unless_allowed(app, runner, loopback_site):
    result = runner.invoke(args=["import-hpt", "--from-site", loopback_site])
    assert result.exit_code != 0
    assert "private, loopback or link-local address" in result.output
    with pytest.raises(fetch.FetchError, match="Only http:// and https://"):
        fetch.check_url("file:///etc/passwd", allow_private=True)
    with pytest.raises(fetch.FetchError, match="private, loopback or link-local"):
        fetch.check_url("http://10.0.0.1/prices.json", allow_private=False)
    assert _count(Clinic) == 0


def test_a_download_over_the_size_cap_is_refused(app, loopback_site):
    configure(app, INGEST_ALLOW_PRIVATE_ADDRESSES=True, HPT_MAX_FILE_BYTES=1000)
    with pytest.raises(fetch.FetchError, match="larger than the limit"):
        service.import_location(
            db.session,
            f"{loopback_site}/files/standardcharges.json",
            app.extensions["settings"],
            GazetteerGeocoder(),
        )
    assert _count(Clinic) == 0


def test_search_finds_an_approved_hospital_offering_esketamine(app, client, make_user):
    _import("v3_small.json")
    _approve(make_user, "example-general-hospital")
    html = client.get("/search?near=48336&treatment=esketamine").get_data(as_text=True)
    assert "Example General Hospital" in html
    html = client.get("/search?near=48336&treatment=iv-infusion").get_data(as_text=True)
    assert "Example General Hospital" in html  # the ketamine drug lines


def test_the_hsds_export_carries_hospital_charges_as_cost_options(app, client, make_user):
    _import("v22_small.json")
    _approve(make_user, "example-valley-hospital")
    data = client.get("/api/v1/hsds/organizations?full_service=true&per_page=100").get_json()
    org = next(
        o
        for o in data["contents"]
        if any(i["identifier"] == "example-valley-hospital" for i in o["organization_identifiers"])
    )
    check(org, "compiled/organization.json")  # Open Referral's schema, charges included
    infusion = next(s for s in org["services"] if s["name"] == "IV ketamine infusion")
    cash = [o for o in infusion["cost_options"] if o["option"].startswith("hospital cash price")]

    def fact(option, code):
        term = hsds.FACT_TAXONOMY.term_id(code)
        return next(a["value"] for a in option["attributes"] if a["taxonomy_term_id"] == term)

    assert {(o["amount"], json.loads(fact(o, "hospital-charge"))["code"]) for o in cash} == {
        (410.0, "96365"),
        (120.0, "96366"),
    }
    assert {fact(o, "price-as-of") for o in cash} == {"2025-07-01"}
    assert all(o["amount"] > 0 for o in infusion["cost_options"])  # algorithm-only rates left out


def test_compare_holds_a_hospital_beside_a_clinic(app, client, make_user, make_clinic):
    from tests.conftest import price

    make_clinic(
        "Example Clinic",
        slug="example-clinic",
        prices=(price("esketamine", 700),),
        treatments=("esketamine",),
    )
    _import("v3_small.json")
    _approve(make_user, "example-general-hospital")
    html = client.get(
        "/compare?clinics=example-general-hospital,example-clinic&treatment=esketamine"
    ).get_data(as_text=True)
    row = html[html.index("Hospital cash price (Esketamine (Spravato))") :]
    row = row[: row.index("</tr>")]
    assert "G2082 (whole session): $870.50, as of 1 March 2026" in row
    assert "Not a hospital" in row  # the clinic's column
    assert "$700" in html  # the clinic's own price, in its own row


def test_an_address_the_gazetteer_cannot_place_is_reported(app, runner, tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text(
        (FILES / "v3_small.json")
        .read_text(encoding="utf-8")
        .replace("100 Example Way, Farmington, MI 48336", "Somewhere near the lake"),
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-hpt", str(odd)])
    assert result.exit_code == 0, result.output
    assert "example-general-hospital: its address could not be placed" in result.output
    proposal = db.session.execute(select(Revision)).scalar_one()
    assert proposal.payload["location"] is None
