"""gunicorn's answers to requests it refuses before the site sees them (an over-long
request line, malformed headers): the site's own short page, and no server banner."""

from __future__ import annotations

import html
import socket

from gunicorn import util
from gunicorn.http import wsgi

SERVER_HEADER = "directory"

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{status} {reason}</title></head>
<body>
<p><strong>In crisis? Call or text 988</strong> (Suicide &amp; Crisis Lifeline).
In an emergency, call 911.</p>
<h1>{status} {reason}</h1>
<p>The request could not be read. Go back to the <a href="/">home page</a> and try again.</p>
</body>
</html>
"""


def write_error(sock: socket.socket, status_int: int, reason: str, _mesg: str) -> None:
    """Write a short HTML error without echoing the refused request back."""
    body = PAGE.format(status=status_int, reason=html.escape(reason)).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


def install() -> None:
    """Replace gunicorn's error writer and Server header for this process and its workers."""
    util.write_error = write_error
    wsgi.SERVER = SERVER_HEADER
