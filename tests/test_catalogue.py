"""The Spanish catalogue is complete and compiled, and templates hold no untranslated text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from directory.listings import taxonomy
from directory.search.query import SHORT_TREATMENT_NAMES
from directory.terms import TERMS
from tests.conftest import ROOT
from tests.template_text import TEMPLATES, templates, untranslated, untranslated_literals

CATALOGUE = ROOT / "directory" / "translations" / "es" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"</?([a-zA-Z]+)")


def _extracted() -> set[str | tuple[str, ...]]:
    """Every message the code and the templates ask for, as Babel extracts them (babel.cfg)."""
    found: set[str | tuple[str, ...]] = set()
    sources = [
        (ROOT / "directory", [("**.py", "python")]),
        (TEMPLATES, [("**.html", "jinja2")]),
    ]
    for folder, method_map in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder), method_map, keywords=KEYWORDS, options_map={"**.html": {"silent": "false"}}
        ):
            found.add(message)
    return found


def _key(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return tuple(value) if isinstance(value, list | tuple) else value


def _catalogue():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle, locale="es")


def test_every_message_has_a_spanish_translation():
    catalogue = _catalogue()
    wanted = _extracted()
    assert len(wanted) > 500
    missing, untranslated_ids, fuzzy = [], [], []
    for message_id in sorted(wanted, key=str):
        entry = catalogue.get(message_id)
        if entry is None:
            missing.append(message_id)
        elif entry.fuzzy:
            fuzzy.append(message_id)
        elif not all(entry.string if isinstance(entry.string, tuple) else (entry.string,)):
            untranslated_ids.append(message_id)
    assert not missing, f"not in the Spanish catalogue: {missing[:20]}"
    assert not untranslated_ids, f"no Spanish text: {untranslated_ids[:20]}"
    assert not fuzzy, f"marked fuzzy: {fuzzy[:20]}"


def test_translations_keep_every_placeholder_and_tag():
    for entry in _catalogue():
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        texts = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for text in texts:
            assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(ids[-1])), ids
            assert set(PLACEHOLDER.findall(ids[0])) <= set(PLACEHOLDER.findall(text)), ids
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(ids[0])), ids


def test_the_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    written = {_key(m.id): _key(m.string) for m in _catalogue() if m.id and not m.fuzzy}
    assert compiled == written, "run: pybabel compile -d directory/translations"


def test_every_taxonomy_name_is_in_the_catalogue():
    names = {n for _, n, _ in taxonomy.TREATMENTS} | {d for _, _, d in taxonomy.TREATMENTS}
    names |= {n for _, n in taxonomy.CONDITIONS} | {n for _, n in taxonomy.PAYMENT_OPTIONS}
    # Short names that read the same in Spanish (IV, IM, Spravato) need no entry.
    names |= set(SHORT_TREATMENT_NAMES.values()) - {"IV", "IM", "Spravato"}
    assert names <= TERMS


@pytest.mark.parametrize("template", templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_hold_no_text_outside_a_translation_call(template: Path):
    source = template.read_text(encoding="utf-8")
    assert untranslated(source) == []
    assert untranslated_literals(source) == []


def test_the_template_check_finds_untranslated_text():
    source = (
        '<p>{{ _("Fine") }}</p><p title="Plain title">Call us</p>'
        '{% trans %}Also fine{% endtrans %}<img alt="A picture"><span>988 · 911</span>'
    )
    assert untranslated(source) == ["Plain title", "Call us", "A picture"]


def test_the_template_check_finds_text_in_expressions():
    source = (
        '{{ render_field(form.password, hint="At least 12 characters.") }}'
        "{{ 'Yes' if clinic.private_room else 'No' }}{{ {'edit': 'Proposed changes'}[kind] }}"
        "{{ _('Fine') }}{{ ngettext('One clinic', '%(num)s clinics', n) }}"
        "{{ url_for('public.search_page') }}{% if field.type == 'BooleanField' %}{% endif %}"
        "{{ e.actor.email if e.actor else 'system' }}<p role=\"{{ 'alert' if x else 'status' }}\">"
    )
    assert untranslated_literals(source) == [
        "At least 12 characters.",
        "Yes",
        "No",
        "Proposed changes",
        "system",
    ]
