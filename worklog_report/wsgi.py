"""WSGI entry point (gunicorn worklog_report.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worklog_report.settings")

application = get_wsgi_application()
