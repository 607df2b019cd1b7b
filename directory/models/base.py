"""Declarative base with a naming convention, and the time helper models share."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Current time in UTC; passed as a callable default, never evaluated at import."""
    return datetime.now(UTC)


def str_enum(cls: type[enum.Enum]) -> Enum:
    """Store an enum by its value in a portable VARCHAR column."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
