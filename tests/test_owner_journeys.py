"""Owners waiting on a decision: the claim survives sign-up, each decision is mailed, undone
changes say so, and "still correct" waits for open proposals and reports."""

# The owner and admin fixtures come from the moderation flow's module; pytest passes them in.
# ruff: noqa: F811

from __future__ import annotations

import re

from sqlalchemy import select

from directory.extensions import db
from directory.models import AuditEvent, Claim, Clinic, PatientReport, ReportCategory, Revision
from tests.conftest import (
    MICHIGAN,
    PASSWORD,
    between,
    last_mail,
    listing_data,
    login,
    mails_to,
    post_form,
    price_row,
    propose,
)

CLAIM_PATH = f"/owner/clinics/{MICHIGAN}/claim"


def test_the_claim_stays_the_destination_through_register_confirm_and_sign_in(
    client,
    seeded,
):
    # signed out, "Claim this listing" leads to sign-in with the claim as its destination
    response = client.get(CLAIM_PATH)
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url == f"/account/login?next={CLAIM_PATH}"
    page = client.get(login_url).get_data(as_text=True)
    register_url = re.search(r'href="(/account/register[^"]*)">Create an account', page).group(1)
    register_url = register_url.replace("&amp;", "&")
    assert "next=" in register_url

    email = "new-owner@example.org"
    response = post_form(
        client, register_url, {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 200
    link = re.search(r"http://localhost(/account/verify/\S+)", last_mail(email).body).group(1)
    assert link.endswith(f"?next={CLAIM_PATH}")
    response = client.get(link)
    assert response.status_code == 302
    after_verify = response.headers["Location"]
    assert after_verify.startswith("/account/login?next=")
    response = post_form(client, after_verify, {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == CLAIM_PATH


def test_an_outside_next_is_dropped_on_the_way(client, seeded):
    response = client.get("/account/register?next=https://evil.example.com/")
    assert response.status_code == 200
    post_form(
        client,
        "/account/register?next=https://evil.example.com/",
        {"email": "x@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert "evil" not in last_mail("x@example.org").body


def test_each_decision_is_mailed_to_the_owner(app, owner, owner_client, admin_client):
    rejected = propose(owner_client, website="https://kim.example.org")
    post_form(
        admin_client,
        f"/admin/revisions/{rejected.id}/reject",
        {"reason": "The website does not load."},
        form_page=f"/admin/revisions/{rejected.id}",
    )
    approved = propose(owner_client, **price_row())
    post_form(
        admin_client,
        f"/admin/revisions/{approved.id}/approve",
        {},
        form_page=f"/admin/revisions/{approved.id}",
    )
    post_form(
        admin_client,
        f"/admin/revisions/{approved.id}/revert",
        {"reason": "The price page says $500, not $450."},
        form_page=f"/admin/clinics/{MICHIGAN}",
    )
    subjects = [m.subject for m in mails_to(owner.email)]
    name = "Ketamine Institute of Michigan"
    assert subjects == [
        f"Not approved: your proposed changes for {name} / "
        f"No aprobados: los cambios que propuso para {name}",
        f"Approved: your proposed changes for {name} / "
        f"Aprobados: los cambios que propuso para {name}",
        f"Undone: your change to {name} / Deshecho: su cambio en {name}",
    ]
    bodies = [m.body for m in mails_to(owner.email)]
    assert "The moderator's reason: The website does not load." in bodies[0]
    assert "The moderator's reason: The price page says $500, not $450." in bodies[2]
    # an account does not say which language it reads: each decision comes in both
    assert "-- En español --" in bodies[0]
    assert "El motivo del moderador: The website does not load." in bodies[0]
    assert all("http://localhost/owner/" in b for b in bodies)

    # the dashboard says what became of it, and links to what was proposed
    dashboard = owner_client.get("/owner/").get_data(as_text=True)
    assert "Approved, then undone" in dashboard
    assert "The price page says $500, not $450." in dashboard
    detail = owner_client.get(f"/owner/revisions/{approved.id}").get_data(as_text=True)
    assert "Approved, then undone" in detail and "$450 per session" in detail
    assert f'href="/owner/revisions/{approved.id}"' in dashboard


def test_owners_cannot_read_each_others_proposals(app, owner_client, make_user, seeded):
    revision = propose(owner_client, hours="Mon-Fri 9-5")
    other = app.test_client()
    make_user("someone@example.org")
    login(other, "someone@example.org")
    assert other.get(f"/owner/revisions/{revision.id}").status_code == 404


def test_a_claim_decision_is_mailed(app, client, make_user, admin_client, seeded):
    user = make_user("claimer@example.org")
    login(client, user.email)
    post_form(client, CLAIM_PATH, {"note": "I run the front desk; call us to check."})
    claim = db.session.execute(select(Claim)).scalar_one()
    post_form(
        admin_client, f"/admin/claims/{claim.id}/approve", {"reason": ""}, form_page="/admin/"
    )
    assert (
        last_mail(user.email).subject
        == "Approved: you now manage Ketamine Institute of Michigan / "
        "Aprobado: ahora usted administra Ketamine Institute of Michigan"
    )
    page = client.get(f"/clinics/{MICHIGAN}").get_data(as_text=True)
    assert "Managed by the clinic" in page and "Claim this listing" not in page
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "claim.approved")
    ).scalar_one()
    # No reason given: the summary ends with the listing, not a dangling colon.
    assert event.summary == "claimer@example.org for Ketamine Institute of Michigan"


def test_an_undone_change_offers_no_second_undo(owner_client, admin_client):
    revision = propose(owner_client, website="https://kim.example.org")
    post_form(admin_client, f"/admin/revisions/{revision.id}/approve", {}, form_page="/admin/")
    post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/revert",
        {"reason": "Wrong site"},
        form_page=f"/admin/clinics/{MICHIGAN}",
    )
    page = admin_client.get(f"/admin/clinics/{MICHIGAN}").get_data(as_text=True)
    assert f'action="/admin/revisions/{revision.id}/revert"' not in page
    assert "Undone: Wrong site" in page
    response = post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/revert",
        {"reason": "Again"},
        form_page="/admin/",
        follow_redirects=True,
    )
    assert "This change has already been undone." in response.get_data(as_text=True)
    reverts = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "revision.reverted")
    ).all()
    assert len(reverts) == 1


def test_still_correct_waits_while_a_proposal_or_report_is_open(client, owner_client):
    revision = propose(owner_client, hours="Mon-Fri 9-5")
    dashboard = owner_client.get("/owner/").get_data(as_text=True)
    assert "This listing is still correct" not in dashboard.split("Your claims")[0].replace(
        "“This listing is still correct” waits", ""
    )
    assert "waits until your 1 proposed change is decided" in dashboard
    token_page = "/owner/"
    response = post_form(
        owner_client,
        f"/owner/clinics/{MICHIGAN}/confirm",
        {},
        form_page=token_page,
        follow_redirects=True,
    )
    assert "1 proposed change waiting for a moderator" in response.get_data(as_text=True)
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    assert clinic.last_verified_on is None

    post_form(owner_client, f"/owner/revisions/{revision.id}/withdraw", {}, form_page="/owner/")
    db.session.add(
        PatientReport(clinic_id=clinic.id, category=ReportCategory("price"), note="Wrong price")
    )
    db.session.commit()
    assert "1 patient report is decided" in owner_client.get("/owner/").get_data(as_text=True)


def test_audit_log_reads_as_words(owner_client, admin_client):
    revision = propose(owner_client, website="https://kim.example.org")
    post_form(admin_client, f"/admin/revisions/{revision.id}/approve", {}, form_page="/admin/")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Proposed changes approved" in page


def test_edit_form_shows_one_blank_price_row_and_keeps_the_rest_behind_add_a_price(owner_client):
    page = owner_client.get(f"/owner/clinics/{MICHIGAN}/edit").get_data(as_text=True)
    shown, _, spare = page.partition('<details class="more-rows">')
    assert shown.count('aria-label="Price ') == 1
    assert "<summary>Add a price</summary>" in spare
    assert spare.count('aria-label="Price ') == 7


def test_a_price_row_error_is_linked_from_the_summary_and_its_row_is_shown(owner_client):
    data = listing_data(**price_row(0), **price_row(1, amount="-5"))
    response = post_form(owner_client, f"/owner/clinics/{MICHIGAN}/edit", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page[page.index('<div class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert 'href="#prices-1-amount"' in summary and "row 2" in summary
    shown = page.partition('<details class="more-rows">')[0]
    assert 'id="prices-1-amount"' in shown  # the row with the error is not hidden
    assert shown.count('aria-label="Price ') == 3  # two filled rows and one blank one


def test_audit_log_shows_what_a_decision_changed_not_the_whole_listing(owner_client, admin_client):
    revision = propose(owner_client, website="https://kim.example.org")
    post_form(admin_client, f"/admin/revisions/{revision.id}/approve", {}, form_page="/admin/")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    diff = page[page.index('<table class="diff stack">') :]
    diff = diff[: diff.index("</table>")]
    assert "Website" in diff and "https://kim.example.org" in diff
    assert "Farmington Hills" not in diff  # unchanged fields are left out


def test_no_insurance_beside_a_way_to_pay_through_an_insurer_is_refused(owner_client):
    edit = f"/owner/clinics/{MICHIGAN}/edit"
    data = listing_data(accepts_insurance="no", payment_options=["self-pay", "medicaid"])
    response = post_form(owner_client, edit, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "does not accept insurance, but chose Medicaid as a way to pay" in page
    data = listing_data(accepts_insurance="no", **price_row(0, insurance_accepted="y"))
    page = post_form(owner_client, edit, data).get_data(as_text=True)
    assert "but a price says insurance is accepted for it" in page
    assert db.session.execute(select(Revision)).first() is None  # nothing was proposed
    # either fact alone, or both saying yes, is a proposal
    assert propose(owner_client, accepts_insurance="no", payment_options=["self-pay"])
    assert propose(owner_client, accepts_insurance="yes", payment_options=["medicaid"])


def test_a_free_consultation_is_kept_at_0_and_must_agree_with_the_yes_no_answer(owner_client):
    edit = f"/owner/clinics/{MICHIGAN}/edit"
    free = price_row(1, treatment="consultation", amount="0", unit="consultation")
    revision = propose(owner_client, free_consultation="yes", **price_row(0), **free)
    assert revision is not None
    assert sorted(p["amount_cents"] for p in revision.payload["prices"]) == [0, 45_000]
    # the form shows the $0 price again, and sends it unchanged
    page = owner_client.get(edit).get_data(as_text=True)
    assert re.search(r'id="prices-1-amount"[^>]*value="0(\.00)?"', page)
    assert propose(owner_client, free_consultation="yes", hours="By appointment", **free)

    charged = price_row(0, treatment="consultation", amount="150", unit="consultation")
    page = post_form(owner_client, edit, listing_data(free_consultation="yes", **charged))
    assert page.status_code == 400
    assert "the first consultation is free, but its price is above $0" in page.get_data(
        as_text=True
    )
    page = post_form(owner_client, edit, listing_data(free_consultation="no", **free))
    assert page.status_code == 400
    assert "consultation is not free, but a consultation price is $0" in page.get_data(as_text=True)


def test_the_edit_form_shows_the_change_still_waiting_and_a_second_replaces_it(owner_client):
    edit = f"/owner/clinics/{MICHIGAN}/edit"
    first = propose(owner_client, hours="Mon-Fri 9-5")
    page = owner_client.get(edit).get_data(as_text=True)
    notice = between(page, '<p class="notice" id="pending-proposal">', "</p>")
    assert "are waiting for a moderator, and this form shows them" in notice
    assert f'href="/owner/revisions/{first.id}"' in notice
    assert "Mon-Fri 9-5</textarea>" in page  # what was proposed, not the public listing
    # sending the form again with one more change keeps the first change
    second = propose(owner_client, hours="Mon-Fri 9-5", website="https://kim.example.org")
    assert second.payload["hours"] == "Mon-Fri 9-5"
    assert second.payload["website"] == "https://kim.example.org"
    db.session.expire_all()
    assert db.session.get(Revision, first.id).status.value == "withdrawn"
    # once decided, the form starts from the public listing again
    post_form(owner_client, f"/owner/revisions/{second.id}/withdraw", {}, form_page="/owner/")
    page = owner_client.get(edit).get_data(as_text=True)
    assert 'id="pending-proposal"' not in page and "Mon-Fri 9-5" not in page
