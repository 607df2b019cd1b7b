"""A card's messages translated once per language read exactly as `_()` gives them."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_babel import force_locale

from directory.public import words
from directory.public.rendered import words as page_words

# Words in each language: no database changes them, so these run on SQLite only.
pytestmark = pytest.mark.words

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_each_card_message_is_what_the_template_translation_gives(app, lang):
    with app.test_request_context(f"/search?near=60614&lang={lang}"):
        app.preprocess_request()
        table = page_words()
        for name, message in words.MESSAGES.items():
            values = {key: "<b>&</b>" for key in PLACEHOLDER.findall(message)}
            expected = render_template_string(
                "{{ _(message, **values) }}", message=message, values=values
            )
            shown = render_template_string(
                "{{ w % values }}", w=getattr(table, name), values=values
            )
            assert shown == expected, name
        assert table.lang_attr == ("" if lang == "en" else ' lang="en"')


def test_a_spanish_search_page_shows_spanish_cards(client, make_clinic):
    make_clinic("Lakeside", slug="lakeside", near="60614", accepting_new_patients=True)
    english = client.get("/search?near=60614&lang=en").get_data(as_text=True)
    spanish = client.get("/search?near=60614&lang=es").get_data(as_text=True)
    assert "Accepting new patients" in english and "Add to compare" in english
    assert "Accepting new patients" not in spanish and "Add to compare" not in spanish
    assert '<h3 lang="en"><a href="/clinics/lakeside">' in spanish
    assert '<h3><a href="/clinics/lakeside">' in english


def test_the_messages_kept_for_a_language_are_in_that_language_whatever_is_current(app):
    words._TABLES.clear()
    with app.test_request_context("/search?near=60614&lang=en"):
        app.preprocess_request()
        with force_locale("es"):
            english = words.card_words("en_US")
        assert english.add.startswith("Add to compare")
        assert words.card_words("en_US") is english


def test_template_messages_kept_finished_follow_the_language_of_each_rendering(app):
    source = "{{ _('Search') }}|{{ _('%(n)s&', n='<b>') }}"
    with app.test_request_context("/"):
        app.preprocess_request()
        renderings = []
        for lang in ("en", "es", "en", "es"):
            with force_locale(lang):
                renderings.append(render_template_string(source))
    assert renderings[0] == renderings[2] == "Search|&lt;b&gt;&"
    assert renderings[1] == renderings[3] == "Buscar|&lt;b&gt;&"
