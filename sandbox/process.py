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

    `start()` migrates the database (and seeds it unless `seed=False`), starts
    `runserver --noreload` and waits until `/_sandbox/health` answers. The server's output
    goes to `<data_dir>/sandbox.log`, never to the caller's terminal.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        port: int | None = None,
        *,
        seed: bool = True,
        database_url: str | None = None,
        python: str = sys.executable,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.seed = seed
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'sandbox.sqlite3'}"
        self.python = python
        self.log_path = self.data_dir / "sandbox.log"
        self.url = f"http://{HOST}:{self.port}"
        self.tempo_url = f"{self.url}/tempo"
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
        self._manage("migrate", "--no-input", "-v", "0")
        if self.seed:
            self._manage("seed_sandbox")
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
        env = dict(os.environ)
        # The caller may be the app or its test run, with the app's settings module exported.
        env["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
        env["SANDBOX_DATABASE_URL"] = self.database_url
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _manage(self, *args: str) -> None:
        assert self._log is not None
        self._log.flush()
        result = subprocess.run(  # noqa: S603
            [self.python, str(MANAGE_PY), *args],
            env=self._env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            check=False,
        )
        if result.returncode != 0:
            self.stop()
            raise SandboxStartError(
                f"`sandbox/manage.py {' '.join(args)}` failed (exit {result.returncode}).\n"
                f"{self._log_tail()}"
            )

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
