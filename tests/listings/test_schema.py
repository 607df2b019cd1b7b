"""The listing schema is the one description of a listing; the search has one contract."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from directory.api import hsds
from directory.demo import clinics as demo_clinics
from directory.extensions import db
from directory.listings import moderation, schema, snapshots
from directory.models import Clinic, ClinicStatus, Decision, Revision, RevisionKind
from directory.search import query as search
from directory.search.geocoding import GazetteerGeocoder
from tests.conftest import price

AS_OF = date.today() - timedelta(days=20)


@pytest.fixture
def full_clinic(make_clinic):
    """A published clinic that states something in every field of the schema."""
    return make_clinic(
        "Every Field Clinic",
        description="Infusions in a quiet room.",
        website="https://every.example.com",
        email="front@every.example.com",
        hours="Mon-Fri 9-5",
        free_consultation=True,
        accepts_insurance=False,
        treatments=("iv-infusion", "esketamine"),
        conditions=("depression", "ptsd"),
        prices=(
            price("iv-infusion", 525, as_of=AS_OF),
            price("iv-infusion", 2700, "series", sessions=6, as_of=AS_OF),
        ),
        payment_options="self-pay,hsa-fsa",
        languages="en,es",
        accepting_new_patients=True,
        first_appointment_wait="About a week",
        rems_certified=True,
    )


@pytest.fixture
def owner(make_user, full_clinic):
    return make_user("owner@example.org", clinics=(full_clinic,))


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", admin=True)


def revisions() -> int:
    return db.session.execute(select(func.count(Revision.id))).scalar_one()


# --- one listing schema -------------------------------------------------------------------


def test_every_field_round_trips_model_snapshot_payload_apply(app, full_clinic):
    before = snapshots.snapshot(full_clinic)
    empty = schema.empty_listing()
    # The fixture states every field, so each one is really carried across below.
    assert [f for f in schema.FIELDS if before[f] == empty[f]] == []
    assert set(before) == set(schema.FIELDS)

    payload = schema.validated(before)
    assert payload == before

    blank = Clinic(slug="blank-copy", name=None, status=ClinicStatus.DRAFT)
    db.session.add(blank)
    db.session.flush()
    assert snapshots.changed_fields(snapshots.snapshot(blank), payload) == list(schema.FIELDS)
    snapshots.apply(db.session, blank, payload, list(schema.FIELDS), GazetteerGeocoder(), "copy")
    db.session.commit()

    copied = snapshots.snapshot(db.session.get(Clinic, blank.id))
    assert copied == before
    assert snapshots.changed_fields(before, copied) == []


def test_labels_and_the_empty_listing_come_from_the_schema():
    assert tuple(snapshots.FIELD_LABELS) == schema.FIELDS == snapshots.FIELDS
    assert moderation.EMPTY_LISTING == schema.empty_listing()
    assert set(schema.ACCESS_FIELDS) <= set(schema.FIELDS)
    described = schema.json_schema()["properties"]
    assert set(schema.FIELDS) <= set(described)


def test_the_api_shows_the_schema_fields_as_the_snapshot_holds_them(client, full_clinic):
    before = snapshots.snapshot(full_clinic)
    shown = client.get(f"/api/v1/clinics/{full_clinic.slug}").get_json()
    document = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]

    for audience, component in (("summary", "ClinicSummary"), ("detail", "ClinicDetail")):
        fields = schema.api_fields(audience)
        assert fields
        assert {f: shown[f] for f in fields} == {f: before[f] for f in fields}
        assert set(fields) <= set(document[component]["properties"])


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"favourite_colour": "blue"}, "favourite_colour: not a listing field"),
        ({"free_consultation": "maybe"}, "free_consultation"),
        ({"name": 42}, "name"),
        ({"treatments": "iv-infusion"}, "treatments"),
        ({"treatments": ["iv-infusion", "unicorn-therapy"]}, "unicorn-therapy"),
        ({"languages": ["xx"]}, "languages"),
        ({"phones": [{"display": "(555) 555-0142", "e164": "+15555550142", "kind": "fax"}]}, "fax"),
        ({"location": {"city": "Detroit"}}, "location.state"),
        (
            {"prices": [{"treatment": "iv-infusion", "amount_cents": "500", "unit": "session"}]},
            "prices.0.amount_cents",
        ),
        (
            {
                "prices": [
                    {
                        "treatment": "iv-infusion",
                        "amount_cents": 50000,
                        "unit": "session",
                        "as_of": "last spring",
                    }
                ]
            },
            "prices.0.as_of",
        ),
    ],
)
def test_a_bad_proposal_is_refused_with_a_clear_message_and_nothing_stored(
    app, full_clinic, owner, change, named
):
    payload = snapshots.snapshot(full_clinic) | {"name": "A New Name"} | change
    stored = revisions()

    with pytest.raises(moderation.ModerationError) as refused:
        moderation.propose_edit(db.session, owner, full_clinic, payload)
    db.session.rollback()

    assert named in str(refused.value)
    assert str(refused.value).startswith("This is not a valid listing")
    assert revisions() == stored


def test_a_bad_new_clinic_is_refused_before_a_listing_is_created(app, owner):
    clinics = db.session.execute(select(func.count(Clinic.id))).scalar_one()
    with pytest.raises(moderation.ModerationError, match="phones"):
        moderation.submit_new_clinic(
            db.session, owner, {"name": "Half Written Clinic", "phones": "555-0100"}
        )
    db.session.rollback()
    assert db.session.execute(select(func.count(Clinic.id))).scalar_one() == clinics


# A proposal as stored before payment, language and access fields existed, and before
# phones carried their vanity form: such revisions are in existing databases.
OLD_PAYLOAD: dict[str, Any] = {
    "name": "Every Field Clinic",
    "description": "Infusions in a calm room.",
    "website": "https://every.example.com",
    "email": "front@every.example.com",
    "hours": "Mon-Sat 9-5",
    "free_consultation": True,
    "accepts_insurance": False,
    "location": {
        "address_1": "1 Test St",
        "address_2": None,
        "city": "Testville",
        "state": "MI",
        "postal_code": "48336",
        "metro": None,
    },
    "phones": [{"display": "(555) 555-0123", "e164": "+15555550123", "kind": "main"}],
    "treatments": ["iv-infusion"],
    "conditions": ["depression"],
    "prices": [
        {
            "treatment": "iv-infusion",
            "amount_cents": 55000,
            "unit": "session",
            "sessions_included": None,
            "included": "",
            "insurance_accepted": False,
            "source_url": "https://every.example.com/costs",
            "as_of": AS_OF.isoformat(),
        }
    ],
}


def test_an_old_format_revision_still_loads_diffs_and_applies(app, full_clinic, owner, admin):
    assert schema.validated(OLD_PAYLOAD) == OLD_PAYLOAD
    base = snapshots.snapshot(full_clinic)
    revision = Revision(
        clinic_id=full_clinic.id,
        submitter_id=owner.id,
        kind=RevisionKind.EDIT,
        payload=OLD_PAYLOAD,
        base_version=full_clinic.version,
        base_snapshot={k: v for k, v in base.items() if k not in schema.ACCESS_FIELDS},
    )
    db.session.add(revision)
    db.session.commit()

    labels = [c.label for c in snapshots.diff(revision.base_snapshot, revision.payload)]
    assert labels == [
        "Description",
        "Hours",
        "Phones",
        "Treatments",
        "Conditions treated",
        "Prices",
    ]

    moderation.approve_revision(db.session, admin, revision, GazetteerGeocoder(), "checked")
    db.session.commit()

    clinic = db.session.get(Clinic, full_clinic.id)
    assert revision.status is Decision.APPROVED
    assert clinic.hours == "Mon-Sat 9-5"
    assert [p.e164 for p in clinic.phones] == ["+15555550123"]
    assert [p.amount_cents for p in clinic.prices] == [55000]
    assert clinic.payment_codes == ["self-pay", "hsa-fsa"]  # fields the old payload lacks stay


# --- one search contract ------------------------------------------------------------------


class Recorder(dict):
    """Query arguments that note every parameter name the parser asks for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def getlist(self, key: str) -> list[str]:
        self.asked.add(key)
        value = super().get(key)
        return [] if value is None else [value]


def documented(client, path: str) -> dict[str, dict[str, Any]]:
    document = client.get("/api/v1/openapi.json").get_json()
    return {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}


def accepts(app, name: str, value: Any) -> bool:
    args = {name: value} if name in ("near", "radius") else {"near": "48336", name: value}
    try:
        search.parse_query(args, app.extensions["settings"])
    except search.InvalidSearch as exc:
        return name not in exc.errors
    return True


def test_the_document_lists_exactly_the_parameters_the_parser_reads(app, client):
    args = Recorder()
    search.parse_query(args, app.extensions["settings"])
    assert set(documented(client, "/clinics")) == args.asked
    assert set(documented(client, "/costs/summary")) == {"near", "radius", "state"}


def _edges(schema_: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """Values the document allows and values it does not, for one parameter."""
    kind = schema_["type"]
    if kind == "array":
        items = schema_["items"]["enum"]
        return [[c] for c in items] + [items[: schema_["maxItems"]]], [["not-a-code"]]
    if "enum" in schema_:
        return list(schema_["enum"]), ["not-in-the-list"]
    if kind == "string":
        return ["x" * schema_["maxLength"]], ["x" * (schema_["maxLength"] + 1)]
    top = schema_["maximum"]
    if kind == "integer":
        return [1, top], [0, top + 1, "1.5", "many"]
    low = 0 if "minimum" in schema_ else 0.5
    refused = [top * 1.01, "many"] + ([0] if "exclusiveMinimum" in schema_ else [-1])
    return [low, top], refused


def test_every_documented_value_is_accepted_and_every_other_refused(app, client):
    checked = 0
    for name, schema_ in documented(client, "/clinics").items():
        good, bad = _edges(schema_)
        for value in good:
            raw = ",".join(value) if isinstance(value, list) else str(value)
            if name == "near" and raw.startswith("x"):
                continue  # a long place name is read, then not found: the length rule is checked
            assert accepts(app, name, raw), (name, raw)
            checked += 1
        for value in bad:
            raw = ",".join(value) if isinstance(value, list) else str(value)
            assert not accepts(app, name, raw), (name, raw)
            checked += 1
    assert checked > 100


def test_yes_no_filters_take_the_same_words_in_the_document_and_the_parser(app, client):
    params = documented(client, "/clinics")
    for name in ("free_consultation", "insurance", "accepting"):
        words = params[name]["enum"]
        assert {"0", "1", "true", "yes", "on"} <= set(words)
        for word in words:
            field = "accepting" if name == "accepting" else name
            query = search.parse_query({name: word.upper()}, app.extensions["settings"])
            assert getattr(query, field) is (word in ("1", "true", "yes", "on", "y"))
        assert not accepts(app, name, "maybe")


def test_the_api_answers_a_documented_yes_word_and_refuses_another(client, make_clinic):
    make_clinic("Free Talk Clinic", free_consultation=True)
    make_clinic("Paid Talk Clinic", free_consultation=False)

    for word in ("1", "true", "yes", "on"):
        response = client.get(
            "/api/v1/clinics", query_string={"near": "48336", word and "free_consultation": word}
        )
        assert response.status_code == 200
        assert [r["name"] for r in response.get_json()["results"]] == ["Free Talk Clinic"]

    refused = client.get("/api/v1/clinics?near=48336&free_consultation=maybe")
    assert refused.status_code == 400
    assert "free_consultation" in refused.get_data(as_text=True)


# --- the schema reaches the example data and the HSDS records -----------------------------


def test_every_fact_hsds_has_no_field_for_is_an_organization_attribute(client, full_clinic):
    stated = snapshots.snapshot(full_clinic)
    listed = client.get("/api/v1/hsds/organizations", query_string={"search": "Every Field"})
    [summary] = listed.get_json()["contents"]
    org = client.get(f"/api/v1/hsds/organizations/{summary['id']}").get_json()
    shown = {hsds.TERM_INDEX[a["taxonomy_term_id"]][1]: a.get("value") for a in org["attributes"]}
    described = {code: text for code, _name, text in hsds.FACT_TAXONOMY.terms}

    facts = [(name, spec) for name, spec in schema.SPECS.items() if spec.hsds_fact]
    assert len(facts) >= 5
    for name, spec in facts:
        code = name.replace("_", "-")
        assert described[code] == spec.hsds_fact
        value = stated[name]
        assert shown[code] == {True: "true", False: "false"}.get(value, value), name


def test_example_clinics_are_listings_the_schema_accepts(app):
    created = demo_clinics.create_example_clinics(db.session, 30, seed=5, today=date.today())
    db.session.commit()

    examples = db.session.execute(select(Clinic).where(Clinic.is_example)).scalars().all()
    assert created == len(examples) == 30
    for clinic in examples:
        stated = snapshots.snapshot(clinic)
        assert schema.validated(stated) == stated
        assert stated["name"] and stated["phones"] and stated["prices"] and stated["languages"]
        assert stated["free_consultation"] == any(
            p["unit"] == "consultation" and p["amount_cents"] == 0 for p in stated["prices"]
        )
