"""How soon a change in Tempo or Jira shows in a customer's report (docs/product.md §8).

`python -m bench.freshness` (and `make bench`, which runs it in a process of its own) starts
what production runs — the web server, the task worker and the periodic sync of the Procfile —
against a sandbox seeded with the demo, on a database of its own: a SQLite file, or, when
DATABASE_URL is PostgreSQL, a database named after it with ``_freshness`` appended (created
and dropped here). Then it makes changes in the sandbox, spread over time, each on its own
request — a Tempo worklog logged, edited or deleted, or a request renamed in Jira — and reads
the customer's report as CSV (through Django's test client, on the same database the worker
writes) until each change shows. The time from the sandbox's answer to the first report that
shows it is the change's delay.

Three scenarios, each on a fresh stack:

- **webhooks**: the app registers its Tempo subscriptions and its Jira webhook; the periodic
  sync runs at its production default (SYNC_INTERVAL, 900 s), so only webhooks can be fast.
  Target: p95 ≤ 60 s.
- **polling only**: no webhooks; the periodic sync every ``--poll`` seconds (default 30). The
  delay is up to one interval plus a sync: at the default 900 s it is up to 15 minutes.
- **webhooks, some dropped**: the sandbox drops a share of its webhooks (``--drop``, default
  0.3: never sent, as in an outage) and polling every ``--poll`` seconds catches them. Target:
  no change lost.

Results are printed and returned as a dict (``bench/run.py`` stores them in results.json).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.process import HOST, SandboxProcess, free_port, port_in_use  # noqa: E402

TARGET_P95_SECONDS = 60.0
PRODUCTION_INTERVAL = 900  # SYNC_INTERVAL's default (docs/product.md §9)


@dataclass(frozen=True)
class Scenario:
    name: str
    webhooks: bool
    interval: int  # seconds between two periodic syncs
    drop_rate: float = 0.0


@dataclass
class Change:
    """One change made in the sandbox and what the report must show once it arrived."""

    request_key: str
    kind: str  # "worklog created" | "worklog edited" | "worklog deleted" | "request renamed"
    column: str  # "Hours" or "Summary"
    expected: str
    made_at: float = 0.0
    seen_at: float | None = None

    @property
    def delay(self) -> float | None:
        return None if self.seen_at is None else self.seen_at - self.made_at


@dataclass
class Stack:
    """The Procfile's processes of one scenario, and the sandbox they talk to."""

    sandbox: SandboxProcess
    port: int
    env: dict[str, str]
    children: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.sandbox.stop()


def configure_django(database_url: str) -> None:
    from cryptography.fernet import Fernet

    os.environ["DJANGO_SETTINGS_MODULE"] = "worklog_report.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "freshness-" + secrets.token_urlsafe(32))
    os.environ.setdefault("ENCRYPTION_KEYS", Fernet.generate_key().decode())
    os.environ["ALLOWED_HOSTS"] = f"{HOST},localhost,testserver"
    os.environ["HTTPS_ONLY"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def database_for_run(workdir: Path) -> tuple[str, object]:
    """(DATABASE_URL of this run, a function dropping it afterwards)."""
    import environ

    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        config = environ.Env.db_url_config(base)
        name = f"{config['NAME']}_freshness"
        admin = {**config, "NAME": "postgres"}
        _postgres(admin, f'DROP DATABASE IF EXISTS "{name}"')
        _postgres(admin, f'CREATE DATABASE "{name}"')
        url = base.rsplit("/", 1)[0] + f"/{name}"
        return url, lambda: _postgres(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return f"sqlite:///{workdir / 'app.sqlite3'}", lambda: None


def _postgres(config: dict, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        dbname=config["NAME"],
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as connection:
        connection.execute(sql)


def start_stack(scenario: Scenario, workdir: Path) -> Stack:
    """A fresh sandbox with the demo, the app's database emptied and synced from it, a token
    stored, every project's report on with organization sharing, then the web server, the
    worker and the periodic sync started with this scenario's settings."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    sandbox = SandboxProcess(workdir / f"sandbox-{scenario.name.replace(' ', '-')}").start()
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    env = {
        **os.environ,
        "TEMPO_BASE_URL": sandbox.tempo_url,
        "JIRA_BASE_URL": sandbox.jira_url,
        "JIRA_EMAIL": sandbox.jira_email,
        "JIRA_API_TOKEN": sandbox.jira_api_token,
        "SITE_URL": base_url,
        "WEBHOOK_BASE_URL": base_url,
        "WEBHOOKS": "1" if scenario.webhooks else "0",
        "SYNC_INTERVAL": str(scenario.interval),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("TEMPO_BASE_URL", "JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "SITE_URL"):
        setattr(settings, name, env[name])
    settings.WEBHOOK_BASE_URL = base_url
    settings.WEBHOOKS = scenario.webhooks
    stack = Stack(sandbox, port, env)
    try:
        _prepare_data(sandbox)
        if scenario.drop_rate:
            sandbox.client.set_webhooks(drop_rate=scenario.drop_rate, seed=19)
        manage = [sys.executable, str(ROOT / "manage.py")]
        logs = workdir / "logs"
        logs.mkdir(exist_ok=True)
        for name, command in (
            ("web", ["runserver", f"{HOST}:{port}", "--noreload"]),
            ("worker", ["worker"]),
            ("sync", ["sync", "--loop", str(scenario.interval)]),
        ):
            log = (logs / f"{scenario.name.replace(' ', '-')}-{name}.log").open("w")
            stack.children.append(
                subprocess.Popen(  # noqa: S603
                    [*manage, *command], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
                )
            )
        _wait_for_port(port)
        if scenario.webhooks:
            _register_webhooks(sandbox)
        return stack
    except BaseException:
        stack.stop()
        raise


def _prepare_data(sandbox: SandboxProcess) -> None:
    from django.contrib.auth import get_user_model

    from jsm.models import JiraProject
    from portal.models import ReportSettings
    from sync.runs import sync_jira, sync_tempo
    from tempo_integration.models import TempoIntegration

    run = sync_jira()
    assert run.status == "succeeded", run.error
    admin, _ = get_user_model().objects.get_or_create(username="freshness-admin", is_staff=True)
    token = sandbox.client.mint_token(name="freshness", scopes={"worklogs": "view"})
    for project in JiraProject.objects.all():
        report_settings = ReportSettings.for_project(project)
        report_settings.enabled = True
        report_settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
        report_settings.save()
    TempoIntegration.store(token, admin)
    run = sync_tempo(full=True)
    assert run.status == "succeeded", run.error


def _register_webhooks(sandbox: SandboxProcess, timeout: float = 60.0) -> None:
    """Wait until the worker has registered the Tempo subscriptions and the Jira webhook
    (queued when the token was stored and on the sync loop's first tick)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = sandbox.client.webhook_state(deliveries=0)
        tempo = [s for s in state["tempo_subscriptions"] if s["active"]]
        jira = state["jira_webhooks"]
        if len(tempo) >= 3 and jira:
            return
        time.sleep(0.5)
    raise RuntimeError(f"The app registered no webhooks within {timeout:.0f} s: {state}")


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not port_in_use(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"The web server did not listen on port {port}.")
        time.sleep(0.2)


def plan_changes(count: int, rng: random.Random):
    """``count`` requests the largest organization shares, one change each, and the report
    client of one of its members: (client, url, [(request, kind)])."""
    from django.test import Client
    from django.utils import timezone

    from jsm.models import Customer, JiraProject, Organization, Request
    from tempo_integration.models import Worklog

    organization = max(Organization.objects.all(), key=lambda o: o.requests.count())
    member = Customer.objects.filter(organizations=organization, user__isnull=False).first()
    project = max(
        JiraProject.objects.all(),
        key=lambda p: Request.objects.filter(project=p, organizations=organization).count(),
    )
    with_worklogs = set(
        Worklog.objects.filter(request__project=project, billable_seconds__gt=0).values_list(
            "request_id", flat=True
        )
    )
    candidates = list(
        Request.objects.filter(project=project, organizations=organization, pk__in=with_worklogs)
        .order_by("key")
        .distinct()
    )
    rng.shuffle(candidates)
    kinds = ("worklog created", "worklog edited", "worklog deleted", "request renamed")
    chosen = [(request, kinds[i % len(kinds)]) for i, request in enumerate(candidates[:count])]
    today = timezone.localdate()
    url = (
        f"/portal/{project.key}/worklog-report/?scope=organization&format=csv"
        f"&from={today - dt.timedelta(days=730):%Y-%m-%d}&to={today:%Y-%m-%d}"
    )
    client = Client()
    client.force_login(member.user)
    return client, url, chosen


def read_report(client, url: str) -> dict[str, dict[str, str]]:
    """The report's CSV rows by request key: {"ITSD-12": {"Summary": …, "Hours": "1.50"}}."""
    response = client.get(url, secure=True)
    assert response.status_code == 200, response.status_code
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    return {row["Request"]: row for row in rows if row["Request"] != "Total"}


def make_change(sandbox: SandboxProcess, request, kind: str, index: int, report) -> Change:
    """Change ``request`` in the sandbox and say what its report row must then show."""
    from portal.templatetags.hours import decimal_hours
    from tempo_integration.models import Worklog

    hours = report.get(request.key, {}).get("Hours", "0.00")
    seconds = round(float(hours) * 3600)
    if kind == "request renamed":
        summary = f"{request.summary[:60]} (renamed {index})"
        change = Change(request.key, kind, "Summary", summary)
        change.made_at = time.monotonic()
        sandbox.client.update_request(request.jira_id, summary=summary)
        return change
    # A worklog with billable hours: deleting or editing it changes the request's hours.
    worklog = (
        Worklog.objects.filter(request=request, billable_seconds__gt=0)
        .order_by("-start_date", "tempo_id")
        .first()
    )
    if kind == "worklog created":
        added = 900 * (1 + index % 8)
        change = Change(request.key, kind, "Hours", decimal_hours(seconds + added))
        change.made_at = time.monotonic()
        sandbox.client.create_tempo_worklog(request.key, added, billable_seconds=added)
    elif kind == "worklog edited":
        new = worklog.billable_seconds + 1800
        change = Change(request.key, kind, "Hours", decimal_hours(seconds + 1800))
        change.made_at = time.monotonic()
        sandbox.client.update_tempo_worklog(worklog.tempo_id, billable_seconds=new)
    else:
        change = Change(
            request.key, kind, "Hours", decimal_hours(seconds - worklog.billable_seconds)
        )
        change.made_at = time.monotonic()
        sandbox.client.delete_tempo_worklog(worklog.tempo_id)
    return change


def run_scenario(
    scenario: Scenario, workdir: Path, changes: int, spread: float, timeout: float
) -> dict:
    """Start the stack, make ``changes`` changes spread evenly over ``spread`` seconds,
    watch the report until each shows (or ``timeout`` after it was made), stop the stack."""
    rng = random.Random(19)  # noqa: S311 - a repeatable choice of requests, not a secret
    stack = start_stack(scenario, workdir)
    try:
        client, url, plan = plan_changes(changes, rng)
        report = read_report(client, url)
        made: list[Change] = []
        gap = spread / max(1, len(plan))
        next_change = time.monotonic()
        pending = list(plan)
        while True:
            now = time.monotonic()
            if pending and now >= next_change:
                request, kind = pending.pop(0)
                made.append(make_change(stack.sandbox, request, kind, len(made), report))
                next_change = now + gap
            report = read_report(client, url)
            seen = time.monotonic()
            for change in made:
                row = report.get(change.request_key, {})
                shown = row.get(change.column, "0.00" if change.column == "Hours" else "")
                if change.seen_at is None and shown == change.expected:
                    change.seen_at = seen
            if not pending and all(
                c.seen_at is not None or seen - c.made_at > timeout for c in made
            ):
                break
            time.sleep(0.1)
        events = _events_received(stack)
    finally:
        stack.stop()
    delays = sorted(c.delay for c in made if c.delay is not None)
    return {
        "scenario": scenario.name,
        "webhooks": scenario.webhooks,
        "sync_interval_s": scenario.interval,
        "drop_rate": scenario.drop_rate,
        "changes": len(made),
        "lost": sum(1 for c in made if c.seen_at is None),
        "p50_s": _percentile(delays, 50),
        "p95_s": _percentile(delays, 95),
        "max_s": delays[-1] if delays else None,
        "by_kind": {
            kind: _percentile(sorted(c.delay for c in made if c.kind == kind and c.delay), 95)
            for kind in sorted({c.kind for c in made})
        },
        "webhook_events": events,
    }


def _events_received(stack: Stack) -> dict:
    """What the sandbox says it sent (and dropped) during the scenario."""
    try:
        state = stack.sandbox.client.webhook_state(deliveries=10_000)
    except Exception:  # noqa: BLE001 - a figure for the table, never a failure of the bench
        return {}
    outcomes: dict[str, int] = {}
    for delivery in state.get("deliveries", []):
        outcomes[delivery.get("outcome", "?")] = outcomes.get(delivery.get("outcome", "?"), 0) + 1
    return outcomes


def _percentile(values: list[float], percent: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def measure(changes: int = 20, poll: int = 30, drop: float = 0.3) -> dict:
    """Every scenario on a fresh stack; {"scenarios": [...], "target_p95_s": 60, ...}."""
    scenarios = [
        Scenario("webhooks", webhooks=True, interval=PRODUCTION_INTERVAL),
        Scenario("polling only", webhooks=False, interval=poll),
        Scenario("webhooks, some dropped", webhooks=True, interval=poll, drop_rate=drop),
    ]
    with tempfile.TemporaryDirectory(prefix="freshness-") as tmp:
        workdir = Path(tmp)
        url, drop_database = database_for_run(workdir)
        configure_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        # The release step's cache table: the pages read their reports from it, as in
        # production, so a change must get past the report cache to count as seen.
        call_command("createcachetable", verbosity=0)
        try:
            results = []
            for scenario in scenarios:
                print(f"Measuring freshness: {scenario.name}…", flush=True)
                # Polling needs two intervals to be sure every change met a whole sync.
                timeout = 2 * scenario.interval + 30 if scenario.interval < 900 else 90
                spread = scenario.interval if scenario.interval < 900 else changes * 0.5
                results.append(run_scenario(scenario, workdir, changes, spread, timeout))
        finally:
            from django.db import connections

            connections.close_all()
            drop_database()
    from django.db import connection

    return {
        "database": connection.vendor,
        "target_p95_s": TARGET_P95_SECONDS,
        "production_interval_s": PRODUCTION_INTERVAL,
        "scenarios": results,
    }


def print_table(results: dict) -> None:
    print(
        "\nfreshness: from a change in the sandbox to the customer's report "
        f"({results['database']})"
    )
    print(f"{'scenario':<28}{'changes':>9}{'lost':>6}{'p50':>9}{'p95':>9}{'max':>9}  target")
    for s in results["scenarios"]:
        target = (
            f"p95 <= {results['target_p95_s']:.0f} s"
            if s["webhooks"] and not s["drop_rate"]
            else "0 lost"
            if s["drop_rate"]
            else f"up to one interval ({s['sync_interval_s']} s) + a sync"
        )

        def cell(value):
            return "-" if value is None else f"{value:.1f} s"

        print(
            f"{s['scenario']:<28}{s['changes']:>9}{s['lost']:>6}{cell(s['p50_s']):>9}"
            f"{cell(s['p95_s']):>9}{cell(s['max_s']):>9}  {target}"
        )
    print(
        f"polling alone at the production SYNC_INTERVAL ({results['production_interval_s']} s) "
        "waits up to that long plus one sync."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=20, help="changes per scenario")
    parser.add_argument("--poll", type=int, default=30, help="SYNC_INTERVAL when polling")
    parser.add_argument("--drop", type=float, default=0.3, help="share of webhooks dropped")
    parser.add_argument("--out", help="write the results here as JSON")
    args = parser.parse_args(argv)
    results = measure(args.changes, args.poll, args.drop)
    print_table(results)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(s["lost"] == 0 for s in results["scenarios"]) else 1


if __name__ == "__main__":
    sys.exit(main())
