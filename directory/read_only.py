"""Requests that only read: on PostgreSQL they run outside a transaction.

Every GET and HEAD of the public pages and the API only reads. At PostgreSQL's READ
COMMITTED each statement sees the data committed when it starts, inside a transaction or
not, so such a request sees exactly what it would inside one. Without one it saves three
round trips to the server: BEGIN, the time budget's SET LOCAL and the closing ROLLBACK,
about a tenth of a clinic page's time there. Its time budget is kept by
`extensions.enable_time_budget` without them.

Outside a transaction a write would not be atomic, so the session refuses to flush or
execute one in such a request (`ReadOnlyRequestError`). SQLite keeps its transactions: they
cost it no round trip.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from directory.extensions import db

# The blueprints whose GET and HEAD requests only read (the API's HSDS routes included).
READ_ONLY_BLUEPRINTS = frozenset({"public", "api"})
READ_METHODS = frozenset({"GET", "HEAD"})
_MARK = "read_only_request"


class ReadOnlyRequestError(RuntimeError):
    """A request that only reads tried to write through the session."""


def register(app: Flask) -> None:
    """Run the reading requests outside a transaction, when the database is PostgreSQL.
    Register before any other hook that reads the database."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return

    @app.before_request
    def _read_outside_a_transaction() -> None:
        blueprints = request.blueprints
        if request.method not in READ_METHODS or not blueprints:
            return
        session: Session = db.session.registry()  # type: ignore[attr-defined]
        if blueprints[-1] not in READ_ONLY_BLUEPRINTS or session.in_transaction():
            return
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        session.info[_MARK] = True


@event.listens_for(Session, "before_flush")
def _refuse_flushes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_MARK) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyRequestError(f"{request.method} {request.path} only reads")


@event.listens_for(Session, "do_orm_execute")
def _refuse_statements(state: ORMExecuteState) -> None:
    if state.session.info.get(_MARK) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadOnlyRequestError(f"{request.method} {request.path} only reads")
