"""The README's commands work as printed (issue 13, item 5).

Every line of the README's ```sh blocks names a Makefile target, a `manage.py` command with
arguments it accepts, or a file that exists; and `make run`'s development `.env` is what lets
a second terminal of a fresh clone use them: `manage.py sandbox_token --expired` reaches the
sandbox on the port `make run` really used. Ctrl-C on `make run` (scripts/run_dev.py) ends
with exit 0 and nothing left running.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.core.management import get_commands, load_command_class

from sandbox.process import SandboxProcess, free_port, port_in_use
from tests.waiting import wait_for
from worklog_report import settings as app_settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import run_dev  # noqa: E402

ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# What a fresh clone holds that these tests need; the rest is linked, not copied.
COPIED = ("manage.py", "worklog_report", "scripts")
LINKED = (
    "accounts",
    "jsm",
    "tempo_integration",
    "portal",
    "sync",
    "backup",
    "alerts",
    "sandbox",
    "templates",
    "static",
)


def readme_commands() -> list[list[str]]:
    """Each command of the ```sh blocks of the README and docs/, as words, without comments
    and without the leading VAR=value assignments."""
    commands, in_block = [], False
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for line in (line for page in pages for line in page.read_text().splitlines()):
        if line.startswith("```"):
            in_block = line.strip() == "```sh" if not in_block else False
            continue
        if not in_block:
            continue
        words = shlex.split(line, comments=True)
        while words and ASSIGNMENT.match(words[0]):
            words.pop(0)
        if words:
            commands.append(words)
    return commands


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", text, flags=re.MULTILINE))


def clean_env(**extra: str) -> dict[str, str]:
    """A second terminal's environment: nothing of the test run's settings (pytest-env)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(extra)
    return env


def make_clone(where: Path) -> Path:
    """A fresh clone of the working tree: no .env, no var/ (the app's packages are linked)."""
    where.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, where / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, where / name)
    for name in (*LINKED, ".venv"):
        (where / name).symlink_to(ROOT / name)
    return where


def dev_env_values(sandbox_port: int, port: int = 8000) -> dict[str, str]:
    url = f"http://127.0.0.1:{sandbox_port}"
    return {
        "DEBUG": "1",
        "PORT": str(port),
        "SANDBOX_PORT": str(sandbox_port),
        "TEMPO_BASE_URL": f"{url}/tempo",
        "JIRA_BASE_URL": f"{url}/jira",
        "JIRA_EMAIL": "admin@sandbox.example",
        "JIRA_API_TOKEN": "sandbox-jira-token",
    }


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clone(tmp_path_factory.mktemp("clone") / "worklog-report")


# -- Every command the README prints names something that exists ----------------------------


def test_the_readme_has_sh_blocks_with_the_second_terminal_commands():
    printed = [" ".join(words) for words in readme_commands()]
    assert "make run" in printed
    assert "make sync" in printed
    assert ".venv/bin/python manage.py sandbox_token --expired" in printed


def test_every_make_target_the_readme_prints_exists():
    targets = makefile_targets()
    made = [words[1] for words in readme_commands() if words[0] == "make" and len(words) > 1]
    assert made
    assert set(made) <= targets, set(made) - targets


def test_every_script_and_path_the_readme_prints_exists():
    for words in readme_commands():
        for word in words:
            if "/" in word and not word.startswith(("http", "-")) or word.endswith(".py"):
                assert (ROOT / word).exists(), f"README names {word}, which does not exist"


def test_every_manage_py_command_the_readme_prints_accepts_its_arguments():
    commands = [
        words[words.index("manage.py") + 1 :]
        for words in readme_commands()
        if "manage.py" in words and not any(w.startswith("sandbox/") for w in words)
    ]
    assert commands
    known = get_commands()
    for name, *arguments in commands:
        assert name in known, f"README prints `manage.py {name}`, which does not exist"
        parser = load_command_class(known[name], name).create_parser("manage.py", name)
        parser.parse_args(arguments)  # exits (SystemExit) on an argument it does not take


def test_manage_py_help_works_in_a_fresh_clone_with_make_runs_env(clone: Path):
    names = sorted(
        {words[words.index("manage.py") + 1] for words in readme_commands() if "manage.py" in words}
    )
    env_file = clone / ".env"
    assert run_dev.write_dev_env(env_file, dev_env_values(free_port()))
    try:
        for name in names:
            result = subprocess.run(
                [".venv/bin/python", "manage.py", "help", name],
                cwd=clone,
                env=clean_env(),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, result.stderr
    finally:
        env_file.unlink()


# -- The development .env: read by a second terminal, never by production -------------------


def test_run_dev_writes_the_marker_settings_look_for(tmp_path: Path):
    assert run_dev.DEV_ENV_MARKER == app_settings.DEV_ENV_MARKER
    path = tmp_path / ".env"
    assert run_dev.write_dev_env(path, dev_env_values(9765, 9000))
    text = path.read_text()
    assert text.splitlines()[0] == app_settings.DEV_ENV_MARKER
    assert "SANDBOX_PORT=9765\n" in text and "PORT=9000\n" in text and "DEBUG=1\n" in text
    assert run_dev.write_dev_env(path, dev_env_values(9766))  # make run rewrites its own
    assert "SANDBOX_PORT=9766\n" in path.read_text()


def test_make_run_never_overwrites_a_env_of_your_own(tmp_path: Path):
    path = tmp_path / ".env"
    path.write_text("DEBUG=0\nSECRET_KEY=mine\n")
    assert not run_dev.write_dev_env(path, dev_env_values(9765))
    assert path.read_text() == "DEBUG=0\nSECRET_KEY=mine\n"


@pytest.mark.parametrize(
    "environment,applies",
    [
        ({}, True),  # a second terminal of a fresh clone
        ({"DEBUG": "1"}, True),
        ({"DEBUG": "0"}, False),  # a deployment, the tests, make serve, make bench
        ({"DEBUG": "False"}, False),
        ({"SECRET_KEY": "s" * 50}, False),  # a deployment that leaves DEBUG unset
    ],
)
def test_settings_read_make_runs_env_only_in_development(tmp_path, environment, applies):
    path = tmp_path / ".env"
    run_dev.write_dev_env(path, dev_env_values(9765))
    assert app_settings.dev_env_applies(path, environment) is applies


def test_settings_always_read_a_env_of_your_own(tmp_path: Path):
    path = tmp_path / ".env"
    path.write_text("DEBUG=0\n")
    assert app_settings.dev_env_applies(path, {"DEBUG": "0", "SECRET_KEY": "s"}) is True
    assert app_settings.dev_env_applies(tmp_path / "missing.env", {}) is False


def test_a_deployment_with_make_runs_env_beside_it_still_refuses_to_start_without_secrets(
    clone: Path,
):
    env_file = clone / ".env"
    run_dev.write_dev_env(env_file, dev_env_values(free_port()))
    try:
        result = subprocess.run(
            [".venv/bin/python", "manage.py", "check"],
            cwd=clone,
            env=clean_env(DEBUG="0"),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        env_file.unlink()
    assert result.returncode != 0
    assert "SECRET_KEY and ENCRYPTION_KEYS must be set" in result.stderr


@pytest.mark.integration
def test_sandbox_token_in_a_second_terminal_reaches_make_runs_sandbox_on_its_port(
    clone: Path, tmp_path: Path
):
    port = free_port()
    assert port != 8765
    env_file = clone / ".env"
    run_dev.write_dev_env(env_file, dev_env_values(port))
    try:
        with SandboxProcess(tmp_path / "var", port=port, seed=False) as sandbox:
            result = subprocess.run(
                [".venv/bin/python", "manage.py", "sandbox_token", "--expired"],
                cwd=clone,
                env=clean_env(),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, result.stderr
            token = result.stdout.strip()
            assert token and "\n" not in token
            answer = requests.get(
                f"{sandbox.tempo_url}/4/worklogs",
                params={"limit": 1},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert answer.status_code == 401  # the sandbox knows it, as expired
    finally:
        env_file.unlink()


# -- Ctrl-C on make run ----------------------------------------------------------------------


def processes_in(directory: Path) -> list[int]:
    """Ids of the running processes whose working directory is `directory`."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if Path(os.readlink(proc / "cwd")) == directory.resolve():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.integration
@pytest.mark.parametrize(
    "when",
    [
        "Press Ctrl-C to stop everything.",  # everything running
        "==> Starting the sandbox",  # while it starts
    ],
)
def test_ctrl_c_on_make_run_exits_0_and_stops_everything(tmp_path: Path, when: str):
    clone = make_clone(tmp_path / "worklog-report")
    port, sandbox_port = free_port(), free_port()
    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        # Its own process group, as a terminal's foreground job: Ctrl-C signals all of it.
        process = subprocess.Popen(
            [sys.executable, "scripts/run_dev.py"],
            cwd=clone,
            env=clean_env(PORT=str(port), SANDBOX_PORT=str(sandbox_port)),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def reached() -> bool:
            assert process.poll() is None, log_path.read_text()
            return when in log_path.read_text()

        wait_for(reached, timeout=120, interval=0.2, message=log_path.read_text)
        env_text = (clone / ".env").read_text()
        assert f"SANDBOX_PORT={sandbox_port}\n" in env_text and f"PORT={port}\n" in env_text
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=40) == 0, log_path.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = log_path.read_text()
    assert "Stopped the app, the worker and the sandbox." in output
    if when.startswith("Press"):
        assert "Traceback" not in output, output
    assert not port_in_use(port) and not port_in_use(sandbox_port)
    # A killed process may take a moment to go.
    wait_for(lambda: processes_in(clone) == [], 5, 0.2, message=lambda: processes_in(clone))
    assert processes_in(clone) == []
