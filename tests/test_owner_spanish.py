"""The owner's pages in Spanish: statuses, proposals, the phone select and the error summary."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from directory.api.hsds import organization_id
from directory.extensions import db
from directory.listings import snapshots
from directory.models import Clinic, Revision
from tests.conftest import (
    MICHIGAN,
    approve,
    between,
    elements,
    main,
    post_form,
    price_row,
    propose,
    table_rows,
    text,
)

# Words in each language: no database changes them, so these run on SQLite only.
pytestmark = pytest.mark.words

EDIT = f"/owner/clinics/{MICHIGAN}/edit"
# A date in the past, so the form takes it, and one whose long form differs by language.
AS_OF = "2026-03-01"
# Every kind of fact on one proposal: the rows whose labels and values were English.
CHANGES: dict[str, object] = {
    "name": "Ketamine Institute of Michigan West",
    "hours": "Mon-Fri 9-5",
    "address_1": "100 Example Rd.",
    "treatments": ["iv-infusion", "esketamine"],
    "phones-0-display": "(248) 555-0142",
    "phones-0-kind": "main",
    "phones-1-display": "(855) 555-0199",
    "phones-1-kind": "toll_free",
    **price_row(as_of=AS_OF),
}


def spanish(client):
    """The same browser, reading the site in Spanish from now on."""
    client.set_cookie("lang", "es")
    return client


def proposal_rows(client, revision: Revision) -> dict[str, list[str]]:
    """The proposal page's diff table, each row's cells by its field label."""
    page = main(client.get(f"/owner/revisions/{revision.id}").get_data(as_text=True))
    diff = between(page, '<table class="diff stack">', "</table>")
    return {row[0]: row[1:] for row in table_rows(diff)[1:]}


def test_the_dashboard_says_publicado_for_a_published_listing(owner_client):
    propose(owner_client, website="https://kim.example.org")
    page = main(spanish(owner_client).get("/owner/").get_data(as_text=True))
    statuses = [text(s) for s in elements(page, "span.status")]
    assert "Publicado" in statuses  # the listing
    assert "Pendiente" in statuses  # the proposal
    assert "Publicarán" not in page and "Published" not in statuses


# Where a listing, proposal or claim stands, as the owner's and admin's pages show it.
STATUS_WORDS = {
    "draft": "borrador",
    "pending": "pendiente",
    "published": "publicado",
    "suspended": "suspendido",
    "approved": "aprobado",
    "rejected": "rechazado",
    "withdrawn": "retirado",
}


def test_every_status_word_reads_right_in_spanish(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        found = {status: app.jinja_env.filters["term"](status) for status in STATUS_WORDS}
    assert found == STATUS_WORDS


def test_a_proposal_names_its_fields_and_values_in_spanish(owner_client):
    revision = propose(owner_client, **CHANGES)
    rows = proposal_rows(spanish(owner_client), revision)
    assert {"Nombre", "Horario", "Dirección", "Teléfonos", "Tratamientos", "Precios"} <= set(rows)
    assert not {"Name", "Hours", "Address", "Phones", "Treatments", "Prices"} & set(rows)
    assert rows["Horario"] == ["—", "Mon-Fri 9-5"]
    phones = rows["Teléfonos"][1]
    assert "(248) 555-0142 (principal)" in phones
    assert "(855) 555-0199 (llamada gratuita)" in phones
    assert "(main)" not in phones and "toll" not in phones
    assert "Esketamina (Spravato)" in rows["Tratamientos"][1]
    assert rows["Precios"][1] == (
        "Infusión intravenosa de ketamina: $450 por sesión — "
        "fuente: https://kim.example.org/costs, al 1 de marzo de 2026"
    )


def test_the_proposal_heading_agrees_with_its_plural_noun(owner_client):
    revision = propose(owner_client, website="https://kim.example.org")
    page = spanish(owner_client).get(f"/owner/revisions/{revision.id}").get_data(as_text=True)
    [heading] = [text(h) for h in elements(main(page), "h1")]
    assert heading == "Sus cambios propuestos: Ketamine Institute of Michigan"


def test_each_reader_gets_the_proposal_in_their_own_language(owner_client, admin_client):
    revision = propose(owner_client, **CHANGES)
    stored = dict(db.session.get(Revision, revision.id).payload)
    assert proposal_rows(spanish(owner_client), revision)["Teléfonos"]

    # The moderator reading in English after the owner read in Spanish: English throughout.
    page = main(admin_client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True))
    diff = text(between(page, '<table class="diff stack">', "</table>"))
    assert "Phones" in diff and "(248) 555-0142 (main)" in diff
    # (the moderator's page links the source, so the text has a space before the comma)
    assert "$450 per session — source https://kim.example.org/costs , as of 1 March 2026" in diff
    assert "Teléfonos" not in diff and "por sesión" not in diff
    # The proposal as stored is the data it was: no words of any language were written in.
    db.session.expire_all()
    assert db.session.get(Revision, revision.id).payload == stored
    assert stored["phones"][0]["kind"] == "main" and stored["prices"][0]["as_of"] == AS_OF


def test_the_api_change_history_stays_english_with_iso_dates(client, owner_client, admin_client):
    revision = propose(owner_client, **CHANGES)
    approve(admin_client, revision)
    clinic = db.session.get(Clinic, revision.clinic_id)
    response = client.get(
        f"/api/v1/hsds/organizations/{organization_id(clinic)}",
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 200
    changes = {m["field_name"]: m for m in response.get_json()["metadata"]}
    assert changes["prices"]["replacement_value"] == (
        "IV ketamine infusion: $450 per session — "
        f"source https://kim.example.org/costs, as of {AS_OF}"
    )
    assert "(248) 555-0142 (main)" in changes["phones"]["replacement_value"]


def test_every_field_label_is_in_the_spanish_catalogue(app):
    labels = set(snapshots.FIELD_LABELS.values())
    assert labels <= snapshots.LABEL_MESSAGES
    with app.app_context(), force_locale("es_US"):
        untranslated = [label for label in labels if gettext(label) == label]
    assert untranslated == []


def test_the_phone_kind_select_offers_words_not_codes(owner_client):
    def options(page: str) -> list[tuple[str, str]]:
        [select] = elements(page, 'select[name="phones-0-kind"]')
        values = [o.split('value="')[1].split('"')[0] for o in elements(select, "option")]
        return list(zip(values, [text(o) for o in elements(select, "option")], strict=True))

    english = options(owner_client.get(EDIT).get_data(as_text=True))
    assert english == [("main", "Main"), ("toll_free", "Toll-free"), ("text", "Text messages")]
    spanish_options = options(spanish(owner_client).get(EDIT).get_data(as_text=True))
    assert spanish_options == [
        ("main", "Principal"),
        ("toll_free", "Llamada gratuita"),
        ("text", "Mensajes de texto"),
    ]


def test_the_error_summary_names_the_rows_in_spanish(owner_client):
    data = {
        "name": "Ketamine Institute of Michigan",
        "state": "MI",
        "phones-0-display": "12",
        "phones-0-kind": "main",
        **price_row(unit="series", sessions_included=""),
    }
    response = post_form(spanish(owner_client), EDIT, data)
    assert response.status_code == 400
    summary = text(between(response.get_data(as_text=True), 'class="error-summary"', "</div>"))
    assert "Precios, fila 1: Indique cuántas sesiones incluye la serie." in summary
    assert "Teléfonos, fila 1:" in summary
    assert "Prices" not in summary and "Phones" not in summary
