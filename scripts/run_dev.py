"""`make run`: the whole product on one machine, with demo data (PRODUCT.md §3).

Migrates and seeds the app and the sandbox, starts the sandbox, the app and the task
worker, prints where everything is plus a fresh sandbox token, and stops every process it
started on Ctrl-C (or when one of them dies).
"""

from __future__ import annotations

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

    manage = [sys.executable, str(ROOT / "manage.py")]
    step("Preparing the app's database")
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)  # noqa: S603

    step("Starting the sandbox (Tempo and Jira emulator) with demo data")
    sandbox = SandboxProcess(ROOT / "var", port=sandbox_port, seed=True)
    try:
        sandbox.start()
    except SandboxStartError as exc:
        print(exc, file=sys.stderr)
        return 1
    children: list[tuple[str, subprocess.Popen]] = []
    try:
        token = prepare_demo(manage, env, sandbox, "make run")
        step("Starting the app and the task worker")
        children.append(
            ("app", subprocess.Popen([*manage, "runserver", f"{HOST}:{port}"], env=env, cwd=ROOT))  # noqa: S603
        )
        children.append(
            ("worker", subprocess.Popen([*manage, "worker"], env=env, cwd=ROOT))  # noqa: S603
        )
        wait_for_port(port)
        banner(port, sandbox_url, token)
        return supervise(children)
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nStopping…", flush=True)
        for _, child in children:
            stop(child)
        sandbox.stop()
        print("Stopped the app, the worker and the sandbox.")


def prepare_demo(manage: list[str], env: dict, sandbox: SandboxProcess, runner: str) -> str:
    """Sync the sandbox's demo into the app, create the demo sign-ins, and mint a token to
    paste (named after the command that made it)."""
    step("Syncing the demo JSM projects from the sandbox's Jira, then the demo sign-ins")
    # A failed sync is shown on the Sync tab; the demo still starts.
    subprocess.run([*manage, "sync"], env=env, cwd=ROOT, check=False)  # noqa: S603
    subprocess.run([*manage, "seed_demo"], env=env, cwd=ROOT, check=True)  # noqa: S603
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
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    sys.exit(main())
