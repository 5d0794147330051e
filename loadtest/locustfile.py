"""Customers of the Worklog Report under load (`make loadtest`, issue 8 item 8).

Each simulated customer signs in once, like a real visit (GET the sign-in page for the CSRF
cookie, POST the e-mail address and password), then keeps using the portal: the project
list, the Worklog Report with its period presets and the organization scope, a request
expanded to its worklogs (the fragment the page fetches) and now and then the CSV. The task
weights follow that use: mostly the report, often an expanded request, rarely the export.

Every answer but a 200 is a failure; so is a sign-in that does not end in the redirect to
the home page (Django answers a wrong password with the form again, as a 200), and a
report that is not the report. Redirects are never followed, so a lost session (302 to the
sign-in page) counts as a failure too.

Environment: LOAD_ACCOUNTS (comma-separated e-mail addresses; `scripts/loadtest.py` passes
every synced customer who can see requests), LOAD_PASSWORD (default `demo`) and LOAD_SAMPLES
(a file that receives every request as a JSON line — start, type, name, milliseconds, error —
from which `scripts/loadtest.py` computes exact percentiles). The host must be a loopback
address: anything else stops locust before the first request.

    locust -f loadtest/locustfile.py --headless -u 50 -r 1 --run-time 120s \
        --host http://127.0.0.1:8000
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
from urllib.parse import urlsplit

from locust import FastHttpUser, between, events, task

DEMO_ACCOUNTS = "alice@acme.example,bob@acme.example,carol@globex.example"
ACCOUNTS = [
    a.strip() for a in os.environ.get("LOAD_ACCOUNTS", DEMO_ACCOUNTS).split(",") if a.strip()
]
PASSWORD = os.environ.get("LOAD_PASSWORD", "demo")
PROJECT = os.environ.get("LOAD_PROJECT", "ITSD")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

REPORT = f"/portal/{PROJECT}/worklog-report/"
LOGIN = "/accounts/login/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The expand links of the report's rows, with the period of the page they are on.
EXPAND_LINK = re.compile(
    r'href="(/portal/[A-Z][A-Z0-9_]*/worklog-report/[A-Z][A-Z0-9_]*-\d+/\?[^"]*)"'
)
# Something only the report page has, whether or not the period has hours.
REPORT_MARKER = 'id="total-title"'

_accounts = itertools.count()


@events.init.add_listener
def loopback_only(environment, **kwargs) -> None:
    """Refuse to start against anything but this machine (an exception here exits 1)."""
    host = urlsplit(environment.host or "").hostname
    if host not in LOOPBACK:
        raise ValueError(f"The load test only runs against a loopback address, not {host!r}.")


_samples: list[tuple[float, str, str, float, str]] = []


@events.request.add_listener
def record(request_type, name, response_time, exception=None, start_time=None, **kwargs) -> None:
    _samples.append((start_time or 0.0, request_type, name, response_time, str(exception or "")))


@events.test_stop.add_listener
def write_samples(environment, **kwargs) -> None:
    path = os.environ.get("LOAD_SAMPLES")
    if not path:
        return
    with open(path, "w") as out:
        for start, method, name, ms, error in _samples:
            sample = {"start": start, "method": method, "name": name, "ms": ms, "error": error}
            out.write(json.dumps(sample) + "\n")


class Customer(FastHttpUser):
    # FastHttpUser (geventhttpclient), not HttpUser (requests): the load generator shares the
    # machine's CPUs with the server it measures, and locust's documentation ("Increase
    # performance with a faster HTTP client") gives FastHttpUser a fraction of HttpUser's
    # CPU per request. Cookies (session, CSRF) are kept per customer as with HttpUser.

    # Seconds between two pages: far less than a person reading a report needs.
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.username = ACCOUNTS[next(_accounts) % len(ACCOUNTS)]
        self.expand_links: list[str] = []
        self.sign_in()
        self.portal_home()

    # -- helpers ----------------------------------------------------------------------

    def get(self, url: str, name: str, check=None, **kwargs):
        """GET without following redirects. Anything but a 200 is a failure, and so is a 200
        for which `check(response)` returns a reason."""
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "")
                response.failure(f"{response.status_code} {where}".strip())
            elif check is not None and (reason := check(response)):
                response.failure(reason)
            else:
                response.success()
            return response

    def sign_in(self) -> None:
        page = self.get(LOGIN, "sign in: GET /accounts/login/")
        match = CSRF_INPUT.search(page.text or "")
        token = match.group(1) if match else self._cookie("csrftoken")
        with self.client.post(
            LOGIN,
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}{LOGIN}"},
            name="sign in: POST /accounts/login/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # Success is Django's redirect to the home page; a 200 is the form again (wrong
            # password), a 429 the lockout, a 403 a CSRF refusal.
            if response.status_code == 302 and response.headers.get("Location") == "/":
                response.success()
            else:
                response.failure(f"sign-in of {self.username} answered {response.status_code}")

    def _cookie(self, name: str) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == name), "")

    def report(self, query: str, name: str) -> None:
        response = self.get(f"{REPORT}{query}", name, check=not_the_report)
        links = [html.unescape(link) for link in EXPAND_LINK.findall(response.text or "")]
        if links:
            self.expand_links = links

    # -- what customers do ------------------------------------------------------------

    @task(2)
    def portal_home(self) -> None:
        self.get("/portal/", "/portal/")

    @task(4)
    def report_this_month(self) -> None:
        self.report("", f"{REPORT} (this month)")

    @task(3)
    def report_last_3_months(self) -> None:
        self.report("?period=last_3_months", f"{REPORT}?period=last_3_months")

    @task(2)
    def report_this_year(self) -> None:
        self.report("?period=this_year", f"{REPORT}?period=this_year")

    @task(3)
    def report_organization(self) -> None:
        query = "?period=this_year&scope=organization"
        self.report(query, f"{REPORT}{query}")

    @task(5)
    def expand_request(self) -> None:
        if not self.expand_links:
            self.report_this_year()  # find some requests first, like a person would
            return
        self.get(
            random.choice(self.expand_links),  # noqa: S311 - not cryptography
            f"{REPORT}[KEY]/ (expand, fetch)",
            headers={"X-Requested-With": "fetch"},
        )

    @task(1)
    def export_csv(self) -> None:
        query = "?period=this_year&scope=organization&format=csv"
        self.get(f"{REPORT}{query}", f"{REPORT}{query}", check=not_a_csv)


def not_the_report(response) -> str | None:
    return None if REPORT_MARKER in response.text else "not the Worklog Report"


def not_a_csv(response) -> str | None:
    content_type = response.headers.get("Content-Type", "")
    return None if content_type.startswith("text/csv") else f"not a CSV: {content_type}"
