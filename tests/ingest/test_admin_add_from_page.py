"""Admins add a clinic from its web page: read on loopback, tick facts, save to the queue."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from selectolax.parser import HTMLParser
from sqlalchemy import func, select

from directory.extensions import db
from directory.listings import schema
from directory.models import (
    Clinic,
    ClinicStatus,
    Decision,
    Revision,
    RevisionKind,
    SourceDocument,
)
from tests.conftest import configure, csrf_token, login, post_form
from tests.ingest import loopback, scoring

ADD = "/admin/add-from-page"


@pytest.fixture
def site() -> Iterator[str]:
    with loopback.serve() as url:
        yield url


@pytest.fixture
def admin_client(app, client, make_user):
    configure(app, INGEST_ALLOW_PRIVATE_ADDRESSES=True)
    make_user("admin@example.org", admin=True)
    assert login(client, "admin@example.org").status_code == 302
    return client


def form_values(html: str) -> dict[str, str]:
    """What a browser would send from the review form: every input, ticked boxes as 'y'."""
    tree = HTMLParser(html)
    form = tree.css_first("form[action^='/admin/add-from-page/']")
    values: dict[str, str] = {}
    for node in form.css("input, textarea"):
        name = node.attributes.get("name")
        if not name:
            continue
        if node.attributes.get("type") == "checkbox":
            if "checked" in node.attributes:
                values[name] = node.attributes.get("value") or "on"
        else:
            values[name] = node.attributes.get("value") or node.text() or ""
    for node in form.css("select"):
        chosen = node.css_first("option[selected]") or node.css_first("option")
        values[node.attributes["name"]] = chosen.attributes.get("value") or ""
    return values


def _published() -> int:
    return db.session.execute(
        select(func.count()).select_from(Clinic).where(Clinic.status == ClinicStatus.PUBLISHED)
    ).scalar_one()


def _read(admin_client, url: str):
    return post_form(admin_client, ADD, {"url": url})


def test_the_queue_links_to_the_screen(admin_client) -> None:
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/add-from-page"' in html
    assert "Add a clinic from its web page" in admin_client.get(ADD).get_data(as_text=True)


def test_a_page_from_loopback_becomes_a_pending_new_clinic(admin_client, site) -> None:
    published = _published()
    response = _read(admin_client, f"{site}/clinic.html")
    assert response.status_code == 302
    document = db.session.execute(select(SourceDocument)).scalar_one()
    assert document.url == f"{site}/clinic.html"
    assert len(document.sha256) == 64 and "Lakeview Ketamine Clinic" in document.text

    review = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We treat depression, anxiety and PTSD with ketamine infusions." in review
    assert "Six-infusion series (initial series) $2,400" in review
    values = form_values(review)
    assert values["name-value"] == "Lakeview Ketamine Clinic"
    anxiety = next(k for k, v in values.items() if k.endswith("-slug") and v == "anxiety")
    del values[anxiety.replace("-slug", "-on")]  # the admin unticks one condition
    values["prices-1-amount"] = "455.00"  # and corrects a price

    saved = admin_client.post(f"/admin/add-from-page/{document.id}", data=values)
    assert saved.status_code == 302

    revision = db.session.execute(select(Revision)).scalar_one()
    assert revision.kind is RevisionKind.NEW_CLINIC and revision.status is Decision.PENDING
    assert revision.clinic.status is ClinicStatus.PENDING
    assert revision.clinic.version == revision.base_version  # no false conflict for the moderator
    payload = revision.payload
    assert payload["name"] == "Lakeview Ketamine Clinic"
    assert payload["location"]["address_2"] == "Suite 200"
    assert [p["e164"] for p in payload["phones"]] == ["+13125550142"]
    assert payload["conditions"] == ["depression", "ptsd"]
    assert payload["free_consultation"] is True
    amounts = sorted(p["amount_cents"] for p in payload["prices"])
    assert amounts == [0, 42500, 45500, 240000]
    assert all(p["source_url"] == document.url and p["as_of"] for p in payload["prices"])
    assert f"source document {document.id}" in revision.note
    assert _published() == published  # extraction alone never publishes

    queue = admin_client.get("/admin/").get_data(as_text=True)
    assert "Lakeview Ketamine Clinic" in queue


def test_a_page_matching_a_listings_phone_becomes_a_proposed_change(
    admin_client, site, make_clinic
) -> None:
    clinic = make_clinic("Lakeview Infusions", treatments=("iv-infusion",))
    clinic.phones[0].e164 = "+13125550142"
    clinic.phones[0].display = "(312) 555-0142"
    db.session.commit()
    version = clinic.version
    response = _read(admin_client, f"{site}/clinic.html")
    values = form_values(admin_client.get(response.headers["Location"]).get_data(as_text=True))
    document_id = response.headers["Location"].rsplit("/", 1)[1]
    assert admin_client.post(f"/admin/add-from-page/{document_id}", data=values).status_code == 302

    revision = db.session.execute(select(Revision)).scalar_one()
    assert revision.kind is RevisionKind.EDIT and revision.clinic_id == clinic.id
    assert revision.payload["name"] == "Lakeview Ketamine Clinic"
    assert "anxiety" in revision.payload["conditions"]
    db.session.expire_all()
    unchanged = db.session.get(Clinic, clinic.id)
    assert (unchanged.name, unchanged.version) == ("Lakeview Infusions", version)
    assert db.session.execute(select(func.count()).select_from(Clinic)).scalar_one() == 1  # no new


def test_an_uploaded_file_is_read_too(admin_client) -> None:
    body = (scoring.PAGES / "14_kap_integration.txt").read_bytes()
    token = csrf_token(admin_client, ADD)
    response = admin_client.post(
        ADD,
        data={"csrf_token": token, "page_file": (io.BytesIO(body), "clear-lake.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    document = db.session.execute(select(SourceDocument)).scalar_one()
    assert (document.url, document.file_name) == (None, "clear-lake.txt")
    page = admin_client.get(f"/admin/documents/{document.id}").get_data(as_text=True)
    assert document.sha256 in page and "Package of 3 KAP sessions: $975" in page


def test_a_news_article_is_refused_and_nothing_is_stored(admin_client, site) -> None:
    response = _read(admin_client, f"{site}/news.html")
    assert response.status_code == 400
    assert "does not describe a clinic" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(SourceDocument)).scalar_one() == 0


def test_loopback_is_refused_without_the_setting(app, admin_client, site) -> None:
    configure(app, INGEST_ALLOW_PRIVATE_ADDRESSES=False)
    response = _read(admin_client, f"{site}/clinic.html")
    assert response.status_code == 400
    assert "private, loopback or link-local" in response.get_data(as_text=True)


def test_a_quote_not_in_the_stored_page_is_refused(admin_client, site) -> None:
    response = _read(admin_client, f"{site}/clinic.html")
    values = form_values(admin_client.get(response.headers["Location"]).get_data(as_text=True))
    values["name-quote"] = "The best clinic in the world."
    saved = admin_client.post(response.headers["Location"], data=values, follow_redirects=True)
    assert "quote is not in the stored page" in saved.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Revision)).scalar_one() == 0


def test_saving_without_the_csrf_token_changes_nothing(admin_client, site) -> None:
    response = _read(admin_client, f"{site}/clinic.html")
    values = form_values(admin_client.get(response.headers["Location"]).get_data(as_text=True))
    del values["csrf_token"]
    admin_client.post(response.headers["Location"], data=values)
    assert db.session.execute(select(func.count()).select_from(Revision)).scalar_one() == 0


def test_giving_both_or_neither_source_is_a_clear_error(admin_client) -> None:
    response = post_form(admin_client, ADD, {"url": ""})
    assert response.status_code == 400
    assert "Give a web page address or a file" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prices-0-amount", "NaN", "between $0 and $1,000,000"),
        ("prices-0-amount", "lots", "amount in dollars"),
        ("prices-0-unit", "per-decade", "needs a unit"),
        ("treatments-0-slug", "magic", "Unknown treatment"),
        ("locations-0-state", "Atlantis", "needs a US state"),
        ("locations-0-postal_code", "6060", "5-digit ZIP"),
        ("phones-0-display", "call us", "not a phone number"),
        ("phones-0-kind", "fax", "fax number is not listed"),
        ("name-value", "x" * 300, "longer than 200"),
    ],
)
def test_bad_values_are_clear_errors_and_nothing_is_saved(
    admin_client, site, field, value, message
) -> None:
    response = _read(admin_client, f"{site}/clinic.html")
    values = form_values(admin_client.get(response.headers["Location"]).get_data(as_text=True))
    values[field] = value
    saved = admin_client.post(response.headers["Location"], data=values, follow_redirects=True)
    assert saved.status_code == 200
    assert message in saved.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Revision)).scalar_one() == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [("ftp://example.com/clinic.html", "Only http"), ("http://", "names no host")],
)
def test_bad_addresses_are_clear_errors(admin_client, url, message) -> None:
    response = _read(admin_client, url)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_binary_or_oversized_upload_is_refused(admin_client) -> None:
    token = csrf_token(admin_client, ADD)
    binary = admin_client.post(
        ADD,
        data={"csrf_token": token, "page_file": (io.BytesIO(bytes(range(256)) * 40), "x.png")},
        content_type="multipart/form-data",
    )
    assert binary.status_code == 400
    # The body is built here so the test client spools nothing to a temporary file.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b'\r\n--b\r\nContent-Disposition: form-data; name="page_file"; filename="x.html"'
        + b"\r\nContent-Type: text/html\r\n\r\n"
        + b"a" * (2 * 1024 * 1024)
        + b"\r\n--b--\r\n"
    )
    big = admin_client.post(ADD, data=body, content_type="multipart/form-data; boundary=b")
    assert big.status_code == 413
    assert db.session.execute(select(func.count()).select_from(SourceDocument)).scalar_one() == 0


def test_every_text_and_yes_no_field_of_the_schema_is_saved_as_ticked(admin_client, site) -> None:
    """The review walks the listing schema: a ticked field is saved without a line of its own."""
    response = _read(admin_client, f"{site}/clinic.html")
    values = form_values(admin_client.get(response.headers["Location"]).get_data(as_text=True))
    quote = values["name-quote"]  # words the stored page shows, to cite each fact with
    expected: dict[str, object] = {}
    for name, spec in schema.SPECS.items():
        if spec.kind is schema.Kind.TEXT:
            values[f"{name}-value"] = expected[name] = f"Stated {spec.label.lower()}"[:20]
        elif spec.kind is schema.Kind.FLAG:
            expected[name] = True
        else:
            continue
        values[f"{name}-on"], values[f"{name}-quote"] = "y", quote
    assert len(expected) >= 10

    saved = admin_client.post(response.headers["Location"], data=values)

    assert saved.status_code == 302
    payload = db.session.execute(select(Revision)).scalar_one().payload
    assert {name: payload[name] for name in expected} == expected
    assert schema.validated(payload) == payload


def test_a_ticked_fact_longer_than_the_schema_allows_is_a_clear_error(admin_client, site) -> None:
    response = _read(admin_client, f"{site}/clinic.html")
    values = form_values(admin_client.get(response.headers["Location"]).get_data(as_text=True))
    wait = "first_appointment_wait"
    limit = schema.max_length(wait)
    assert limit is not None
    values.update({f"{wait}-on": "y", f"{wait}-quote": values["name-quote"]})
    values[f"{wait}-value"] = "w" * (limit + 1)

    saved = admin_client.post(response.headers["Location"], data=values, follow_redirects=True)

    assert f"longer than {limit}" in saved.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Revision)).scalar_one() == 0
