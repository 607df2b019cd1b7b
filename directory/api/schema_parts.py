"""The JSON Schema pieces and response shapes both OpenAPI documents are built from."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
NUMBER: dict[str, Any] = {"type": "number"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
UUID: dict[str, Any] = {"type": "string", "format": "uuid"}
NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}
NULLABLE_NUM: dict[str, Any] = {"type": ["number", "null"]}
NULLABLE_INT: dict[str, Any] = {"type": ["integer", "null"]}
NULLABLE_BOOL: dict[str, Any] = {"type": ["boolean", "null"]}


def each(schema: dict[str, Any], *names: str) -> dict[str, Any]:
    """The same schema for each of these properties."""
    return {name: schema for name in names}


def obj(properties: dict[str, Any], required: Iterable[str] | None = None) -> dict[str, Any]:
    """An object with these properties, and the ones it must have when any are named."""
    schema: dict[str, Any] = {"type": "object"}
    if required is not None:
        schema["required"] = list(required)
    schema["properties"] = properties
    return schema


def array(items: dict[str, Any]) -> dict[str, Any]:
    """A list of items of one schema."""
    return {"type": "array", "items": items}


def one_of(values: type[enum.Enum]) -> dict[str, Any]:
    """A string that is one of an enum's values, in the enum's order."""
    return {"type": "string", "enum": [member.value for member in values]}


def component(name: str) -> dict[str, Any]:
    """A reference to one of the document's own schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A response whose JSON body follows the schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}
