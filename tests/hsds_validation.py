"""Validating HSDS output against Open Referral's own schemas (copied in tests/hsds_schemas)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).parent / "hsds_schemas"
OFFICIAL_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/"


@cache
def schema(name: str) -> dict[str, Any]:
    """One schema file, by its path under hsds_schemas (e.g. compiled/service.json)."""
    return json.loads((SCHEMAS / name).read_text("utf-8"))


@cache
def _registry() -> Registry:
    # taxonomy_term.json refers to taxonomy.json and metadata.json by relative name.
    return Registry().with_resources(
        (name, Resource.from_contents(schema(name), default_specification=DRAFT202012))
        for name in ("taxonomy.json", "taxonomy_term.json", "metadata.json")
    )


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for one schema, checking uuid, email, date-time and uri formats too."""
    return Draft202012Validator(schema(name), registry=_registry(), format_checker=FormatChecker())


@cache
def _ref_free(name: str) -> dict[str, Any]:
    """The schema when it refers to no other (its keys can be checked), else an empty one."""
    return schema(name) if "$ref" not in json.dumps(schema(name)) else {}


def unknown_keys(instance: Any, node: dict[str, Any], path: str = "") -> list[str]:
    """Keys the schema does not define: a strict HSDS client would reject them."""
    found: list[str] = []
    if isinstance(instance, dict) and "properties" in node:
        for key, value in instance.items():
            if key not in node["properties"]:
                found.append(f"{path}.{key}")
            else:
                found += unknown_keys(value, node["properties"][key], f"{path}.{key}")
    elif isinstance(instance, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(instance):
            found += unknown_keys(item, node["items"], f"{path}[{i}]")
    return found


def check(instance: Any, name: str) -> None:
    """Fail with every schema error and every unknown key of the instance."""
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator(name).iter_errors(instance)
    ]
    errors += [f"{key}: not an HSDS field" for key in unknown_keys(instance, _ref_free(name))]
    assert not errors, f"{name}: " + "; ".join(errors[:20])


def inline_official_refs(node: Any) -> Any:
    """A copy of an OpenAPI document whose official schema URLs are replaced by the files."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(OFFICIAL_BASE):
            return schema("compiled/" + ref.removeprefix(OFFICIAL_BASE))
        return {k: inline_official_refs(v) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_official_refs(v) for v in node]
    return node
