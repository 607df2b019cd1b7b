"""Result cards are rendered when their listing changes and kept in `listing_cards`; a
search shows the kept card only while it is exactly what the site would render now."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from directory.extensions import db
from directory.models import Clinic, ClinicStatus, ListingCard
from directory.public import rendered
from tests.conftest import (
    MICHIGAN,
    approve,
    card_for,
    configure,
    elements,
    get,
    price,
    price_row,
    propose,
    two_sites,
)
from tests.ingest.test_hpt_import import FILES, _approve, _import

CHICAGO = "60614"
SEARCH = f"/search?near={CHICAGO}&radius=25"
PROGRAMS = ".remote .cards > li"


def kept(slug: str) -> dict[tuple[int, str], str]:
    """The kept cards of a listing: (location index, locale) -> its HTML."""
    rows = db.session.execute(
        select(ListingCard.location_index, ListingCard.locale, ListingCard.top, ListingCard.rest)
        .join(Clinic, Clinic.id == ListingCard.clinic_id)
        .where(Clinic.slug == slug)
    ).all()
    return {(index, locale): top + rest for index, locale, top, rest in rows}


def cards(
    client, url: str = SEARCH, lang: str = "en", selector: str = "#results-list > li"
) -> list[str]:
    """The result cards of a search page as a visitor in `lang` gets them, each worker's
    own copies forgotten first (as a new worker would see them)."""
    rendered._CARDS.clear()
    rendered._KEPT_LISTINGS.clear()
    client.set_cookie("lang", lang)
    page = client.get(url)
    assert page.status_code == 200
    return elements(page.get_data(as_text=True), selector)


def mark_kept_cards(slug: str, *where) -> None:
    """Put a marker in a listing's kept cards, written behind the site's back."""
    clinic_id = db.session.execute(select(Clinic.id).where(Clinic.slug == slug)).scalar_one()
    db.session.execute(
        update(ListingCard)
        .where(ListingCard.clinic_id == clinic_id, *where)
        .values(top=ListingCard.top + "KEPT-MARKER")
    )
    db.session.commit()


def test_a_listing_keeps_one_card_per_location_and_language(make_clinic):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO, prices=(price("iv-infusion", 525),))
    found = kept("lakeside")
    assert set(found) == {(0, "en_US"), (0, "es_US")}
    assert "Lakeside" in found[(0, "en_US")] and "$525" in found[(0, "en_US")]
    assert "por sesión" in found[(0, "es_US")]


def test_a_search_shows_the_kept_cards_and_they_are_what_it_would_render(client, make_clinic):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO, prices=(price("iv-infusion", 525),))
    make_clinic("Lincoln Park", slug="lincoln", near=CHICAGO, treatments=("esketamine",))
    with_kept = {lang: cards(client, lang=lang) for lang in ("en", "es")}
    assert len(with_kept["en"]) == 2

    db.session.execute(ListingCard.__table__.delete())
    db.session.commit()
    for lang in ("en", "es"):
        assert cards(client, lang=lang) == with_kept[lang]

    # And the page does read them: a card changed behind the site's back shows.
    make_clinic("Lakeside Two", slug="lakeside-two", near=CHICAGO)
    mark_kept_cards("lakeside-two")
    assert any("KEPT-MARKER" in card for card in cards(client))


def test_a_program_without_a_location_shows_its_kept_card(client, runner, make_clinic):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO)
    make_clinic("Anywhere Online", slug="online", near=None, service_areas=("IL", "MI"))
    with_kept = cards(client, selector=PROGRAMS)
    assert len(with_kept) == 1 and "Anywhere Online" in with_kept[0]

    db.session.execute(ListingCard.__table__.delete())
    db.session.commit()
    assert cards(client, selector=PROGRAMS) == with_kept

    # And the page does read it: a card changed behind the site's back shows.
    assert runner.invoke(args=["render-cards"]).exit_code == 0
    mark_kept_cards("online")
    assert "KEPT-MARKER" in cards(client, selector=PROGRAMS)[0]


def test_an_approved_price_renders_the_listings_cards_again(client, owner_client, admin_client):
    michigan = "/search?near=48336&radius=25"
    assert "$450" not in kept(MICHIGAN)[(0, "en_US")]
    revision = propose(owner_client, **price_row())
    assert "$450" not in kept(MICHIGAN)[(0, "en_US")]  # pending: unchanged

    approve(admin_client, revision)
    assert "<strong>$450</strong>" in kept(MICHIGAN)[(0, "en_US")]
    assert "<strong>$450</strong>" in kept(MICHIGAN)[(0, "es_US")]
    assert "<strong>$450</strong>" in card_for(get(client, michigan), MICHIGAN)


def test_every_change_to_what_a_card_shows_renders_it_again(client, make_clinic):
    clinic = make_clinic("Lakeside", slug="lakeside", near=CHICAGO)
    clinic.name = "Lakeside Ketamine"
    db.session.commit()
    assert "Lakeside Ketamine" in kept("lakeside")[(0, "en_US")]

    clinic.phones[0].display = "(312) 555-0199"
    db.session.commit()
    assert "(312) 555-0199" in kept("lakeside")[(0, "en_US")]

    clinic.locations[0].address_1 = "2 Lake Shore Dr"
    db.session.commit()
    assert "2 Lake Shore Dr" in kept("lakeside")[(0, "en_US")]

    del clinic.phones[0]
    db.session.commit()
    assert "(312) 555-0199" not in kept("lakeside")[(0, "en_US")]
    assert "(312) 555-0199" not in cards(client)[0]


def test_a_rolled_back_change_leaves_the_kept_cards_alone(make_clinic):
    clinic = make_clinic("Lakeside", slug="lakeside", near=CHICAGO)
    mark_kept_cards("lakeside")
    clinic.name = "Never Saved"
    db.session.flush()
    db.session.rollback()
    make_clinic("Lincoln Park", slug="lincoln", near=CHICAGO)  # the next commit
    assert "KEPT-MARKER" in kept("lakeside")[(0, "en_US")]  # not rendered again
    assert "Never Saved" not in kept("lakeside")[(0, "en_US")]


def test_an_unpublished_listing_keeps_no_card(client, make_clinic):
    clinic = make_clinic("Lakeside", slug="lakeside", near=CHICAGO)
    make_clinic("Draft", slug="draft", near=CHICAGO, status=ClinicStatus.DRAFT)
    assert kept("draft") == {}
    clinic.status = ClinicStatus.SUSPENDED
    db.session.commit()
    assert kept("lakeside") == {}
    assert cards(client) == []


def test_each_location_has_its_card_and_a_search_shows_the_nearest(client, make_clinic):
    clinic = two_sites(make_clinic)
    found = kept("two-sites")
    assert set(found) == {(0, "en_US"), (0, "es_US"), (1, "en_US"), (1, "es_US")}
    assert "9 North Ave" in found[(1, "en_US")] and "9 North Ave" not in found[(0, "en_US")]
    mark_kept_cards("two-sites", ListingCard.location_index == 1)
    (card,) = cards(client)
    assert "9 North Ave" in card and "KEPT-MARKER" in card  # the kept card of location 1

    del clinic.locations[0]
    db.session.commit()
    found = kept("two-sites")
    assert set(found) == {(0, "en_US"), (0, "es_US")}
    assert "9 North Ave" in found[(0, "en_US")]
    (card,) = cards(client)
    assert "9 North Ave" in card and "KEPT-MARKER" not in card


def test_a_card_whose_flags_have_turned_is_rendered_afresh(client, make_clinic):
    recently = date.today() - timedelta(days=30)
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO, last_verified_on=recently)
    good_through = db.session.execute(select(ListingCard.good_through).limit(1)).scalar_one()
    assert good_through is not None and good_through > date.today()

    mark_kept_cards("lakeside")
    assert "KEPT-MARKER" in cards(client)[0]
    db.session.execute(update(ListingCard).values(good_through=date.today() - timedelta(days=1)))
    db.session.commit()
    assert "KEPT-MARKER" not in cards(client)[0]


def test_cards_kept_under_another_staleness_limit_are_not_shown(app, client, make_clinic):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO)
    mark_kept_cards("lakeside")
    assert "KEPT-MARKER" in cards(client)[0]
    configure(app, PRICE_STALE_AFTER_DAYS=30)
    assert "KEPT-MARKER" not in cards(client)[0]


def test_cards_kept_by_a_command_with_other_settings_are_shown(app, client, make_clinic):
    # The site's workers and the command keeping cards differ in settings no card reads.
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO)
    mark_kept_cards("lakeside")
    configure(app, EXPORT_RATE_LIMIT="1 per minute", COMPARE_MAX_CLINICS=3)
    assert "KEPT-MARKER" in cards(client)[0]


def test_render_cards_renders_the_missing_and_outdated_ones(app, runner, make_clinic):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO)
    make_clinic("Lincoln Park", slug="lincoln", near=CHICAGO)
    before = kept("lakeside")
    db.session.execute(
        ListingCard.__table__.delete().where(
            ListingCard.clinic_id
            == select(Clinic.id).where(Clinic.slug == "lakeside").scalar_subquery()
        )
    )
    db.session.execute(update(ListingCard).values(renderer="an earlier release"))
    db.session.commit()

    result = runner.invoke(args=["render-cards"])
    assert result.exit_code == 0, result.output
    assert "Result cards rendered for 2 listings." in result.output
    assert kept("lakeside") == before
    again = runner.invoke(args=["render-cards"])
    assert "Result cards rendered for 0 listings." in again.output


def test_a_newer_price_file_renders_its_hospitals_card_and_no_other(
    app, client, make_clinic, make_user, tmp_path
):
    make_clinic("Lakeside", slug="lakeside", near="48336")
    _import("v3_small.json")
    _approve(make_user, "example-general-hospital")
    assert "$870.50" in kept("example-general-hospital")[(0, "en_US")]
    mark_kept_cards("lakeside")

    newer = tmp_path / "newer.json"
    text = (FILES / "v3_small.json").read_text(encoding="utf-8")
    newer.write_text(text.replace('"2026-03-01"', '"2026-06-01"').replace("870.50", "905"))
    assert _import(newer).updated == ["example-general-hospital"]

    hospital = kept("example-general-hospital")[(0, "en_US")]
    assert "$905" in hospital and "$870.50" not in hospital and "1 June 2026" in hospital
    assert "KEPT-MARKER" in kept("lakeside")[(0, "en_US")]  # not rendered again
    page = get(client, "/search?near=48336&radius=25")
    assert "$905" in card_for(page, "example-general-hospital")


def test_cards_the_command_renders_are_taken_at_once(client, runner, make_clinic):
    make_clinic("Lakeside", slug="lakeside", near=CHICAGO)
    db.session.execute(update(ListingCard).values(renderer="an earlier release"))
    db.session.commit()
    assert len(cards(client)) == 1  # rendered by the page, as after a deploy

    assert runner.invoke(args=["render-cards"]).exit_code == 0
    mark_kept_cards("lakeside")
    page = client.get(SEARCH).get_data(as_text=True)  # the same worker, the same data
    assert "KEPT-MARKER" in elements(page, "#results-list > li")[0]
