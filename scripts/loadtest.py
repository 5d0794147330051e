"""`make loadtest`: concurrent customers against the production stack (issue 8 item 8).

Starts what `make serve` starts for the web — the Procfile's release step and its gunicorn,
DEBUG off, on PostgreSQL — in a database of its own (LOADTEST_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/worklog_loadtest, created when missing) and with the
sandbox seeded at one of the benchmark's sizes (LOAD_SIZE): `50k` (the default: 2,000
requests, 50,000 Tempo worklogs, mostly Acme's, in ITSD and SUP) or `500k` (20,000 requests,
500,000 Tempo worklogs in 10 service desks and 50 organizations; the seeded sandbox database
is kept between runs, like `make bench` keeps it: bench/seed_cache.py). It syncs Jira and
Tempo (a sandbox token stored like `make bench` does, every JSM project enabled with
organization sharing), gives the customers the password `demo`, waits for /healthz, then runs
locust headless (loadtest/locustfile.py, on ITSD's report) on loopback:

    LOAD_SIZE    `50k` (default) or `500k`
    LOAD_USERS   concurrent customers, default 50 (at most 200)
    LOAD_SPAWN_RATE  customers arriving per second, default 1 (0.1 to 50): all 50 are in
                 after 50 s; `10` is the sign-in burst of all of them within 5 s
    LOAD_TIME    seconds of load, default 120 (`90`, `90s` or `2m`; at most 600)
    GUNICORN_WORKERS (or WEB_CONCURRENCY)   web workers, default 4

It prints requests per second, p50/p95/p99 latency and the errors for the whole run and per
request type, writes bench/load.json (bench/load-500k.json at 500k), and exits 1 when a
target is missed: 0 errors, and p95 under 300 ms for the pages customers open once signed in
(every request but the two of the sign-in itself, whose cost is the password hash's: README,
Load test). Everything it started is stopped at the end, on failure and on Ctrl-C. Logs of
the web server, the sandbox and locust are in var/loadtest/.

The worker and the periodic sync of the Procfile are not started: nothing queues tasks while
customers read reports, and a sync in the middle would make two runs differ.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from run_dev import HOST, step, stop
from serve import ROOT, VENV_BIN, ensure_database, local_secrets, read_procfile

from bench.machine import python_speed
from bench.seed_cache import seeded_sandbox
from sandbox.process import SandboxProcess, SandboxStartError, free_port, port_in_use

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/worklog_loadtest"
DATA_DIR = ROOT / "var" / "loadtest"
LOCUSTFILE = ROOT / "loadtest" / "locustfile.py"
PROJECT = "ITSD"  # the report the customers of loadtest/locustfile.py open
# LOAD_SIZE → (seed_demo arguments, results file).
SIZES = {
    "50k": (["--requests", "2000", "--worklogs", "50000"], ROOT / "bench" / "load.json"),
    "500k": (["--requests", "20000", "--worklogs", "500000"], ROOT / "bench" / "load-500k.json"),
}
PASSWORD = "demo"
LOOPBACK = {"", "127.0.0.1", "localhost", "::1"}  # "": a Unix socket

USERS, MAX_USERS = 50, 200
SECONDS, MAX_SECONDS = 120, 600
# Customers arriving per second. One a second is already far more sign-ins than a service
# provider's portal sees (sessions last two weeks); 10 a second is the burst of them all.
SPAWN_RATE, MIN_SPAWN_RATE, MAX_SPAWN_RATE = 1.0, 0.1, 50.0
WORKERS = 4
TARGET_ERRORS = 0
TARGET_P95_MS = 300
THINK_TIME = "1-5 s between pages"  # loadtest/locustfile.py: Customer.wait_time
SIGN_IN = "sign in:"  # how the locustfile names the two sign-in requests


class LoadTestError(Exception):
    """Something the load test needs did not work; the message says what."""


def load_size(environ: dict[str, str]) -> str:
    """LOAD_SIZE: `50k` (default) or `500k`."""
    size = environ.get("LOAD_SIZE", "").strip().lower() or "50k"
    if size not in SIZES:
        raise LoadTestError(f"LOAD_SIZE must be one of {', '.join(SIZES)}, not {size!r}.")
    return size


def load_limits(environ: dict[str, str]) -> tuple[int, int, float]:
    """(users, seconds, spawn rate) from LOAD_USERS, LOAD_TIME and LOAD_SPAWN_RATE, kept
    within 1..200, 1..600 and 0.1..50 (never more arrivals per second than customers)."""
    users_text = environ.get("LOAD_USERS", "").strip() or str(USERS)
    time_text = environ.get("LOAD_TIME", "").strip().lower() or str(SECONDS)
    rate_text = environ.get("LOAD_SPAWN_RATE", "").strip() or str(SPAWN_RATE)
    if not users_text.isdigit():
        raise LoadTestError(f"LOAD_USERS must be a whole number, not {users_text!r}.")
    match = re.fullmatch(r"(\d+)\s*(s|m)?", time_text)
    if not match:
        raise LoadTestError("LOAD_TIME must be seconds (`90`, `90s`) or minutes (`2m`).")
    if not re.fullmatch(r"\d+(\.\d+)?", rate_text):
        raise LoadTestError(
            f"LOAD_SPAWN_RATE must be customers per second (`1`, `0.5`), not {rate_text!r}."
        )
    seconds = int(match.group(1)) * (60 if match.group(2) == "m" else 1)
    users = min(max(int(users_text), 1), MAX_USERS)
    rate = min(max(float(rate_text), MIN_SPAWN_RATE), MAX_SPAWN_RATE, float(users))
    return users, min(max(seconds, 1), MAX_SECONDS), rate


def require_loopback(url: str) -> None:
    """The load test talks to nothing but this machine: refuse another database host."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise LoadTestError(
            f"LOADTEST_DATABASE_URL must point at this machine (127.0.0.1), not {host!r}."
        )


def stack_environment(port: int, sandbox: SandboxProcess) -> dict[str, str]:
    """The environment of `make serve` (scripts/serve.py) for the load test's own database,
    port, static folder and sandbox."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for key, value in local_secrets().items():
        env.setdefault(key, value)
    workers = env.get("GUNICORN_WORKERS") or env.get("WEB_CONCURRENCY") or str(WORKERS)
    env.update(
        {
            "DEBUG": "0",
            "PORT": str(port),
            "BIND_ADDRESS": HOST,
            "PYTHONUNBUFFERED": "1",
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "DATABASE_URL": env.get("LOADTEST_DATABASE_URL") or DEFAULT_DATABASE_URL,
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "HTTPS_ONLY": "0",  # plain HTTP on loopback, as `make serve`
            "GUNICORN_WORKERS": workers,
            "STATIC_ROOT": str(DATA_DIR / "staticfiles"),
            "TEMPO_BASE_URL": sandbox.tempo_url,
            "JIRA_BASE_URL": sandbox.jira_url,
            "JIRA_EMAIL": sandbox.jira_email,
            "JIRA_API_TOKEN": sandbox.jira_api_token,
            "SANDBOX_URL": sandbox.url,
        }
    )
    return env


def prepare_data(sandbox: SandboxProcess) -> dict:
    """In this process, on the load test's database: sync Jira, store a sandbox token,
    enable every JSM project with organization sharing, sync every Tempo worklog, and give
    the customers who see requests in ITSD their password. Returns the data size and the
    accounts to sign in with."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worklog_report.settings")
    os.environ["LOG_LEVEL"] = "WARNING"  # this process only: no log line per synced page
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import get_hasher, make_password
    from django.core.management import call_command
    from django.db import connection

    from jsm.models import JiraProject, Request
    from portal.models import ReportSettings
    from portal.visibility import ORGANIZATION, requests_visible_to
    from sync.locks import SyncAlreadyRunning
    from sync.runs import sync_jira, sync_tempo
    from tempo_integration.models import TempoIntegration, Worklog

    try:
        run = sync_jira(full=True)
    except SyncAlreadyRunning:
        raise LoadTestError(
            "A sync of the load test's database still holds its lock (an earlier run killed "
            "with SIGKILL?); it expires within SYNC_LOCK_SECONDS (5 minutes). Try again then."
        ) from None
    if run.status != "succeeded":
        raise LoadTestError(f"The Jira sync failed: {run.error}")
    # The demo sign-ins (admin/admin; alice, bob and carol with `demo`) and contract.
    call_command("seed_demo", force=True)
    User = get_user_model()
    admin = User.objects.get(username="admin")
    token = sandbox.client.mint_token(name="make loadtest", scopes={"worklogs": "view"})
    TempoIntegration.store(token, admin)
    projects = list(JiraProject.objects.order_by("key"))
    if PROJECT not in {p.key for p in projects}:
        raise LoadTestError(f"The sandbox's Jira did not give the project {PROJECT}.")
    for project in projects:
        settings = ReportSettings.for_project(project)
        settings.enabled = True
        settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
        settings.save()
    run = sync_tempo(full=True)
    if run.status != "succeeded":
        raise LoadTestError(f"The Tempo sync failed: {run.error}")
    if connection.vendor == "postgresql":
        # Every run's full sync rewrites each row, and autovacuum may be off (it is on the
        # CI server): compact the tables and gather the planner's statistics, so each run
        # starts from the state a well-kept production database is in.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (FULL, ANALYZE)")

    # Every active customer account that sees requests in ITSD (the report the load opens)
    # signs in with the demo password; alice, bob and carol first. One hash for all.
    customers = User.objects.filter(
        is_active=True, is_staff=False, jsm_customer__active=True
    ).exclude(email="")
    itsd = JiraProject.objects.select_related("report_settings").get(key=PROJECT)
    accounts = [
        user
        for user in customers.order_by("email")
        if requests_visible_to(user, itsd, itsd.report_settings, ORGANIZATION).exists()
        or requests_visible_to(user, itsd, itsd.report_settings).exists()
    ]
    User.objects.filter(pk__in=[u.pk for u in accounts]).update(password=make_password(PASSWORD))
    demo = ["alice@acme.example", "bob@acme.example", "carol@globex.example"]
    others = sorted(u.email for u in accounts if u.email not in demo)
    emails = [e for e in demo if any(u.email == e for u in accounts)] + others
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT 1")
        version = cursor.fetchone()[0]
    database = f"PostgreSQL {version}" if connection.vendor == "postgresql" else connection.vendor
    size = {
        "requests": Request.objects.filter(project__in=projects).count(),
        "worklogs": Worklog.objects.filter(request__project__in=projects).count(),
        "accounts": len(emails),
    }
    hasher = get_hasher()
    iterations = getattr(hasher, "iterations", None)
    connection.close()
    return {
        "database": database,
        "size": size,
        "accounts": emails,
        "hasher": f"{hasher.algorithm}" + (f", {iterations:,} iterations" if iterations else ""),
    }


def wait_until_healthy(url: str, web: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise LoadTestError(f"gunicorn exited with code {web.returncode} while starting.")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise LoadTestError(f"{url}/healthz did not answer 200 within {timeout:.0f} s.")


def children_cpu_seconds() -> float:
    """User + system CPU of every child process this one has waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_cpu_times() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def run_locust(
    url: str, users: int, seconds: int, rate: float, env: dict[str, str]
) -> tuple[list[dict], float, float]:
    """Run locust headless for `seconds` (killed if it overruns); return every request made,
    the CPU seconds locust itself used, and how busy the whole machine was meanwhile (%)."""
    samples = DATA_DIR / "samples.jsonl"
    samples.unlink(missing_ok=True)
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        f"{rate:g}",
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        url,
        "--only-summary",
        "--exit-code-on-error",
        "0",
    ]
    env = {**env, "LOAD_SAMPLES": str(samples)}
    cpu_before = children_cpu_seconds()
    busy_before, total_before = machine_cpu_times()
    with (DATA_DIR / "locust.log").open("w") as log:
        locust = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603
        try:
            locust.wait(timeout=seconds + 90)
        except subprocess.TimeoutExpired:
            raise LoadTestError("locust did not stop on time; it was killed.") from None
        finally:
            stop(locust)
    if locust.returncode != 0 or not samples.exists():
        raise LoadTestError(
            f"locust failed (exit {locust.returncode}); see {DATA_DIR / 'locust.log'}."
        )
    busy_after, total_after = machine_cpu_times()
    busy, total = busy_after - busy_before, total_after - total_before
    requests = [json.loads(line) for line in samples.read_text().splitlines() if line]
    return requests, children_cpu_seconds() - cpu_before, 100 * busy / total if total else 0.0


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (the value p % of the requests do not exceed)."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def span(samples: list[dict]) -> float:
    """Seconds from the first request's start to the last one's end."""
    if not samples:
        return 0.0
    first = min(s["start"] for s in samples)
    return max(s["start"] + s["ms"] / 1000 for s in samples) - first


def figures(samples: list[dict], seconds: float | None = None) -> dict:
    """Requests, errors, requests per second (over `seconds`, else their own span),
    p50/p95/p99, mean and max of `samples`."""
    if not samples:
        return {"requests": 0, "errors": 0}
    ms = sorted(s["ms"] for s in samples)
    seconds = seconds or span(samples)
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if s["error"]),
        "rps": {"value": round(len(samples) / max(seconds, 1e-9), 2), "unit": "requests/s"},
        **{f"p{p}": {"value": round(percentile(ms, p), 1), "unit": "ms"} for p in (50, 95, 99)},
        "mean": {"value": round(sum(ms) / len(ms), 1), "unit": "ms"},
        "max": {"value": round(ms[-1], 1), "unit": "ms"},
    }


def summarise(samples: list[dict]) -> dict:
    """The whole run; without the two sign-in requests; after the last customer signed in;
    per request type; and the errors."""
    sign_ins = [s for s in samples if s["name"].startswith(SIGN_IN)]
    signed_in_at = max((s["start"] + s["ms"] / 1000 for s in sign_ins), default=0.0)
    first = min((s["start"] for s in samples), default=0.0)
    names = sorted({(s["method"], s["name"]) for s in samples})
    errors: dict[tuple[str, str, str], int] = {}
    for s in samples:
        if s["error"]:
            key = (s["method"], s["name"], s["error"])
            errors[key] = errors.get(key, 0) + 1
    run = span(samples)
    steady = [s for s in samples if s["start"] >= signed_in_at]
    steady_span = span(steady)
    return {
        "total": figures(samples),
        "without_sign_in": figures([s for s in samples if not s["name"].startswith(SIGN_IN)], run),
        "after_sign_in": {
            "from": {"value": round(max(signed_in_at - first, 0), 1), "unit": "s into the run"},
            **figures(steady),
        },
        "per_request": [
            {
                "method": method,
                "name": name,
                **figures([s for s in samples if (s["method"], s["name"]) == (method, name)], run),
            }
            for method, name in names
        ],
        "per_request_after_sign_in": [
            {
                "method": method,
                "name": name,
                **figures(
                    [s for s in steady if (s["method"], s["name"]) == (method, name)], steady_span
                ),
            }
            for method, name in names
            if not name.startswith(SIGN_IN)
        ],
        "failures": [
            {"method": m, "name": n, "error": e, "count": c} for (m, n, e), c in errors.items()
        ],
    }


def print_results(summary: dict) -> None:
    steady = {(r["method"], r["name"]): r for r in summary["per_request_after_sign_in"]}

    def ms(f: dict, key: str) -> str:
        return f"{f[key]['value']:>7.0f}" if f.get("requests") else f"{'–':>7}"

    def line(name: str, f: dict, after: dict | None = None) -> str:
        cells = " ".join(ms(f, k) for k in ("p50", "p95", "p99"))
        rps = f"{f['rps']['value']:>7.2f}" if f["requests"] else f"{'–':>7}"
        text = f"{name[:80]:<80} {f['requests']:>6} {f['errors']:>6} {rps} {cells}"
        return text + (f" | {ms(after, 'p50')} {ms(after, 'p95')}" if after is not None else "")

    header = f"{'request':<80} {'count':>6} {'errors':>6} {'req/s':>7} "
    print(f"\n{'':<121}| after sign-in")
    print(f"{header}{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} | {'p50 ms':>7} {'p95 ms':>7}")
    for row in sorted(summary["per_request"], key=lambda r: -r["requests"]):
        key = (row["method"], row["name"])
        print(line(f"{row['method']} {row['name']}", row, steady.get(key)))
    print("-" * 141)
    print(line("whole run", summary["total"]))
    print(line("  without the sign-in (GET and POST /accounts/login/)", summary["without_sign_in"]))
    after = summary["after_sign_in"]
    print(line(f"  after every customer signed in ({after['from']['value']:.0f} s on)", after))
    for failure in summary["failures"]:
        print(
            f"  error ×{failure['count']}: {failure['method']} {failure['name']}: "
            f"{failure['error']}"
        )


def main() -> int:
    try:
        users, seconds, rate = load_limits(os.environ)
        size_name = load_size(os.environ)
    except LoadTestError as exc:
        print(exc, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    port = int(os.environ.get("LOAD_PORT") or free_port())
    if port_in_use(port):
        print(
            f"Port {port} on {HOST} is already in use; choose another: LOAD_PORT=...",
            file=sys.stderr,
        )
        return 1
    load_before = os.getloadavg()
    speed = python_speed()  # before anything of the run is started
    seed_args, results_file = SIZES[size_name]
    shutil.rmtree(DATA_DIR / "sandbox", ignore_errors=True)
    sandbox, seeded = seeded_sandbox(DATA_DIR / "sandbox", seed_args)
    env = stack_environment(port, sandbox)
    url = f"http://{HOST}:{port}"
    web: subprocess.Popen | None = None
    web_cpu = 0.0
    try:
        step(f"Preparing the PostgreSQL database ({env['DATABASE_URL']})")
        require_loopback(env["DATABASE_URL"])
        try:
            ensure_database(env["DATABASE_URL"])
        except Exception as exc:  # psycopg's errors: say what to do, not a traceback
            raise LoadTestError(
                f"PostgreSQL did not answer ({type(exc).__name__}: {exc}). Start it, or point "
                "LOADTEST_DATABASE_URL at one on this machine."
            ) from None
        step("Release: migrate, cache table, collectstatic (the Procfile's release step)")
        procfile = read_procfile()
        release = subprocess.run(  # noqa: S603
            ["sh", "-c", procfile["release"]],  # noqa: S607
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        if release.returncode != 0:
            raise LoadTestError(f"The release step failed (exit {release.returncode}).")

        step(f"Starting the sandbox at the {size_name} size ({seeded}: {' '.join(seed_args)})")
        sandbox.start()

        step("Syncing Jira and Tempo into the app, enabling every project, demo passwords")
        os.environ.update(env)
        prepared = prepare_data(sandbox)
        size = prepared["size"]
        print(
            f"    {size['requests']:,} requests, {size['worklogs']:,} Tempo worklogs, "
            f"{size['accounts']} customer accounts ({prepared['database']})",
            flush=True,
        )

        workers = env["GUNICORN_WORKERS"]
        step(f"Starting the Procfile's web (gunicorn, {workers} workers, DEBUG off) on {url}")
        with (DATA_DIR / "web.log").open("w") as web_log:
            web = subprocess.Popen(  # noqa: S603
                ["sh", "-c", f"exec {procfile['web']}"],  # noqa: S607
                env=env,
                cwd=ROOT,
                stdout=web_log,
                stderr=subprocess.STDOUT,
            )
        wait_until_healthy(url, web)

        step(f"locust: {users} customers (+{rate:g}/s) for {seconds} s")
        locust_env = {**env, "LOAD_ACCOUNTS": ",".join(prepared["accounts"])}
        locust_env["LOAD_PASSWORD"] = PASSWORD
        samples, locust_cpu, machine_busy = run_locust(url, users, seconds, rate, locust_env)
    except (LoadTestError, SandboxStartError) as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; nothing written.", file=sys.stderr)
        return 130
    finally:
        if web is not None:
            cpu_before = children_cpu_seconds()
            stop(web)  # gunicorn has reaped its workers: their CPU counts in its own
            web_cpu = children_cpu_seconds() - cpu_before
        sandbox.stop()

    summary = summarise(samples)
    print_results(summary)
    total = summary["total"]
    errors_ok = total["errors"] <= TARGET_ERRORS
    pages = summary["without_sign_in"]
    p95 = pages["p95"]["value"] if pages["requests"] else None
    p95_ok = p95 is not None and p95 < TARGET_P95_MS
    result = {
        "command": "make loadtest",
        "size": size_name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "users": users,
        "spawn_rate": {"value": rate, "unit": "customers arriving per second"},
        "duration": {"value": seconds, "unit": "s"},
        "think_time": THINK_TIME,
        "workers": int(env["GUNICORN_WORKERS"]),
        "database": prepared["database"],
        "data": prepared["size"],
        "password_hasher": prepared["hasher"],
        "cpu_count": os.cpu_count(),
        "python_speed": speed,
        "cpu_seconds": {
            "web": {"value": round(web_cpu, 1), "unit": "s (gunicorn and its workers)"},
            "locust": {"value": round(locust_cpu, 1), "unit": "s (the load generator)"},
        },
        "machine_cpu_busy": {
            "value": round(machine_busy, 1),
            "unit": "% of all CPUs while locust ran (every process on the machine)",
        },
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "targets": {
            "errors": {"value": TARGET_ERRORS, "unit": "failed requests", "met": errors_ok},
            "p95": {
                "value": TARGET_P95_MS,
                "unit": "ms, every page but the two sign-in requests (below)",
                "met": p95_ok,
            },
        },
        **summary,
    }
    results_file.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(
        f"\nCPU: web {web_cpu:.0f} s, locust {locust_cpu:.0f} s; the machine's {os.cpu_count()} "
        f"CPUs were {machine_busy:.0f} % busy during the load (load average before "
        f"{load_before[0]:.2f}; Python speed {speed['value']:.1f} ms, bench/machine.py)."
    )
    print(
        f"errors {total['errors']} (target {TARGET_ERRORS}): {_verdict(errors_ok)}; "
        f"p95 of the pages {p95} ms (target < {TARGET_P95_MS} ms): {_verdict(p95_ok)}; "
        f"whole run with the sign-ins p95 {total['p95']['value'] if total['requests'] else '–'} "
        f"ms; {total['rps']['value'] if total['requests'] else 0} requests/s. "
        f"Wrote {results_file.relative_to(ROOT)}."
    )
    after = summary["after_sign_in"]
    if after.get("requests"):
        print(
            f"The sign-ins are {users} password checks ({prepared['hasher']}) arriving "
            f"{rate:g} a second; the pages share the CPUs with them. After every customer had "
            f"signed in ({after['from']['value']:.0f} s on), p95 was {after['p95']['value']} ms."
        )
    return 0 if errors_ok and p95_ok else 1


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
