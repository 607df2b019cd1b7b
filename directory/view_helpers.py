"""Small helpers the views of more than one audience share."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from directory.extensions import db
from directory.listings import published as listings
from directory.models import Clinic


def listing_or_404(slug: str) -> Clinic:
    """Any listing by slug, whatever its status (owners and admins see drafts too); else 404."""
    try:
        return listings.any_clinic(db.session, slug)
    except listings.NotFound:
        abort(404)


def per_account() -> str:
    """The rate-limit key of the signed-in account, so one account's limit follows it."""
    return f"user:{current_user.id}" if current_user.is_authenticated else "anonymous"
