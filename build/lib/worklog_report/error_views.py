"""The 500 handler: a database that does not answer is a 503 with a sentence, not a 500.

Django calls the handler from inside its `except` block, for exceptions of views and of
middleware alike (a session that cannot be saved, say), so `sys.exc_info()` says what failed.
"""

from __future__ import annotations

import sys

from django.http import HttpResponse
from django.template import loader
from django.views import defaults

from .database_outage import CONNECTION_ERRORS

RETRY_AFTER_SECONDS = 30


def server_error(request, template_name: str = defaults.ERROR_500_TEMPLATE_NAME):
    if isinstance(sys.exc_info()[1], CONNECTION_ERRORS):
        # Rendered without the request, like Django's 500: nothing here may need the database.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request, template_name)
