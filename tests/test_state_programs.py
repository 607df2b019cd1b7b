"""Each state's programs are kept in the order the search lists them, following every
change to a listing's name, status and service areas in the same transaction."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from directory.extensions import db
from directory.listings import moderation, snapshots
from directory.models import Clinic, ClinicStatus, ServiceArea, StateProgram
from tests.conftest import approve


def programs(client, state: str) -> list[str]:
    """The slugs of the programs a search in the state lists, in its order, every page."""
    slugs: list[str] = []
    page = 1
    while True:
        body = client.get(f"/api/v1/clinics?state={state}&programs_page={page}").get_json()
        slugs += [p["slug"] for p in body["telehealth_programs"]]
        if len(slugs) >= body["telehealth_programs_total"]:
            return slugs
        page += 1


def stored() -> set[tuple[str, int, str]]:
    rows = db.session.execute(
        select(StateProgram.state, StateProgram.clinic_id, StateProgram.sort_name)
    )
    return {(state, clinic_id, name) for state, clinic_id, name in rows}


def computed() -> set[tuple[str, int, str]]:
    """What the stored rows must hold, from the listings themselves."""
    rows = db.session.execute(
        select(ServiceArea.state, ServiceArea.clinic_id, func.lower(func.coalesce(Clinic.name, "")))
        .join(Clinic, Clinic.id == ServiceArea.clinic_id)
        .where(Clinic.status == ClinicStatus.PUBLISHED)
    )
    return {(state, clinic_id, name) for state, clinic_id, name in rows}


def test_programs_are_listed_by_name_and_follow_each_change(client, make_clinic):
    zeta = make_clinic("Zeta Telehealth", slug="zeta", service_areas=("TX", "OK"))
    alpha = make_clinic("alpha at home", slug="alpha", service_areas=("TX",))
    waiting = make_clinic(
        "Middle Program", slug="middle", service_areas=("TX",), status=ClinicStatus.PENDING
    )
    make_clinic("Dallas Clinic", slug="dallas", near="75201")
    assert programs(client, "TX") == ["alpha", "zeta"]  # by name, whatever its case
    assert programs(client, "OK") == ["zeta"]

    zeta.name = "Aardvark Telehealth"
    db.session.commit()
    assert programs(client, "TX") == ["zeta", "alpha"]

    waiting.status = ClinicStatus.PUBLISHED
    alpha.status = ClinicStatus.SUSPENDED
    db.session.commit()
    assert programs(client, "TX") == ["zeta", "middle"]

    zeta.service_areas = [area for area in zeta.service_areas if area.state != "TX"]
    db.session.commit()
    assert programs(client, "TX") == ["middle"]
    assert programs(client, "OK") == ["zeta"]

    db.session.delete(waiting)
    db.session.commit()
    assert programs(client, "TX") == []
    assert stored() == computed()


def test_a_rolled_back_change_leaves_the_order_alone(client, make_clinic):
    program = make_clinic("Beta Program", slug="beta", service_areas=("MI",))
    program.status = ClinicStatus.SUSPENDED
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert programs(client, "MI") == ["beta"]
    assert stored() == computed()


def test_a_savepoint_rolled_back_leaves_the_transactions_change(client, make_clinic):
    program = make_clinic("Gamma Program", slug="gamma", service_areas=("WI",))
    make_clinic("Lima Program", slug="lima", service_areas=("WI",))
    program.name = "Zulu Program"
    db.session.flush()
    savepoint = db.session.begin_nested()
    program.status = ClinicStatus.SUSPENDED
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert programs(client, "WI") == ["lima", "gamma"]
    assert stored() == computed()


def test_an_approved_rename_moves_the_program(client, make_clinic, make_user, admin_client):
    make_clinic("Kappa Telehealth", slug="kappa", service_areas=("OH",))
    renamed = make_clinic("Omega Telehealth", slug="omega", service_areas=("OH",))

    def ours() -> list[str]:
        return [slug for slug in programs(client, "OH") if slug in ("kappa", "omega")]

    assert ours() == ["kappa", "omega"]
    owner = make_user("owner@example.org", clinics=(renamed,))
    payload = {**snapshots.snapshot(renamed), "name": "Delta Telehealth"}
    revision = moderation.propose_edit(db.session, owner, renamed, payload)
    db.session.commit()
    assert ours() == ["kappa", "omega"]  # pending: unchanged

    approve(admin_client, revision)
    assert ours() == ["omega", "kappa"]
    assert stored() == computed()


def test_a_filtered_search_lists_programs_in_the_same_order(client, make_clinic):
    make_clinic("Zulu Program", slug="zulu", service_areas=("CA",), free_consultation=True)
    make_clinic("Echo Program", slug="echo", service_areas=("CA",), free_consultation=True)
    make_clinic("Bravo Program", slug="bravo", service_areas=("CA",))
    assert programs(client, "CA") == ["bravo", "echo", "zulu"]
    body = client.get("/api/v1/clinics?state=CA&free_consultation=1").get_json()
    assert [p["slug"] for p in body["telehealth_programs"]] == ["echo", "zulu"]


def test_bulk_example_data_keeps_every_states_programs(app, runner):
    result = runner.invoke(args=["demo-data", "--clinics", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    expected = computed()
    assert len({state for state, _, _ in expected}) > 5
    assert stored() == expected


def test_the_table_is_rebuilt_when_a_bulk_change_reaches_unnamed_listings(make_clinic):
    make_clinic("Sierra Program", slug="sierra", service_areas=("NY",))
    db.session.execute(delete(StateProgram))
    db.session.execute(delete(ServiceArea).where(ServiceArea.state == "NJ"))  # by criteria
    db.session.commit()
    assert stored() == computed() != set()
