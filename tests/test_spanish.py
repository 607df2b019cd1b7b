"""The site in Spanish: every page, the crisis line, the language switch, caching per language."""

from __future__ import annotations

import re

import pytest

from directory.extensions import db
from directory.listings import moderation, snapshots
from tests.conftest import login, price

# Words in each language: no database changes them, so these run on SQLite only.
pytestmark = pytest.mark.words

SPANISH = {"Accept-Language": "es"}
MICHIGAN = "ketamine-institute-of-michigan"
HTML_LANG = re.compile(r'<html lang="([a-z]+)"')


def html_lang(page: str) -> str:
    """The language the page declares on its root element."""
    match = HTML_LANG.search(page)
    assert match, "no <html lang>"
    return match.group(1)


def assert_spanish(response, url: str, status: int = 200) -> str:
    """The page answered in Spanish, with the Spanish crisis line."""
    assert response.status_code == status, url
    page = response.get_data(as_text=True)
    assert html_lang(page) == "es", url
    assert "AYUDA" in page and 'href="sms:988?&amp;body=AYUDA"' in page, url
    assert ">Mensaje al 988</a>" in page, url  # a text message, not a "text"
    assert "¿Está en crisis?" in page and "marque 2" in page, url
    assert 'href="tel:988"' in page, url
    assert "Skip to main content" not in page, url
    return page


@pytest.fixture
def listed(seeded, make_clinic, make_user):
    """Two priced clinics near 48336, an owner of the seed Michigan clinic, and an admin."""
    from directory.models import Clinic

    first = make_clinic("Alpha Ketamine", prices=(price("iv-infusion", 450),), slug="alpha")
    make_clinic("Beta Ketamine", prices=(price("iv-infusion", 1250.5),), slug="beta")
    michigan = db.session.execute(db.select(Clinic).filter_by(slug=MICHIGAN)).scalar_one()
    owner = make_user("owner@example.org", clinics=(michigan,))
    make_user("admin@example.org", admin=True)
    payload = snapshots.snapshot(michigan) | {"website": "https://kim.example.org"}
    revision = moderation.propose_edit(db.session, owner, michigan, payload, "Our new site")
    db.session.commit()
    return {"clinic": first.slug, "revision": revision.id}


PUBLIC_PAGES = [
    "/",
    "/search?near=48336",
    "/search?near=48336&condition=suicidal-ideation",
    "/clinics/alpha",
    f"/clinics/{MICHIGAN}",
    "/clinics/alpha/report",
    "/compare?clinics=alpha,beta",
    "/costs?state=MI",
    "/costs",
    "/regions",
    "/regions/MI",
    "/about",
    "/account/login",
    "/account/register",
    "/account/forgot",
    "/no-such-page",
]


def test_every_public_page_renders_in_spanish_with_the_crisis_line(client, listed):
    for url in PUBLIC_PAGES:
        response = client.get(url, headers=SPANISH)
        if url == "/no-such-page":
            assert response.status_code == 404
            page = response.get_data(as_text=True)
            assert html_lang(page) == "es" and "No encontramos la página" in page
            continue
        assert_spanish(response, url)


def test_a_bad_page_number_is_named_in_spanish(client, listed):
    page = assert_spanish(client.get("/search?near=48336&page=0", headers=SPANISH), "", 400)
    assert "La página debe ser un número entero del 1 al" in page
    assert "Page must" not in page


def test_a_search_that_finds_no_place_explains_in_spanish(client):
    page = assert_spanish(client.get("/search?near=nowhere-at-all", headers=SPANISH), "", 400)
    assert "Revise su búsqueda" in page


def test_search_results_are_in_spanish_with_money_and_dates_for_the_locale(client, listed):
    page = assert_spanish(client.get("/search?near=48336", headers=SPANISH), "search")
    assert "Se encontraron 2 clínicas" in page or "clínicas" in page
    assert "Clínicas de ketamina a menos de 25 millas de 48336" in page
    assert "$450" in page and "$1,250.50" in page
    assert "Infusión intravenosa de ketamina" in page
    assert "Verificado por última vez" in page or "Todavía no lo ha verificado" in page
    # Clinic names are the clinic's own words, marked as English on a Spanish page.
    assert re.search(r'<h3 lang="en"><a [^>]*>Alpha Ketamine</a></h3>', page)


def test_the_costs_page_names_its_region_in_spanish(client, listed):
    page = assert_spanish(client.get("/costs?near=48336&radius=30", headers=SPANISH), "costs")
    heading = "Cuánto cuesta el tratamiento con ketamina en la zona a menos de 30 millas de 48336"
    assert heading in page
    assert "within" not in page.split("<main", 1)[1]
    # Each row names its treatment and what the price covers in Spanish too.
    assert '<th scope="row">Infusión intravenosa de ketamina, por sesión</th>' in page
    assert "per session" not in page
    here = client.get("/costs?near=42.46,-83.36", headers=SPANISH)
    assert "su ubicación (cerca de" in assert_spanish(here, "costs")
    assert "your location" not in here.get_data(as_text=True)
    whole = assert_spanish(client.get("/costs", headers=SPANISH), "costs")
    assert "Cuánto cuesta el tratamiento con ketamina en todo el directorio" in whole
    # The API's region stays in English, whatever the reader's language.
    body = client.get("/api/v1/costs/summary?near=48336&radius=30", headers=SPANISH).get_json()
    assert body["region"].startswith("within 30 miles of 48336")


def test_the_comparison_names_its_rows_in_spanish(client, listed):
    page = assert_spanish(client.get("/compare?clinics=alpha,beta", headers=SPANISH), "compare")
    assert '<th scope="row">Infusión intravenosa de ketamina, por sesión</th>' in page
    assert "per session" not in page
    english = client.get("/compare?clinics=alpha,beta").get_data(as_text=True)
    assert '<th scope="row">IV ketamine infusion, per session</th>' in english


def test_words_chosen_in_templates_and_data_are_spanish_too(client, make_clinic):
    make_clinic("Facts Clinic", slug="facts", city=None, private_room=True, languages="en,sgn")
    clinic = assert_spanish(client.get("/clinics/facts", headers=SPANISH), "clinic")
    assert "<dt>Sala de tratamiento privada</dt><dd>Sí</dd>" in clinic
    shown = clinic.split("<main", 1)[1]  # the page's JSON-LD keeps English names, as data
    assert "Lengua de señas" in shown and "Sign language" not in shown
    region = assert_spanish(client.get("/regions/MI", headers=SPANISH), "region")
    assert '<h2 id="city-1">Ciudad no indicada</h2>' in region
    assert "City not stated" not in region
    english = client.get("/regions/MI").get_data(as_text=True)
    assert '<h2 id="city-1">City not stated</h2>' in english
    register = assert_spanish(client.get("/account/register", headers=SPANISH), "register")
    assert "Al menos 12 caracteres." in register and "At least 12" not in register


def test_who_administers_and_what_a_quote_is_about_read_in_spanish(client, make_clinic, seeded):
    make_clinic("Care Clinic", slug="care", administered_by="Nurse practitioner")
    make_clinic("Own Words Clinic", slug="own", administered_by="Our medical director")
    care = assert_spanish(client.get("/clinics/care", headers=SPANISH), "care")
    assert "<dd>Enfermero practicante</dd>" in care and "Nurse practitioner</dd>" not in care
    own = assert_spanish(client.get("/clinics/own", headers=SPANISH), "own")
    assert "<dd>Our medical director</dd>" in own  # the clinic's own words stay as written
    michigan = assert_spanish(client.get(f"/clinics/{MICHIGAN}", headers=SPANISH), MICHIGAN)
    assert "en su página web (efecto a largo plazo)" in michigan
    assert "(long-term effect)" not in michigan
    about = assert_spanish(client.get("/about", headers=SPANISH), "about")
    assert "(efecto a largo plazo)" in about and "(long-term effect)" not in about
    english = client.get(f"/clinics/{MICHIGAN}").get_data(as_text=True)
    assert "on its web page (long-term effect)" in english


def test_an_approvals_note_on_the_sources_reads_in_spanish(app, client, listed):
    import html
    from datetime import date

    from tests.conftest import post_form

    admin = app.test_client()
    assert login(admin, "admin@example.org").status_code == 302
    page = f"/admin/revisions/{listed['revision']}"
    response = post_form(admin, f"{page}/approve", {"reason": ""}, form_page=page)
    assert response.status_code == 302
    number = listed["revision"]
    english = html.unescape(client.get(f"/clinics/{MICHIGAN}").get_data(as_text=True))
    today = date.today()
    assert (
        f"Supplied by the clinic's owner (proposal {number}), approved by a moderator on "
        f"{today.day} {today:%B %Y}." in english
    )
    spanish = assert_spanish(client.get(f"/clinics/{MICHIGAN}", headers=SPANISH), "clinic")
    assert f"Aportado por el propietario de la clínica (propuesta {number})" in spanish
    assert "Supplied by" not in spanish


def test_clinic_page_shows_spanish_dates(client, make_clinic):
    from datetime import date

    make_clinic(
        "Dated Clinic",
        slug="dated",
        prices=(price("iv-infusion", 500, as_of=date(2026, 11, 24)),),
    )
    page = assert_spanish(client.get("/clinics/dated", headers=SPANISH), "clinic")
    assert "24 de noviembre de 2026" in page
    english = client.get("/clinics/dated").get_data(as_text=True)
    assert "24 November 2026" in english and html_lang(english) == "en"


def test_owner_and_admin_pages_render_in_spanish(app, listed):
    owner = app.test_client()
    owner.set_cookie("lang", "es")
    assert login(owner, "owner@example.org").status_code == 302
    for url in (
        "/owner/",
        f"/owner/clinics/{MICHIGAN}/edit",
        "/owner/clinics/new",
        "/owner/clinics/alpha/claim",
        f"/owner/revisions/{listed['revision']}",
        "/account/password",
    ):
        assert_spanish(owner.get(url), url)

    admin = app.test_client()
    admin.set_cookie("lang", "es")
    assert login(admin, "admin@example.org").status_code == 302
    for url in (
        "/admin/",
        f"/admin/revisions/{listed['revision']}",
        f"/admin/clinics/{MICHIGAN}",
        "/admin/audit",
        "/admin/imports",
        "/admin/duplicates",
        "/admin/add-from-page",
    ):
        page = assert_spanish(admin.get(url), url)
        assert "Cola" in page or "Moderación" in page, url


def test_a_replaced_proposal_says_so_in_spanish_and_not_as_the_moderators_words(app, listed):
    from directory.models import Clinic, Revision, User

    michigan = db.session.execute(db.select(Clinic).filter_by(slug=MICHIGAN)).scalar_one()
    owner_user = db.session.execute(
        db.select(User).filter_by(email="owner@example.org")
    ).scalar_one()
    payload = snapshots.snapshot(michigan) | {"website": "https://kim2.example.org"}
    moderation.propose_edit(db.session, owner_user, michigan, payload, "A newer site")
    db.session.commit()
    assert db.session.get(Revision, listed["revision"]).status.value == "withdrawn"

    owner = app.test_client()
    owner.set_cookie("lang", "es")
    assert login(owner, "owner@example.org").status_code == 302
    page = assert_spanish(owner.get(f"/owner/revisions/{listed['revision']}"), "proposal")
    assert "Sustituida por una propuesta más reciente." in page
    assert "Replaced by a newer proposal" not in page
    assert "motivo del moderador" not in page
    dashboard = assert_spanish(owner.get("/owner/"), "dashboard")
    assert "Sustituida por una propuesta más reciente." in dashboard
    assert "Replaced by a newer proposal" not in dashboard
    owner.set_cookie("lang", "en")
    english = owner.get(f"/owner/revisions/{listed['revision']}").get_data(as_text=True)
    assert "— Replaced by a newer proposal." in english and "moderator's reason" not in english


def test_the_switch_sets_a_cookie_that_is_remembered(client):
    english = client.get("/about")
    assert html_lang(english.get_data(as_text=True)) == "en"
    assert 'href="/language?lang=es&amp;next=/about"' in english.get_data(as_text=True)

    chosen = client.get("/language?lang=es&next=/about")
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/about"
    cookie = chosen.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;") and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie

    again = client.get("/about").get_data(as_text=True)
    assert html_lang(again) == "es" and "Cómo funciona este directorio" in again
    # English comes back the same way, whatever the browser asks for.
    client.get("/language?lang=en&next=/")
    assert html_lang(client.get("/", headers=SPANISH).get_data(as_text=True)) == "en"


def test_the_switch_returns_only_to_this_site(client):
    for target in ("https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com"):
        response = client.get("/language", query_string={"lang": "es", "next": target})
        assert response.status_code == 302 and response.headers["Location"] == "/"
    unknown = client.get("/language?lang=xx&next=/about")
    assert unknown.status_code == 302 and "Set-Cookie" not in unknown.headers


def test_language_follows_the_query_then_the_cookie_then_accept_language(client):
    assert html_lang(client.get("/about?lang=es").get_data(as_text=True)) == "es"
    assert html_lang(client.get("/about", headers=SPANISH).get_data(as_text=True)) == "es"
    prefers = {"Accept-Language": "fr-CA, es-MX;q=0.8, en;q=0.5"}
    assert html_lang(client.get("/about", headers=prefers).get_data(as_text=True)) == "es"
    german = {"Accept-Language": "de"}
    assert html_lang(client.get("/about", headers=german).get_data(as_text=True)) == "en"
    client.set_cookie("lang", "en")
    assert html_lang(client.get("/about", headers=SPANISH).get_data(as_text=True)) == "en"
    assert html_lang(client.get("/about?lang=es").get_data(as_text=True)) == "es"


def test_etag_and_vary_differ_by_language(client, make_clinic):
    make_clinic("Alpha Ketamine", prices=(price("iv-infusion", 450),))
    for url in ("/", "/search?near=48336", "/about"):
        english = client.get(url, headers={"Accept-Language": "en"})
        spanish = client.get(url, headers=SPANISH)
        assert english.status_code == spanish.status_code == 200
        for response in (english, spanish):
            vary = {v.strip() for v in response.headers["Vary"].split(",")}
            assert {"Cookie", "Accept-Language"} <= vary
        assert english.headers["ETag"] != spanish.headers["ETag"]
        # A Spanish ETag does not revalidate the English page, and the other way round.
        crossed = client.get(
            url, headers={"Accept-Language": "en", "If-None-Match": spanish.headers["ETag"]}
        )
        assert crossed.status_code == 200 and html_lang(crossed.get_data(as_text=True)) == "en"
        same = client.get(url, headers={**SPANISH, "If-None-Match": spanish.headers["ETag"]})
        assert same.status_code == 304


def test_search_errors_and_forms_speak_spanish(client, make_clinic):
    make_clinic("Alpha Ketamine", slug="alpha")
    unknown = client.get("/search?near=nowhere-at-all", headers=SPANISH)
    assert unknown.status_code == 400
    assert "No encontramos “nowhere-at-all”" in unknown.get_data(as_text=True)
    bad_radius = client.get("/search?near=48336&radius=abc", headers=SPANISH)
    assert bad_radius.status_code == 400
    assert "La distancia debe ser un número de millas" in bad_radius.get_data(as_text=True)
    report = client.get("/clinics/alpha/report", headers=SPANISH).get_data(as_text=True)
    assert "¿Qué está mal?" in report and "Dirección equivocada" in report


def test_account_mail_is_written_in_the_language_of_the_page(client):
    from sqlalchemy import select

    from directory.models import OutboxMessage
    from tests.conftest import PASSWORD, post_form

    client.set_cookie("lang", "es")
    data = {"email": "nuevo@example.org", "password": PASSWORD, "confirm": PASSWORD}
    response = post_form(client, "/account/register", data)
    assert response.status_code in (200, 302)
    (message,) = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.to == "nuevo@example.org")
    ).scalars()
    assert message.subject == "Confirme su dirección de correo electrónico"
    assert "El enlace funciona durante 24 horas" in message.body
    assert "/account/verify/" in message.body


def test_an_undos_note_on_the_sources_reads_in_either_language(app):
    from datetime import date

    from directory.formatting import supply_note
    from directory.listings.supply_notes import restore_note

    note = restore_note(7, date(2026, 11, 24))
    assert note == "Restored by a moderator on 2026-11-24 (undo of change 7)."  # as stored
    # Each in an app context of its own, as each request has: the locale is kept there.
    with app.app_context(), app.test_request_context(headers=SPANISH):
        assert supply_note(note) == (
            "Restaurado por un moderador el 24 de noviembre de 2026 (se deshizo el cambio 7)."
        )
        assert supply_note("Row 3 of state-list.csv") == "Row 3 of state-list.csv"
    with app.test_request_context():
        assert (
            supply_note(note) == "Restored by a moderator on 24 November 2026 (undo of change 7)."
        )


def test_an_api_error_speaks_one_language(client):
    spanish = client.get("/api/v1/clinics?near=48336&radius=lots", headers=SPANISH)
    body = spanish.get_json()
    assert spanish.status_code == 400
    assert body["message"] == "Algunos parámetros no son válidos."
    assert body["errors"]["radius"].startswith("La distancia")
    missing = client.get("/api/v1/clinics/no-such-clinic", headers=SPANISH).get_json()
    assert missing["message"] == "Ninguna clínica publicada tiene ese identificador (slug)."
    english = client.get("/api/v1/clinics?near=48336&radius=lots").get_json()
    assert english["message"] == "Some parameters are not valid."


def test_a_listing_s_own_english_words_are_marked_english_on_a_spanish_page(client, make_clinic):
    make_clinic(
        "Wait Clinic",
        slug="wait",
        accepting_new_patients=True,
        first_appointment_wait="Two to three weeks",
        monitoring="Pulse oximetry and blood pressure",
        prices=(price("iv-infusion", 450) | {"included": "One infusion"},),
        near="48336",
    )
    page = assert_spanish(client.get("/clinics/wait", headers=SPANISH), "clinic")
    assert 'primera cita: <span lang="en">Two to three weeks</span>' in page
    assert '<dd lang="en">Pulse oximetry and blood pressure</dd>' in page
    assert '<span lang="en">One infusion</span>' in page
    compare = assert_spanish(client.get("/compare?clinics=wait", headers=SPANISH), "compare")
    assert '<span lang="en">Two to three weeks</span>' in compare
    english = client.get("/clinics/wait").get_data(as_text=True)
    assert "<span>Two to three weeks</span>" in english and 'lang="en">Two' not in english
