"""Extension objects, created unbound and initialised by the app factory."""

from __future__ import annotations

import math
import time
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from directory.models.base import Base


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, its `session` typed as the Session its scoped session stands
    for, so that services take a plain `Session` and views pass `db.session`."""

    if TYPE_CHECKING:
        session: Session  # type: ignore[assignment]


db = Database(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()
mail = Mail()
babel = Babel()
MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")
limiter = Limiter(key_func=get_remote_address)


# When the current request must give up its database work (time.monotonic()), or None
# outside requests: commands and migrations have no budget.
request_deadline: ContextVar[float | None] = ContextVar("request_deadline", default=None)


def _over_budget() -> int:
    deadline = request_deadline.get()
    return 1 if deadline is not None and time.monotonic() > deadline else 0


def enable_time_budget(engine: Engine) -> None:
    """Stop a request's queries once its deadline passes, on either database."""
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # Checked every few thousand virtual-machine steps; a non-zero answer
            # interrupts the statement (sqlite3.OperationalError: interrupted).
            dbapi_connection.set_progress_handler(_over_budget, 20_000)

    elif engine.dialect.name == "postgresql":

        @event.listens_for(engine, "begin")
        def _on_begin(connection):  # type: ignore[no-untyped-def]
            if _outside_transaction(connection):
                return  # no SET LOCAL there: `_cap_statement` bounds each statement
            deadline = request_deadline.get()
            if deadline is not None:
                left = max(1, int((deadline - time.monotonic()) * 1000))
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {left}")
            elif connection.info.get(_STATEMENT_CAP):
                # A reading request left its cap on this connection: no budget here.
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")

        @event.listens_for(engine, "before_cursor_execute")
        def _before_statement(connection, cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
            if _outside_transaction(connection):
                _cap_statement(connection, cursor)
            return statement, parameters


# On PostgreSQL, the statement_timeout (ms) a connection outside a transaction carries.
_STATEMENT_CAP = "statement_cap_ms"


def _outside_transaction(connection: Connection) -> bool:
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def _cap_statement(connection: Connection, cursor: Any) -> None:
    """Bound a statement outside a transaction (see `read_only`), where SET LOCAL has no
    effect: none starts once the request's deadline has passed, and each is cut at the
    budget left, rounded up to a whole second so that one SET serves many requests on this
    connection. Outside a request, lift the cap."""
    deadline = request_deadline.get()
    if deadline is None:
        cap = 0
    else:
        left = deadline - time.monotonic()
        if left <= 0:
            from psycopg.errors import QueryCanceled

            raise QueryCanceled("the request's time budget ran out")
        cap = math.ceil(left) * 1000
    if connection.info.get(_STATEMENT_CAP, 0) != cap:
        cursor.execute(f"SET statement_timeout = {cap}")
        connection.info[_STATEMENT_CAP] = cap


def enable_sqlite_pragmas(engine: Engine, busy_timeout_ms: int = 5000, mmap_bytes: int = 0) -> None:
    """Turn on WAL, foreign keys, a busy timeout and memory-mapped reads for every SQLite
    connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA mmap_size={int(mmap_bytes)}")
        cursor.close()
