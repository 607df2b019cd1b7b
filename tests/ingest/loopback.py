"""A small web site on 127.0.0.1 for fetching tests: a clinic page, robots.txt, redirects."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.ingest import scoring

BIG = 5 * 1024 * 1024 + 1024
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class _Handler(BaseHTTPRequestHandler):
    seen_agents: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Keep the test output quiet."""

    def _send(self, status: int, body: bytes, kind: str = "text/html", length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        """Answer the handful of paths the tests use."""
        self.seen_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/robots.txt":
            self._send(200, ROBOTS, "text/plain")
        elif path in ("/clinic.html", "/private/clinic.html"):
            self._send(
                200,
                (scoring.PAGES / "01_price_table.html").read_bytes(),
                "text/html; charset=utf-8",
            )
        elif (
            path.startswith("/pages/") and (scoring.PAGES / path[7:]).is_file() and ".." not in path
        ):
            kind = "text/plain" if path.endswith(".txt") else "text/html; charset=utf-8"
            self._send(200, (scoring.PAGES / path[7:]).read_bytes(), kind)
        elif path == "/news.html":
            self._send(200, (scoring.PAGES / "09_news_article.html").read_bytes())
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", "/clinic.html" if left == 0 else f"/hop/{left - 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/big.html":
            self._send(200, b"<p>" + b"x" * BIG + b"</p>")
        elif path == "/big-unannounced.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"y" * 65536
            for _ in range(BIG // len(chunk) + 2):
                self.wfile.write(chunk)
        else:
            self._send(404, b"not here")


@contextmanager
def serve() -> Iterator[str]:
    """Serve the test site on a free loopback port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
