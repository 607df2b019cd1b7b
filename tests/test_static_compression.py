"""Fingerprinted text assets go out gzipped to browsers that take gzip, and whole otherwise."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from directory.assets import fingerprint

STATIC = Path(__file__).resolve().parent.parent / "static"


def _leaflet_url(seeded_page: str) -> str:
    found = re.search(
        r'data-script="(/static/vendor/leaflet/leaflet\.[0-9a-f]{10}\.js)"', seeded_page
    )
    assert found, "the search page names a fingerprinted Leaflet script for the map"
    return found.group(1)


def test_scripts_are_gzipped_when_the_browser_takes_gzip(client, seeded):
    page = client.get("/search?near=48336").get_data(as_text=True)
    url = _leaflet_url(page)
    original = (STATIC / "vendor/leaflet/leaflet.js").read_bytes()
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"}) as response:
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert "immutable" in response.headers["Cache-Control"]
        body = response.get_data()
    assert len(body) < len(original) / 2
    assert gzip.decompress(body) == original
    with client.get(url) as plain:
        assert "Content-Encoding" not in plain.headers
        assert plain.get_data() == original


def test_the_map_neither_blocks_nor_weighs_on_the_first_paint(client, seeded):
    page = client.get("/search?near=48336").get_data(as_text=True)
    link = re.search(r'<link rel="stylesheet" href="/static/vendor/leaflet/[^"]+"[^>]*>', page)
    assert link and 'media="print"' in link.group(0) and 'id="leaflet-css"' in link.group(0)
    assert not re.search(r"<script[^>]+leaflet", page)  # fetched when the map is opened
    script = (STATIC / "js/map.js").read_text()
    assert 'getElementById("leaflet-css")' in script and 'media = "all"' in script
    assert "styles.dataset.script" in script


def test_images_are_sent_as_they_are(client):
    digest = fingerprint(str(STATIC), "vendor/leaflet/images/layers.png")
    url = f"/static/vendor/leaflet/images/layers.{digest}.png"
    with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        assert response.get_data() == (STATIC / "vendor/leaflet/images/layers.png").read_bytes()
