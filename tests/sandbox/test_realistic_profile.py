"""The sandbox's realistic profile (sandbox/faults.py): a fixed latency on every API call and
Tempo's rate limit of about 5 requests a second per client, 429 with Retry-After beyond it
(API-CONTRACTS.md §1), switched on and off through /_sandbox/profile.

A sandbox process of this file's own: the profile holds for the whole process, so it must
never leak into the session-wide sandboxes other test files share.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from sandbox.client import SandboxError
from sandbox.process import SandboxProcess
from tests.sandbox.clients import JiraApi, TempoApi

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def profiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path_factory.mktemp("profile-sandbox"), seed=False).start()
    process.manage("seed_sandbox")
    yield process
    process.stop()


@pytest.fixture
def sandbox(profiled: SandboxProcess) -> Iterator[SandboxProcess]:
    profiled.client.clear_profile()
    profiled.client.clear_faults()
    yield profiled
    profiled.client.clear_profile()


@pytest.fixture
def tempo(sandbox: SandboxProcess) -> Iterator[TempoApi]:
    api = TempoApi(sandbox, sandbox.client.mint_token(name="profile tests", full=True))
    yield api
    api.session.close()


def timed(call) -> tuple[float, requests.Response]:
    started = time.monotonic()
    response = call()
    return time.monotonic() - started, response


def test_off_by_default_and_after_delete(sandbox):
    assert sandbox.client.profile() == {"latency": 0.0, "rate": None, "burst": 5, "on": False}
    sandbox.client.set_profile()
    sandbox.client.clear_profile()
    assert sandbox.client.profile()["on"] is False


def test_realistic_defaults(sandbox):
    answer = sandbox.client.set_profile()
    assert answer == {"latency": 0.15, "rate": 5.0, "burst": 5, "on": True}
    assert sandbox.client.profile() == answer


def test_every_api_call_waits_the_latency(sandbox, tempo):
    sandbox.client.set_profile(latency=0.3, rate=None)
    elapsed, response = timed(lambda: tempo.get("/worklogs"))
    assert response.status_code == 200
    assert response.json()["metadata"]["count"] == 12
    assert elapsed >= 0.3

    jira = JiraApi(sandbox)
    try:
        elapsed, response = timed(lambda: jira.get("/rest/api/3/myself"))
    finally:
        jira.session.close()
    assert response.status_code == 200
    assert elapsed >= 0.3


def test_the_control_endpoint_is_not_delayed(sandbox):
    sandbox.client.set_profile(latency=2.0, rate=None)
    elapsed, healthy = timed(sandbox.client.health)
    assert healthy
    assert elapsed < 2.0


def test_tempo_answers_429_with_retry_after_beyond_the_rate(sandbox, tempo):
    sandbox.client.set_profile(latency=0, rate=1, burst=3)
    sandbox.client.reset_request_count()
    statuses = [tempo.get("/worklogs", limit=1) for _ in range(4)]
    assert [r.status_code for r in statuses[:3]] == [200, 200, 200]  # the burst
    limited = statuses[3]
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["errors"][0]["message"] == "Rate limit exceeded"
    # Refused calls count as calls, as Tempo's do.
    assert sandbox.client.request_count("tempo") >= 4


def test_waiting_retry_after_is_enough(sandbox, tempo):
    sandbox.client.set_profile(latency=0, rate=1, burst=1)
    assert tempo.get("/worklogs", limit=1).status_code == 200
    limited = tempo.get("/worklogs", limit=1)
    assert limited.status_code == 429
    time.sleep(float(limited.headers["Retry-After"]))
    assert tempo.get("/worklogs", limit=1).status_code == 200


def test_the_limit_is_per_client(sandbox, tempo):
    sandbox.client.set_profile(latency=0, rate=1, burst=1)
    other = sandbox.client.mint_token(name="another client", full=True)
    assert tempo.get("/worklogs", limit=1).status_code == 200
    assert tempo.get("/worklogs", limit=1).status_code == 429
    assert tempo.get("/worklogs", limit=1, token=other).status_code == 200


def test_jira_is_not_rate_limited(sandbox):
    sandbox.client.set_profile(latency=0, rate=1, burst=1)
    jira = JiraApi(sandbox)
    try:
        statuses = [jira.get("/rest/api/3/myself").status_code for _ in range(4)]
    finally:
        jira.session.close()
    assert statuses == [200] * 4


def test_a_client_spaced_at_five_a_second_is_never_limited(sandbox, tempo):
    sandbox.client.set_profile()  # the defaults: 150 ms, 5/s, bursts of 5
    statuses = []
    for _ in range(8):
        started = time.monotonic()
        statuses.append(tempo.get("/worklogs", limit=1).status_code)
        time.sleep(max(0.0, 0.2 - (time.monotonic() - started)))
    assert statuses == [200] * 8


def test_the_app_client_gets_through_the_limit(sandbox, tempo, settings):
    """TempoClient honours Retry-After: a burst above the limit still ends in answers."""
    from tempo_integration.client import TempoClient

    sandbox.client.set_profile(latency=0, rate=2, burst=1)
    sandbox.client.reset_request_count()
    with TempoClient(
        tempo.token,
        base_url=sandbox.tempo_url,
        min_interval=0,
        retry_budget=30,
        sleep=time.sleep,  # really wait Retry-After (the tests' default does not sleep)
    ) as client:
        pages = [client.get_page("/4/worklogs", {"limit": 1}) for _ in range(3)]
    assert [len(page["results"]) for page in pages] == [1, 1, 1]
    assert sandbox.client.request_count("tempo") > 3  # some were answered 429, then retried


def test_switching_the_profile_refills_every_allowance(sandbox, tempo):
    sandbox.client.set_profile(latency=0, rate=0.1, burst=1)
    assert tempo.get("/worklogs", limit=1).status_code == 200
    assert tempo.get("/worklogs", limit=1).status_code == 429
    sandbox.client.set_profile(latency=0, rate=0.1, burst=1)
    assert tempo.get("/worklogs", limit=1).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"latency": -1},
        {"latency": 61},
        {"latency": "fast"},
        {"rate": 0},
        {"rate": "many"},
        {"burst": 0},
        {"burst": 1.5},
    ],
)
def test_bad_profiles_are_refused(sandbox, body):
    with pytest.raises(SandboxError, match="refused"):
        sandbox.client._call("POST", "/_sandbox/profile", body)
    assert sandbox.client.profile()["on"] is False
