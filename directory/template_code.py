"""Compiled templates shared by every app made in one process."""

from __future__ import annotations

from flask import Flask
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket


class CompiledTemplates(BytecodeCache):
    """Keeps each template's compiled code in memory, for any app of this process.

    Jinja compiles a template once per environment, and each app has its own: a process
    that makes many apps (the test suite makes one per test) compiled every template again
    for each, about 30 ms a template. A template's code is kept under its name, file, the
    environment's extensions and gettext style (every app here sets up Jinja the same way),
    and is used only while the template's source is unchanged (Jinja compares checksums).
    """

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, object]] = {}

    def get_bucket(
        self, environment: Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        """The template's bucket, keyed by what changes the code the compiler makes."""
        extensions = ",".join(sorted(environment.extensions))
        newstyle = getattr(environment, "newstyle_gettext", None)
        key = f"{self.get_cache_key(name, filename)}|{extensions}|{newstyle}"
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        """Hand the bucket the kept code, if it was compiled from the same source."""
        kept = self._code.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]  # type: ignore[assignment]

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep a freshly compiled template's code."""
        self._code[bucket.key] = (bucket.checksum, bucket.code)


COMPILED = CompiledTemplates()


def share(app: Flask) -> None:
    """Let the app's templates use, and add to, the process's compiled code."""
    app.jinja_env.bytecode_cache = COMPILED


def compile_all(app: Flask) -> None:
    """Compile every page template now, in gunicorn's master before it forks: each worker,
    and each worker started again after its `max_requests`, then shows its first pages
    without compiling them (some 50 to 300 ms a kind of page)."""
    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)
