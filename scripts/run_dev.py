"""`make run`: the whole product on one machine, with demo data (docs/product.md §3).

Migrates and seeds the app and the sandbox, starts the sandbox, the app and the task
worker, prints where everything is plus a fresh sandbox token, and stops every process it
started on Ctrl-C (or when one of them dies), exiting 0 after Ctrl-C.

It also writes the development `.env` beside manage.py (git-ignored; see `write_dev_env`),
so `manage.py` commands and `make sync` in another terminal find this sandbox and app on
the ports really used.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.process import SandboxProcess, SandboxStartError, port_in_use  # noqa: E402

HOST = "127.0.0.1"


DEV_ENV = ROOT / ".env"
# Must match worklog_report.settings.DEV_ENV_MARKER (tests/deploy/test_readme_commands.py).
DEV_ENV_MARKER = "# Development settings written by `make run`; never used in production."


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    sandbox_port = int(os.environ.get("SANDBOX_PORT", "8765"))
    sandbox_url = f"http://{HOST}:{sandbox_port}"
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("TEMPO_BASE_URL", f"{sandbox_url}/tempo")
    env.setdefault("JIRA_BASE_URL", f"{sandbox_url}/jira")
    env.setdefault("JIRA_EMAIL", "admin@sandbox.example")
    env.setdefault("JIRA_API_TOKEN", "sandbox-jira-token")
    env["SANDBOX_URL"] = sandbox_url
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("DJANGO_SETTINGS_MODULE", None)

    for name, value in (("PORT", port), ("SANDBOX_PORT", sandbox_port)):
        if port_in_use(value):
            print(
                f"Port {value} on {HOST} is already in use (is `make run` already running?). "
                f"Stop that process or choose another port: {name}=... make run",
                file=sys.stderr,
            )
            return 1

    dev_env = {
        "DEBUG": env["DEBUG"],
        "PORT": str(port),
        "SANDBOX_PORT": str(sandbox_port),
        **{
            key: env[key]
            for key in ("TEMPO_BASE_URL", "JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN")
        },
    }
    if not write_dev_env(DEV_ENV, dev_env):
        print(
            f"Note: {DEV_ENV} is your own, so `make run` leaves it as it is; commands in "
            "another terminal read it, not this run's ports.",
            file=sys.stderr,
        )

    signal.signal(signal.SIGTERM, _interrupt)
    sandbox = SandboxProcess(ROOT / "var", port=sandbox_port, seed=True)
    children: list[tuple[str, subprocess.Popen]] = []
    with terminal_to_ourselves():
        try:
            return start_and_supervise(env, port, sandbox, children)
        except KeyboardInterrupt:
            return 0
        finally:
            # A second Ctrl-C while stopping must not leave processes behind.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print("\nStopping…", flush=True)
            for _, child in children:
                stop(child)
            sandbox.stop()
            print("Stopped the app, the worker and the sandbox.", flush=True)


def start_and_supervise(
    env: dict[str, str],
    port: int,
    sandbox: SandboxProcess,
    children: list[tuple[str, subprocess.Popen]],
) -> int:
    """Start everything, appending each long-running process to `children`, and supervise."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    step("Preparing the app's database")
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)  # noqa: S603

    step("Starting the sandbox (Tempo and Jira emulator) with demo data")
    try:
        sandbox.start()
    except SandboxStartError as exc:
        print(exc, file=sys.stderr)
        return 1
    token = prepare_demo(manage, env, sandbox, "make run")
    step("Starting the app and the task worker")
    # Each in a process group of its own: Ctrl-C reaches only this script, which stops them
    # (a worker still importing Django would otherwise print a KeyboardInterrupt traceback).
    for name, command in (("app", ["runserver", f"{HOST}:{port}"]), ("worker", ["worker"])):
        children.append(
            (name, subprocess.Popen([*manage, *command], env=env, cwd=ROOT, process_group=0))  # noqa: S603
        )
    wait_for_port(port)
    banner(port, sandbox.url, token)
    return supervise(children)


def write_dev_env(path: Path, values: dict[str, str]) -> bool:
    """Write the development `.env` that settings read (django-environ's read_env), unless
    `path` is a `.env` of your own (then leave it and answer False).

    Production stays untouched by it: `.env` is git-ignored, only `make run` writes this
    one, and settings skip it in any process whose environment turns DEBUG off or sets
    SECRET_KEY (a deployment, the tests, `make serve`).
    """
    if path.exists():
        with path.open(errors="replace") as file:
            if file.readline().rstrip("\n") != DEV_ENV_MARKER:
                return False
    lines = [
        DEV_ENV_MARKER,
        "# `make run` rewrites it at every start; `manage.py` commands and `make sync` in another",
        "# terminal read it to find make run's sandbox and app. Ignored by any process whose",
        "# environment sets DEBUG=0 or SECRET_KEY. Delete it any time; see .env.example.",
        *(f"{key}={value}" for key, value in values.items()),
    ]
    temporary = path.with_name(f".env.{os.getpid()}.tmp")
    temporary.write_text("\n".join(lines) + "\n")
    temporary.replace(path)
    return True


@contextlib.contextmanager
def terminal_to_ourselves():
    """Make this process's own group the terminal's foreground group while it runs, so
    Ctrl-C reaches this script and its children but not `make`, which would otherwise end
    with `make: *** [Makefile:…: run] Interrupt` however cleanly everything stopped. Only
    when started in the foreground of a terminal; otherwise nothing changes."""
    try:
        fd = sys.stdin.fileno()
        usable = os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp()
    except (OSError, ValueError):
        usable = False
    if not usable:
        yield
        return
    previous_group = os.getpgrp()
    previous_ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    previous_tstp = signal.signal(signal.SIGTSTP, signal.SIG_IGN)  # make keeps the shell
    try:
        os.setpgid(0, 0)
        os.tcsetpgrp(fd, os.getpgrp())
    except OSError:
        pass
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(fd, previous_group)
        signal.signal(signal.SIGTSTP, previous_tstp)
        signal.signal(signal.SIGTTOU, previous_ttou)


def prepare_demo(manage: list[str], env: dict, sandbox: SandboxProcess, runner: str) -> str:
    """Sync the sandbox's demo into the app, create the demo sign-ins, and mint a token to
    paste (named after the command that made it)."""
    step("Syncing the demo JSM projects from the sandbox's Jira, then the demo sign-ins")
    # A failed sync is shown on the Sync tab; the demo still starts.
    subprocess.run([*manage, "sync"], env=env, cwd=ROOT, check=False)  # noqa: S603
    # --force: `make serve` runs with DEBUG off, and this is a local demo, never a real site.
    subprocess.run([*manage, "seed_demo", "--force"], env=env, cwd=ROOT, check=True)  # noqa: S603
    return sandbox.client.mint_token(
        name=f"Worklog Report ({runner} {time.strftime('%d %b %H:%M')})",
        scopes={"worklogs": "view"},
    )


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not port_in_use(port):
        time.sleep(0.2)


def banner(port: int, sandbox_url: str, token: str) -> None:
    app_url = f"http://{HOST}:{port}"
    print(
        f"""
──────────────────────────────────────────────────────────────────────
 Worklog Report is running.

   App        {app_url}/
   Sandbox    {sandbox_url}/  (Tempo settings: {sandbox_url}/tempo/settings/api-integration/)

 Sign in as
   administrator   admin / admin
   customers       alice@acme.example, bob@acme.example, carol@globex.example / demo

 Sandbox Tempo token (Worklogs: View) — paste it on Global configuration →
 Manage Tempo integration and click Add:

   {token}

 Or connect with OAuth 2.0: register an application at
   {sandbox_url}/tempo/settings/oauth-applications/
 with the redirect URL {app_url}/configuration/tempo/oauth/callback/

 Press Ctrl-C to stop everything.
──────────────────────────────────────────────────────────────────────
""",
        flush=True,
    )


def supervise(children: list[tuple[str, subprocess.Popen]]) -> int:
    """Wait until Ctrl-C, SIGTERM, or a child dying on its own (then stop the rest)."""
    signal.signal(signal.SIGTERM, _interrupt)
    while True:
        for name, child in children:
            if child.poll() is not None:
                print(f"The {name} stopped (exit {child.returncode}).", file=sys.stderr)
                return child.returncode or 1
        time.sleep(0.5)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop(child: subprocess.Popen) -> None:
    """Terminate `child` (kill it if it will not stop); when it leads a process group of its
    own, the whole group, so runserver's reloaded server goes with it."""
    try:
        group = os.getpgid(child.pid) if child.poll() is None else None
    except ProcessLookupError:
        group = None
    if group is None:
        return

    def send(signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            if group == child.pid:
                os.killpg(group, signum)
            else:
                child.send_signal(signum)

    send(signal.SIGTERM)
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        child.wait()


if __name__ == "__main__":
    sys.exit(main())
