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


def service_uuid(slug: str, treatment_slug: str) -> str:
    """The HSDS id of the service a listing offers for one treatment."""
    return make_id("service", slug, treatment_slug)


def location_uuid(slug: str, index: int) -> str:
    """The HSDS id of a listing's location by its position (database ids differ between
    copies)."""
    return make_id("location", slug, index)


def service_at_location_uuid(service: str, location: str) -> str:
    """The HSDS id of a service offered at a location, from theirs."""
    return make_id("service_at_location", service, location)


def default_for_insert(context: Any) -> str | None:
    """Column default: the organization id of the slug being inserted (ORM or bulk)."""
    slug = context.get_current_parameters().get("slug")
    return organization_uuid(slug) if slug else None
