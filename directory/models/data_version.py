"""One counter that every change to published data moves, for caches and HTTP validators."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base, CreatedAt, IntPk


class DataVersion(Base):
    """The single row (id 1) whose version goes up in every transaction that changes listings."""

    __tablename__ = "data_version"

    id: Mapped[IntPk]
    version: Mapped[int] = mapped_column(default=1)
    changed_at: Mapped[CreatedAt]
