"""gunicorn settings for `make serve`: workers for the cores, JSON logs, graceful stops."""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any

from directory import plain_errors
from directory.logs import LOGCONFIG

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: each request holds a worker while it waits on the database, so use
# more workers than cores.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20  # on SIGTERM, finish the requests in flight before exiting
keepalive = 5
# A worker is started again after some 50,000 requests, against a library that leaks. Not
# more often: a new worker starts with nothing kept (cards, pages, prices), and what a
# worker keeps is bounded; at 100,000 clinics its private memory levelled off at about
# 240 MB after 20,000 mixed pages.
max_requests = 50_000
max_requests_jitter = 5_000
limit_request_line = 4094
limit_request_fields = 100
preload_app = True
# Keep the request-line limit, but answer it (and every other malformed request) with the
# site's own plain page, and do not announce the server software.
limit_request_field_size = 8190
logconfig_dict = LOGCONFIG
accesslog = "-"
access_log_format = (
    '{"remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", "query": "%(q)s", '
    '"status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, "agent": "%(a)s"}'
)


def on_starting(server: Any) -> None:
    """Check the loaded application's settings against the number of workers."""
    from directory.config import check_worker_storage

    app = server.app.wsgi()
    check_worker_storage(app.config, server.cfg.workers)


def when_ready(server: Any) -> None:
    """Compile the templates, read the languages and the search points in the master,
    once, before the first workers fork: every worker shares them, and one started again
    after `max_requests` shows its first pages as fast as the others (a first search page
    took some 330 ms, 45 ms with them)."""
    from directory import i18n, template_code
    from directory.search import band_points

    app = server.app.wsgi()
    template_code.compile_all(app)
    i18n.load_languages(app)
    band_points.read_all(app)


def pre_fork(server: Any, worker: Any) -> None:
    """Set the preloaded application's objects apart from the garbage collector's: a full
    collection in a worker then walks only the objects the worker made (its kept pieces),
    not the hundred and fifty thousand every worker shares, which took some 60 to 170 ms a
    pause. Their memory also stays shared with the master, as collections no longer write
    to it."""
    gc.freeze()


plain_errors.install()
