"""Bulk imports: where a listing came from in someone else's file, and possible duplicates."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models.base import Base, ClinicId, CreatedAt, IntPk, UpdatedAt, str_enum
from directory.models.clinic import Clinic


class ExternalId(Base):
    """A listing's identifier in a published file (source + id), so a later file updates it."""

    __tablename__ = "external_ids"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[IntPk]
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    clinic_id: Mapped[ClinicId]
    # SHA-256 of the row as last imported: the same row again changes nothing.
    row_hash: Mapped[str] = mapped_column(String(64))
    citation: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[UpdatedAt]

    clinic: Mapped[Clinic] = relationship()


class DuplicateStatus(enum.StrEnum):
    """What an admin decided about a possible duplicate."""

    PENDING = "pending"
    MERGED = "merged"
    KEPT_APART = "kept_apart"


class PossibleDuplicate(Base):
    """An imported row, or a second listing, that looks like an existing listing."""

    __tablename__ = "possible_duplicates"
    __table_args__ = (
        Index("ix_possible_duplicates_source_external_id", "source", "external_id"),
        Index("ix_possible_duplicates_status_created", "status", "created_at"),
    )

    id: Mapped[IntPk]
    # The listing it resembles.
    clinic_id: Mapped[ClinicId]
    # Set for a pair of listings already in the directory; None for an imported row.
    other_clinic_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE")
    )
    source: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
    citation: Mapped[str] = mapped_column(String(300), default="")
    row_hash: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    publish: Mapped[bool] = mapped_column(default=False)
    reasons: Mapped[str] = mapped_column(String(200))
    status: Mapped[DuplicateStatus] = mapped_column(
        str_enum(DuplicateStatus), default=DuplicateStatus.PENDING
    )
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]
    decided_at: Mapped[datetime | None]

    clinic: Mapped[Clinic] = relationship(foreign_keys="PossibleDuplicate.clinic_id")
    other_clinic: Mapped[Clinic | None] = relationship(
        foreign_keys="PossibleDuplicate.other_clinic_id"
    )


class ImportUpload(Base):
    """A file an admin uploaded, kept between the dry run and the confirmation."""

    __tablename__ = "import_uploads"

    id: Mapped[IntPk]
    token: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    publish: Mapped[bool] = mapped_column(default=False)
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]
    imported_at: Mapped[datetime | None]
