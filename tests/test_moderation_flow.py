"""Owners and admins end to end over HTTP: nothing reaches patients until approved."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.listings import moderation, snapshots
from directory.models import (
    AuditEvent,
    Claim,
    Clinic,
    ClinicStatus,
    Decision,
    PatientReport,
    Revision,
)
from tests.conftest import (
    AS_OF,
    MICHIGAN,
    PASSWORD,
    last_mail,
    listing_data,
    login,
    post_form,
    price_row,
    propose,
)


def register_owner(client, email="owner@example.org"):
    response = post_form(
        client, "/account/register", {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    assert "Check your e-mail" in response.get_data(as_text=True)
    link = re.search(r"http://localhost(/account/verify/\S+)", last_mail(email).body).group(1)
    assert client.get(link).status_code == 302
    assert login(client, email).status_code == 302


def test_register_verify_claim_propose_approve_publish(app, client, admin, admin_client):
    register_owner(client)
    # Claim the seeded listing.
    response = post_form(
        client,
        f"/owner/clinics/{MICHIGAN}/claim",
        {"note": "I am the practice manager; call our front desk to check."},
    )
    assert response.status_code == 302
    claim = db.session.execute(select(Claim)).scalar_one()
    assert claim.status is Decision.PENDING
    # Before approval the owner cannot edit.
    assert client.get(f"/owner/clinics/{MICHIGAN}/edit").status_code == 404

    queue = admin_client.get("/admin/").get_data(as_text=True)
    assert "owner@example.org claims" in queue
    assert (
        post_form(
            admin_client, f"/admin/claims/{claim.id}/approve", {"reason": ""}, form_page="/admin/"
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert claim.status is Decision.APPROVED

    # The owner proposes a price; the public page does not change yet.
    assert client.get(f"/owner/clinics/{MICHIGAN}/edit").status_code == 200
    response = post_form(client, f"/owner/clinics/{MICHIGAN}/edit", listing_data(**price_row()))
    assert response.status_code == 302, response.get_data(as_text=True)
    public = client.get(f"/clinics/{MICHIGAN}").get_data(as_text=True)
    assert "No published prices" in public and "$450" not in public
    assert client.get(f"/api/v1/clinics/{MICHIGAN}").get_json()["prices"] == []

    revision = db.session.execute(select(Revision)).scalar_one()
    page = admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)
    assert "Prices" in page and "$450 per session" in page
    assert (
        post_form(
            admin_client,
            f"/admin/revisions/{revision.id}/approve",
            {"reason": ""},
            form_page=f"/admin/revisions/{revision.id}",
        ).status_code
        == 302
    )

    public = client.get(f"/clinics/{MICHIGAN}").get_data(as_text=True)
    assert "$450" in public and "https://kim.example.org/costs" in public
    api = client.get(f"/api/v1/clinics/{MICHIGAN}").get_json()
    assert [(p["amount_cents"], p["source_url"], p["as_of"]) for p in api["prices"]] == [
        (45000, "https://kim.example.org/costs", AS_OF)
    ]
    actions = db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert "claim.approved" in actions and "revision.approved" in actions
    approved = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "revision.approved")
    ).scalar_one()
    assert approved.before["prices"] == [] and approved.after["prices"][0]["amount_cents"] == 45000
    # The seed's citation for untouched facts stays; the owner's dashboard shows the decision.
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    assert clinic.sources_for("location")[0].source_document == "000_ae40677ab993d68a.txt"
    assert "Approved" in client.get("/owner/").get_data(as_text=True)


def test_rejection_reason_reaches_the_owner(owner_client, admin_client):
    revision = propose(owner_client, website="https://kim.example.org")
    response = post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/reject",
        {"reason": "The website does not load."},
        form_page=f"/admin/revisions/{revision.id}",
    )
    assert response.status_code == 302
    dashboard = owner_client.get("/owner/").get_data(as_text=True)
    assert "Rejected" in dashboard and "The website does not load." in dashboard
    assert (
        db.session.execute(select(Clinic.website).where(Clinic.slug == MICHIGAN)).scalar() is None
    )


def test_reject_needs_a_reason(owner_client, admin_client):
    revision = propose(owner_client, website="https://kim.example.org")
    post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/reject",
        {"reason": ""},
        form_page=f"/admin/revisions/{revision.id}",
    )
    db.session.expire_all()
    assert revision.status is Decision.PENDING


def test_conflicting_proposals_are_shown_not_overwritten(
    app, owner, owner_client, admin_client, make_user
):
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    second = make_user("partner@example.org", clinics=(clinic,))
    other = app.test_client()
    login(other, second.email)
    first_rev = propose(owner_client, website="https://first.example.org")
    second_rev = propose(other, website="https://second.example.org")
    assert first_rev.base_version == second_rev.base_version

    post_form(
        admin_client,
        f"/admin/revisions/{first_rev.id}/approve",
        {},
        form_page=f"/admin/revisions/{first_rev.id}",
    )
    response = post_form(
        admin_client,
        f"/admin/revisions/{second_rev.id}/approve",
        {},
        form_page=f"/admin/revisions/{second_rev.id}",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "The listing has changed since this proposal was made" in page
    assert "Both change: <strong>website</strong>" in page
    db.session.expire_all()
    assert second_rev.status is Decision.PENDING
    assert db.session.get(Clinic, clinic.id).website == "https://first.example.org"

    # Applied only when the admin says so after reviewing, and recorded as such.
    post_form(
        admin_client,
        f"/admin/revisions/{second_rev.id}/approve",
        {"override_conflict": "y"},
        form_page=f"/admin/revisions/{second_rev.id}",
    )
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).website == "https://second.example.org"
    assert second_rev.overrode_conflict is True
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "revision.approved_over_conflict" in actions


def test_revert_restores_and_is_recorded(owner_client, admin_client):
    revision = propose(owner_client, website="https://kim.example.org", **price_row())
    post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/approve",
        {},
        form_page=f"/admin/revisions/{revision.id}",
    )
    response = post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/revert",
        {"reason": "Owner asked to undo"},
        form_page=f"/admin/clinics/{MICHIGAN}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    assert clinic.website is None and clinic.prices == []
    kinds = db.session.execute(select(Revision.kind, Revision.status)).all()
    assert len(kinds) == 2 and all(status is Decision.APPROVED for _, status in kinds)
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "revision.reverted")
    ).scalar_one()
    assert event.before["website"] == "https://kim.example.org" and event.after["website"] is None


def test_owner_withdraws_and_confirms(owner_client):
    revision = propose(owner_client, hours="Mon-Fri 9-5")
    post_form(owner_client, f"/owner/revisions/{revision.id}/withdraw", {}, form_page="/owner/")
    db.session.expire_all()
    assert revision.status is Decision.WITHDRAWN
    post_form(owner_client, f"/owner/clinics/{MICHIGAN}/confirm", {}, form_page="/owner/")
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    db.session.refresh(clinic)
    assert clinic.last_verified_on == date.today()
    assert clinic.last_verified_by.value == "owner-confirmed"
    assert "confirmed by the clinic" in owner_client.get(f"/clinics/{MICHIGAN}").get_data(
        as_text=True
    )


def test_new_clinic_waits_for_approval(client, owner_client, admin_client):
    data = listing_data(
        name="Lakeview Infusions",
        address_1="1 Lake St",
        address_2="",
        city="Farmington Hills",
        postal_code="48334",
        **{"phones-0-display": "(248) 555-0101", "phones-0-kind": "main"},
    )
    response = post_form(owner_client, "/owner/clinics/new", data)
    assert response.status_code == 302
    clinic = db.session.execute(
        select(Clinic).where(Clinic.name == "Lakeview Infusions")
    ).scalar_one()
    assert clinic.status is ClinicStatus.PENDING
    assert client.get(f"/clinics/{clinic.slug}").status_code == 404
    revision = db.session.execute(
        select(Revision).where(Revision.clinic_id == clinic.id)
    ).scalar_one()
    post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/approve",
        {},
        form_page=f"/admin/revisions/{revision.id}",
    )
    queue = admin_client.get("/admin/").get_data(as_text=True)
    assert "Approved: Lakeview Infusions is published." in queue
    page = client.get(f"/clinics/{clinic.slug}").get_data(as_text=True)
    assert "Lakeview Infusions" in page and "tel:+12485550101" in page
    assert "Lakeview Infusions" in client.get("/search?near=48334").get_data(as_text=True)


def test_patient_report_reaches_the_queue_and_honeypot_stores_nothing(client, admin_client):
    url = f"/clinics/{MICHIGAN}/report"
    assert "Report incorrect information" in client.get(f"/clinics/{MICHIGAN}").get_data(
        as_text=True
    )
    response = post_form(client, url, {"category": "phone", "note": "Number is disconnected"})
    assert response.status_code == 302
    post_form(client, url, {"category": "closed", "note": "spam", "website_url": "http://x"})
    reports = db.session.execute(select(PatientReport)).scalars().all()
    assert [(r.category.value, r.note) for r in reports] == [("phone", "Number is disconnected")]
    queue = admin_client.get("/admin/").get_data(as_text=True)
    assert "Wrong phone number" in queue and "Number is disconnected" in queue
    post_form(
        admin_client,
        f"/admin/reports/{reports[0].id}/resolve",
        {"reason": "Phone checked"},
        form_page="/admin/",
    )
    db.session.expire_all()
    assert reports[0].status is Decision.APPROVED


def test_report_form_errors_keep_input(client, seeded):
    response = post_form(client, f"/clinics/{MICHIGAN}/report", {"note": "kept text"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose what is wrong." in page and "kept text" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required."),
        (price_row(amount="-5"), "The price must be at least $0.01."),
        (price_row(amount="0"), "Only a consultation can be free"),
        ({"city": "", "postal_code": ""}, "Give the city of the street address."),
        (price_row(source_url="not a url"), "Enter a full web address"),
        (price_row(source_url=""), "Give the web page where this price is published."),
        (
            price_row(as_of=(date.today() + timedelta(days=3)).isoformat()),
            "cannot be in the future",
        ),
        (price_row(as_of="1900-01-01"), "Give a date from 2000 on."),
        (price_row(treatment="unicorn-therapy"), "Not a valid choice"),
        ({"website": "javascript:alert(1)"}, "Enter a full web address"),
        ({"email": "not-an-email"}, "Enter an e-mail address"),
        ({"postal_code": "123"}, "five digits"),
        ({"postal_code": "00000"}, "We could not find the ZIP code 00000."),
        ({"postal_code": "90210"}, "ZIP code 90210 is in California, not Michigan."),
        (
            {"postal_code": "", "city": "Nowhere Flats"},
            "We could not place Nowhere Flats, MI on the map. Give the ZIP code.",
        ),
        ({"phones-0-display": "12"}, "Enter a US phone number"),
        ({"phones-0-display": "312-555-0199 ext 4"}, "Enter the number without an extension."),
    ],
)
def test_bad_edit_form_shows_errors_keeps_input_stores_nothing(owner_client, changes, message):
    data = listing_data(hours="Kept hours text", **changes)
    response = post_form(owner_client, f"/owner/clinics/{MICHIGAN}/edit", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "Kept hours text" in page
    assert db.session.execute(select(Revision)).first() is None


def test_forms_without_csrf_token_are_refused(client, owner_client):
    assert client.post(f"/clinics/{MICHIGAN}/report", data={"category": "phone"}).status_code == 400
    assert (
        owner_client.post(
            f"/owner/clinics/{MICHIGAN}/edit", data=listing_data(website="https://x.example")
        ).status_code
        == 400
    )
    assert (
        client.post("/account/login", data={"email": "a@b.co", "password": "x"}).status_code == 400
    )
    assert db.session.execute(select(PatientReport)).first() is None
    assert db.session.execute(select(Revision)).first() is None


def test_markup_is_escaped_for_patients_and_admins(client, owner_client, admin_client):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    revision = propose(
        owner_client, description=evil, hours=evil, note=evil, **price_row(included=evil)
    )
    admin_page = admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)
    assert "<script>alert" not in admin_page and "&lt;script&gt;" in admin_page
    post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/approve",
        {},
        form_page=f"/admin/revisions/{revision.id}",
    )
    post_form(client, f"/clinics/{MICHIGAN}/report", {"category": "other", "note": evil})
    for page in (
        client.get(f"/clinics/{MICHIGAN}").get_data(as_text=True),
        admin_client.get("/admin/").get_data(as_text=True),
        admin_client.get("/admin/audit").get_data(as_text=True),
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page or "\\u003cscript\\u003e" in page


def test_claim_note_and_reject_reason_are_escaped(app, client, make_user, admin_client, seeded):
    evil = "<script>alert(1)</script>"
    make_user("claimer@example.org")
    login(client, "claimer@example.org")
    post_form(client, f"/owner/clinics/{MICHIGAN}/claim", {"note": f"I run it {evil}"})
    claim = db.session.execute(select(Claim)).scalar_one()
    queue = admin_client.get("/admin/").get_data(as_text=True)
    assert evil not in queue and "I run it &lt;script&gt;" in queue
    post_form(
        admin_client,
        f"/admin/claims/{claim.id}/reject",
        {"reason": f"No {evil}"},
        form_page="/admin/",
    )
    dashboard = client.get("/owner/").get_data(as_text=True)
    assert evil not in dashboard and "No &lt;script&gt;" in dashboard


def test_a_decision_and_a_withdrawal_at_once_cannot_both_win(
    app, owner, owner_client, admin_client
):
    revision = propose(owner_client, website="https://kim.example.org")
    # The admin's page was loaded while the proposal was pending ...
    page = f"/admin/revisions/{revision.id}"
    from tests.conftest import csrf_token

    token = csrf_token(admin_client, page)
    # ... and the owner withdraws it meanwhile, in another session.
    from directory.listings import moderation
    from directory.models import Revision as RevisionModel

    other = create_app_session(app)
    stale = other.get(RevisionModel, revision.id)
    moderation.withdraw(other, other.get(type(owner), owner.id), stale)
    other.commit()
    response = admin_client.post(f"{page}/approve", data={"csrf_token": token})
    assert response.status_code in (302, 409)
    db.session.expire_all()
    assert revision.status is Decision.WITHDRAWN  # the approval did not overwrite it
    website = select(Clinic.website).where(Clinic.slug == MICHIGAN)
    assert db.session.execute(website).scalar() is None
    other.close()


def create_app_session(app):
    from sqlalchemy.orm import Session

    return Session(db.engine)


def test_an_address_that_cannot_be_placed_is_refused_at_approval_not_a_500(owner, admin_client):
    # A proposal stored before the form checked ZIP codes against the gazetteer.
    michigan = db.session.execute(select(Clinic).filter_by(slug=MICHIGAN)).scalar_one()
    payload = snapshots.snapshot(michigan)
    payload["location"] = {**payload["location"], "postal_code": "00000"}
    for key in ("latitude", "longitude", "geocode_precision"):
        payload["location"].pop(key, None)
    revision = moderation.propose_edit(db.session, owner, michigan, payload, "")
    db.session.commit()
    page = f"/admin/revisions/{revision.id}"

    response = post_form(admin_client, f"{page}/approve", {"reason": ""}, form_page=page)

    assert response.status_code == 302 and response.headers["Location"] == page
    shown = admin_client.get(page).get_data(as_text=True)
    assert "This address cannot be placed on the map" in shown
    assert "We could not find the ZIP code 00000." in shown
    db.session.expire_all()
    assert revision.status is Decision.PENDING
    assert michigan.location.postal_code == "48336"


def test_an_unchanged_address_is_not_looked_up_again(app, make_clinic, make_user):
    # Placed by its own coordinates (an import), in a town the gazetteer does not know.
    clinic = make_clinic(
        "Hamlet Infusions", slug="hamlet", latitude=42.4, longitude=-83.3, city="Testville"
    )
    owner = make_user("hamlet@example.org", clinics=(clinic,))
    client = app.test_client()
    assert login(client, owner.email).status_code == 302
    data = listing_data(
        name="Hamlet Infusions",
        address_1="1 Test St",
        address_2="",
        city="Testville",
        state="MI",
        postal_code="",
        hours="Mon-Fri 9-5",
        conditions=["depression"],
    )
    response = post_form(client, "/owner/clinics/hamlet/edit", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    revision = db.session.execute(select(Revision)).scalar_one()
    assert revision.payload["location"]["latitude"] == 42.4
    # A changed address is checked.
    moved = listing_data(**{**data, "city": "Othertown"})
    response = post_form(client, "/owner/clinics/hamlet/edit", moved)
    assert response.status_code == 400
    assert "We could not place Othertown, MI on the map." in response.get_data(as_text=True)


def test_undoing_to_an_address_that_cannot_be_placed_says_so(owner_client, admin_client):
    """A version kept with 0, 0 (the old gazetteer's or a file's "no coordinates") is
    placed again when it is restored; one that cannot be is refused with a message."""
    revision = propose(owner_client, website="https://kim.example.org")
    post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/approve",
        {},
        form_page=f"/admin/revisions/{revision.id}",
    )
    db.session.refresh(revision)
    base = dict(revision.base_snapshot)
    base["location"] = {
        **base["location"],
        "city": "Nowhere",
        "state": "DC",
        "postal_code": "56908",
        "latitude": 0.0,
        "longitude": 0.0,
    }
    revision.base_snapshot = base
    db.session.commit()
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    where = (clinic.location.latitude, clinic.location.longitude)

    response = post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/revert",
        {"reason": "Owner asked to undo"},
        form_page=f"/admin/clinics/{MICHIGAN}",
    )
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "That version&#39;s address cannot be placed on the map" in page
    db.session.expire_all()
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    assert (clinic.location.latitude, clinic.location.longitude) == where
    assert clinic.website == "https://kim.example.org"
    assert db.session.execute(select(Revision.kind)).scalars().all() == [revision.kind]
