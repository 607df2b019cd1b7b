"""What a moderator sees beside a decision: linked sources, other open items on the same
listing, and a conflict box that ignores confirmations and shows what changed since."""

# The owner and admin fixtures come from the moderation flow's module; pytest passes them in.
# ruff: noqa: F811

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from directory.extensions import db
from directory.models import Clinic, Decision, PatientReport, VerifiedBy
from tests.conftest import MICHIGAN, between, login, main, post_form, price_row, propose, text

LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.S)


def anchors(fragment: str) -> list[tuple[str, str, str]]:
    """(href, rel, text) of each link in a fragment."""
    found = []
    for attrs, inner in LINK.findall(fragment):
        href = re.search(r'href="([^"]*)"', attrs)
        rel = re.search(r'rel="([^"]*)"', attrs)
        found.append((href.group(1) if href else "", rel.group(1) if rel else "", text(inner)))
    return found


def michigan() -> Clinic:
    return db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()


def report_on_michigan(client, category: str = "price", note: str = "The price is $600 now"):
    response = post_form(
        client, f"/clinics/{MICHIGAN}/report", {"category": category, "note": note}
    )
    assert response.status_code == 302
    return (
        db.session.execute(select(PatientReport).order_by(PatientReport.id.desc()))
        .scalars()
        .first()
    )


# --- 1. source addresses in the diff are links, http(s) only ----------------------------------


def test_price_sources_in_the_diff_are_links_that_pass_no_referrer(owner_client, admin_client):
    revision = propose(owner_client, **price_row(source_url="https://kim.example.org/costs"))
    page = main(admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True))
    diff = between(page, '<table class="diff stack">', "</table>")
    links = anchors(diff)
    assert (
        "https://kim.example.org/costs",
        "noopener noreferrer nofollow",
        "https://kim.example.org/costs",
    ) in links
    # the comma after the address in "source <url>, as of" is not part of the link
    assert "https://kim.example.org/costs</a>, as of" in diff


def test_only_http_addresses_become_links_in_the_diff(owner_client, admin_client):
    words = (
        "Prices at javascript:alert(1) or data:text/html,hi or ftp://kim.example.org/x, "
        "and at https://kim.example.org/about."
    )
    revision = propose(owner_client, description=words)
    page = main(admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True))
    diff = between(page, '<table class="diff stack">', "</table>")
    hrefs = [href for href, _, _ in anchors(diff)]
    assert hrefs == ["https://kim.example.org/about"]
    assert "javascript:alert(1)" in text(diff) and "ftp://kim.example.org/x" in text(diff)
    assert 'href="javascript' not in page and 'href="data:' not in page


def test_an_address_with_markup_is_escaped_not_injected(owner_client, admin_client):
    revision = propose(owner_client, description='See https://kim.example.org/a"onmouseover=x <b>')
    page = admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)
    assert "onmouseover=x <b>" not in page
    assert ('href="https://kim.example.org/a"') in page


def test_the_audit_log_links_the_sources_of_an_approved_change(owner_client, admin_client):
    revision = propose(owner_client, **price_row(source_url="https://kim.example.org/costs"))
    post_form(admin_client, f"/admin/revisions/{revision.id}/approve", {}, form_page="/admin/")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    diff = between(page, '<table class="diff stack">', "</table>")
    assert (
        "https://kim.example.org/costs",
        "noopener noreferrer nofollow",
        "https://kim.example.org/costs",
    ) in anchors(diff)


# --- 2. a report and a pending edit on the same clinic point at each other ---------------------


def test_queue_links_a_report_and_a_pending_edit_on_the_same_clinic(
    client, owner_client, admin_client
):
    revision = propose(owner_client, **price_row(amount="600"))
    item = report_on_michigan(client)
    queue = main(admin_client.get("/admin/").get_data(as_text=True))

    edits = between(queue, 'id="edits"', "</section>")
    assert f"Also open on this clinic: report #{item.id}: ‘wrong price’" in text(edits)
    assert f"/admin/reports/{item.id}" in [h for h, _, _ in anchors(edits)]

    reports = between(queue, 'id="reports"', "</section>")
    assert f"Also open on this clinic: pending edit #{revision.id}" in text(reports)
    assert f"/admin/revisions/{revision.id}" in [h for h, _, _ in anchors(reports)]


def test_each_decision_page_names_the_other_open_item(client, owner_client, admin_client):
    revision = propose(owner_client, **price_row(amount="600"))
    item = report_on_michigan(client)

    review = text(main(admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)))
    assert f"Also open on this clinic: report #{item.id}: ‘wrong price’" in review
    assert "The price is $600 now" in review

    page = main(admin_client.get(f"/admin/reports/{item.id}").get_data(as_text=True))
    assert f"Patient report #{item.id}: Wrong price" in text(page)
    assert f"Also open on this clinic: pending edit #{revision.id}" in text(page)
    assert f"/admin/revisions/{revision.id}" in [h for h, _, _ in anchors(page)]

    # The report is decided from its own page, and then no longer named beside the edit.
    response = post_form(
        admin_client,
        f"/admin/reports/{item.id}/resolve",
        {"reason": "Fixed by the owner's edit"},
        form_page=f"/admin/reports/{item.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert item.status is Decision.APPROVED
    review = text(main(admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)))
    assert "Also open on this clinic" not in review


def test_a_lone_item_names_nothing_else(client, admin_client):
    item = report_on_michigan(client, category="phone", note="Disconnected")
    queue = text(main(admin_client.get("/admin/").get_data(as_text=True)))
    assert "Also open on this clinic" not in queue
    page = text(main(admin_client.get(f"/admin/reports/{item.id}").get_data(as_text=True)))
    assert "Wrong phone number" in page and "Also open on this clinic" not in page


def test_report_page_is_for_admins_and_unknown_reports_are_404(client, owner_client, admin_client):
    item = report_on_michigan(client)
    assert admin_client.get("/admin/reports/999999").status_code == 404
    assert owner_client.get(f"/admin/reports/{item.id}").status_code in (302, 403)
    assert client.get(f"/admin/reports/{item.id}").status_code == 302


# --- 3. "still correct" is not a conflict; a real conflict shows what changed ------------------


def test_a_confirmation_after_a_proposal_is_not_a_conflict(owner_client, admin_client):
    revision = propose(owner_client, website="https://kim.example.org")
    # While the proposal is open the owner cannot confirm the listing.
    response = post_form(
        owner_client,
        f"/owner/clinics/{MICHIGAN}/confirm",
        {},
        form_page="/owner/",
        follow_redirects=True,
    )
    assert "1 proposed change waiting for a moderator" in response.get_data(as_text=True)
    clinic = michigan()
    assert clinic.last_verified_on is None
    # A confirmation that crossed the proposal (sent from another tab at the same moment)
    # writes only the verified date, and moves the listing's version.
    base = clinic.version
    clinic.last_verified_on = date.today()
    clinic.last_verified_by = VerifiedBy.OWNER
    db.session.commit()
    assert revision.base_version == base and clinic.version == base + 1

    page = main(admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True))
    assert "The listing changed after this proposal was made" not in page
    assert 'name="override_conflict"' not in page
    assert "nothing it says has changed since" in text(page)

    response = post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/approve",
        {},
        form_page=f"/admin/revisions/{revision.id}",
    )
    assert response.status_code == 302 and response.location.endswith("/admin/")
    db.session.expire_all()
    assert revision.status is Decision.APPROVED and revision.overrode_conflict is False
    assert michigan().website == "https://kim.example.org"


def test_a_real_conflict_shows_what_changed_since_inside_the_box(
    app, owner, owner_client, admin_client, make_user
):
    partner = make_user("partner@example.org", clinics=(michigan(),))
    other = app.test_client()
    login(other, partner.email)
    mine = propose(owner_client, website="https://first.example.org")
    theirs = propose(other, website="https://second.example.org", hours="Mon-Fri 9-5")
    post_form(admin_client, f"/admin/revisions/{theirs.id}/approve", {}, form_page="/admin/")

    page = main(admin_client.get(f"/admin/revisions/{mine.id}").get_data(as_text=True))
    box = between(page, '<div class="error-summary" role="alert">', "</table>")
    assert "The listing changed after this proposal was made" in box
    assert "Changed on the listing since" in box
    rows = text(box)
    assert "Website" in rows and "https://second.example.org" in rows
    assert "Hours" in rows and "Mon-Fri 9-5" in rows
    assert (
        "https://second.example.org",
        "noopener noreferrer nofollow",
        "https://second.example.org",
    ) in anchors(box)
    assert 'name="override_conflict"' in page
    # Approving writes only the website: the newer hours stay, and the diff says so.
    rest = text(page[page.index("Current listing against the proposal") :])
    assert "Website" in rest and "Hours" not in rest
