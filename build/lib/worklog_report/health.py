"""`/healthz` for load balancers and uptime checks: is the database answering, and how old
is the last successful sync of each kind.

200 whenever the database answers (a stale sync is reported, not fatal: the portal keeps
serving the last good data), 503 when it does not. No authentication, nothing secret: no
counts, hosts, versions or error texts.

It is answered by a middleware placed before SecurityMiddleware and CommonMiddleware, because
load balancers probe over plain HTTP and by the instance's address: the HTTPS redirect and
the ALLOWED_HOSTS check would otherwise turn every probe into a 301 or a 400.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.http import JsonResponse
from django.utils import timezone

PATHS = ("/healthz", "/healthz/")


def health_status() -> tuple[int, dict]:
    from sync.models import SyncRun

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        last_success = dict(
            SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED)
            .values_list("kind")
            .annotate(Max("finished_at"))
        )
    except DatabaseError:
        return 503, {"status": "unavailable", "database": "unreachable"}
    now = timezone.now()
    # Three missed periods in a row is worth a look; one slow run is not.
    stale_after = 3 * settings.SYNC_INTERVAL
    sync = {}
    for kind in SyncRun.Kind.values:
        finished = last_success.get(kind)
        age = int((now - finished).total_seconds()) if finished else None
        sync[kind] = {
            "last_success": finished.isoformat() if finished else None,
            "age_seconds": age,
            "stale": age is None or age > stale_after,
        }
    return 200, {"status": "ok", "database": "ok", "sync": sync}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PATHS and request.method in ("GET", "HEAD"):
            status, body = health_status()
            response = JsonResponse(body, status=status)
            response["Cache-Control"] = "no-store"
            response["X-Content-Type-Options"] = "nosniff"
            return response
        return self.get_response(request)
