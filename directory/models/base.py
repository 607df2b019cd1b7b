"""Declarative base with a naming convention, and the column types models share."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import DateTime, Enum, ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    # Every moment is stored with its time zone.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


def utcnow() -> datetime:
    """Current time in UTC; passed as a callable default, never evaluated at import."""
    return datetime.now(UTC)


def str_enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    """Store an enum by its value in a portable VARCHAR column."""
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


# Column types many tables share: `id: Mapped[IntPk]`, `created_at: Mapped[CreatedAt]`.
IntPk = Annotated[int, mapped_column(primary_key=True)]
# The listing a row belongs to; the row goes when the listing does.
ClinicId = Annotated[int, mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)]
CreatedAt = Annotated[datetime, mapped_column(default=utcnow)]
UpdatedAt = Annotated[datetime, mapped_column(default=utcnow, onupdate=utcnow)]
