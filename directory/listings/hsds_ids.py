"""Stable Open Referral HSDS identifiers of listings, derived from their slugs."""

from __future__ import annotations

import uuid
from typing import Any

NAMESPACE = uuid.UUID("6f1f7f0e-8f4e-4d0b-9a55-2b1c8a7e6d10")


def make_id(*parts: object) -> str:
    """A stable UUID for a record, so repeated exports keep their identifiers."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def organization_uuid(slug: str) -> str:
    """The HSDS organization id of the listing with this slug."""
    return make_id("organization", slug)


def default_for_insert(context: Any) -> str | None:
    """Column default: the organization id of the slug being inserted (ORM or bulk)."""
    slug = context.get_current_parameters().get("slug")
    return organization_uuid(slug) if slug else None
