"""Fixtures: a fresh database per test (an SQLite file, or PostgreSQL under pg_cluster.py)."""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from selectolax.parser import HTMLParser
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.pool import NullPool
from werkzeug.security import generate_password_hash

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
    OutboxMessage,
    Phone,
    Price,
    PriceUnit,
    Revision,
    ServiceArea,
    Treatment,
    User,
)
from directory.search import places as geo
from directory.settings import install as install_settings

# Set by tests/pg_cluster.py: run the whole suite on a real PostgreSQL server.
PG_URL = os.environ.get("TEST_DATABASE_URL")
# One template database per pytest-xdist worker ("gw0", "gw1"), so workers never share one.
TEMPLATE_NAME = f"directory_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With pytest-xdist, the tests that share a served site (the browser tests, the served
    limits) run on one worker each, so it is built once, not once per worker; every other
    test goes where there is room.

    Grouped by path, not by xdist's `xdist_group` mark: under pytest 9, pytest-xdist 3.8
    can no longer add the group to a test's id, and the mark is silently ignored.
    """
    from xdist.scheduler import LoadScopeScheduling

    class SharedSiteScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((group for group in SHARED_SITES if nodeid.startswith(group)), nodeid)

    return SharedSiteScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests that use a database: those built on the template
    database and those marked `served`, but not those marked `words`. The rest (parsers,
    the catalogue, the SQLite-only fault tests, the words of each language) were run on
    SQLite already and would prove nothing new."""
    if not PG_URL:
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        uses_database = "template_db" in getattr(item, "fixturenames", ())
        wanted = uses_database or item.get_closest_marker("served")
        (kept if wanted and not item.get_closest_marker("words") else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# Tests that share a served site through a session or module fixture.
SHARED_SITES = ("tests/browser/", "tests/test_served_limits.py")


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


@functools.cache
def _pg_admin_engine() -> Engine:
    """One engine per worker for creating and dropping test databases."""
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _pg_admin(statement: str) -> None:
    with _pg_admin_engine().connect() as connection:
        connection.exec_driver_sql(statement)


@functools.cache
def _copy_strategy() -> str:
    """PostgreSQL 15 copies a template through the WAL by default; copying its files is
    about three times faster for a database this size."""
    with _pg_admin_engine().connect() as connection:
        version = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one())
    return " STRATEGY FILE_COPY" if version >= 150000 else ""


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
        # Buffered: a response sent from a file (the HSDS package) is read and closed.
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(template_db: Path | str, tmp_path: Path) -> Iterator[Flask]:
    """An app on its own copy of the template database (a file, or a PostgreSQL database)."""
    database, drop = copy_of_template(template_db, tmp_path / "test.sqlite3")
    app = create_app({**_config(database), "EXPORTS_DIR": str(tmp_path / "exports")})
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
        _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template_db}{_copy_strategy()}")
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


def configure(app: Flask, **values: Any) -> None:
    """Change settings of a running test app, as a restart with them would."""
    app.config.update(values)
    install_settings(app)


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
# Accounts made by the fixtures store PASSWORD hashed once, with few rounds: a scrypt hash
# and check cost a quarter second each, and hundreds of tests make and sign in accounts.
# Sign-up, password changes and resets still hash with the site's own method.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token from a form on the page at url."""
    field = HTMLParser(client.get(url).get_data(as_text=True)).css_first('input[name="csrf_token"]')
    assert field is not None and field.attributes.get("value"), f"no CSRF token on {url}"
    return str(field.attributes["value"])


# --- reading pages, mail and distances: one copy of each helper for every test ---------------

EARTH_RADIUS_MILES = 3958.7613


def haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in miles, computed here independently of the app's geopy."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


def text(fragment: str) -> str:
    """Visible text of an HTML fragment, entities decoded and whitespace collapsed."""
    tree = HTMLParser(fragment)
    for hidden in tree.css("script, style, template"):
        hidden.decompose()
    return " ".join(tree.text(separator=" ").split())


def main(page: str) -> str:
    """The <main> element as the server wrote it: the page without the site-wide banner,
    header and footer (the one <main> a page has, checked with the parser)."""
    assert len(HTMLParser(page).css("main")) == 1, "page has no single <main>"
    return page[page.index("<main") : page.rindex("</main>") + len("</main>")]


def elements(fragment: str, selector: str) -> list[str]:
    """The HTML of each element the CSS selector matches, in document order."""
    return [str(node.html) for node in HTMLParser(fragment).css(selector)]


def table_rows(fragment: str) -> list[list[str]]:
    """The rows of the tables in a fragment as lists of cell texts."""
    return [
        [text(str(cell.html)) for cell in row.css("th, td")]
        for row in HTMLParser(fragment).css("tr")
    ]


def json_ld(page: str) -> list[Any]:
    """Each JSON-LD block on the page, parsed."""
    import json

    blocks = HTMLParser(page).css('script[type="application/ld+json"]')
    return [json.loads(node.text()) for node in blocks]


def mails_to(email: str) -> list[OutboxMessage]:
    """The mail the outbox holds for an address, oldest first."""
    return list(
        db.session.execute(
            select(OutboxMessage).where(OutboxMessage.to == email).order_by(OutboxMessage.id)
        ).scalars()
    )


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
    from directory.models import Role, User, utcnow

    def make(
        email: str, *, admin: bool = False, verified: bool = True, clinics: tuple[Clinic, ...] = ()
    ) -> User:
        user = User(
            email=email,
            password_hash=PASSWORD_HASH,
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


def site_database(
    tmp_path: Path, template_db: Path | str | None = None
) -> tuple[str, Callable[[], None]]:
    """A database for a served site, and how to drop it: a copy of the template (the
    schema, taxonomy and gazetteer `flask init-db` makes, built once) when one is given,
    else a new, empty one."""
    if template_db is not None:
        database, drop = copy_of_template(template_db, tmp_path / "site.sqlite3")
        return str(database) if PG_URL else f"sqlite:///{database}", drop
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


# The operator's commands, run one after another by the `flask` command group in a single
# interpreter: starting Python and importing the site for each cost more than the work.
_RUN_COMMANDS = """
import json, sys
from flask.cli import FlaskGroup
from directory import create_app
for args in json.loads(sys.argv[1]):
    FlaskGroup(create_app=create_app).main(args, prog_name="flask", standalone_mode=False)
"""


def build_site(env: dict[str, str], clinics: int = 150) -> None:
    """Seed clinics, example clinics and an admin, through the CLI as an operator would."""
    import json
    import subprocess
    import sys

    commands = [["seed"], ["demo-data", "--clinics", str(clinics), "--seed", "5"]]
    commands.append(["create-admin", ADMIN_EMAIL])
    subprocess.run(
        [sys.executable, "-c", _RUN_COMMANDS, json.dumps(commands)],
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
    """A site built with the CLI from an empty database, as an operator would, and served by
    gunicorn for the whole session."""
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


# --- shared by several test files: the seeded clinics, forms, accounts, pages ----------------

MICHIGAN = "ketamine-institute-of-michigan"
RENEW = "renew-ketamine"
# The ZIP centroid of 48336 (Farmington Hills, MI), as the USPS-derived gazetteer gives it.
FH_LAT, FH_LNG = 42.4656, -83.3638
AS_OF = (date.today() - timedelta(days=10)).isoformat()


def listing_data(**overrides: object) -> dict[str, object]:
    """The Michigan clinic's edit form as a browser submits it, with changes."""
    data: dict[str, object] = {
        "name": "Ketamine Institute of Michigan",
        "description": "",
        "website": "",
        "email": "",
        "hours": "",
        "address_1": "23800 Orchard Lake Rd.",
        "address_2": "Suite 100",
        "city": "Farmington Hills",
        "state": "MI",
        "postal_code": "48336",
        "free_consultation": "",
        "accepts_insurance": "",
        "treatments": ["iv-infusion"],
        "conditions": ["depression", "chronic-pain"],
        "phones-0-display": "(855) KETAMINE",
        "phones-0-kind": "toll_free",
        "note": "",
    }
    data.update(overrides)
    return data


def price_row(i: int = 0, **values: object) -> dict[str, object]:
    """The fields of the i-th price row of the listing form, with changes."""
    row = {
        "treatment": "iv-infusion",
        "amount": "450",
        "unit": "session",
        "sessions_included": "",
        "included": "One infusion",
        "source_url": "https://kim.example.org/costs",
        "as_of": AS_OF,
    }
    row.update(values)
    return {f"prices-{i}-{k}": v for k, v in row.items()}


def last_mail(to: str) -> OutboxMessage:
    """The newest mail to an address."""
    return (
        db.session.execute(
            select(OutboxMessage).where(OutboxMessage.to == to).order_by(OutboxMessage.id.desc())
        )
        .scalars()
        .first()
    )


@pytest.fixture
def admin(app: Flask, make_user: Callable[..., Any], seeded: None) -> Any:
    """A verified admin, on the seeded directory."""
    return make_user("admin@example.org", admin=True)


@pytest.fixture
def admin_client(app: Flask, admin: Any) -> FlaskClient:
    """A browser signed in as the admin."""
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    return client


@pytest.fixture
def owner(app: Flask, make_user: Callable[..., Any], seeded: None) -> Any:
    """The owner who manages the Michigan clinic."""
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    return make_user("owner@example.org", clinics=(clinic,))


@pytest.fixture
def owner_client(app: Flask, owner: Any) -> FlaskClient:
    """A browser signed in as the Michigan clinic's owner."""
    client = app.test_client()
    assert login(client, owner.email).status_code == 302
    return client


def propose(client: FlaskClient, **changes: object) -> Revision | None:
    """Propose an edit of the Michigan clinic through its form; the newest revision."""
    response = post_form(client, f"/owner/clinics/{MICHIGAN}/edit", listing_data(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.execute(select(Revision).order_by(Revision.id.desc())).scalars().first()


def approve(admin_client: FlaskClient, revision: Revision) -> None:
    """Approve a proposed change through the moderation form."""
    page = f"/admin/revisions/{revision.id}"
    response = post_form(admin_client, f"{page}/approve", {"reason": ""}, form_page=page)
    assert response.status_code == 302, response.get_data(as_text=True)


def user_by_email(email: str) -> User | None:
    """The account for an address, read afresh."""
    db.session.expire_all()
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def register(client: Any, email: str, password: str = PASSWORD, confirm: str | None = None) -> Any:
    """Sign up through the form."""
    data = {
        "email": email,
        "password": password,
        "confirm": password if confirm is None else confirm,
    }
    return post_form(client, "/account/register", data)


def field_error(page: str, field: str) -> str | None:
    """The error shown under a form field, or None."""
    found = HTMLParser(page).css_first(f"p.field-error#{field}-error")
    return found.text() if found is not None else None


def signed_in(client: Any) -> bool:
    """True when the owner dashboard opens rather than sending the browser to sign in."""
    response = client.get("/owner/")
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == "/account/login"
        return False
    assert response.status_code == 200
    return True


def get(client: FlaskClient, url: str, status: int = 200) -> str:
    """The page at url, checking its status."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def cards(fragment: str) -> list[str]:
    """The clinic cards in a fragment, in order."""
    return elements(fragment, ".cards > li[id]")


def card_slugs(fragment: str) -> list[str]:
    """The slugs of the clinic cards in a fragment, in order."""
    links = (HTMLParser(card).css_first('a[href^="/clinics/"]') for card in cards(fragment))
    return [str(a.attributes["href"]).removeprefix("/clinics/") for a in links if a is not None]


def card_for(fragment: str, slug: str) -> str:
    """The one card that links to the clinic."""
    found = [c for c in cards(fragment) if f'href="/clinics/{slug}"' in c]
    assert len(found) == 1, f"expected one card for {slug}, found {len(found)}"
    return found[0]


def between(page: str, start: str, end: str) -> str:
    """The part of a page from the first `start` to the next `end`."""
    begin = page.index(start)
    return page[begin : page.index(end, begin)]


def at_fh(north: float = 0.0, east: float = 0.0) -> dict[str, float]:
    """make_clinic keywords for a point `north` and `east` degrees from the 48336 centroid."""
    return {"latitude": FH_LAT + north, "longitude": FH_LNG + east}


def check_security_headers(response: Any) -> None:
    """The headers every answer carries: a strict CSP, no sniffing, no framing."""
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def two_sites(make_clinic: Callable[..., Clinic]) -> Clinic:
    """A listing in Farmington Hills, MI, and in Chicago."""
    clinic = make_clinic("Two Sites", slug="two-sites", near="48336")
    michigan = db.session.get(Location, clinic.locations[0].id)
    clinic.locations.append(
        Location(
            address_1="9 North Ave",
            city="Chicago",
            state="IL",
            latitude=41.9214,
            longitude=-87.6513,
            geocode_precision=michigan.geocode_precision,
        )
    )
    db.session.commit()
    return clinic
