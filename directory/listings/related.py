"""What else waits for a decision on the same listing, so a moderator decides it together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Decision, PatientReport, Revision

R = TypeVar("R", Revision, PatientReport)


@dataclass
class OpenOnListing:
    """The pending proposals and open patient reports of one listing, oldest first."""

    revisions: list[Revision] = field(default_factory=list)
    reports: list[PatientReport] = field(default_factory=list)

    def others(
        self, revision: Revision | None = None, report: PatientReport | None = None
    ) -> OpenOnListing:
        """The same, without the item being looked at."""
        return OpenOnListing(
            [r for r in self.revisions if r is not revision],
            [r for r in self.reports if r is not report],
        )

    def __bool__(self) -> bool:
        return bool(self.revisions or self.reports)


def open_by_listing(session: Session, clinic_ids: Iterable[int]) -> dict[int, OpenOnListing]:
    """Pending proposals and open reports of these listings, by listing id (two queries)."""
    ids = sorted(set(clinic_ids))
    found: dict[int, OpenOnListing] = {i: OpenOnListing() for i in ids}
    if not ids:
        return found
    for rev in _pending(session, Revision, ids):
        found[rev.clinic_id].revisions.append(rev)
    for item in _pending(session, PatientReport, ids):
        found[item.clinic_id].reports.append(item)
    return found


def _pending(session: Session, model: type[R], clinic_ids: list[int]) -> Sequence[R]:
    """The model's pending requests on these listings, oldest first."""
    return session.scalars(
        select(model)
        .where(model.clinic_id.in_(clinic_ids), model.status == Decision.PENDING)
        .order_by(model.created_at, model.id)
    ).all()


def open_on_listing(session: Session, clinic_id: int) -> OpenOnListing:
    """Pending proposals and open reports of one listing."""
    return open_by_listing(session, [clinic_id])[clinic_id]
