"""A real server and a real browser: gunicorn on a free loopback port, Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.org", "moderator passphrase one"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The site under gunicorn with seed and example clinics, and a way into its database."""

    def __init__(self, url: str, database: Path) -> None:
        self.url = url
        self.database = database

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the server's database directly (the outbox, fixtures for a path)."""
        with sqlite3.connect(self.database) as con:
            return con.execute(sql, params).fetchall()

    def last_mail_link(self, to: str) -> str:
        """The link in the newest message to an address."""
        rows = self.query('SELECT body FROM outbox WHERE "to" = ? ORDER BY id DESC', to)
        assert rows, f"no mail to {to}"
        return re.search(r"https?://\S+", rows[0][0]).group(0)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Build a database with the CLI, then serve it with gunicorn until the session ends."""
    workdir = tmp_path_factory.mktemp("live")
    database = workdir / "site.sqlite3"
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DIRECTORY_DEPLOYMENT": "development",
        "DIRECTORY_SECRET_KEY": "browser-test-secret",
        # Nothing listens there: the map must cope with tiles that never load.
        "DIRECTORY_MAP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    flask = [sys.executable, "-m", "flask", "--app", "directory"]
    for args in (["seed"], ["demo-data", "--clinics", "150", "--seed", "5"],
                 ["create-admin", ADMIN_EMAIL]):
        subprocess.run([*flask, *args], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:directory.gunicorn_config",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "directory.wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield LiveServer(url, database)
    finally:
        server.send_signal(signal.SIGTERM)  # graceful shutdown
        server.wait(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: make test installs Debian's chromium package.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """Each path runs at desktop and at phone width."""
    return str(request.param)


@pytest.fixture
def new_page(browser: Any, viewport: str) -> Iterator[Any]:
    """A factory of pages in fresh contexts (one per person in a path) at the viewport."""
    contexts = []

    def make(**options: Any) -> Any:
        context = browser.new_context(viewport=VIEWPORTS[viewport], **options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page: Any, name: str, viewport: str) -> None:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{viewport}.png"), full_page=True)
