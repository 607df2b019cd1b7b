"""HSDS publishes how to pay, languages, new patients, REMS and verification age."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hsds_validation import check

from tests.conftest import price
from tests.test_hsds_api import BASE, facts, get, nulls, slug_of

RECENT = date.today() - timedelta(days=20)
OLD = date.today() - timedelta(days=400)


@pytest.fixture
def listings(make_clinic):
    """A clinic stating every fact, recently verified; one stating none, verified long ago."""
    make_clinic(
        "Stated Everything Clinic",
        slug="stated-everything",
        treatments=("iv-infusion", "esketamine"),
        payment_options="self-pay,medicaid,hsa-fsa",
        languages="en,es",
        accepting_new_patients=True,
        first_appointment_wait="About a week",
        rems_certified=True,
        access_as_of=RECENT,
        prices=(price("iv-infusion", 450),),
        last_verified_on=RECENT,
    )
    make_clinic(
        "Stated Nothing Clinic",
        slug="stated-nothing",
        treatments=("esketamine",),
        accepting_new_patients=False,
        rems_certified=False,
        last_verified_on=OLD,
    )


def _organizations(client) -> dict[str, dict]:
    body = get(client, BASE + "/organizations", full_service="true")
    for org in body["contents"]:
        check(org, "compiled/organization.json")
        assert not nulls(org)
    return {slug_of(o): o for o in body["contents"]}


def _service(org: dict, name: str) -> dict:
    [found] = [s for s in org["services"] if s["name"] == name]
    return found


def test_services_carry_payment_new_patients_rems_and_languages(client, listings):
    org = _organizations(client)["stated-everything"]
    infusion = _service(org, "IV ketamine infusion")
    assert infusion["fees_description"] == "Ways to pay: Self-pay, Medicaid, HSA or FSA card."
    assert infusion["application_process"] == (
        "Accepting new patients; first appointment: About a week."
    )
    assert [(lang["code"], lang["name"]) for lang in infusion["languages"]] == [
        ("en", "English"),
        ("es", "Spanish"),
    ]
    assert {lang["service_id"] for lang in infusion["languages"]} == {infusion["id"]}
    assert "accreditations" not in infusion  # REMS concerns esketamine only
    spravato = _service(org, "Esketamine (Spravato)")
    assert spravato["accreditations"] == ("Esketamine (Spravato) REMS-certified treatment center")
    assert infusion["assured_date"] == RECENT.isoformat()
    assert "alert" not in infusion

    full = get(client, f"{BASE}/services/{spravato['id']}")
    check(full, "compiled/service.json")
    assert [lang["code"] for lang in full["languages"]] == ["en", "es"]
    assert {lang["service_id"] for lang in full["languages"]} == {spravato["id"]}


def test_locations_carry_the_languages_spoken(client, listings):
    org = _organizations(client)["stated-everything"]
    [location] = org["locations"]
    assert [lang["code"] for lang in location["languages"]] == ["en", "es"]
    assert {lang["location_id"] for lang in location["languages"]} == {location["id"]}
    sal_id = org["services"][0]["service_at_locations"][0]["id"]
    sal = get(client, f"{BASE}/service_at_locations/{sal_id}")
    check(sal, "compiled/service_at_location.json")
    assert [lang["code"] for lang in sal["location"]["languages"]] == ["en", "es"]


def test_organization_attributes_hold_the_facts_for_machines(client, listings):
    orgs = _organizations(client)
    stated = facts(orgs["stated-everything"])
    assert stated["accepting-new-patients"] == ["true"]
    assert stated["first-appointment-wait"] == ["About a week"]
    assert stated["rems-certified"] == ["true"]
    assert stated["access-as-of"] == [RECENT.isoformat()]
    assert {"self-pay", "medicaid", "hsa-fsa"} <= set(stated)
    nothing = facts(orgs["stated-nothing"])
    assert nothing["accepting-new-patients"] == ["false"]
    assert nothing["rems-certified"] == ["false"]
    assert "first-appointment-wait" not in nothing
    assert "self-pay" not in nothing


def test_a_listing_not_verified_for_a_year_carries_an_alert(client, listings):
    org = _organizations(client)["stated-nothing"]
    [spravato] = org["services"]
    assert spravato["assured_date"] == OLD.isoformat()
    assert "over 12 months" in spravato["alert"]
    assert spravato["application_process"] == "Not taking new patients."
    assert "accreditations" not in spravato
    assert "fees_description" not in spravato
    assert spravato["languages"] == []


def test_services_filter_by_a_way_to_pay(client, listings):
    terms = {
        (t["taxonomy"], t["code"]): t["id"]
        for t in get(client, BASE + "/taxonomy_terms", per_page="100")["contents"]
    }
    medicaid = get(client, BASE + "/services", taxonomy_term_id=terms[("Ways to pay", "medicaid")])
    assert {s["organization_id"] for s in medicaid["contents"]} == {
        _organizations(client)["stated-everything"]["id"]
    }
    assert medicaid["total_items"] == 2
    tricare = get(client, BASE + "/services", taxonomy_term_id=terms[("Ways to pay", "tricare")])
    assert tricare["total_items"] == 0
