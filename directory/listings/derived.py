"""Tables derived from listings (lowest prices, search points, HSDS service ids, each
state's programs), kept current in the same transaction as the change they follow.

Every transaction that writes the tables a derived table reads (ORM flushes and bulk
statements alike: approvals, reverts, imports, example data) notes the clinics it
touched; just before it commits, their derived rows are recomputed. An update or delete
by criteria, or a bulk insert without clinic ids (new listings), reaches clinics nobody
listed, so it recomputes the whole table. Only writes through the session's ORM
execution are seen: SQL sent on `session.connection()` or another connection is not, so
the site writes listings through the session alone.

On PostgreSQL two transactions that recompute the same listing would collide: under
READ COMMITTED the second one's DELETE cannot see the rows the first one inserted, so
its INSERT would break the primary key (or the two deadlock on each other's rows).
Recomputing therefore takes a transaction-level advisory lock, so writers recompute one
after another; SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, event, func, inspect, select, table, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from directory import caching
from directory.models import Clinic, Price

# Listings recomputed a statement at a time (a bound parameter each).
CHUNK = 500
# Every derived table whose listeners are installed, by name.
_LISTENING: dict[str, DerivedTable] = {}
# Any fixed number: the advisory lock that recomputing holds until the commit.
_LOCK_KEY = 731_820_455
_LOCK = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_LOCK_KEY)


@dataclass(frozen=True)
class DerivedTable:
    """One derived table: what it follows, and how to recompute it."""

    name: str
    # The tables whose rows it is computed from.
    sources: frozenset[str]
    # The clinics a flush changed, from the session's new, dirty and deleted objects.
    flushed: Callable[[Session], list[Any]]
    # Recompute the rows of these clinics, or (None) of every clinic; no commit.
    refresh: Callable[[Session, Iterable[int] | None], object]

    def recompute(self, session: Session, clinic_ids: Iterable[int] | None) -> None:
        """Recompute these clinics' rows (None: all of them), after any other transaction
        recomputing rows has committed; no commit."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(_LOCK)
        self.refresh(session, clinic_ids)

    @property
    def _all_key(self) -> str:
        """Where a transaction notes that it recomputes the whole table at its commit."""
        return f"{self.name}_all"

    def recompute_all_at_commit(self, session: Session) -> None:
        """Recompute the whole table when this transaction commits (a change no single
        listing's rows show)."""
        session.info[self._all_key] = True

    def listen(self) -> None:
        """Install the listeners that keep the table current; call once at import."""
        _LISTENING[self.name] = self
        touched_key, all_key = f"{self.name}_clinics", self._all_key

        def note(session: Session, clinic_ids: Iterable[Any]) -> None:
            ids = session.info.setdefault(touched_key, set())
            ids.update(i for i in clinic_ids if i is not None)

        @event.listens_for(Session, "after_flush")
        def _flushed(session: Session, _context: Any) -> None:
            if touched := self.flushed(session):
                note(session, touched)

        @event.listens_for(Session, "do_orm_execute")
        def _bulk(state: ORMExecuteState) -> None:
            if not (state.is_insert or state.is_update or state.is_delete):
                return
            table = getattr(state.statement, "table", None)
            if getattr(table, "name", None) not in self.sources:
                return
            rows = state.parameters
            if state.is_insert and isinstance(rows, list | dict) and rows:
                params = rows if isinstance(rows, list) else [rows]
                if all("clinic_id" in p for p in params):
                    note(state.session, (p["clinic_id"] for p in params))
                    return
            state.session.info[all_key] = True

        # First among the commit's listeners: the data version's bump stays the last
        # statement, so no transaction holds its row while waiting for the lock above.
        @event.listens_for(Session, "before_commit", insert=True)
        def _before_commit(session: Session) -> None:
            session.flush()
            everything = session.info.pop(all_key, False)
            touched = session.info.pop(touched_key, set())
            if everything:
                self.recompute(session, None)
            elif touched:
                self.recompute(session, touched)

        @event.listens_for(Session, "after_soft_rollback")
        def _rolled_back(session: Session, previous: SessionTransaction) -> None:
            if previous.nested:  # a savepoint: the rest of the transaction still commits
                return
            session.info.pop(touched_key, None)
            session.info.pop(all_key, None)


def replace_rows(
    session: Session,
    model: Any,
    write: Callable[[Session, list[int] | None], object],
    clinic_ids: Iterable[int] | None,
) -> None:
    """A refresh: delete the rows of these listings from a table keyed by `clinic_id`
    (None: every row) and `write` them afresh, a chunk of listings at a time; no commit."""
    if clinic_ids is None:
        session.execute(delete(model))
        write(session, None)
        return
    ids = sorted(set(clinic_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(delete(model).where(model.clinic_id.in_(chunk)))
        write(session, chunk)


def listening(name: str) -> DerivedTable:
    """The derived table of this name, once its module has installed its listeners."""
    return _LISTENING[name]


def rebuild_all(session: Session) -> dict[str, int]:
    """Recompute every derived table whole (no commit); how many rows each holds now.

    For a table written by hand, or by SQL that bypassed the session: the rebuilt rows
    may differ from what pages were drawn from, so the data version moves at commit.
    """
    counted = {}
    for name, derived in sorted(_LISTENING.items()):
        derived.recompute(session, None)
        counted[name] = session.execute(select(func.count()).select_from(table(name))).scalar_one()
    caching.note_public_change(session)
    return counted


def listings_with_flushed(
    session: Session, child: type, fields: tuple[str, ...] | None = None
) -> list[Any]:
    """What a table of published listings by name follows: the listings whose `child` rows
    (service areas, locations) a flush added, deleted or changed (in one of `fields`, or
    in any), and those whose name or status it changed, or that it added or deleted."""
    touched = []
    added_or_deleted = [*session.new, *session.deleted]  # each a set built on every read
    for obj in (*added_or_deleted, *session.dirty):
        if isinstance(obj, child):
            attrs = inspect(obj).attrs
            # Taken off its listing's list, a row is deleted as an orphan at the flush
            # without showing among the deleted: only its `clinic` moves.
            left = [c.id for c in attrs.clinic.history.deleted or () if c is not None]
            if (
                fields is None
                or obj in added_or_deleted
                or left
                or any(attrs[name].history.has_changes() for name in fields)
            ):
                touched.append(attrs.clinic_id.value)
                touched.extend(attrs.clinic_id.history.deleted or ())
                touched.extend(left)
        elif isinstance(obj, Clinic):
            attrs = inspect(obj).attrs
            if attrs.name.history.has_changes() or attrs.status.history.has_changes():
                touched.append(obj.id)
    touched.extend(obj.id for obj in added_or_deleted if isinstance(obj, Clinic))
    return touched


def clinics_with_flushed_prices(session: Session) -> list[Any]:
    """The clinics whose prices a flush added, changed or deleted, and any clinic a
    moved price left."""
    touched = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Price):
            touched.append(obj.clinic_id)
            touched.extend(inspect(obj).attrs.clinic_id.history.deleted or ())
    return touched
