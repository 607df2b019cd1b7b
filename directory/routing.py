"""URL rules whose builders are compiled when a URL is first built from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
