"""Small helpers the views of more than one audience share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from directory.extensions import db
from directory.listings import published as listings
from directory.models import Clinic

T = TypeVar("T")


def found_or_404(read: Callable[[Session, str], T], key: str) -> T:
    """What `read` finds in the database for `key` (a slug or a state); else a 404 page."""
    try:
        return read(db.session, key)
    except listings.NotFound:
        abort(404)


def listing_or_404(slug: str) -> Clinic:
    """Any listing by slug, whatever its status (owners and admins see drafts too); else 404."""
    return found_or_404(listings.any_clinic, slug)


def per_account() -> str:
    """The rate-limit key of the signed-in account, so one account's limit follows it."""
    return f"user:{current_user.id}" if current_user.is_authenticated else "anonymous"
