"""Extension objects, created unbound and initialised by the app factory."""

from __future__ import annotations

from pathlib import Path

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from directory.models.base import Base

db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()
compress = Compress()
MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")
limiter = Limiter(key_func=get_remote_address)


def enable_sqlite_pragmas(engine: Engine, busy_timeout_ms: int = 5000) -> None:
    """Turn on WAL, foreign keys and a busy timeout for every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
