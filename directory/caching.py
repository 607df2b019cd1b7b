"""The data version every listing change moves, what is cached against it, and HTTP validators.

Every transaction that writes a published-data table (clinics and what hangs off them)
bumps the single `data_version` row just before it commits, so the new version becomes
visible together with the change. Per-process memos keyed by the version and the ETag of
anonymous pages therefore change in the same instant as the data they describe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from flask import Flask, Response, g, request, session
from flask_login import current_user
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from directory.i18n import current_language
from directory.models import DataVersion, utcnow

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Tables whose rows patients see; a write to any of them changes public pages.
PUBLIC_TABLES = frozenset(
    {
        "clinics",
        "locations",
        "phones",
        "service_areas",
        "prices",
        "provenance",
        "clinic_quotes",
        "clinic_treatments",
        "clinic_conditions",
        "treatments",
        "conditions",
        # Hospitals: their charges, the files they come from, their identifiers.
        "hospital_charges",
        "price_file_imports",
        "clinic_identifiers",
        # The gazetteer: loading it turns "the place list is not loaded" into answers.
        "places",
        # Who manages a listing: its page says so.
        "clinic_owners",
    }
)
# Anonymous GET pages and API answers that depend only on the URL and the data version.
# Forms with CSRF tokens (sign-in, the report form) and exports are not among them.
CACHEABLE_ENDPOINTS = frozenset(
    {
        "public.index",
        "public.search_page",
        "public.clinic_page",
        "public.compare",
        "public.regions",
        "public.region",
        "public.costs",
        "public.about",
        "api.clinics",
        "api.clinic",
        "api.regions",
        "api.costs_summary",
        "api.openapi_document",
    }
)
SHARED_CACHE_SECONDS = 60
_FLAG = "public_data_changed"


@dataclass(frozen=True)
class Version:
    """The data version and when it last moved."""

    number: int
    changed_at: datetime


def _writes_public_data(instances: Any) -> bool:
    return any(getattr(i, "__tablename__", None) in PUBLIC_TABLES for i in instances)


def _changes_ownership(instances: Any, deleted: Any) -> bool:
    """Whether a flush linked an owner to a listing or unlinked one, or deleted an account
    (its links go with it): a clinic page says whether the clinic manages its listing."""
    return any(
        getattr(i, "__tablename__", None) == "users"
        and (i in deleted or inspect(i).attrs.clinics.history.has_changes())
        for i in instances
    )


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _context: Any) -> None:
    deleted = session.deleted  # a set built on every read
    changed = [*session.new, *session.dirty, *deleted]
    if _writes_public_data(changed) or _changes_ownership(changed, deleted):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in PUBLIC_TABLES:
            state.session.info[_FLAG] = True


def note_public_change(session: Session) -> None:
    """Move the data version when this transaction commits, for a change the listeners
    cannot see (rebuilt derived tables)."""
    session.info[_FLAG] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # Flush first so changes made since the last flush are noticed; the bump is the
    # transaction's last statement, so its row lock is held only for the commit itself.
    session.flush()
    if session.info.pop(_FLAG, False):
        session.execute(
            update(DataVersion)
            .where(DataVersion.id == 1)
            .values(version=DataVersion.version + 1, changed_at=utcnow())
        )


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:  # a savepoint's rollback leaves the transaction's changes
        session.info.pop(_FLAG, None)


_VERSION_READ = select(DataVersion.__table__.c.version, DataVersion.__table__.c.changed_at)


def current_version(session: Session) -> Version:
    """The committed data version, read once per request."""
    cached = g.get("data_version") if _in_request() else None
    if cached is not None:
        return cached
    # A Core read of the table: the ORM's per-statement work is most of this query's cost.
    row = session.connection().execute(_VERSION_READ).first()
    changed = row[1] if row else datetime(2026, 1, 1, tzinfo=UTC)
    if changed.tzinfo is None:  # SQLite hands back naive datetimes
        changed = changed.replace(tzinfo=UTC)
    found = Version(row[0] if row else 0, changed)
    if _in_request():
        g.data_version = found
    return found


def _in_request() -> bool:
    from flask import has_app_context

    return has_app_context()


def version_stamp(session: Session) -> tuple[str, int, datetime]:
    """What tells one committed state of the data from any other (the version memo entries
    hold for), read once per request: the database's address, the data version and when it
    moved."""
    stamp = g.get("data_version_stamp") if _in_request() else None
    if stamp is None:
        # The database's address and the time of the change tell apart equal version
        # numbers of different databases (a restore, or each test's fresh database).
        current = current_version(session)
        stamp = (str(session.get_bind().engine.url), current.number, current.changed_at)
        if _in_request():
            g.data_version_stamp = stamp
    return stamp


class VersionedMemo:
    """A small per-process LRU whose entries hold only while the data version stands."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for key at the current data version, computed once per version."""
        version = version_stamp(session)
        kept = self._kept(key, version)
        if kept is not None:
            return kept
        value = compute()
        self._keep(key, version, value)
        return value

    def get_many(
        self, session: Session, keys: Iterable[K], compute: Callable[[list[K]], Mapping[K, V]]
    ) -> dict[K, V]:
        """The values for keys at the current data version; those not kept are computed
        together, and kept under the version read before computing them."""
        version = version_stamp(session)
        found: dict[K, V] = {}
        missing = []
        for key in keys:
            kept = self._kept(key, version)
            if kept is None:
                missing.append(key)
            else:
                found[key] = kept
        if missing:
            for key, value in compute(missing).items():
                self._keep(key, version, value)
                found[key] = value
        return found

    def clear(self) -> None:
        """Forget every value kept."""
        with self._lock:
            self._entries.clear()

    def has(self, session: Session, key: Hashable) -> bool:
        """Whether a value is kept for key at the current data version."""
        return self._kept(key, version_stamp(session)) is not None

    def keep(self, session: Session, key: Hashable, value: Any) -> None:
        """Keep a value computed elsewhere for key, at the current data version."""
        self._keep(key, version_stamp(session), value)

    def _keep(self, key: Hashable, version: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def _kept(self, key: Hashable, version: Hashable) -> Any:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None or hit[0] != version:
                return None
            self._entries.move_to_end(key)
            return hit[1]


def _validators(version: Version) -> tuple[str, datetime]:
    # Pages flag prices older than a year, so they also change with the date; and a page
    # in Spanish is another representation of the URL than the same page in English.
    today = date.today()
    midnight = datetime.combine(today, time(), tzinfo=UTC)
    stamp = int(version.changed_at.timestamp() * 1_000_000)
    tag = f"v{version.number}.{stamp:x}-{today.isoformat()}-{current_language()}"
    return tag, max(version.changed_at, midnight)


def _cacheable_request() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in CACHEABLE_ENDPOINTS
        and "_flashes" not in session
        and not current_user.is_authenticated
    )


def _holds_a_form(response: Response) -> bool:
    """Whether a page carries a form's CSRF token (a file sent as it is carries none)."""
    return not response.direct_passthrough and b'name="csrf_token"' in response.get_data()


def register(app: Flask) -> None:
    """Answer 304 to anonymous revalidations and let shared caches keep anonymous pages."""
    from directory.extensions import db

    @app.before_request
    def _not_modified() -> Response | None:
        if not _cacheable_request():
            return None
        etag, last_modified = _validators(current_version(db.session))
        g.validators = (etag, last_modified)
        if request.if_none_match:
            fresh = request.if_none_match.contains_weak(etag)
        else:
            since = request.if_modified_since
            fresh = since is not None and since >= last_modified.replace(microsecond=0)
        if not fresh:
            return None
        response = Response(status=304)
        _mark_cacheable(response, etag, last_modified)
        return response

    @app.after_request
    def _cache_headers(response: Response) -> Response:
        validators = g.get("validators")
        if response.status_code == 304:
            return response
        if (
            validators is None
            or response.status_code != 200
            or current_user.is_authenticated
            or session.modified
            or _holds_a_form(response)
        ):
            if current_user.is_authenticated:
                response.headers["Cache-Control"] = "private, no-store"
            return response
        _mark_cacheable(response, *validators)
        return response


def _mark_cacheable(response: Response, etag: str, last_modified: datetime) -> None:
    response.set_etag(etag, weak=True)
    response.last_modified = last_modified
    response.headers["Cache-Control"] = (
        f"public, max-age={SHARED_CACHE_SECONDS // 2}, s-maxage={SHARED_CACHE_SECONDS}"
    )
    # The language follows the `lang` cookie, else Accept-Language.
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
