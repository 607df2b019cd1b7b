"""Admins upload bulk files (dry run, then confirm) and resolve possible duplicates."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.ingest import bulk
from directory.models import (
    Clinic,
    ClinicStatus,
    Decision,
    DuplicateStatus,
    ExternalId,
    ImportUpload,
    Phone,
    PossibleDuplicate,
    Revision,
    RevisionKind,
)
from tests.conftest import csrf_token, login

HEADER = "source,external_id,name,address_1,city,state,postal_code,phones,treatments\n"
LAKESIDE = "test-list,1,Lakeside Ketamine Center,100 Example Street,Ann Arbor,MI,48104,(734) 555-0101,iv-infusion\n"  # noqa: E501
TWIN = (
    "test-list,2,Alpha Infusions of Farmington,9 Other Road,Farmington,MI,48336,(555) 555-0100,\n"  # noqa: E501
)


@pytest.fixture
def admin(client, make_user):
    make_user("admin@example.org", admin=True)
    assert login(client, "admin@example.org").status_code == 302
    return client


def upload(client, content: bytes, name: str = "listings.csv", **flags: str):
    token = csrf_token(client, "/admin/imports")
    data = {"csrf_token": token, "file": (io.BytesIO(content), name), **flags}
    return client.post("/admin/imports", data=data, content_type="multipart/form-data")


def clinic_count() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Clinic)).scalar_one()


def test_upload_shows_a_dry_run_then_confirm_imports(admin, make_clinic):
    make_clinic("Alpha Infusions", near="48336")
    response = upload(admin, (HEADER + LAKESIDE + TWIN).encode())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Dry run: nothing has been written yet." in html
    assert "New: <strong>1</strong>" in html
    assert "Possible duplicates: <strong>1</strong>" in html
    assert "possible duplicate of test-clinic-1 (same phone +15555550100)" in html
    assert clinic_count() == 1  # nothing written by the check
    action = re.search(r'action="(/admin/imports/[^"]+/confirm)"', html).group(1)
    confirmed = admin.post(action, data={"csrf_token": csrf_token(admin, "/admin/imports")})
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith("/admin/duplicates")
    assert clinic_count() == 2
    lakeside = db.session.execute(
        select(Clinic).where(Clinic.name == "Lakeside Ketamine Center")
    ).scalar_one()
    assert lakeside.status is ClinicStatus.PENDING
    queue = admin.get("/admin/").get_data(as_text=True)
    assert "Lakeside Ketamine Center" in queue
    # The same upload cannot be imported twice.
    again = admin.post(action, data={"csrf_token": csrf_token(admin, "/admin/imports")})
    assert again.headers["Location"].endswith("/admin/imports")
    assert clinic_count() == 2


def test_upload_with_an_invalid_row_names_it_and_offers_no_import(admin):
    bad = "test-list,3,Bad Row Clinic,1 Main St,Detroit,MI,4820,,\n"
    response = upload(admin, (HEADER + LAKESIDE + bad).encode())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Row 3, postal_code: not a ZIP code (12345 or 12345-6789)" in html
    assert "/confirm" not in html
    assert db.session.execute(select(func.count()).select_from(ImportUpload)).scalar_one() == 0
    skipped = upload(admin, (HEADER + LAKESIDE + bad).encode(), skip_invalid="y")
    assert "/confirm" in skipped.get_data(as_text=True)
    assert clinic_count() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"id,title\n1,x\n", "other.csv", "Row 1: unknown column(s) id, title"),
        (b"\xff\xfe\x00garbage", "binary.csv", "not a UTF-8 CSV file"),
        (b'{"contents": [', "cut.json", "not valid JSON"),
    ],
)
def test_bad_files_are_a_clear_400(admin, content, name, message):
    response = upload(admin, content, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert clinic_count() == 0


def test_upload_needs_a_file_csrf_and_a_size_cap(admin):
    token = csrf_token(admin, "/admin/imports")
    response = admin.post("/admin/imports", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Choose a file." in response.get_data(as_text=True)
    no_token = admin.post(
        "/admin/imports",
        data={"file": (io.BytesIO((HEADER + LAKESIDE).encode()), "l.csv")},
        content_type="multipart/form-data",
    )
    assert no_token.status_code == 400
    # Bodies built here, not by the test client, which would spool them to unclosed files.
    boundary = "bulkboundary"

    def post_raw(size: int):
        rows = HEADER.encode() + LAKESIDE.encode() * (size // len(LAKESIDE))
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + rows
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return admin.post(
            "/admin/imports", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )

    over_cap = post_raw(530 * 1024)
    assert over_cap.status_code == 400
    assert "larger than 512 KB" in over_cap.get_data(as_text=True)
    assert post_raw(3 * 1024 * 1024).status_code == 413
    assert clinic_count() == 0


def test_owners_cannot_upload(client, make_user):
    make_user("owner@example.org")
    login(client, "owner@example.org")
    response = client.post(
        "/admin/imports",
        data={
            "csrf_token": csrf_token(client, "/"),
            "file": (io.BytesIO((HEADER + LAKESIDE).encode()), "l.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert clinic_count() == 0


def test_the_template_downloads_with_every_documented_column(admin):
    response = admin.get("/admin/imports/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(bulk.CSV_COLUMNS)
    # The template itself is a valid file: its example row would be one new listing.
    checked = upload(admin, text.encode(), "listings-template.csv")
    assert "New: <strong>1</strong>" in checked.get_data(as_text=True)


def _import_twin(admin) -> PossibleDuplicate:
    html = upload(admin, (HEADER + TWIN).encode()).get_data(as_text=True)
    action = re.search(r'action="(/admin/imports/[^"]+/confirm)"', html).group(1)
    admin.post(action, data={"csrf_token": csrf_token(admin, "/admin/imports")})
    db.session.expire_all()
    return db.session.execute(select(PossibleDuplicate)).scalar_one()


def test_merge_proposes_the_rows_facts_as_an_edit_of_the_existing_listing(admin, make_clinic):
    alpha = make_clinic("Alpha Infusions", near="48336")
    item = _import_twin(admin)
    page = admin.get("/admin/duplicates").get_data(as_text=True)
    assert "Alpha Infusions of Farmington — possible duplicate of" in page
    assert "listings.csv, row 2 (source test-list, id 2) · same phone +15555550100" in page
    token = csrf_token(admin, "/admin/duplicates")
    response = admin.post(f"/admin/duplicates/{item.id}/merge", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PossibleDuplicate, item.id).status is DuplicateStatus.MERGED
    assert clinic_count() == 1
    edit = db.session.execute(select(Revision).where(Revision.clinic_id == alpha.id)).scalar_one()
    assert edit.kind is RevisionKind.EDIT and edit.status is Decision.PENDING
    # The row adds what it states (here its address); the listing keeps its name.
    assert edit.payload["name"] == "Alpha Infusions"
    assert edit.payload["location"]["address_1"] == "9 Other Road"
    assert "x_source_note" in edit.payload and "row 2" in edit.note
    ext = db.session.execute(select(ExternalId)).scalar_one()
    assert ext.clinic_id == alpha.id
    # The same file again now updates nothing: the row is known.
    html = upload(admin, (HEADER + TWIN).encode()).get_data(as_text=True)
    assert "Unchanged: <strong>1</strong>" in html
    assert "Nothing waiting." in admin.get("/admin/duplicates").get_data(as_text=True)


def test_keep_apart_adds_the_row_as_its_own_pending_listing(admin, make_clinic):
    make_clinic("Alpha Infusions", near="48336")
    item = _import_twin(admin)
    token = csrf_token(admin, "/admin/duplicates")
    admin.post(f"/admin/duplicates/{item.id}/keep", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(PossibleDuplicate, item.id).status is DuplicateStatus.KEPT_APART
    twin = db.session.execute(
        select(Clinic).where(Clinic.name == "Alpha Infusions of Farmington")
    ).scalar_one()
    assert twin.status is ClinicStatus.PENDING
    again = admin.post(f"/admin/duplicates/{item.id}/merge", data={"csrf_token": token})
    assert again.status_code == 302
    assert clinic_count() == 2


def test_published_look_alikes_are_listed_and_can_be_kept_apart_or_merged(admin, make_clinic):
    first = make_clinic("Alpha Infusions", near="48336")  # both share (555) 555-0100
    second = make_clinic("Beta Infusions", near="60601")
    third = make_clinic("Gamma Infusions", near="10001")
    db.session.execute(Phone.__table__.delete().where(Phone.clinic_id == third.id))
    db.session.commit()
    make_clinic("Example One", near="48336", is_example=True)  # the same made-up phone
    make_clinic("Example Two", near="48336", is_example=True)
    page = admin.get("/admin/duplicates").get_data(as_text=True)
    assert "same phone +15555550100" in page
    assert "Gamma Infusions" not in page
    assert "Example One" not in page and "Example Two" not in page
    assert "1 possible pair." in page
    token = csrf_token(admin, "/admin/duplicates")
    pair = {"csrf_token": token, "first": first.id, "second": second.id}
    admin.post("/admin/duplicates/pair/keep", data=pair)
    assert "same phone +15555550100" not in admin.get("/admin/duplicates").get_data(as_text=True)
    # Once decided, the pair cannot be merged by a stale form.
    admin.post("/admin/duplicates/pair/merge", data=pair)
    db.session.expire_all()
    assert db.session.get(Clinic, second.id).status is ClinicStatus.PUBLISHED
    fourth = make_clinic("Delta Infusions", near="48104")
    pair = {"csrf_token": token, "first": first.id, "second": fourth.id}
    admin.post("/admin/duplicates/pair/merge", data=pair)
    db.session.expire_all()
    merged = db.session.get(Clinic, fourth.id)
    assert merged.status is ClinicStatus.DRAFT
    assert "Duplicate of Alpha Infusions" in merged.status_note
