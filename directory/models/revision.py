"""Moderation as data: claims, proposed changes and patient reports awaiting a decision."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models.base import Base, ClinicId, CreatedAt, IntPk, str_enum
from directory.models.clinic import Clinic

if TYPE_CHECKING:
    from directory.models.user import User


class Decision(enum.StrEnum):
    """Where a request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class RevisionKind(enum.StrEnum):
    """What a revision does to a listing."""

    NEW_CLINIC = "new_clinic"
    EDIT = "edit"
    REVERT = "revert"


class Request:
    """What every moderation request has: its clinic, where it stands, and who decided
    it, why and when. Claims, proposed changes and patient reports add their own."""

    id: Mapped[IntPk]
    clinic_id: Mapped[ClinicId]
    status: Mapped[Decision] = mapped_column(str_enum(Decision), default=Decision.PENDING)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[CreatedAt]
    decided_at: Mapped[datetime | None]


class Claim(Request, Base):
    """An owner asking to manage an existing listing."""

    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_status_created", "status", "created_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text)

    clinic: Mapped[Clinic] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys="Claim.reviewer_id")


class Revision(Request, Base):
    """A proposed change to a listing, stored whole, against the version it was based on."""

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_status_created", "status", "created_at"),)

    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[RevisionKind] = mapped_column(str_enum(RevisionKind), default=RevisionKind.EDIT)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    base_version: Mapped[int]
    base_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    overrode_conflict: Mapped[bool] = mapped_column(default=False)
    applied_version: Mapped[int | None]
    # Optimistic locking: an admin's decision and the owner's withdrawal (or a newer
    # proposal replacing this one) cannot both win; the later one gets a conflict.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    clinic: Mapped[Clinic] = relationship()
    submitter: Mapped[User] = relationship(foreign_keys=[submitter_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys="Revision.reviewer_id")

    __mapper_args__ = {"version_id_col": version}


class ReportCategory(enum.StrEnum):
    """What a patient says is wrong."""

    ADDRESS = "address"
    PHONE = "phone"
    WEBSITE = "website"
    HOURS = "hours"
    PRICE = "price"
    TREATMENTS = "treatments"
    CLOSED = "closed"
    OTHER = "other"


REPORT_LABELS = {
    ReportCategory.ADDRESS: lazy_gettext("Wrong address"),
    ReportCategory.PHONE: lazy_gettext("Wrong phone number"),
    ReportCategory.WEBSITE: lazy_gettext("Wrong website"),
    ReportCategory.HOURS: lazy_gettext("Wrong hours"),
    ReportCategory.PRICE: lazy_gettext("Wrong price"),
    ReportCategory.TREATMENTS: lazy_gettext("Wrong treatments"),
    ReportCategory.CLOSED: lazy_gettext("The clinic has closed"),
    ReportCategory.OTHER: lazy_gettext("Something else"),
}


class PatientReport(Request, Base):
    """A visitor's report that a listing is wrong; no account needed."""

    __tablename__ = "patient_reports"
    __table_args__ = (Index("ix_patient_reports_status_created", "status", "created_at"),)

    category: Mapped[ReportCategory] = mapped_column(str_enum(ReportCategory))
    note: Mapped[str] = mapped_column(Text, default="")

    clinic: Mapped[Clinic] = relationship()
    reviewer: Mapped[User | None] = relationship()
