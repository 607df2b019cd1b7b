"""Paying, languages and new patients: filters on the page, API and CSV, flags, directions."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Clinic, Revision
from tests.conftest import csrf_token, login, post_form, price

RECENT = date.today() - timedelta(days=20)
OLD = date.today() - timedelta(days=400)


@pytest.fixture
def clinics(make_clinic):
    """Three clinics around 48336 that differ in how to pay, languages and new patients."""
    make_clinic(
        "Medicaid Spanish Clinic",
        slug="medicaid-spanish",
        payment_options="self-pay,medicaid",
        languages="en,es",
        accepting_new_patients=True,
        first_appointment_wait="About a week",
        rems_certified=True,
        treatments=("iv-infusion", "esketamine"),
        prices=(price("iv-infusion", 450),),
        last_verified_on=RECENT,
    )
    make_clinic(
        "Self Pay Only Clinic",
        slug="self-pay-only",
        payment_options="self-pay,financing",
        languages="en",
        accepting_new_patients=False,
        prices=(price("iv-infusion", 700),),
        last_verified_on=OLD,
    )
    make_clinic(
        "Tricare Vietnamese Clinic",
        slug="tricare-vietnamese",
        payment_options="tricare,hsa-fsa",
        languages="en,vi",
        accepting_new_patients=None,
        treatments=("kap",),
    )


def api_slugs(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/clinics?near=48336&{query}")
    assert response.status_code == 200, response.get_json()
    return sorted(r["slug"] for r in response.get_json()["results"])


def test_api_filters_by_payment_repeated_or_as_a_comma_list(client, clinics):
    assert api_slugs(client, "payment=medicaid") == ["medicaid-spanish"]
    both = ["medicaid-spanish", "tricare-vietnamese"]
    assert api_slugs(client, "payment=medicaid&payment=tricare") == both
    assert api_slugs(client, "payment=medicaid,tricare") == both
    assert api_slugs(client, "payment=self-pay") == ["medicaid-spanish", "self-pay-only"]


def test_api_filters_by_language_new_patients_and_recent_verification(client, clinics):
    assert api_slugs(client, "language=es") == ["medicaid-spanish"]
    assert api_slugs(client, "language=vi,es") == ["medicaid-spanish", "tricare-vietnamese"]
    assert api_slugs(client, "accepting=1") == ["medicaid-spanish"]
    assert api_slugs(client, "verified_within_months=6") == ["medicaid-spanish"]
    assert api_slugs(client, "verified_within_months=24") == ["medicaid-spanish", "self-pay-only"]


def test_api_filters_combine_with_treatment_price_and_radius(client, clinics):
    assert api_slugs(client, "payment=self-pay&max_price=500") == ["medicaid-spanish"]
    assert api_slugs(client, "payment=self-pay&treatment=esketamine") == ["medicaid-spanish"]
    assert api_slugs(client, "language=vi&treatment=iv-infusion") == []
    assert api_slugs(client, "payment=tricare&radius=10") == ["tricare-vietnamese"]
    response = client.get("/api/v1/clinics?near=90210&radius=10&payment=tricare")
    assert response.get_json()["results"] == []


def test_api_results_carry_the_new_facts(client, clinics):
    data = client.get("/api/v1/clinics/medicaid-spanish").get_json()
    assert data["payment_options"] == ["self-pay", "medicaid"]
    assert data["languages"] == ["en", "es"]
    assert data["accepting_new_patients"] is True
    assert data["first_appointment_wait"] == "About a week"
    assert data["rems_certified"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("payment=bitcoin", "payment"),
        ("payment=medicaid,barter", "payment"),
        ("language=klingon", "language"),
        ("accepting=maybe", "accepting"),
        ("verified_within_months=0", "verified_within_months"),
        ("verified_within_months=six", "verified_within_months"),
        ("verified_within_months=121", "verified_within_months"),
    ],
)
def test_bad_filters_are_clear_400s_everywhere(client, clinics, query, field):
    api = client.get(f"/api/v1/clinics?near=48336&{query}")
    assert api.status_code == 400
    assert field in api.get_json()["errors"]
    page = client.get(f"/search?near=48336&{query}")
    assert page.status_code == 400
    assert api.get_json()["errors"][field] in page.get_data(as_text=True)
    assert client.get(f"/search.csv?near=48336&{query}").status_code == 400


def test_search_page_filters_and_shows_how_to_pay(client, clinics):
    html = client.get("/search?near=48336&payment=medicaid").get_data(as_text=True)
    assert "Medicaid Spanish Clinic" in html
    assert "Self Pay Only Clinic" not in html and "Tricare Vietnamese Clinic" not in html
    assert "Pay by: Self-pay, Medicaid" in html
    assert "Languages: English, Spanish" in html
    assert "Accepting new patients" in html

    assert "Pay by Medicaid" in html  # the active filter, removable

    html = client.get("/search?near=48336&language=vi").get_data(as_text=True)
    assert "Tricare Vietnamese Clinic" in html and "Medicaid Spanish Clinic" not in html

    html = client.get("/search?near=48336&accepting=1&verified_within_months=6").get_data(
        as_text=True
    )
    assert "Medicaid Spanish Clinic" in html and "Self Pay Only Clinic" not in html


def test_search_page_offers_the_new_filters(client):
    html = client.get("/search?near=48336").get_data(as_text=True)
    assert 'name="payment"' in html and '<option value="medicaid">Medicaid</option>' in html
    assert 'name="language"' in html and '<option value="es">Spanish</option>' in html
    assert 'name="accepting"' in html and 'name="verified_within_months" value="6"' in html


def test_csv_filters_and_lists_the_new_facts(client, clinics):
    response = client.get("/search.csv?near=48336&payment=self-pay&language=es")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["slug"] for r in rows] == ["medicaid-spanish"]
    assert rows[0]["payment_options"] == "self-pay; medicaid"
    assert rows[0]["languages"] == "en; es"
    assert rows[0]["accepting_new_patients"] == "yes"


def test_clinic_page_shows_how_to_pay_languages_and_new_patients(client, clinics):
    html = client.get("/clinics/medicaid-spanish").get_data(as_text=True)
    assert "<dt>How to pay</dt><dd>Self-pay, Medicaid</dd>" in html
    assert "<dt>Languages spoken</dt><dd>English, Spanish</dd>" in html
    assert "Accepting new patients; first appointment: <span>About a week</span>" in html
    assert "Spravato REMS-certified treatment center</dt><dd>Yes" in html
    assert '"paymentAccepted": "Self-pay, Medicaid"' in html
    assert '"availableLanguage": ["English", "Spanish"]' in html
    html = client.get("/clinics/tricare-vietnamese").get_data(as_text=True)
    assert "<dt>New patients</dt><dd>Not stated</dd>" in html


def test_listing_not_verified_for_a_year_is_flagged(client, clinics):
    flag = "Not verified in over 12 months"
    assert flag in client.get("/clinics/self-pay-only").get_data(as_text=True)
    assert flag not in client.get("/clinics/medicaid-spanish").get_data(as_text=True)
    results = client.get("/search?near=48336&payment=financing").get_data(as_text=True)
    assert flag in results
    results = client.get("/search?near=48336&payment=medicaid").get_data(as_text=True)
    assert flag not in results


def test_clinic_page_links_to_directions(client, clinics):
    html = client.get("/clinics/medicaid-spanish").get_data(as_text=True)
    assert 'href="geo:' in html
    assert "?q=" in html.split('href="geo:', 1)[1].split('"', 1)[0]
    assert "openstreetmap.org/search" not in html  # one directions link, not two
    assert "https://www.openstreetmap.org/directions?route=" in html


def test_favicon_is_linked_and_served(client):
    html = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in html
    href = html.split('rel="icon" href="', 1)[1].split('"', 1)[0]
    with client.get(href) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert b"<svg" in icon.data


def test_owner_proposes_payment_and_languages_through_moderation(app, make_clinic, make_user):
    clinic = make_clinic("Owned Clinic", slug="owned-clinic", near="48336")
    owner = make_user("owner@example.org", clinics=(clinic,))
    admin = make_user("admin@example.org", admin=True)
    owner_client, admin_client = app.test_client(), app.test_client()
    assert login(owner_client, owner.email).status_code == 302
    assert login(admin_client, admin.email).status_code == 302

    form = owner_client.get("/owner/clinics/owned-clinic/edit").get_data(as_text=True)
    assert 'name="payment_options"' in form and 'name="languages"' in form
    response = post_form(
        owner_client,
        "/owner/clinics/owned-clinic/edit",
        {
            "name": "Owned Clinic",
            "address_1": "1 Test St",
            "city": "Testville",
            "state": "MI",
            "postal_code": "48336",
            "free_consultation": "",
            "accepts_insurance": "",
            "treatments": ["iv-infusion"],
            "conditions": ["depression"],
            "phones-0-display": "(555) 555-0100",
            "phones-0-kind": "main",
            "payment_options": ["self-pay", "hsa-fsa"],
            "languages": ["en", "es"],
            "accepting_new_patients": "yes",
            "first_appointment_wait": "Two weeks",
            "rems_certified": "no",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    revision = db.session.execute(select(Revision).order_by(Revision.id.desc())).scalars().first()
    assert db.session.get(Clinic, clinic.id).payment_options == ""  # not before approval

    page = admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)
    assert "Ways to pay" in page and "HSA or FSA card" in page
    response = post_form(
        admin_client,
        f"/admin/revisions/{revision.id}/approve",
        {"reason": ""},
        form_page=f"/admin/revisions/{revision.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Clinic, clinic.id)
    assert saved.payment_codes == ["self-pay", "hsa-fsa"]
    assert saved.language_codes == ["en", "es"]
    assert saved.accepting_new_patients is True and saved.rems_certified is False
    assert saved.first_appointment_wait == "Two weeks"
    assert saved.access_as_of == date.today()
    assert saved.sources_for("payment_options") and saved.sources_for("languages")


def test_example_data_covers_the_new_facts(app, runner, seeded):
    from directory.demo import clinics as demo_clinics

    demo_clinics.create_example_clinics(db.session, 40, seed=7, today=date(2026, 6, 1))
    db.session.commit()
    examples = (
        db.session.execute(select(Clinic).where(Clinic.slug.like("example-7-%"))).scalars().all()
    )
    assert all("self-pay" in c.payment_codes and "en" in c.language_codes for c in examples)
    assert any("es" in c.language_codes for c in examples)
    assert any(c.accepting_new_patients is False for c in examples)
    assert all(c.access_as_of is not None for c in examples)


def test_ways_to_pay_and_languages_from_a_page_reach_the_proposal(app, client, make_user):
    import io

    from directory.models import SourceDocument
    from tests.ingest import scoring
    from tests.ingest.test_admin_add_from_page import form_values

    make_user("admin@example.org", admin=True)
    assert login(client, "admin@example.org").status_code == 302
    body = (scoring.PAGES / "10_se_habla_espanol.html").read_bytes()
    token = csrf_token(client, "/admin/add-from-page")
    response = client.post(
        "/admin/add-from-page",
        data={"csrf_token": token, "page_file": (io.BytesIO(body), "rio-grande.html")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    document = db.session.execute(select(SourceDocument)).scalar_one()
    review = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "HSA or FSA card" in review and "Spanish" in review
    values = form_values(review)
    assert values["languages-0-value"] == "es"
    saved = client.post(f"/admin/add-from-page/{document.id}", data=values)
    assert saved.status_code == 302
    payload = db.session.execute(select(Revision)).scalar_one().payload
    assert payload["payment_options"] == ["hsa-fsa", "financing"]
    assert payload["languages"] == ["es"]


def test_bulk_csv_carries_ways_to_pay_and_languages(app, runner, client, tmp_path):
    path = tmp_path / "board.csv"
    header = "source,external_id,name,city,state,postal_code,payment_options,languages\n"
    path.write_text(
        header
        + "test-list,1,Lakeside Ketamine Center,Ann Arbor,MI,48104,self-pay;medicare,en;es\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-listings", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    clinic = db.session.execute(select(Clinic).where(Clinic.name.like("Lakeside%"))).scalar_one()
    assert clinic.payment_codes == ["self-pay", "medicare"]
    assert clinic.language_codes == ["en", "es"]
    assert clinic.sources_for("payment_options")[0].source_document == "board.csv"

    bad = tmp_path / "bad.csv"
    bad.write_text(header + "test-list,2,Other Clinic,Ann Arbor,MI,48104,bitcoin,en\n")
    result = runner.invoke(args=["import-listings", str(bad)])
    assert result.exit_code != 0
    assert "payment_options" in result.output and "bitcoin" in result.output


def test_no_phone_map_link_when_only_the_area_is_known(client, make_clinic):
    from directory.models import GeocodePrecision

    clinic = make_clinic("Area Clinic", slug="area-clinic")
    clinic.location.address_1 = None
    clinic.location.geocode_precision = GeocodePrecision.REGION
    db.session.commit()
    html = client.get("/clinics/area-clinic").get_data(as_text=True)
    assert 'href="geo:' not in html and "openstreetmap.org/search" not in html
