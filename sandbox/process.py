"""Start and stop the sandbox as a child process (pytest fixtures, `make run`, benchmarks).

Import-safe without Django settings: only the standard library and `sandbox.client`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from sandbox.client import SandboxClient, SandboxError
from sandbox.jira import credentials

MANAGE_PY = Path(__file__).resolve().parent / "manage.py"
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


class SandboxStartError(SandboxError):
    """The sandbox did not come up; the message carries the end of its log."""


def free_port(host: str = HOST) -> int:
    """A port on `host` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def port_in_use(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((host, port)) == 0


class SandboxProcess:
    """One sandbox server on a loopback port, with its database and log in `data_dir`.

    `start()` migrates the database, seeds it, starts `runserver --noreload` and waits until
    `/_sandbox/health` answers. Seeding is `seed_demo`: the demo by default, the benchmark
    size with `scale=True`, other `seed_demo` arguments through `seed_args` (e.g.
    `["--requests", "30", "--worklogs", "250"]`); `seed=False` leaves the database as it
    is. The server's output goes to `<data_dir>/sandbox.log`, never to the caller's
    terminal.

    `jira_url`, `jira_email` and `jira_api_token` are what the app's Jira settings need to
    reach this sandbox's Jira (`jira_agent_email`, `jira_agent_api_token`: a second account
    that is no Jira administrator); `tempo_url` is its `TEMPO_BASE_URL`. `env` adds environment
    variables for the sandbox (e.g. `{"SANDBOX_JIRA_WORKLOG_CHANGES_DELAY": "0"}`).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        port: int | None = None,
        *,
        seed: bool = True,
        scale: bool = False,
        seed_args: list[str] | None = None,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
        python: str = sys.executable,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.seed = seed
        self.seed_args = ["--scale"] if scale else list(seed_args or [])
        # Extra environment of the sandbox's processes, e.g. its SANDBOX_* settings.
        self.extra_env = dict(env or {})
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'sandbox.sqlite3'}"
        self.python = python
        self.log_path = self.data_dir / "sandbox.log"
        self.url = f"http://{HOST}:{self.port}"
        self.tempo_url = f"{self.url}/tempo"
        self.jira_url = f"{self.url}/jira"
        # The child inherits this environment, so it accepts exactly these credentials.
        self.jira_email, self.jira_api_token = credentials.configured(
            {**os.environ, **self.extra_env}
        )
        # A Jira agent without administration: reads like the above, refused admin routes.
        self.jira_agent_email, self.jira_agent_api_token = credentials.configured_agent(
            {**os.environ, **self.extra_env}
        )
        self.client = SandboxClient(self.url)
        self._server: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> SandboxProcess:
        # Otherwise a server already on the port (say, another sandbox) would answer the
        # health check and pass for this one, which then fails to bind.
        if port_in_use(self.port):
            raise SandboxStartError(f"Port {self.port} on {HOST} is already in use.")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._prepare("migrate", "--no-input", "-v", "0")
        if self.seed:
            self._prepare("seed_demo", *self.seed_args)
        # Our own interpreter and manage.py with fixed arguments: no untrusted input.
        self._server = subprocess.Popen(  # noqa: S603
            [self.python, str(MANAGE_PY), "runserver", f"{HOST}:{self.port}", "--noreload"],
            env=self._env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        """Terminate the server (kill it if it will not stop) and close the log."""
        if self._server is not None and self._server.poll() is None:
            self._server.terminate()
            try:
                self._server.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait()
        self._server = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _env(self) -> dict[str, str]:
        env = {**os.environ, **self.extra_env}
        # The caller may be the app or its test run, with the app's settings module exported.
        env["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
        env["SANDBOX_DATABASE_URL"] = self.database_url
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def manage(self, *args: str) -> str:
        """Run `sandbox/manage.py <args>` on this sandbox's database; return its output.

        It may run while the server does (e.g. `manage("seed_demo")` to restore the demo
        after a test changed it). The output is also appended to the log.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(  # noqa: S603
            [self.python, str(MANAGE_PY), *args],
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        with self.log_path.open("a") as log:
            log.write(result.stdout + result.stderr)
        if result.returncode != 0:
            raise SandboxError(
                f"`sandbox/manage.py {' '.join(args)}` failed (exit {result.returncode}).\n"
                f"{self._log_tail()}"
            )
        return result.stdout

    def _prepare(self, *args: str) -> None:
        """A start-up step: on failure, stop and explain with the end of the log."""
        try:
            self.manage(*args)
        except SandboxError as error:
            self.stop()
            raise SandboxStartError(str(error)) from None

    def _wait_until_ready(self) -> None:
        assert self._server is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.client.health():
                return
            if self._server.poll() is not None:
                code = self._server.returncode
                self.stop()
                raise SandboxStartError(
                    f"The sandbox exited with code {code} while starting on {self.url}.\n"
                    f"{self._log_tail()}"
                )
            time.sleep(0.1)
        self.stop()
        raise SandboxStartError(
            f"The sandbox did not answer on {self.url} within {STARTUP_TIMEOUT:.0f} s.\n"
            f"{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return f"(no log at {self.log_path})"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"Last lines of {self.log_path}:\n{tail}"
