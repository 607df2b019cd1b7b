"""What only shows under gunicorn: limits shared by its workers through Redis, the refusal
to run several production workers without it, and gunicorn's own answers."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.conftest import ROOT, build_site, gunicorn, site_database, site_env

pytestmark = pytest.mark.served

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
LOGIN_LIMIT = 4
WORKERS = 3


def _sign_in_attempts(url: str, count: int) -> list[int]:
    """Wrong passwords sent as a browser would, with its session cookie and CSRF token.

    urllib opens a new connection for every request, so the workers share them.
    """
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    statuses = []
    for _ in range(count):
        with opener.open(f"{url}/account/login", timeout=10) as page:
            token = CSRF.search(page.read().decode()).group(1)
        body = urlencode({"csrf_token": token, "email": "someone@example.org", "password": "x"})
        try:
            with opener.open(f"{url}/account/login", data=body.encode(), timeout=10) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, template_db) -> Iterator[dict[str, str]]:
    database_url, drop = site_database(tmp_path_factory.mktemp("limits"), template_db)
    env = site_env(database_url)
    build_site(env, clinics=5)
    try:
        yield env
    finally:
        drop()


def test_sign_in_limit_holds_across_workers_with_redis(site, redis_url):
    env = {
        **site,
        "REDIS_URL": redis_url,
        "DIRECTORY_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
    }
    with gunicorn(env, workers=WORKERS) as (url, _server):
        statuses = _sign_in_attempts(url, LOGIN_LIMIT * WORKERS)
    # Memory storage would let every worker allow LOGIN_LIMIT attempts of its own.
    assert statuses.count(429) == LOGIN_LIMIT * WORKERS - LOGIN_LIMIT, statuses


def _production_env(site: dict[str, str]) -> dict[str, str]:
    env = {
        **site,
        "DIRECTORY_DEPLOYMENT": "production",
        "DIRECTORY_PUBLIC_BASE_URL": "https://directory.example.org",
        "DIRECTORY_MAIL_SERVER": "127.0.0.1",
        "DIRECTORY_TRUSTED_HOSTS": "127.0.0.1,directory.example.org",
    }
    env.pop("REDIS_URL", None)
    return env


def test_production_refuses_several_workers_with_per_process_limits(site):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:directory.gunicorn_config",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "2",
            "directory.wsgi:app",
        ],
        env=_production_env(site),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr + result.stdout


def test_production_with_redis_starts_and_sends_hsts(site, redis_url):
    env = {**_production_env(site), "REDIS_URL": redis_url}
    with gunicorn(env, workers=2) as (url, _server):
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/about")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Strict-Transport-Security")
        assert "gunicorn" not in (response.getheader("Server") or "").lower()


def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_gunicorn_errors_are_the_sites_own_page_without_a_banner(site):
    with gunicorn(site, workers=1) as (url, _server):
        answer = _raw(url, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        normal = _raw(url, b"GET /about HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414")
    assert b"988" in body and b"aaaa" not in body
    assert b"gunicorn" not in answer.lower()
    assert b"gunicorn" not in normal.lower()
