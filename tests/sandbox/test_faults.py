"""Faults queued through the control endpoint, as a `requests` client sees them."""

from __future__ import annotations

import time

import pytest
import requests

from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def test_429_with_retry_after(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("tempo", "429", retry_after=7)

    response = tempo.get("/worklogs")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_429_without_retry_after(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("tempo", "429")

    response = tempo.get("/worklogs")

    assert response.status_code == 429
    assert "Retry-After" not in response.headers


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_answer_html(tempo, tempo_sandbox, status):
    tempo_sandbox.client.add_fault("tempo", str(status))

    response = tempo.get("/worklogs")

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")


def test_slow_answers_after_the_delay(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("tempo", "slow", delay=0.4)

    started = time.monotonic()
    response = tempo.get("/worklogs")

    assert time.monotonic() - started >= 0.4
    assert response.status_code == 200
    assert response.json()["metadata"]["count"] == 12


def test_html_is_200_but_not_json(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("tempo", "html")

    response = tempo.get("/worklogs")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


def test_truncated_is_the_first_half_of_the_real_body(tempo, tempo_sandbox):
    whole = tempo.get("/worklogs").content
    tempo_sandbox.client.add_fault("tempo", "truncated")

    response = tempo.get("/worklogs")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == whole[: len(whole) // 2]
    with pytest.raises(ValueError):
        response.json()


def test_drop_closes_the_connection_without_an_answer(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("tempo", "drop")

    with pytest.raises(requests.ConnectionError):
        tempo.get("/worklogs")
    assert tempo.get("/worklogs").status_code == 200


def test_drip_sends_the_normal_answer_a_byte_at_a_time(tempo, tempo_sandbox):
    whole = tempo.get("/worklogs").content
    tempo_sandbox.client.add_fault("tempo", "drip", delay=0.05)

    started = time.monotonic()
    response = tempo.request("GET", "/worklogs", stream=True)
    first = response.raw.read(11)
    took = time.monotonic() - started
    response.close()

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Length"] == "100000"  # the 12 worklogs, padded
    assert first == whole[:11]
    assert 0.5 <= took < 5  # ten pauses of 0.05 s between the eleven bytes
    assert tempo.get("/worklogs").content == whole  # one call only


def test_drip_stops_when_the_client_hangs_up(tempo, tempo_sandbox):
    psutil = pytest.importorskip("psutil")
    tempo_sandbox.client.add_fault("tempo", "drip", delay=0.1)
    response = tempo.request("GET", "/worklogs", stream=True)
    response.raw.read(2)
    client_port = response.raw.connection.sock.getsockname()[1]

    def server_still_dripping() -> bool:
        return any(
            c.laddr.port == tempo_sandbox.port and c.raddr and c.raddr.port == client_port
            for c in psutil.net_connections("tcp")
        )

    assert server_still_dripping()
    response.close()
    wait_for(lambda: not server_still_dripping(), timeout=5, message="still dripping")
    assert not server_still_dripping()  # the server's next writes failed and it hung up


def test_fault_lasts_count_calls(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("tempo", "503", count=2)

    statuses = [tempo.get("/worklogs").status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_faults_apply_in_the_order_they_were_added(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("tempo", "429", retry_after=1)
    tempo_sandbox.client.add_fault("tempo", "500")

    statuses = [tempo.get("/worklogs").status_code for _ in range(3)]

    assert statuses == [429, 500, 200]


def test_faults_come_before_authentication(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("tempo", "503")

    assert tempo.get("/worklogs", token="unknown").status_code == 503


def test_jira_fault_leaves_tempo_alone(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("jira", "500")

    assert tempo.get("/worklogs").status_code == 200


def test_settings_page_and_control_endpoint_are_never_faulted(tempo, tempo_sandbox, http):
    tempo_sandbox.client.add_fault("tempo", "500")

    assert http.get(f"{tempo_sandbox.tempo_url}/settings/api-integration/", timeout=10).ok
    assert tempo_sandbox.client.health()
    assert tempo.get("/worklogs").status_code == 500


def test_clear_faults_drops_pending_ones(tempo, tempo_sandbox):
    tempo_sandbox.client.add_fault("tempo", "500", count=5)

    tempo_sandbox.client.clear_faults()

    assert tempo.get("/worklogs").status_code == 200


def test_request_count_counts_api_calls_only(tempo, tempo_sandbox, http):
    tempo_sandbox.client.add_fault("tempo", "429")
    tempo.get("/worklogs")
    tempo.get("/worklogs", token="unknown")
    tempo.get("/worklogs/1001")
    http.get(f"{tempo_sandbox.tempo_url}/settings/api-integration/", timeout=10)

    assert tempo_sandbox.client.request_count("tempo") == 3
    assert tempo_sandbox.client.request_count("jira") == 0

    tempo_sandbox.client.reset_request_count()

    assert tempo_sandbox.client.request_count("tempo") == 0
