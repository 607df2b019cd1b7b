"""What making an app shares between apps of one process, and what it leaves for later."""

from __future__ import annotations

from flask import Flask
from jinja2 import DictLoader, Environment
from werkzeug.routing import Map, Rule

from directory.routing import LazyBuilderRule
from directory.template_code import CompiledTemplates


def _render(cache: CompiledTemplates, source: str) -> str:
    env = Environment(
        loader=DictLoader({"page.html": source}), bytecode_cache=cache, autoescape=True
    )
    return env.get_template("page.html").render(name="<Ada>")


def test_a_template_edited_between_apps_is_compiled_again() -> None:
    cache = CompiledTemplates()
    assert _render(cache, "Hello {{ name }}") == "Hello &lt;Ada&gt;"
    assert _render(cache, "Goodbye {{ name }}") == "Goodbye &lt;Ada&gt;"
    assert _render(cache, "Hello {{ name }}") == "Hello &lt;Ada&gt;"


def test_apps_of_one_process_render_pages_alike(app: Flask, app_like) -> None:
    first = app.test_client().get("/about")
    second = app_like().test_client().get("/about")
    assert first.status_code == second.status_code == 200
    assert first.get_data(as_text=True) == second.get_data(as_text=True)


def test_every_url_is_built_as_werkzeug_builds_it(app: Flask) -> None:
    """Builders compiled on first use make the URLs eagerly compiled ones make."""
    plain = Map(
        [Rule(r.rule, endpoint=r.endpoint, defaults=r.defaults) for r in app.url_map.iter_rules()],
        converters=app.url_map.converters,
    )
    lazy = [r for r in app.url_map.iter_rules() if isinstance(r, LazyBuilderRule)]
    assert len(lazy) == len(list(app.url_map.iter_rules())) - 1  # all but Flask's static
    ours = app.url_map.bind("localhost")
    theirs = plain.bind("localhost")
    checked = 0
    for rule in app.url_map.iter_rules():
        values = {
            arg: _sample(rule, arg) for arg in rule.arguments if arg not in (rule.defaults or {})
        }
        values["q"] = "a b&c"  # an unknown argument goes in the query string
        assert ours.build(rule.endpoint, values) == theirs.build(rule.endpoint, values), rule
        checked += 1
    assert checked > 50


def _sample(rule: Rule, arg: str) -> object:
    converter = rule._converters[arg]  # noqa: SLF001 - the converter decides the sample
    if getattr(converter, "items", None):
        return sorted(converter.items)[0]
    if "int" in type(converter).__name__.lower():
        return 7
    return "sample-value"
