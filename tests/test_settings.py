"""The site's settings: one frozen, typed object built from defaults and the environment."""

from __future__ import annotations

import dataclasses

import pytest

from directory import create_app
from directory.config import Defaults
from directory.settings import Settings
from tests.conftest import _config


def test_every_setting_has_a_default_and_its_declared_type(app):
    site = app.extensions["settings"]
    assert isinstance(site, Settings)
    assert site.search_per_page == Defaults.SEARCH_PER_PAGE
    assert site.ingest_allow_private_addresses is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.search_per_page = 5  # type: ignore[misc]


def test_the_environment_overrides_a_default_and_is_read_as_its_type(monkeypatch, tmp_path):
    monkeypatch.setenv("DIRECTORY_SEARCH_PER_PAGE", "50")
    monkeypatch.setenv("DIRECTORY_INGEST_ALLOW_PRIVATE_ADDRESSES", "false")
    monkeypatch.setenv("DIRECTORY_PRICE_STALE_AFTER_DAYS", "200")
    app = create_app(_config(tmp_path / "x.sqlite3"))
    site = app.extensions["settings"]
    assert site.search_per_page == 50 and site.price_stale_after_days == 200
    assert site.ingest_allow_private_addresses is False


def test_a_setting_of_the_wrong_type_stops_the_start_with_its_name(tmp_path):
    with pytest.raises(RuntimeError, match="SEARCH_PER_PAGE must be a int"):
        create_app({**_config(tmp_path / "x.sqlite3"), "SEARCH_PER_PAGE": "twenty"})
