"""`make serve`: the production stack on this machine — the Procfile's processes with DEBUG
off, on PostgreSQL — fed by the sandbox like `make run`.

Creates the PostgreSQL database when missing, runs the Procfile's `release` step (migrate,
cache table, collectstatic), starts the sandbox with demo data, syncs and seeds the demo
sign-ins, then starts the Procfile's `web` (gunicorn), `worker` (`manage.py worker`) and `sync`
(sync --loop) and stops them all on Ctrl-C (or when one dies).

Only what differs from a real deployment is set here: plain HTTP on loopback (HTTPS_ONLY=0),
local secrets kept in var/serve.env, and Tempo and Jira pointing at the sandbox (unless
JIRA_BASE_URL is already set, in which case no sandbox is started).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from run_dev import HOST, banner, prepare_demo, step, stop, supervise, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/worklog_report"
LONG_RUNNING = ("web", "worker", "sync")

from sandbox.process import SandboxProcess, SandboxStartError, port_in_use  # noqa: E402


def read_procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    """The Procfile's processes: {"web": "gunicorn …", …}."""
    processes = {}
    for line in path.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            processes[name.strip()] = command.strip()
    return processes


def local_secrets(path: Path = ROOT / "var" / "serve.env") -> dict[str, str]:
    """SECRET_KEY and ENCRYPTION_KEYS for this machine, made once and kept (the stored
    Tempo token must stay readable across restarts)."""
    from cryptography.fernet import Fernet

    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(
            f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
            f"ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
        )
        path.chmod(0o600)
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of `url` when it does not exist yet."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    params = {key: value for key, value in params.items() if value}
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params) as db:
        name = config["NAME"]
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"    created the database {name}", flush=True)


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    sandbox_port = int(os.environ.get("SANDBOX_PORT", "8765"))
    use_sandbox = not os.environ.get("JIRA_BASE_URL")
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for key, value in local_secrets().items():
        env.setdefault(key, value)
    env.update(
        {
            "DEBUG": "0",
            "PORT": str(port),
            "BIND_ADDRESS": HOST,
            "PYTHONUNBUFFERED": "1",
            # The Procfile says `python` and `gunicorn`: this virtualenv's.
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("ALLOWED_HOSTS", f"{HOST},localhost")
    env.setdefault("HTTPS_ONLY", "0")  # plain HTTP on loopback; a real deployment keeps it on

    busy = [(n, p) for n, p in (("PORT", port), ("SANDBOX_PORT", sandbox_port)) if port_in_use(p)]
    if not use_sandbox:
        busy = [(n, p) for n, p in busy if n == "PORT"]
    for name, value in busy:
        print(
            f"Port {value} on {HOST} is already in use (is `make run` or `make serve` running?). "
            f"Stop that process or choose another port: {name}=... make serve",
            file=sys.stderr,
        )
    if busy:
        return 1

    step(f"Preparing the PostgreSQL database ({env['DATABASE_URL']})")
    try:
        ensure_database(env["DATABASE_URL"])
    except Exception as exc:  # psycopg's errors: say what to do, not a traceback
        print(
            f"PostgreSQL did not answer ({type(exc).__name__}: {exc}).\n"
            "Start PostgreSQL, or point DATABASE_URL at one: "
            "DATABASE_URL=postgres://user:password@host:5432/name make serve",
            file=sys.stderr,
        )
        return 1

    procfile = read_procfile()
    step("Release: migrate, cache table, collectstatic (the Procfile's release step)")
    release = subprocess.run(["sh", "-c", procfile["release"]], env=env, cwd=ROOT)  # noqa: S603, S607
    if release.returncode != 0:
        return release.returncode

    sandbox = None
    token = ""
    children: list[tuple[str, subprocess.Popen]] = []
    manage = [sys.executable, str(ROOT / "manage.py")]
    try:
        if use_sandbox:
            step("Starting the sandbox (Tempo and Jira emulator) with demo data")
            sandbox = SandboxProcess(ROOT / "var", port=sandbox_port, seed=True)
            try:
                sandbox.start()
            except SandboxStartError as exc:
                print(exc, file=sys.stderr)
                return 1
            env.update(
                {
                    "TEMPO_BASE_URL": sandbox.tempo_url,
                    "JIRA_BASE_URL": sandbox.jira_url,
                    "JIRA_EMAIL": sandbox.jira_email,
                    "JIRA_API_TOKEN": sandbox.jira_api_token,
                    "SANDBOX_URL": sandbox.url,
                }
            )
            token = prepare_demo(manage, env, sandbox, "make serve")

        step("Starting the Procfile's web (gunicorn), worker and sync (sync --loop)")
        for name in LONG_RUNNING:
            # exec: the signal to stop reaches the process itself, not a shell around it.
            command = ["sh", "-c", f"exec {procfile[name]}"]
            children.append((name, subprocess.Popen(command, env=env, cwd=ROOT)))  # noqa: S603
        wait_for_port(port)
        if sandbox is not None:
            banner(port, sandbox.url, token)
        else:
            print(f"\n Worklog Report is running at http://{HOST}:{port}/ (Ctrl-C stops it).\n")
        print(
            f" Production stack: DEBUG off, {env['DATABASE_URL']}, hashed static files through "
            "whitenoise, health at /healthz.\n",
            flush=True,
        )
        return supervise(children)
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nStopping…", flush=True)
        for _, child in children:
            stop(child)
        if sandbox is not None:
            sandbox.stop()
        print("Stopped.")


if __name__ == "__main__":
    sys.exit(main())
