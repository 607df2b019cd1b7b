"""Who may open what: every route of the application, for every kind of visitor.

The table below names, for each endpoint, what an anonymous visitor, the owner of
clinic A, the owner of clinic B and an admin get. A route added without a row here
makes the walk fail, so nobody can ship a page without deciding who may see it.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from directory.accounts import service as accounts
from directory.api import hsds
from directory.extensions import db
from directory.ingest import imports
from directory.listings import moderation, snapshots
from directory.models import (
    AuditEvent,
    Claim,
    Clinic,
    ClinicStatus,
    Decision,
    PossibleDuplicate,
    ReportCategory,
    Revision,
    SourceDocument,
    User,
)
from tests.conftest import csrf_token, login

ANON, OWNER_A, OWNER_B, ADMIN = "anonymous", "owner of A", "owner of B", "admin"
IDENTITIES = (ANON, OWNER_A, OWNER_B, ADMIN)
JSON = {"Accept": "application/json"}


@dataclass(frozen=True)
class To:
    """A 302 to this path; {placeholders} are filled from the values the URL was built with."""

    path: str


# A 302 to /account/login whose next= is the page that was asked for (GET only).
LOGIN = "sign-in"


def row(anon: Any, owner_a: Any, owner_b: Any, admin: Any) -> dict[str, Any]:
    return dict(zip(IDENTITIES, (anon, owner_a, owner_b, admin), strict=True))


EVERYONE = row(200, 200, 200, 200)
SIGNED_IN = row(LOGIN, 200, 200, 200)
ADMIN_PAGE = row(LOGIN, 403, 403, 200)
SIGN_OUT = row(LOGIN, To("/"), To("/"), To("/"))


def admin_action(target: str) -> dict[str, Any]:
    return row(LOGIN, 403, 403, To(target))


EXPECTED: dict[str, dict[str, Any]] = {
    # Patients: everything public answers everyone.
    "public.index": EVERYONE,
    "public.search_page": EVERYONE,
    "public.search_csv": EVERYONE,
    "public.place_suggestions": EVERYONE,
    "public.clinic_page": EVERYONE,
    "public.report": EVERYONE,
    "public.compare": EVERYONE,
    "public.regions": EVERYONE,
    "public.region": EVERYONE,
    "public.costs": EVERYONE,
    "public.costs_csv": EVERYONE,
    "public.about": EVERYONE,
    # Accounts.
    "account.register": EVERYONE,
    "account.verify": row(*[To("/account/login")] * 4),
    "account.login": EVERYONE,
    "account.logout": SIGN_OUT,
    "account.logout_everywhere": SIGN_OUT,
    "account.forgot": EVERYONE,
    "account.reset": EVERYONE,
    "account.change_password": SIGNED_IN,
    # Owners: clinic A's pages for its owner and admins; others are told it does not exist.
    "owner.dashboard": SIGNED_IN,
    "owner.new_clinic": SIGNED_IN,
    "owner.claim": SIGNED_IN,
    "owner.edit": row(LOGIN, 200, 404, 200),
    "owner.confirm": row(LOGIN, To("/owner/"), 404, To("/owner/")),
    # Only the submitter withdraws a proposal; an admin rejects it instead.
    "owner.withdraw": row(LOGIN, To("/owner/"), 404, 404),
    # Only the submitter reads back a proposal; admins review it on the moderation pages.
    "owner.proposal": row(LOGIN, 200, 404, 404),
    # Admins.
    "admin.queue": ADMIN_PAGE,
    "admin.revision": ADMIN_PAGE,
    "admin.report": ADMIN_PAGE,
    "admin.approve_revision": admin_action("/admin/"),
    "admin.reject_revision": admin_action("/admin/revisions/{revision_id}"),
    # A pending proposal cannot be undone: the admin is sent back to the listing.
    "admin.revert": admin_action("/admin/clinics/{slug}"),
    "admin.decide_claim": admin_action("/admin/"),
    "admin.decide_report": admin_action("/admin/"),
    "admin.clinic": ADMIN_PAGE,
    "admin.set_status": admin_action("/admin/clinics/{slug}"),
    "admin.audit_log": ADMIN_PAGE,
    "admin.add_from_page": ADMIN_PAGE,
    "admin.review_page": ADMIN_PAGE,
    # Nothing ticked: the admin is sent back to the review with a message.
    "admin.save_page": admin_action("/admin/add-from-page/{document_id}"),
    "admin.source_document": ADMIN_PAGE,
    # Bulk files and possible duplicates. A check without a file is a 400 with the form.
    "admin.import_form": ADMIN_PAGE,
    "admin.import_template": ADMIN_PAGE,
    "admin.import_check": row(LOGIN, 403, 403, 400),
    "admin.import_confirm": admin_action("/admin/imports"),
    "admin.duplicates": ADMIN_PAGE,
    "admin.decide_duplicate": admin_action("/admin/duplicates"),
    "admin.decide_pair": admin_action("/admin/duplicates"),
    # The JSON API is public.
    "api.clinics": EVERYONE,
    "api.clinic": EVERYONE,
    "api.regions": EVERYONE,
    "api.costs_summary": EVERYONE,
    # The first HSDS address moved to the HSDS API; that API is public too.
    "api.hsds_export": row(308, 308, 308, 308),
    "api.hsds.root": EVERYONE,
    "api.hsds.openapi_document": EVERYONE,
    "api.hsds.organizations": EVERYONE,
    "api.hsds.organization": EVERYONE,
    "api.hsds.services": EVERYONE,
    "api.hsds.service": EVERYONE,
    "api.hsds.services_at_locations": EVERYONE,
    "api.hsds.service_at_location": EVERYONE,
    "api.hsds.taxonomies": EVERYONE,
    "api.hsds.taxonomy": EVERYONE,
    "api.hsds.taxonomy_terms": EVERYONE,
    "api.hsds.taxonomy_term": EVERYONE,
    "api.hsds.datapackage": EVERYONE,
    "api.openapi_document": EVERYONE,
    "ops.healthz": EVERYONE,
    # The language switch: sets a cookie and goes back (home, without ?next=), for anyone.
    "i18n.choose": row(To("/"), To("/"), To("/"), To("/")),
}

# The HSDS API's record ids, from clinic A.
HSDS_IDS = {
    "org_id": hsds.organization_id,
    "service_id": lambda c: hsds.service_id(c, "iv-infusion"),
    "sal_id": lambda c: hsds.service_at_location_id(
        hsds.service_id(c, "iv-infusion"), hsds.location_id(c, 0)
    ),
    "taxonomy_id": lambda c: hsds.TREATMENT_TAXONOMY.id,
    "term_id": lambda c: hsds.TREATMENT_TAXONOMY.term_id("iv-infusion"),
}

# Query strings that make a page do its real work rather than show an empty form.
QUERY = {
    "public.search_page": "near=48336",
    "public.search_csv": "near=48336",
    "public.place_suggestions": "q=Chic",
    "public.compare": "clinics={slug}",
    "public.costs": "state=MI",
    "public.costs_csv": "state=MI",
    "api.clinics": "near=48336",
    "api.costs_summary": "state=MI",
}

# These end the session, so each is sent from a freshly signed-in browser, last.
SESSION_ENDING = {"account.logout", "account.logout_everywhere"}


def walked_rules(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    return sorted(rules, key=lambda r: (r.endpoint in SESSION_ENDING, r.endpoint, r.rule))


def method_of(rule: Rule) -> str:
    return "GET" if "GET" in (rule.methods or ()) else "POST"


class World:
    """Clinics A and B, their owners, an admin, and fresh pending requests on clinic A."""

    def __init__(self, app: Flask, make_clinic: Any, make_user: Any) -> None:
        self.app = app
        self.clinic_a: Clinic = make_clinic("Alpha Infusions")
        self.clinic_b: Clinic = make_clinic("Beta Infusions")
        self.draft: Clinic = make_clinic("Draft Infusions", status=ClinicStatus.DRAFT)
        self.users: dict[str, User] = {
            OWNER_A: make_user("owner-a@example.org", clinics=(self.clinic_a,)),
            OWNER_B: make_user("owner-b@example.org", clinics=(self.clinic_b,)),
            ADMIN: make_user("admin@example.org", admin=True),
        }
        self.claimant = make_user("claimant@example.org")
        self.counter = itertools.count(1)

    def client(self, identity: str) -> FlaskClient:
        client = self.app.test_client()
        if identity != ANON:
            response = login(client, self.users[identity].email)
            assert response.status_code == 302, f"{identity} could not sign in"
        return client

    def token(self, client: FlaskClient, identity: str) -> str:
        """A CSRF token from a page the identity can load, as a browser would have it."""
        if identity == ANON:
            return csrf_token(client, f"/clinics/{self.clinic_a.slug}/report")
        return csrf_token(client, "/")  # the sign-out form in the header

    def pending_revision(self) -> Revision:
        """A new pending proposal on clinic A, submitted by its owner."""
        db.session.expire_all()
        clinic = db.session.get(Clinic, self.clinic_a.id)
        payload = snapshots.snapshot(clinic)
        payload["website"] = f"https://alpha-{next(self.counter)}.example.org"
        revision = moderation.propose_edit(db.session, self.users[OWNER_A], clinic, payload)
        db.session.commit()
        return revision

    def pending_claim(self) -> Claim:
        claim = Claim(clinic_id=self.clinic_a.id, user_id=self.claimant.id, note="I run it.")
        db.session.add(claim)
        db.session.commit()
        return claim

    def pending_report(self) -> int:
        item = moderation.report(db.session, self.clinic_a, ReportCategory.PHONE, "Disconnected")
        db.session.commit()
        return item.id

    def source_document(self) -> int:
        """A stored clinic page, as the add-from-page screen keeps it."""
        document = SourceDocument(
            url="https://example.com/lakeview",
            sha256="0" * 64,
            content_type="text/html",
            text="Lakeview Ketamine Clinic\nCall (312) 555-0142 to book a free consultation.",
        )
        db.session.add(document)
        db.session.commit()
        return document.id

    def pending_duplicate(self) -> int:
        """An imported row with clinic A's phone, waiting for a merge-or-keep-apart decision."""
        row = f"walk,{next(self.counter)},Alpha Look-alike,,,MI,48336,(555) 555-0100\n"
        content = "source,external_id,name,address_1,city,state,postal_code,phones\n" + row
        imports.import_file(
            db.session, lambda: io.BytesIO(content.encode()), "walk.csv", imports.WriteOptions()
        )
        db.session.commit()
        return (
            db.session.execute(select(PossibleDuplicate.id).order_by(PossibleDuplicate.id.desc()))
            .scalars()
            .first()
        )

    def values(self, rule: Rule, slug: str | None = None) -> dict[str, Any]:
        """Concrete values for the rule's arguments; the ids are new pending requests."""
        owner_a = self.users[OWNER_A]
        values: dict[str, Any] = {}
        for name in rule.arguments:
            if name == "slug":
                values[name] = slug or self.clinic_a.slug
            elif name == "state":
                values[name] = "MI"
            elif name == "revision_id":
                values[name] = self.pending_revision().id
            elif name == "claim_id":
                values[name] = self.pending_claim().id
            elif name == "report_id":
                values[name] = self.pending_report()
            elif name == "document_id":
                values[name] = self.source_document()
            elif name == "duplicate_id":
                values[name] = self.pending_duplicate()
            elif name == "upload_token":
                values[name] = "no-such-upload"
            elif name == "token":
                purpose = rule.endpoint.split(".")[1]
                data = (
                    {"id": owner_a.id, "email": owner_a.email}
                    if purpose == "verify"
                    else {"id": owner_a.id, "pw": owner_a.password_hash[-16:]}
                )
                values[name] = accounts.make_token(self.app.extensions["settings"], purpose, data)
            elif name in HSDS_IDS:
                values[name] = HSDS_IDS[name](self.clinic_a)
            elif name != "decision":
                raise AssertionError(f"no sample value for <{name}> in {rule.rule}")
        return values

    def urls(self, rule: Rule, slug: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(url, values) for the rule: one per value of an any(...) converter."""
        choices = [None]
        if "decision" in rule.arguments:
            choices = sorted(rule._converters["decision"].items)  # type: ignore[attr-defined]
        adapter = self.app.url_map.bind("localhost")
        built = []
        for choice in choices:
            values = self.values(rule, slug)
            if choice is not None:
                values["decision"] = choice
            url = adapter.build(rule.endpoint, values, method=method_of(rule))
            query = QUERY.get(rule.endpoint)
            if query:
                url += "?" + query.format(slug=slug or self.clinic_a.slug)
            built.append((url, {"slug": self.clinic_a.slug, **values}))
        return built

    def send(
        self,
        client: FlaskClient,
        identity: str,
        rule: Rule,
        url: str,
        headers: dict[str, str] | None = None,
    ) -> Any:
        if method_of(rule) == "GET":
            return client.get(url, headers=headers)
        data = {"csrf_token": self.token(client, identity), "reason": "Checked by the walk"}
        return client.post(url, data=data, headers=headers)


@pytest.fixture
def world(app, make_clinic, make_user) -> World:
    return World(app, make_clinic, make_user)


def check(
    expected: Any, response: Any, url: str, values: dict[str, Any], method: str = "GET"
) -> str | None:
    """None when the response is what the table says, else what went wrong.

    A GET is sent back to the page after sign-in; a form post is not, since the
    browser would follow next= with GET and get a 405.
    """
    location = response.headers.get("Location")
    got = f"{response.status_code} {location or ''}".strip()
    if expected == LOGIN:
        if response.status_code != 302 or not location:
            return f"expected a redirect to sign in, got {got}"
        parts = urlsplit(location)
        next_ = parse_qs(parts.query).get("next")
        wanted = [url.split("?")[0]] if method == "GET" else None
        if parts.path != "/account/login" or next_ != wanted:
            return f"expected /account/login with next={wanted}, got {got}"
        return None
    if isinstance(expected, To):
        target = expected.path.format(**values)
        parts = urlsplit(location or "")
        if (
            response.status_code != 302
            or parts.path != target
            or parts.netloc not in ("", "localhost")
        ):
            return f"expected a redirect to {target}, got {got}"
        return None
    if response.status_code != expected:
        return f"expected {expected}, got {got}"
    return None


def test_every_route_has_an_entry_in_the_table(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()} - {"static"}
    assert endpoints - set(EXPECTED) == set(), "routes without an authorization entry"
    assert set(EXPECTED) - endpoints == set(), "entries for routes that no longer exist"


def test_every_route_for_every_identity(app, world):
    assert {r.endpoint for r in walked_rules(app)} == set(EXPECTED)
    failures = []
    for identity in IDENTITIES:
        client = world.client(identity)
        for rule in walked_rules(app):
            for url, values in world.urls(rule):
                sender = world.client(identity) if rule.endpoint in SESSION_ENDING else client
                response = world.send(sender, identity, rule, url)
                problem = check(
                    EXPECTED[rule.endpoint][identity], response, url, values, method_of(rule)
                )
                if problem:
                    failures.append(f"{identity}: {method_of(rule)} {url}: {problem}")
    assert not failures, "\n".join(failures)
    # The redirects were real decisions for the admin and the owner of A, and nothing for others.
    actions = {identity: set() for identity in IDENTITIES}
    emails = {user.email: identity for identity, user in world.users.items()}
    for email, action in db.session.execute(
        select(User.email, AuditEvent.action).join(AuditEvent.actor)
    ):
        actions[emails[email]].add(action)
    # Clinic A has a proposal and a patient report open while the routes are walked, so
    # "still correct" is refused for everyone (test_owner_journeys covers both outcomes).
    assert actions == {
        ANON: set(),
        OWNER_A: set(),
        OWNER_B: set(),
        ADMIN: {
            "admin.sign_in",
            "revision.approved",
            "revision.rejected",
            "claim.approved",
            "claim.rejected",
            "report.resolved",
            "report.dismissed",
            "duplicate.merged",
            "duplicate.kept_apart",
        },
    }


# What the owner of A gets on the owner pages of clinic B, which they do not manage.
OTHER_OWNERS_CLINIC = {"owner.claim": 200, "owner.edit": 404, "owner.confirm": 404}


def test_owner_of_a_cannot_manage_clinic_b(app, world):
    rules = [
        r for r in walked_rules(app) if r.endpoint.startswith("owner.") and "slug" in r.arguments
    ]
    assert {r.endpoint for r in rules} == set(OTHER_OWNERS_CLINIC)
    client = world.client(OWNER_A)
    for rule in rules:
        for url, _ in world.urls(rule, slug=world.clinic_b.slug):
            response = world.send(client, OWNER_A, rule, url)
            assert response.status_code == OTHER_OWNERS_CLINIC[rule.endpoint], url
    db.session.expire_all()
    assert db.session.get(Clinic, world.clinic_b.id).last_verified_on is None


def test_public_pages_of_a_draft_are_not_found_for_anyone(app, world):
    slug_rules = [
        r
        for r in walked_rules(app)
        if r.endpoint.split(".")[0] in ("public", "api") and "slug" in r.arguments
    ]
    assert {r.endpoint for r in slug_rules} == {
        "public.clinic_page",
        "public.report",
        "api.clinic",
    }
    compare = next(r for r in walked_rules(app) if r.endpoint == "public.compare")
    failures = []
    for identity in IDENTITIES:
        client = world.client(identity)
        for rule in [*slug_rules, compare]:
            for url, _ in world.urls(rule, slug=world.draft.slug):
                response = client.get(url)
                if response.status_code != 404:
                    failures.append(f"{identity}: GET {url}: {response.status_code}")
                elif world.draft.name in response.get_data(as_text=True):
                    failures.append(f"{identity}: GET {url}: the 404 names the draft")
    assert not failures, "\n".join(failures)


def test_json_clients_get_401_or_403_never_a_redirect(app, world):
    failures, checked = [], {ANON: set(), OWNER_B: set()}
    for identity, status, wanted in ((ANON, 401, LOGIN), (OWNER_B, 403, 403)):
        client = world.client(identity)
        for rule in walked_rules(app):
            if EXPECTED[rule.endpoint][identity] != wanted:
                continue
            checked[identity].add(rule.endpoint)
            for url, _ in world.urls(rule):
                sender = world.client(identity) if rule.endpoint in SESSION_ENDING else client
                response = world.send(sender, identity, rule, url, headers=JSON)
                body = response.get_json(silent=True) or {}
                if response.status_code != status or body.get("status") != status:
                    failures.append(
                        f"{identity}: {method_of(rule)} {url}: {response.status_code} "
                        f"{response.headers.get('Location') or response.content_type}"
                    )
    assert not failures, "\n".join(failures)
    # Every owner and admin route was asked anonymously, and every admin route by an owner.
    areas = {e for e in EXPECTED if e.startswith(("owner.", "admin."))}
    assert areas <= checked[ANON]
    assert checked[OWNER_B] == {e for e in EXPECTED if e.startswith("admin.")}


def test_owner_json_request_for_another_owners_listing_is_a_json_404(world):
    client = world.client(OWNER_B)
    response = client.get(f"/owner/clinics/{world.clinic_a.slug}/edit", headers=JSON)
    assert response.status_code == 404
    assert response.get_json()["status"] == 404
    assert world.clinic_a.name not in response.get_data(as_text=True)


def test_withdrawing_someone_elses_proposal_is_not_found_and_changes_nothing(world, make_user):
    revision = world.pending_revision()
    co_owner = make_user("partner-a@example.org", clinics=(world.clinic_a,))
    intruders = [world.client(OWNER_B), world.app.test_client()]
    assert login(intruders[1], co_owner.email).status_code == 302
    for intruder in intruders:
        token = csrf_token(intruder, "/owner/")
        response = intruder.post(
            f"/owner/revisions/{revision.id}/withdraw", data={"csrf_token": token}
        )
        assert response.status_code == 404
        db.session.expire_all()
        assert db.session.get(Revision, revision.id).status is Decision.PENDING
    # Its submitter still sees it waiting, with the button to withdraw it.
    dashboard = world.client(OWNER_A).get("/owner/").get_data(as_text=True)
    assert '<span class="status pending">Pending</span>' in dashboard
    assert f'action="/owner/revisions/{revision.id}/withdraw"' in dashboard
