"""Result cards and clinic pages rendered by one worker are served by the others from
Redis, never stale, in the right language, and a page works the same while Redis does not
answer."""

from __future__ import annotations

import json
import logging
import shutil
import zlib
from pathlib import Path

import pytest
import redis

from directory import shared_pieces
from directory.public import rendered, stored_cards
from tests.conftest import MICHIGAN, approve, card_for, cards, get, price, price_row, propose

SEARCH = "/search?near=48336&radius=25"


@pytest.fixture
def no_kept_cards(monkeypatch):
    """None of the cards kept with the listings current: as between a deploy and `flask
    render-cards`, when the workers render cards and share them."""
    monkeypatch.setattr(stored_cards, "kept_listings", lambda *_args: {})


@pytest.fixture
def store(app, redis_url, no_kept_cards, monkeypatch):
    """The app with its cards shared through a Redis emptied for each test. A stall of the
    busy test machine is not taken for a slow Redis here (the site stops sharing for a
    while after one): the tests below are about what is shared, the ones where Redis does
    not answer about the pause."""
    monkeypatch.setattr(shared_pieces, "TIMEOUT_SECONDS", 10.0)
    monkeypatch.setattr(shared_pieces, "SLOW_SECONDS", 10.0)
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    app.config["REDIS_URL"] = redis_url
    shared_pieces.init_app(app)
    yield client
    client.flushdb()
    client.close()


def another_worker() -> None:
    """Forget the cards and pages this process has kept, as a worker that has not rendered
    them."""
    rendered._CARDS.clear()
    rendered._PAGES.clear()


def shared_cards(store) -> dict[bytes, list[str]]:
    """The cards kept in Redis, by key: each value is a signature, then the card's parts."""
    return {key: json.loads(store.get(key)[16:]) for key in store.scan_iter("card:*")}


def test_a_card_one_worker_rendered_is_served_by_another(app, client, store, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside", prices=(price("iv-infusion", 500),))
    make_clinic("Riverside Clinic", slug="riverside")
    page = get(client, SEARCH)
    kept = shared_cards(store)
    assert len(kept) == len(cards(page)) >= 2
    # Another worker takes the kept card as it stands, without rendering it again.
    key = next(k for k, (top, _rest) in kept.items() if 'href="/clinics/lakeside"' in top)
    top, rest = kept[key]
    changed = json.dumps([top.replace("Lakeside Clinic", "Lakeside (kept)"), rest]).encode()
    # Signed as this site signs: the other worker takes the card as it stands.
    signature = app.extensions["shared_pieces"].signature(key.decode(), changed)
    store.set(key, signature + changed)
    another_worker()

    card = card_for(get(client, SEARCH), "lakeside")
    assert "Lakeside (kept)" in card and "<strong>$500</strong>" in card
    assert (
        "Within about <strong>1 mi</strong>" in card and "Add to compare" in card
    )  # this request's own parts


def test_an_approval_is_never_hidden_by_a_shared_card(client, store, owner_client, admin_client):
    assert "$450" not in card_for(get(client, SEARCH), MICHIGAN)
    before = set(shared_cards(store))
    approve(admin_client, propose(owner_client, **price_row()))
    another_worker()

    assert "IV <strong>$450</strong>" in card_for(get(client, SEARCH), MICHIGAN)
    assert before < set(shared_cards(store))  # the old cards are left to expire


def test_spanish_and_english_cards_are_shared_apart(client, store, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside", prices=(price("iv-infusion", 500),))
    english = card_for(get(client, SEARCH), "lakeside")
    another_worker()
    spanish = card_for(get(client, SEARCH + "&lang=es"), "lakeside")
    another_worker()

    assert "por sesión, publicado" in spanish and "per session" not in spanish
    assert card_for(get(client, SEARCH + "&lang=en"), "lakeside") == english


def test_a_search_works_while_redis_does_not_answer(
    app, client, caplog, make_clinic, no_kept_cards
):
    make_clinic("Lakeside Clinic", slug="lakeside")
    first, second = twice_while_redis_does_not_answer(app, client, caplog, SEARCH)

    assert "Lakeside Clinic" in card_for(first, "lakeside")
    assert cards(second) == cards(first)


def twice_while_redis_does_not_answer(app, client, caplog, path: str) -> tuple[str, str]:
    """A page as two workers render it while Redis does not answer; Redis failed once."""
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    shared_pieces.init_app(app)
    with caplog.at_level(logging.WARNING, logger="directory.shared_pieces"):
        first = get(client, path)
        another_worker()
        second = get(client, path)
    # One failure, then Redis is left alone for a while instead of failing every page.
    assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1
    return first, second


def test_a_card_not_signed_by_this_site_is_never_shown(client, store, make_clinic):
    make_clinic("Lakeside Clinic", slug="lakeside")
    make_clinic("Riverside Clinic", slug="riverside")
    get(client, SEARCH)
    key = next(k for k, (top, _) in shared_cards(store).items() if "/clinics/lakeside" in top)
    planted = json.dumps(['<li class="card"><a href="https://example.com/">Call us</a>', ""])
    store.set(key, b"0" * 16 + planted.encode())  # written by anything but this site
    store.set(next(k for k in shared_cards(store) if k != key), b"not a card at all")
    another_worker()

    page = get(client, SEARCH)
    assert "Call us" not in page and "Lakeside Clinic" in card_for(page, "lakeside")


def test_a_new_release_never_serves_the_cards_an_older_one_rendered(
    app, client, store, make_clinic, tmp_path
):
    make_clinic("Lakeside Clinic", slug="lakeside")
    assert "Fresh release" not in get(client, SEARCH)
    # The next release's templates: the card's heading reads differently.
    templates = tmp_path / "templates"
    shutil.copytree(Path(app.root_path) / app.template_folder, templates)
    card = templates / "macros" / "clinic.html"
    card.write_text(
        card.read_text().replace('<div class="card-head">', '<div class="card-head">Fresh release ')
    )
    app.template_folder = str(templates)
    app.__dict__.pop("jinja_loader", None)
    app.jinja_env.cache.clear()
    shared_pieces.init_app(app)
    another_worker()

    assert "Fresh release" in card_for(get(client, SEARCH), "lakeside")


CLINIC_PAGE = f"/clinics/{MICHIGAN}"


def shared_pages(store) -> dict[bytes, list]:
    """The clinic pages kept in Redis, by key: a signature, then the name, JSON-LD and
    article, compressed."""
    return {
        key: json.loads(zlib.decompress(store.get(key)[16:])) for key in store.scan_iter("page:*")
    }


def sign(app, store, key: bytes, value: object, compress: bool = True) -> None:
    """Keep a value as this site signs it: another worker takes it as it stands."""
    payload = json.dumps(value).encode()
    if compress:
        payload = zlib.compress(payload)
    store.set(key, app.extensions["shared_pieces"].signature(key.decode(), payload) + payload)


def test_a_clinic_page_one_worker_rendered_is_served_by_another(app, client, store, seeded):
    first = get(client, CLINIC_PAGE)
    (key, (name, data, article)), *others = shared_pages(store).items()
    assert not others and name in first and article in first
    assert data["@type"] == "MedicalClinic" and f'"name": "{name}"' in first
    sign(app, store, key, [name + " (kept)", data, article.replace(name, "Kept article")])
    another_worker()

    page = get(client, CLINIC_PAGE)
    assert "Kept article" in page and f"<title>{name} (kept)" in page


def test_an_approval_is_never_hidden_by_a_shared_clinic_page(
    client, store, owner_client, admin_client
):
    assert "$450" not in get(client, CLINIC_PAGE)
    before = set(shared_pages(store))
    approve(admin_client, propose(owner_client, **price_row()))
    another_worker()

    assert "$450" in get(client, CLINIC_PAGE)
    assert before < set(shared_pages(store))  # the old page is left to expire


def test_spanish_and_english_clinic_pages_are_shared_apart(client, store, seeded):
    english = get(client, CLINIC_PAGE)
    another_worker()
    spanish = get(client, CLINIC_PAGE + "?lang=es")
    another_worker()

    assert len(shared_pages(store)) == 2
    assert 'lang="es"' in spanish and "Tratamientos" in spanish and "Treatments" not in spanish
    assert get(client, CLINIC_PAGE + "?lang=en") == english


def test_a_clinic_page_not_signed_by_this_site_is_never_shown(client, store, seeded):
    get(client, CLINIC_PAGE)
    key = next(iter(shared_pages(store)))
    planted = ["Call us", None, '<a href="https://example.com/">Call us</a>']
    store.set(key, b"0" * 16 + json.dumps(planted).encode())  # written by anything but this site
    another_worker()

    assert "Call us" not in get(client, CLINIC_PAGE)
    store.set(key, b"not a page at all")
    another_worker()
    assert "Call us" not in get(client, CLINIC_PAGE)


def test_a_page_signed_by_this_site_but_not_a_page_is_rendered_afresh(app, client, store, seeded):
    expected = get(client, CLINIC_PAGE)
    key = next(iter(shared_pages(store)))
    for value in (["only a name"], {"a": 1}, "text"):
        for compress in (True, False):
            sign(app, store, key, value, compress)
            another_worker()
            assert get(client, CLINIC_PAGE) == expected


def test_a_clinic_that_is_not_listed_is_not_shared(client, store):
    def misses() -> int:
        return int(store.info("stats")["keyspace_misses"])

    before = misses()
    get(client, "/clinics/no-such-clinic", status=404)
    assert shared_pages(store) == {} and misses() == before + 1
    # What cannot be a clinic's address is not looked for in Redis at all.
    for slug in ("No%20Such%20Clinic", "-dash", "x" * 130):
        get(client, f"/clinics/{slug}", status=404)
    assert shared_pages(store) == {} and misses() == before + 1


def test_shared_clinic_pages_are_kept_ten_minutes(client, store, seeded):
    get(client, CLINIC_PAGE)

    (key,) = shared_pages(store)
    assert 590 <= store.ttl(key) <= 600


def test_a_clinic_page_works_while_redis_does_not_answer(app, client, caplog, seeded):
    first, second = twice_while_redis_does_not_answer(app, client, caplog, CLINIC_PAGE)

    assert second == first and "Ketamine Institute of Michigan" in first
