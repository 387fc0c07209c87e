"""The WSGI entry point: `gunicorn wsgi:app`."""

from feeds import create_app

app = create_app()
