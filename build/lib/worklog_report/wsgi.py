"""WSGI entry point (gunicorn worklog_report.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worklog_report.settings")

application = get_wsgi_application()

# Import every view now, while the worker boots, instead of in the first request it serves
# (about half a second on a small server, paid again after each --max-requests restart).
get_resolver().url_patterns  # noqa: B018 - evaluated for its side effect
