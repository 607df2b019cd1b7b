"""Fixtures: a fresh database per test (an SQLite file, or PostgreSQL under pg_cluster.py)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, select

from directory import create_app
from directory.cli import apply_migrations
from directory.extensions import db
from directory.listings import seeding
from directory.models import (
    Clinic,
    ClinicStatus,
    Condition,
    GeocodePrecision,
    Location,
    Phone,
    Price,
    PriceUnit,
    ServiceArea,
    Treatment,
)
from directory.search import places as geo

# Set by tests/pg_cluster.py: run the whole suite on a real PostgreSQL server.
PG_URL = os.environ.get("TEST_DATABASE_URL")
TEMPLATE_NAME = "directory_template"


def _config(database: Path | str) -> dict[str, Any]:
    uri = database if isinstance(database, str) else f"sqlite:///{database}"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": uri,
        "SERVER_NAME": "localhost",
        "RATELIMIT_ENABLED": False,
    }


def _pg_database_url(name: str) -> str:
    assert PG_URL
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def _pg_admin(statement: str) -> None:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _build_template(uri: str) -> None:
    app = create_app(_config(uri))
    with app.app_context():
        apply_migrations()  # the schema the migrations build, not create_all's
        seeding.load_taxonomy(db.session)
        seeding.load_gazetteer(db.session)
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path | str]:
    """A database with the tables, the taxonomy and the gazetteer, built once."""
    if PG_URL:
        _pg_admin(f"DROP DATABASE IF EXISTS {TEMPLATE_NAME} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {TEMPLATE_NAME}")
        _build_template(_pg_database_url(TEMPLATE_NAME))
        yield TEMPLATE_NAME
        _pg_admin(f"DROP DATABASE IF EXISTS {TEMPLATE_NAME} WITH (FORCE)")
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _build_template(f"sqlite:///{path}")
    yield path


class IsolatedClient(FlaskClient):
    """Each request in its own application context, as in production.

    The tests keep an app context open to use the database; without this, requests
    would share its `g` (and so the signed-in user) and its database session.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(template_db: Path | str, tmp_path: Path) -> Iterator[Flask]:
    """An app on its own copy of the template database (a file, or a PostgreSQL database)."""
    database, drop = copy_of_template(template_db, tmp_path / "test.sqlite3")
    app = create_app(_config(database))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    drop()


def copy_of_template(template_db: Path | str, path: Path) -> tuple[Path | str, Callable[[], None]]:
    """A new database with the template's schema and reference data, and how to drop it:
    a file at `path` on SQLite, a database of its own on PostgreSQL."""
    if PG_URL:
        name = f"directory_test_{uuid.uuid4().hex[:12]}"
        _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template_db}")
        return _pg_database_url(name), lambda: _pg_admin(
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )
    shutil.copyfile(template_db, path)
    return path, lambda: None


@pytest.fixture
def app_like(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Other apps on the test's database with other settings; closed after the test."""
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        other = create_app({**_config(app.config["SQLALCHEMY_DATABASE_URI"]), **settings})
        other.test_client_class = IsolatedClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def seeded(app: Flask) -> None:
    """The clinics from the seed documents."""
    seeding.load_seed_clinics(db.session)
    db.session.commit()


def price(
    treatment: str,
    dollars: float,
    unit: str = "session",
    *,
    as_of: date | None = None,
    source_url: str | None = "https://example.com/prices",
    sessions: int | None = None,
    insurance: bool = False,
) -> dict[str, Any]:
    """A price specification for make_clinic."""
    return {
        "treatment": treatment,
        "amount_cents": int(round(dollars * 100)),
        "unit": PriceUnit(unit),
        "as_of": as_of if as_of is not None else date.today() - timedelta(days=30),
        "source_url": source_url,
        "sessions_included": sessions,
        "insurance_accepted": insurance,
    }


@pytest.fixture
def make_clinic(app: Flask) -> Callable[..., Clinic]:
    """Create and commit a published clinic; keyword arguments override the defaults."""
    counter = {"n": 0}

    def make(
        name: str | None = None,
        *,
        near: str | None = "48336",
        latitude: float | None = None,
        longitude: float | None = None,
        state: str | None = None,
        city: str | None = "Testville",
        treatments: tuple[str, ...] = ("iv-infusion",),
        conditions: tuple[str, ...] = ("depression",),
        prices: tuple[dict[str, Any], ...] = (),
        service_areas: tuple[str, ...] = (),
        status: ClinicStatus = ClinicStatus.PUBLISHED,
        **fields: Any,
    ) -> Clinic:
        counter["n"] += 1
        name = name or f"Test Clinic {counter['n']}"
        slug = fields.pop("slug", None) or f"test-clinic-{counter['n']}"
        clinic = Clinic(slug=slug, name=name, status=status, **fields)
        if service_areas:
            clinic.service_areas = [ServiceArea(state=s) for s in service_areas]
        elif latitude is not None and longitude is not None:
            clinic.locations.append(
                Location(
                    address_1="1 Test St",
                    city=city,
                    state=state or "MI",
                    postal_code=None,
                    latitude=latitude,
                    longitude=longitude,
                    geocode_precision=GeocodePrecision.ADDRESS,
                )
            )
        elif near:
            place = geo.resolve_place(db.session, near)
            clinic.locations.append(
                Location(
                    address_1="1 Test St",
                    city=city,
                    state=state or place.state or "MI",
                    postal_code=near if near.isdigit() else None,
                    latitude=place.latitude,
                    longitude=place.longitude,
                    geocode_precision=GeocodePrecision.POSTAL_CODE,
                )
            )
        by_slug = {t.slug: t for t in db.session.execute(select(Treatment)).scalars()}
        clinic.treatments = [by_slug[t] for t in treatments]
        cond = {c.slug: c for c in db.session.execute(select(Condition)).scalars()}
        clinic.conditions = [cond[c] for c in conditions]
        for spec in prices:
            spec = dict(spec)
            clinic.prices.append(Price(treatment=by_slug[spec.pop("treatment")], **spec))
        clinic.phones.append(Phone(e164="+15555550100", display="(555) 555-0100"))
        db.session.add(clinic)
        db.session.commit()
        return clinic

    return make


# --- accounts ---------------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token from a form on the page at url."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def post_form(
    client: FlaskClient, url: str, data: dict[str, Any], form_page: str | None = None, **kwargs: Any
) -> Any:
    """Submit a form the way a browser does: with the CSRF token from its page."""
    token = csrf_token(client, form_page or url)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the form."""
    return post_form(client, "/account/login", {"email": email, "password": password})


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    """Create a verified account: make_user("a@example.com", admin=True)."""
    from werkzeug.security import generate_password_hash

    from directory.models import Role, User, utcnow

    def make(
        email: str, *, admin: bool = False, verified: bool = True, clinics: tuple[Clinic, ...] = ()
    ) -> User:
        user = User(
            email=email,
            password_hash=generate_password_hash(PASSWORD),
            role=Role.ADMIN if admin else Role.OWNER,
            email_verified_at=utcnow() if verified else None,
        )
        user.clinics = list(clinics)
        db.session.add(user)
        db.session.commit()
        return user

    return make


# --- a live server: gunicorn on a free loopback port ------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.org", "moderator passphrase one"


class LiveServer:
    """The site under gunicorn with seed and example clinics, and a way into its database."""

    def __init__(self, url: str, database_url: str) -> None:
        self.url = url
        self.database_url = database_url

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the server's database directly (the outbox, fixtures for a path)."""
        from sqlalchemy import text

        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                names = {f"p{i}": v for i, v in enumerate(params)}
                statement = sql
                for i in range(len(params)):
                    statement = statement.replace("?", f":p{i}", 1)
                return [tuple(r) for r in connection.execute(text(statement), names)]
        finally:
            engine.dispose()

    def last_mail_link(self, to: str) -> str:
        """The link in the newest message to an address."""
        rows = self.query('SELECT body FROM outbox WHERE "to" = ? ORDER BY id DESC', to)
        assert rows, f"no mail to {to}"
        return re.search(r"https?://\S+", rows[0][0]).group(0)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def site_database(tmp_path: Path) -> tuple[str, Callable[[], None]]:
    """A new, empty database for a served site, and how to drop it."""
    if PG_URL:
        name = f"directory_site_{uuid.uuid4().hex[:10]}"
        _pg_admin(f"CREATE DATABASE {name}")
        return _pg_database_url(name), lambda: _pg_admin(
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )
    return f"sqlite:///{tmp_path / 'site.sqlite3'}", lambda: None


def site_env(database_url: str) -> dict[str, str]:
    """The environment a served site runs with in the tests."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DIRECTORY_DEPLOYMENT": "development",
        "DIRECTORY_SECRET_KEY": "live-test-secret",
        # Nothing listens there: the map must cope with tiles that never load.
        "DIRECTORY_MAP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
    }


def build_site(env: dict[str, str], clinics: int = 150) -> None:
    """Seed clinics, example clinics and an admin, through the CLI as an operator would."""
    import subprocess
    import sys

    flask = [sys.executable, "-m", "flask", "--app", "directory"]
    for args in (
        ["seed"],
        ["demo-data", "--clinics", str(clinics), "--seed", "5"],
        ["create-admin", ADMIN_EMAIL],
    ):
        subprocess.run(
            [*flask, *args],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 3) -> Iterator[tuple[str, Any]]:
    """Serve the site with gunicorn on a free port; yields (url, the master process)."""
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Links in mail point at this server, as DIRECTORY_PUBLIC_BASE_URL says in production.
    env = {"DIRECTORY_PUBLIC_BASE_URL": url, **env}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:directory.gunicorn_config",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "directory.wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Booting loads the whole application in the master first; on a busy two-core
        # machine that can take a while, so wait on the clock rather than a count.
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode} while starting")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not come up within 90 s") from None
                time.sleep(0.2)
        yield url, server
    finally:
        server.send_signal(signal.SIGTERM)  # graceful shutdown
        server.wait(timeout=30)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A site built with the CLI and served by gunicorn for the whole session."""
    database_url, drop = site_database(tmp_path_factory.mktemp("live"))
    env = site_env(database_url)
    build_site(env)
    try:
        with gunicorn(env) as (url, _server):
            yield LiveServer(url, database_url)
    finally:
        drop()


# --- Redis, for limits shared between gunicorn workers ---------------------------------------

REDIS_SERVER = "/usr/bin/redis-server"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway Redis server on a free loopback port (make test installs redis-server)."""
    import subprocess
    import time

    if not os.path.exists(REDIS_SERVER):
        pytest.fail(f"{REDIS_SERVER} is missing: run `make test`, which installs redis-server.")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        server.kill()
        pytest.fail("redis-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)
