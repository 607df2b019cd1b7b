"""Listing slugs: one rule for every path that names a clinic ("Zürich" gives "zurich")."""

from __future__ import annotations

from slugify import slugify as _slugify
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Clinic

MAX_LENGTH = 80


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, transliterated rather than dropped."""
    return _slugify(text, max_length=MAX_LENGTH, word_boundary=True) or "clinic"


def free_slug(session: Session, name: str) -> str:
    """A slug from a name that no listing uses yet ("-2", "-3", ... when taken)."""
    base = slugify(name)
    slug, n = base, 1
    while session.execute(select(Clinic.id).where(Clinic.slug == slug)).first():
        n += 1
        slug = f"{base}-{n}"
    return slug
