"""The WSGI entry point for gunicorn: `gunicorn directory.wsgi:app`."""

from directory import create_app

app = create_app()
