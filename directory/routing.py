"""URL rules whose builders are compiled when a URL is first built from them, and the
links templates build kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, has_request_context, request
from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A rule that compiles its `url_for` builders on first use, not when the app is made.

    Werkzeug generates and compiles two Python functions per rule as the rule is added;
    for this site's seventy rules that is most of the cost of making an app (about 40 of
    50 ms), paid by every worker at start and every test, for builders of which a worker
    uses a few. Matching requests is unchanged, and a builder, once compiled, is the
    one Werkzeug would have made.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compile_now = super()._compile_builder
        compiled: list[Callable[..., tuple[str, str]]] = []

        def build(rule: Rule, /, **values: Any) -> tuple[str, str]:
            if not compiled:
                compiled.append(compile_now(append_unknown))
            return compiled[0](rule, **values)

        return build


def keep_plain_links(app: Flask) -> None:
    """Give templates a `url_for` that keeps the links it builds without values, and those
    to static files: a page builds ten to twenty of them, the same on every page, and each
    cost some 20 microseconds. Kept per endpoint, file and the path the site is mounted
    under; built afresh in debug mode (static files' fingerprints change as they are
    edited) and outside a request. Any other link is built each time."""
    build = app.url_for
    kept: dict[tuple[str, str | None, str], str] = {}

    def url_for(endpoint: str, /, **values: Any) -> str:
        plain = not values or (endpoint == "static" and values.keys() == {"filename"})
        if not plain or app.debug or not has_request_context():
            return build(endpoint, **values)
        key = (endpoint, values.get("filename"), request.script_root)
        link = kept.get(key)
        if link is None:
            link = kept[key] = build(endpoint, **values)
        return link

    app.jinja_env.globals["url_for"] = url_for
