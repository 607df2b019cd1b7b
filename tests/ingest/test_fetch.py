"""Fetching pages: robots.txt, limits, redirects and private addresses, on a loopback site."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from directory.ingest import fetch
from tests.conftest import configure
from tests.ingest import loopback

ALLOW = fetch.Limits(allow_private=True)


@pytest.fixture
def site() -> Iterator[str]:
    with loopback.serve() as url:
        yield url


def test_a_page_is_fetched_with_the_directorys_user_agent(site: str) -> None:
    loopback._Handler.seen_agents.clear()
    got = fetch.fetch(f"{site}/clinic.html", ALLOW)
    assert b"Lakeview Ketamine Clinic" in got.body
    assert got.content_type.startswith("text/html")
    assert len(got.sha256) == 64
    assert loopback._Handler.seen_agents
    assert all("Ketamine Clinic Directory" in ua for ua in loopback._Handler.seen_agents)


def test_loopback_is_refused_without_the_setting(site: str) -> None:
    with pytest.raises(fetch.FetchError, match="private, loopback or link-local"):
        fetch.fetch(f"{site}/clinic.html")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://localhost/",
    ],
)
def test_private_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(fetch.FetchError, match="private, loopback or link-local"):
        fetch.check_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "javascript:x"])
def test_only_http_and_https_are_read(url: str) -> None:
    with pytest.raises(fetch.FetchError, match="Only http"):
        fetch.check_url(url, allow_private=True)


def test_robots_txt_disallow_is_honoured(site: str) -> None:
    with pytest.raises(fetch.FetchError, match="robots.txt asks robots not to read"):
        fetch.fetch(f"{site}/private/clinic.html", ALLOW)


def test_five_redirects_are_followed_and_a_sixth_is_refused(site: str) -> None:
    got = fetch.fetch(f"{site}/hop/4", ALLOW)  # five redirects in all
    assert got.url.endswith("/clinic.html")
    with pytest.raises(fetch.FetchError, match="redirected more than 5 times"):
        fetch.fetch(f"{site}/hop/5", ALLOW)


def test_every_redirect_is_checked_again(site: str) -> None:
    # A public page redirecting to loopback is refused at the hop, like a direct request.
    with pytest.raises(fetch.FetchError, match="private, loopback or link-local"):
        fetch.fetch(f"{site}/hop/0", fetch.Limits(allow_private=False))


@pytest.mark.parametrize("path", ["/big.html", "/big-unannounced.html"])
def test_pages_over_five_megabytes_are_refused(site: str, path: str) -> None:
    with pytest.raises(fetch.FetchError, match="larger than the limit of 5 MB"):
        fetch.fetch(site + path, ALLOW)


def test_a_missing_page_is_a_clear_error(site: str) -> None:
    with pytest.raises(fetch.FetchError, match="answered 404"):
        fetch.fetch(f"{site}/nothing.html", ALLOW)


def test_extract_page_reads_a_url_when_private_addresses_are_allowed(app, site: str) -> None:
    configure(app, INGEST_ALLOW_PRIVATE_ADDRESSES=True)
    result = app.test_cli_runner().invoke(args=["extract-page", f"{site}/clinic.html", "--json"])
    assert result.exit_code == 0, result.output
    assert '"Lakeview Ketamine Clinic"' in result.output
    assert f'"source_url": "{site}/clinic.html"' in result.output


def test_extract_page_refuses_a_news_article_fetched_from_a_url(app, site: str) -> None:
    configure(app, INGEST_ALLOW_PRIVATE_ADDRESSES=True)
    result = app.test_cli_runner().invoke(args=["extract-page", f"{site}/news.html"])
    assert result.exit_code != 0
    assert "does not describe a clinic" in result.output
