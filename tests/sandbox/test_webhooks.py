"""Webhooks as the sandbox sends them: Tempo's subscriptions and Jira's admin webhooks.

A sandbox of its own (its data changes) with short retry delays, and a receiver: a small
`http.server` on a loopback port that records every request, answers Tempo's verification
and fails on demand. Signatures are checked the documented way: Tempo's `Tempo-Signature`
is HMAC-SHA256(sharedSecret, body + Tempo-Timestamp) in hex (Tempo's "Validation and
security"), Jira's `X-Hub-Signature` is `sha256=` HMAC-SHA256(secret, raw body) in hex
(Atlassian's "Secure admin webhooks").
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.demo import catalog
from sandbox.process import SandboxProcess
from tests.sandbox.clients import JiraApi, TempoApi

pytestmark = pytest.mark.integration

SUBSCRIPTIONS = "/webhooks/subscriptions"
JIRA_WEBHOOKS = "/rest/webhooks/1.0/webhook"
FAST = {"retry_delay_seconds": [0.05, 0.1], "timeout_seconds": 2}


# -- the receiver -----------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the receiver answers: `handshake` "echo" (Tempo's verification passes),
    "wrong", "html", "drip" (the challenge a byte at a time, slowly) or "endless" (an
    answer that never ends); `statuses` the answers to the next POSTs (then 200), `delays`
    how long each of the next POSTs waits before answering, `answers` how each of the next
    POSTs is answered: "drip" (its status line and headers a byte every 50 ms, 10 s in
    all) or "endless" (a 200 whose body never ends, 10 s of it)."""

    url: str
    handshake: str = "echo"
    statuses: list[int] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.method == "POST"]

    def wait_for_posts(self, count: int, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.posts()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.posts()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _record(self) -> Received:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            record = Received(
                self.command,
                parts.path,
                parse_qs(parts.query),
                dict(self.headers.items()),
                self.rfile.read(length),
            )
            with box["r"].lock:
                box["r"].received.append(record)
            return record

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _drip(self, data: bytes) -> None:
            try:
                for byte in data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                self.close_connection = True  # the sandbox gave up, as it should

        def _endless(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            deadline = time.monotonic() + 10
            with contextlib.suppress(OSError):  # the sandbox stopped reading, as it should
                while time.monotonic() < deadline:
                    self.wfile.write(b"x" * 16384)
                    self.wfile.flush()
                    time.sleep(0.005)
            self.close_connection = True

        def do_GET(self) -> None:  # noqa: N802  (http.server's name)
            record = self._record()
            challenge = record.query.get("randomString", [""])[0]
            mode = box["r"].handshake
            if mode == "echo":
                self._answer(200, f"  {challenge}\n".encode(), "text/plain; charset=utf-8")
            elif mode == "html":
                self._answer(200, challenge.encode(), "text/html")
            elif mode == "drip":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(challenge)))
                self.end_headers()
                self.wfile.flush()
                self._drip(challenge.encode())
            elif mode == "endless":
                self._endless()
            else:
                self._answer(200, b"not-the-random-string", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            self._record()
            with box["r"].lock:
                status = box["r"].statuses.pop(0) if box["r"].statuses else 200
                delay = box["r"].delays.pop(0) if box["r"].delays else 0
                answer = box["r"].answers.pop(0) if box["r"].answers else ""
            time.sleep(delay)
            if answer == "drip":
                head = "HTTP/1.1 200 OK\r\nX-Padding: " + "p" * 150 + "\r\n"
                self._drip((head + "Content-Length: 0\r\n\r\n").encode())
                self.close_connection = True
            elif answer == "endless":
                self._endless()
            else:
                self._answer(status, b"", "text/plain")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["r"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield box["r"]
    server.shutdown()
    server.server_close()


# -- the sandbox ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def webhook_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path_factory.mktemp("webhook-sandbox")).start()
    yield process
    process.stop()


@pytest.fixture
def control(webhook_sandbox: SandboxProcess):
    webhook_sandbox.client.reset_webhooks()
    webhook_sandbox.client.set_webhooks(**FAST)
    return webhook_sandbox.client


@pytest.fixture(scope="module")
def token(webhook_sandbox: SandboxProcess) -> str:
    return webhook_sandbox.client.mint_token(name="tests: webhooks", scopes={"worklogs": "view"})


@pytest.fixture
def tempo(webhook_sandbox: SandboxProcess, token: str, control) -> Iterator[TempoApi]:
    api = TempoApi(webhook_sandbox, token)
    yield api
    api.session.close()


@pytest.fixture
def jira(webhook_sandbox: SandboxProcess, control) -> Iterator[JiraApi]:
    api = JiraApi(webhook_sandbox)
    yield api
    api.session.close()


def subscribe(tempo: TempoApi, url: str, event: str = "worklog.created") -> requests.Response:
    return tempo.request("POST", SUBSCRIPTIONS, json={"url": url, "event": event, "name": "t"})


def register(jira: JiraApi, url: str, events: list[str], **extra: Any) -> requests.Response:
    return jira.post(JIRA_WEBHOOKS, {"name": "tests", "url": url, "events": events, **extra})


def tempo_signature(secret: str, received: Received) -> str:
    message = received.body.decode() + received.headers["Tempo-Timestamp"]
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def hub_signature(secret: str, received: Received) -> str:
    return "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()


# -- Tempo subscriptions ----------------------------------------------------------------


def test_subscription_is_active_after_the_handshake(tempo, receiver):
    response = subscribe(tempo, receiver.url)

    assert response.status_code == 200, response.text
    created = response.json()
    assert created["active"] is True
    assert created["url"] == receiver.url
    assert created["event"] == "worklog.created"
    assert created["name"] == "t"
    assert len(created["sharedSecret"]) == 128
    assert created["self"].endswith(f"/tempo/4/webhooks/subscriptions/{created['id']}")
    challenge = receiver.received[0].query["randomString"][0]
    assert receiver.received[0].method == "GET"
    assert len(challenge) == 128
    assert challenge.isalnum()


@pytest.mark.parametrize("handshake", ["wrong", "html"])
def test_subscription_stays_inactive_when_the_handshake_fails(tempo, receiver, control, handshake):
    receiver.handshake = handshake

    response = subscribe(tempo, receiver.url)

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert control.webhook_state()["tempo_subscriptions"][0]["active"] is False


def test_subscription_to_an_unreachable_url_is_inactive(tempo):
    response = subscribe(tempo, "http://127.0.0.1:9/nobody-listens")

    assert response.status_code == 200
    assert response.json()["active"] is False


def test_same_url_and_event_twice_is_a_conflict(tempo, receiver):
    assert subscribe(tempo, receiver.url).status_code == 200

    response = subscribe(tempo, receiver.url)

    assert response.status_code == 409
    assert list(response.json()) == ["errors"]
    assert subscribe(tempo, receiver.url, "worklog.updated").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://example.com/hooks", "event": "worklog.created"},
        {"url": "ftp://127.0.0.1/hooks", "event": "worklog.created"},
        {"url": "https://example.com/hooks", "event": "worklog.exploded"},
        {"url": "https://example.com/hooks"},
        {"event": "worklog.created"},
        ["not", "an", "object"],
    ],
)
def test_bad_subscriptions_are_refused(tempo, body):
    response = tempo.request("POST", SUBSCRIPTIONS, json=body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("http://localhost:9/hooks", 200),
        ("http://[::1]:9/hooks", 200),
        ("http://127.0.0.2:9/hooks", 200),
        ("https://127.0.0.1:9/hooks", 200),
        ("http://10.0.0.1/hooks", 400),
        ("http://localhost.example.com/hooks", 400),
        ("https:///hooks", 400),
    ],
)
def test_only_loopback_may_use_http(tempo, url, status):
    assert subscribe(tempo, url).status_code == status


def test_invalid_json_is_refused(tempo):
    response = tempo.request("POST", SUBSCRIPTIONS, data=b"{nope")

    assert response.status_code == 400


def test_the_26th_subscription_is_refused(tempo):
    # https URLs are not verified against anything reachable: they stay inactive, quickly.
    for number in range(25):
        response = subscribe(tempo, f"https://127.0.0.1:9/hooks/{number}")
        assert response.status_code == 200

    response = subscribe(tempo, "https://127.0.0.1:9/hooks/26")

    assert response.status_code == 400
    assert "25" in response.json()["errors"][0]["message"]


def test_subscriptions_need_a_token(tempo, receiver):
    response = tempo.session.post(
        f"{tempo.base}{SUBSCRIPTIONS}", json={"url": receiver.url, "event": "worklog.created"}
    )

    assert response.status_code == 401
    assert tempo.session.get(f"{tempo.base}{SUBSCRIPTIONS}").status_code == 401


def test_subscriptions_need_the_worklogs_scope(tempo, webhook_sandbox, receiver):
    other = webhook_sandbox.client.mint_token(name="tests: teams", scopes={"teams": "manage"})

    response = tempo.request("GET", SUBSCRIPTIONS, token=other)

    assert response.status_code == 403


def test_list_get_delete_and_refresh(tempo, receiver):
    created = subscribe(tempo, receiver.url).json()
    subscribe(tempo, receiver.url, "worklog.updated")

    page = tempo.get(SUBSCRIPTIONS, limit=1).json()
    one = tempo.get(f"{SUBSCRIPTIONS}/{created['id']}").json()

    assert page["metadata"]["count"] == 1
    assert page["results"][0]["id"] == created["id"]
    assert "offset=1" in page["metadata"]["next"]
    assert "sharedSecret" not in page["results"][0]
    assert one == {key: value for key, value in created.items() if key != "sharedSecret"}
    assert tempo.request("PATCH", f"{SUBSCRIPTIONS}/{created['id']}/refresh").status_code == 204
    assert tempo.request("DELETE", f"{SUBSCRIPTIONS}/{created['id']}").status_code == 204
    assert tempo.get(f"{SUBSCRIPTIONS}/{created['id']}").status_code == 404
    assert tempo.request("DELETE", f"{SUBSCRIPTIONS}/{created['id']}").status_code == 404
    assert tempo.request("PATCH", f"{SUBSCRIPTIONS}/{created['id']}/refresh").status_code == 404
    assert tempo.get(f"{SUBSCRIPTIONS}/not-a-uuid").status_code == 404


# -- Tempo deliveries -------------------------------------------------------------------


def test_a_new_worklog_is_delivered_signed(tempo, receiver, control):
    secret = subscribe(tempo, receiver.url).json()["sharedSecret"]

    worklog = control.create_tempo_worklog(
        catalog.ITSD.key + "-1",
        1800,
        billable_seconds=900,
        start_date="2026-11-30",
        start_time="09:30:15",
        description="Webhook test",
    )
    state = control.wait_for_webhooks()

    (post,) = receiver.wait_for_posts(1)
    body = post.json()
    assert post.headers["Tempo-Signature"] == tempo_signature(secret, post)
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["Tempo-Timestamp"].endswith("Z")
    assert post.headers["Tempo-Jira-Client-Key"]
    assert post.headers["Tempo-Tenant-ID"]
    assert body["eventType"] == "worklog.created"
    assert len(body["eventId"]) == 36
    payload = body["payload"]
    assert payload["tempoWorklogId"] == worklog["id"]
    assert payload["issue"] == {"id": worklog["issue_id"]}
    assert payload["timeSpentSeconds"] == 1800
    assert payload["billableSeconds"] == 900
    assert payload["startDate"] == "2026-11-30T00:00:00.000Z"
    assert payload["startTime"] == 9 * 3600 + 30 * 60 + 15
    assert payload["description"] == "Webhook test"
    assert payload["author"]["accountId"] == payload["updater"]["accountId"]
    assert state["deliveries"][-1]["outcome"] == "sent"
    assert state["deliveries"][-1]["status"] == 200


def test_updates_and_deletions_go_to_their_own_subscriptions(tempo, receiver, control):
    worklog = control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    subscribe(tempo, receiver.url, "worklog.updated")
    subscribe(tempo, receiver.url, "worklog.deleted")

    control.update_tempo_worklog(worklog["id"], description="changed")
    control.delete_tempo_worklog(worklog["id"])
    control.wait_for_webhooks()

    posts = receiver.wait_for_posts(2)
    assert [p.json()["eventType"] for p in posts] == ["worklog.updated", "worklog.deleted"]
    assert posts[0].json()["payload"]["description"] == "changed"
    assert posts[1].json()["payload"]["tempoWorklogId"] == worklog["id"]


def test_a_deletion_through_the_tempo_api_is_delivered(tempo, receiver, control, webhook_sandbox):
    worklog = control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    subscribe(tempo, receiver.url, "worklog.deleted")
    manager = webhook_sandbox.client.mint_token(name="tests: manage", scopes={"worklogs": "manage"})

    assert tempo.request("DELETE", f"/worklogs/{worklog['id']}", token=manager).status_code == 204
    control.wait_for_webhooks()

    (post,) = receiver.wait_for_posts(1)
    assert post.json()["payload"]["tempoWorklogId"] == worklog["id"]


def test_retries_resend_the_identical_delivery(tempo, receiver, control):
    secret = subscribe(tempo, receiver.url).json()["sharedSecret"]
    receiver.statuses = [500, 404]

    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    state = control.wait_for_webhooks()

    posts = receiver.wait_for_posts(3)
    assert len(posts) == 3
    assert len({p.body for p in posts}) == 1
    assert len({p.headers["Tempo-Timestamp"] for p in posts}) == 1
    assert len({p.headers["Tempo-Signature"] for p in posts}) == 1
    assert posts[0].headers["Tempo-Signature"] == tempo_signature(secret, posts[0])
    delivery = state["deliveries"][-1]
    assert delivery["attempts"] == 3
    assert delivery["outcome"] == "sent"
    assert [h.get("status") for h in delivery["history"]] == [500, 404, 200]
    assert state["tempo_subscriptions"][0]["failures"] == 0


def test_after_the_last_retry_the_subscription_is_inactive_until_refreshed(
    tempo, receiver, control
):
    created = subscribe(tempo, receiver.url).json()
    control.set_webhooks(max_retries=2)
    receiver.statuses = [503, 503, 503]

    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    state = control.wait_for_webhooks()

    assert len(receiver.wait_for_posts(3)) == 3
    assert state["deliveries"][-1]["outcome"] == "failed"
    assert state["tempo_subscriptions"][0]["active"] is False
    assert state["tempo_subscriptions"][0]["failures"] == 3
    assert tempo.get(f"{SUBSCRIPTIONS}/{created['id']}").json()["active"] is False

    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    control.wait_for_webhooks()
    assert len(receiver.posts()) == 3  # inactive: nothing sent, nothing queued

    assert tempo.request("PATCH", f"{SUBSCRIPTIONS}/{created['id']}/refresh").status_code == 204
    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    state = control.wait_for_webhooks()
    assert len(receiver.wait_for_posts(4)) == 4
    assert state["tempo_subscriptions"][0]["active"] is True
    assert state["tempo_subscriptions"][0]["failures"] == 0


def test_a_slow_answer_is_a_failure_and_retried(tempo, receiver, control):
    subscribe(tempo, receiver.url)
    control.set_webhooks(timeout_seconds=0.3)
    receiver.delays = [1.0]

    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    state = control.wait_for_webhooks()

    posts = receiver.wait_for_posts(2)
    assert len(posts) == 2
    assert posts[0].body == posts[1].body
    delivery = state["deliveries"][-1]
    assert delivery["outcome"] == "sent"
    assert "no answer within" in delivery["history"][0]["reason"]


def test_a_drop_rate_of_one_sends_nothing(tempo, receiver, control):
    subscribe(tempo, receiver.url)
    control.set_webhooks(drop_rate=1.0, seed=7)

    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    state = control.wait_for_webhooks()

    assert state["deliveries"][-1]["outcome"] == "dropped"
    assert state["deliveries"][-1]["attempts"] == 0
    time.sleep(0.3)
    assert receiver.posts() == []


def test_drops_repeat_with_the_same_seed(tempo, receiver, control):
    subscribe(tempo, receiver.url)

    def outcomes() -> list[str]:
        control.set_webhooks(drop_rate=0.5, seed=42)
        before = len(control.webhook_state(deliveries=1000)["deliveries"])
        for _ in range(8):
            control.create_tempo_worklog(catalog.ITSD.key + "-1", 60)
        state = control.wait_for_webhooks(deliveries=1000)
        return [d["outcome"] for d in state["deliveries"][before:]]

    first, second = outcomes(), outcomes()

    assert first == second
    assert set(first) == {"sent", "dropped"}


def test_paused_deliveries_wait(tempo, receiver, control):
    subscribe(tempo, receiver.url)
    control.set_webhooks(paused=True)

    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    time.sleep(0.3)

    assert receiver.posts() == []
    assert control.webhook_state()["pending"] == 1
    control.set_webhooks(paused=False)
    control.wait_for_webhooks()
    assert len(receiver.wait_for_posts(1)) == 1


# -- Jira admin webhooks ----------------------------------------------------------------


def test_an_admin_registers_a_webhook_and_its_secret_stays_hidden(jira, receiver, control):
    response = register(jira, receiver.url, ["jira:issue_updated"], secret="s3cret")

    assert response.status_code == 201, response.text
    created = response.json()
    assert "secret" not in created
    assert "s3cret" not in response.text
    assert created["enabled"] is True
    assert created["events"] == ["jira:issue_updated"]
    assert created["filters"] == {"issue-related-events-section": ""}
    assert created["excludeBody"] is False
    webhook_id = created["self"].rsplit("/", 1)[1]
    assert created["self"].endswith(f"/jira/rest/webhooks/1.0/webhook/{webhook_id}")
    listed = jira.get(JIRA_WEBHOOKS).json()
    assert [hook["self"] for hook in listed] == [created["self"]]
    assert jira.get(f"{JIRA_WEBHOOKS}/{webhook_id}").json() == created
    assert control.webhook_state()["jira_webhooks"][0]["has_secret"] is True
    assert jira.session.delete(f"{jira.base}{JIRA_WEBHOOKS}/{webhook_id}").status_code == 204
    assert jira.get(f"{JIRA_WEBHOOKS}/{webhook_id}").status_code == 404


def test_a_non_admin_may_not_register(jira, receiver, webhook_sandbox):
    agent = (webhook_sandbox.jira_agent_email, webhook_sandbox.jira_agent_api_token)
    body = {"name": "x", "url": receiver.url, "events": ["jira:issue_updated"]}

    response = jira.session.post(f"{jira.base}{JIRA_WEBHOOKS}", json=body, auth=agent)

    assert response.status_code == 403
    assert response.json()["errorMessages"]
    # The agent is a working account otherwise.
    assert jira.session.get(f"{jira.base}/rest/api/3/myself", auth=agent).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "url": "http://example.com/hooks", "events": ["jira:issue_updated"]},
        {"name": "x", "url": "https://example.com/hooks", "events": []},
        {"url": "https://example.com/hooks", "events": ["jira:issue_updated"]},
        {
            "name": "x",
            "url": "https://example.com/hooks",
            "events": ["jira:issue_updated"],
            "filters": {"issue-related-events-section": "project = ("},
        },
    ],
)
def test_bad_webhooks_are_refused(jira, body):
    response = jira.post(JIRA_WEBHOOKS, body)

    assert response.status_code == 400
    assert "errorMessages" in response.json()


def test_issue_events_are_signed(jira, receiver, control):
    register(
        jira,
        receiver.url,
        ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"],
        secret="s3cret",
    )

    issue = control.create_request(catalog.ITSD.key, "Webhook request", catalog.ALICE.email)
    control.update_request(issue["key"], summary="Renamed", status="In Progress")
    moved = control.move_request(issue["key"], catalog.SUP.key)
    control.delete_request(moved["key"])
    control.wait_for_webhooks()

    posts = receiver.wait_for_posts(4)
    bodies = [p.json() for p in posts]
    assert [b["webhookEvent"] for b in bodies] == [
        "jira:issue_created",
        "jira:issue_updated",
        "jira:issue_updated",
        "jira:issue_deleted",
    ]
    assert [b["issue_event_type_name"] for b in bodies] == [
        "issue_created",
        "issue_updated",
        "issue_moved",
        "issue_deleted",
    ]
    for post in posts:
        assert post.headers["X-Hub-Signature"] == hub_signature("s3cret", post)
        assert "X-Atlassian-Webhook-Retry" not in post.headers
    assert len({p.headers["X-Atlassian-Webhook-Identifier"] for p in posts}) == 4
    updated = bodies[1]
    assert updated["issue"]["id"] == issue["id"]
    assert updated["issue"]["fields"]["summary"] == "Renamed"
    assert updated["issue"]["fields"]["project"]["key"] == catalog.ITSD.key
    assert {item["field"] for item in updated["changelog"]["items"]} == {"summary", "status"}
    assert bodies[2]["issue"]["fields"]["project"]["key"] == catalog.SUP.key
    assert bodies[2]["issue"]["key"] == moved["key"]
    assert isinstance(bodies[0]["timestamp"], int)
    assert bodies[0]["user"]["accountId"]


def test_worklog_events_and_an_unsigned_webhook(jira, receiver, control):
    register(jira, receiver.url, ["worklog_created", "worklog_updated", "worklog_deleted"])

    worklog = control.create_jira_worklog(catalog.ITSD.key + "-1", 900)
    control.update_jira_worklog(worklog["id"], time_spent_seconds=1200)
    control.delete_jira_worklog(worklog["id"])
    control.wait_for_webhooks()

    posts = receiver.wait_for_posts(3)
    bodies = [p.json() for p in posts]
    assert [b["webhookEvent"] for b in bodies] == [
        "worklog_created",
        "worklog_updated",
        "worklog_deleted",
    ]
    assert bodies[0]["worklog"]["id"] == worklog["id"]
    assert bodies[0]["worklog"]["issueId"] == worklog["issue_id"]
    assert bodies[1]["worklog"]["timeSpentSeconds"] == 1200
    assert "X-Hub-Signature" not in posts[0].headers


def test_deleting_a_request_sends_its_deletions(tempo, jira, receiver, control):
    issue = control.create_request(catalog.ITSD.key, "Short-lived", catalog.ALICE.email)
    tempo_worklog = control.create_tempo_worklog(issue["key"], 600)
    control.create_jira_worklog(issue["key"], 600)
    subscribe(tempo, receiver.url, "worklog.deleted")
    register(jira, receiver.url, ["jira:issue_deleted", "worklog_deleted"])

    control.delete_request(issue["key"])
    control.wait_for_webhooks()

    posts = receiver.wait_for_posts(2)
    kinds = sorted(p.json().get("webhookEvent") or p.json()["eventType"] for p in posts)
    assert kinds == ["jira:issue_deleted", "worklog.deleted"]
    tempo_post = next(p for p in posts if "eventType" in p.json())
    assert tempo_post.json()["payload"]["tempoWorklogId"] == tempo_worklog["id"]


def test_a_move_is_in_the_changelog_and_exclude_body_sends_none(jira, receiver, control):
    register(jira, receiver.url, ["jira:issue_updated"], secret="s3cret")
    register(jira, receiver.url + "/bare", ["jira:issue_updated"], excludeBody=True)
    issue = control.create_request(catalog.ITSD.key, "To be moved", catalog.ALICE.email)

    moved = control.move_request(issue["key"], catalog.SUP.key)
    control.wait_for_webhooks()

    posts = receiver.wait_for_posts(2)
    full = next(p for p in posts if p.path == "/hooks")
    bare = next(p for p in posts if p.path == "/hooks/bare")
    items = {item["field"]: item for item in full.json()["changelog"]["items"]}
    assert items["project"]["to"] == str(catalog.SUP.id)
    assert items["Key"]["fromString"] == issue["key"]
    assert items["Key"]["toString"] == moved["key"]
    assert bare.body == b""
    assert bare.headers["X-Atlassian-Webhook-Identifier"]


def test_the_jql_filter_is_applied(jira, receiver, control):
    register(
        jira,
        receiver.url,
        ["jira:issue_created"],
        filters={"issue-related-events-section": f"project = {catalog.SUP.key}"},
    )

    control.create_request(catalog.ITSD.key, "Not for the filter", catalog.ALICE.email)
    wanted = control.create_request(catalog.SUP.key, "For the filter", catalog.ALICE.email)
    control.wait_for_webhooks()

    (post,) = receiver.wait_for_posts(1)
    assert post.json()["issue"]["id"] == wanted["id"]


def test_jira_retries_a_503_with_the_same_identifier(jira, receiver, control):
    register(jira, receiver.url, ["jira:issue_updated"], secret="s3cret")
    receiver.statuses = [503, 429]

    control.update_request(catalog.ITSD.key + "-1", summary="Retried")
    state = control.wait_for_webhooks()

    posts = receiver.wait_for_posts(3)
    assert len(posts) == 3
    assert len({p.headers["X-Atlassian-Webhook-Identifier"] for p in posts}) == 1
    assert [p.headers.get("X-Atlassian-Webhook-Retry") for p in posts] == [None, "1", "2"]
    assert len({p.body for p in posts}) == 1
    assert all(p.headers["X-Hub-Signature"] == hub_signature("s3cret", p) for p in posts)
    assert state["deliveries"][-1]["outcome"] == "sent"


def test_jira_does_not_retry_a_400_and_keeps_the_webhook(jira, receiver, control):
    register(jira, receiver.url, ["jira:issue_updated"])
    receiver.statuses = [400]

    control.update_request(catalog.ITSD.key + "-1", summary="Refused")
    state = control.wait_for_webhooks()

    assert len(receiver.wait_for_posts(1, timeout=0.5)) == 1
    assert state["deliveries"][-1]["outcome"] == "failed"
    assert state["deliveries"][-1]["status"] == 400
    assert state["jira_webhooks"][0]["enabled"] is True


def test_jira_gives_up_after_its_retries(jira, receiver, control):
    register(jira, receiver.url, ["jira:issue_updated"])
    control.set_webhooks(max_retries={"jira": 1})
    receiver.statuses = [500, 500, 500]

    control.update_request(catalog.ITSD.key + "-1", summary="Gave up")
    state = control.wait_for_webhooks()

    assert len(receiver.wait_for_posts(2, timeout=0.5)) == 2
    assert state["deliveries"][-1]["outcome"] == "failed"
    assert state["settings"]["max_retries"] == {"tempo": 10, "jira": 1}


# -- the control endpoint ---------------------------------------------------------------


def test_settings_are_checked(control):
    with pytest.raises(Exception, match="drop_rate"):
        control.set_webhooks(drop_rate=2)
    with pytest.raises(Exception, match="Unknown"):
        control.set_webhooks(colour="blue")
    assert control.set_webhooks(retry_delay_seconds=[1, 2])["retry_delay_seconds"] == [1, 2]


def test_reset_forgets_everything(tempo, jira, receiver, control):
    subscribe(tempo, receiver.url)
    register(jira, receiver.url, ["jira:issue_updated"])
    control.set_webhooks(paused=True)
    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)

    control.reset_webhooks()

    state = control.webhook_state()
    assert state["tempo_subscriptions"] == []
    assert state["jira_webhooks"] == []
    assert state["deliveries"] == []
    assert state["settings"]["paused"] is False


# -- faults found in review: each test failed before its fix -----------------------------


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> SandboxProcess:
    """The sandbox's code and a demo database of its own, without a server: scripts run in
    its `manage.py shell`, where faults can be injected, and no server's sender competes
    with theirs for the deliveries."""
    process = SandboxProcess(tmp_path_factory.mktemp("webhook-offline"), seed=False)
    process.manage("migrate", "--no-input", "-v", "0")
    process.manage("seed_demo")
    return process


PRELUDE = """
import json, threading, time
from django.db import transaction
from sandbox.webhooks import events, sender
from sandbox.webhooks.models import Delivery, JiraWebhook, TempoSubscription, WebhookSettings

def fresh(**settings):
    for model in (Delivery, TempoSubscription, JiraWebhook, WebhookSettings):
        model.objects.all().delete()
    WebhookSettings.objects.create(pk=1, **settings)

def two_deliveries(url):
    # A Tempo delivery, then a Jira one, both due now.
    sub = TempoSubscription.objects.create(url=url + "/tempo", event="worklog.created", active=True)
    hook = JiraWebhook.objects.create(
        name="t", url=url + "/jira", events=["jira:issue_updated"], site="http://127.0.0.1:9/jira"
    )
    for service, target, kind in (("tempo", sub, "worklog.created"), ("jira", hook, "x")):
        Delivery.objects.create(
            service=service, subscription=str(target.pk), url=target.url, event_type=kind,
            event_id=f"id-{service}", body=json.dumps({"service": service}),
        )

def wait_idle(seconds):
    deadline = time.monotonic() + seconds
    while Delivery.objects.filter(outcome="pending").exists() and time.monotonic() < deadline:
        time.sleep(0.05)

def rows():
    return {
        d.service: {"outcome": d.outcome, "attempts": d.attempts, "reason": d.last_reason,
                    "history": d.history}
        for d in Delivery.objects.order_by("id")
    }
"""


def in_sandbox(process: SandboxProcess, script: str, **env: str) -> Any:
    """Run `script` in the sandbox's `manage.py shell`, with `env` added to its environment;
    return the JSON it printed last."""
    if env:
        process = SandboxProcess(
            process.data_dir, seed=False, database_url=process.database_url, env=env
        )
    output = process.manage("shell", "-c", PRELUDE + textwrap.dedent(script))
    return json.loads(output.strip().splitlines()[-1])


# 1. A slow receiver cannot hold the sender: the timeout bounds the whole exchange.


def test_a_receiver_dripping_its_answer_times_out_on_the_whole(tempo, receiver, control):
    subscribe(tempo, receiver.url)
    control.set_webhooks(timeout_seconds=0.5)
    receiver.answers = ["drip"]  # a byte every 50 ms: no single read ever waits 0.5 s

    started = time.monotonic()
    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    state = control.wait_for_webhooks(timeout=15)

    assert time.monotonic() - started < 5
    assert len(receiver.wait_for_posts(2)) == 2
    delivery = state["deliveries"][-1]
    assert delivery["outcome"] == "sent"
    assert delivery["history"][0]["reason"] == "no answer within 0.5 s"


def test_an_endless_answer_is_read_up_to_64_kib(tempo, receiver, control):
    subscribe(tempo, receiver.url)
    receiver.answers = ["endless"]

    started = time.monotonic()
    control.create_tempo_worklog(catalog.ITSD.key + "-1", 600)
    state = control.wait_for_webhooks(timeout=15)

    assert time.monotonic() - started < 5
    assert state["deliveries"][-1]["outcome"] == "sent"
    assert state["deliveries"][-1]["attempts"] == 1


@pytest.mark.parametrize(
    ("handshake", "why"),
    [
        ("drip", "no answer to the verification within 0.5 s"),
        ("endless", "the verification's answer is longer than 65536 bytes"),
    ],
)
def test_the_handshake_ends_within_its_timeout(offline, receiver, handshake, why):
    receiver.handshake = handshake

    result = in_sandbox(
        offline,
        f"""
        started = time.monotonic()
        passed, why = sender.verify({receiver.url!r})
        print(json.dumps({{"passed": passed, "why": why, "seconds": time.monotonic() - started}}))
        """,
        SANDBOX_WEBHOOK_HANDSHAKE_TIMEOUT="0.5",
    )

    assert result["passed"] is False
    assert result["why"] == why
    assert result["seconds"] < 3


# 2. A retry sends what the first attempt sent, even when saving its outcome failed.


def test_a_failed_save_after_sending_keeps_the_timestamp_and_the_schedule(offline, receiver):
    result = in_sandbox(
        offline,
        f"""
        import requests
        from django.db import OperationalError

        fresh(retry_delay_min=0.5, retry_delay_max=0.5, timeout_seconds=2)
        two_deliveries({receiver.url!r})
        posted, failed = set(), set()
        send, save = requests.Session.send, Delivery.save

        def sending(self, request, **kwargs):
            try:
                return send(self, request, **kwargs)
            finally:
                posted.add(request.url)

        def saving(self, *args, **kwargs):
            # The first save after a delivery's first POST fails, as a locked SQLite does.
            if self.url in posted and self.url not in failed:
                failed.add(self.url)
                raise OperationalError("database is locked")
            return save(self, *args, **kwargs)

        requests.Session.send, Delivery.save = sending, saving
        sender.wake()
        wait_idle(8)
        print(json.dumps(rows()))
        """,
    )

    posts = receiver.wait_for_posts(4)
    tempo_posts = [p for p in posts if p.path == "/hooks/tempo"]
    jira_posts = [p for p in posts if p.path == "/hooks/jira"]
    assert len(tempo_posts) == 2
    assert len({p.headers["Tempo-Timestamp"] for p in tempo_posts}) == 1
    assert len({p.headers["Tempo-Signature"] for p in tempo_posts}) == 1
    assert tempo_posts[1].at - tempo_posts[0].at >= 0.4  # the retry delay, not at once
    assert [p.headers.get("X-Atlassian-Webhook-Retry") for p in jira_posts] == [None, "1"]
    for service in ("tempo", "jira"):
        assert result[service]["outcome"] == "sent"
        assert result[service]["attempts"] == 2
        assert "database is locked" in result[service]["history"][0]["reason"]
        assert result[service]["history"][1]["status"] == 200


# 3. One delivery failing in the sandbox itself does not stall the others.


def test_a_delivery_the_sandbox_cannot_send_fails_alone(offline, receiver):
    result = in_sandbox(
        offline,
        f"""
        fresh(retry_delay_min=0.2, retry_delay_max=0.2, timeout_seconds=2, tempo_max_retries=1)
        two_deliveries({receiver.url!r})
        sender.wake()
        wait_idle(5)
        print(json.dumps(rows()))
        """,
        SANDBOX_TEMPO_TENANT_ID="tenant-€",  # not Latin-1: no HTTP header can carry it
    )

    assert [p.path for p in receiver.wait_for_posts(1)] == ["/hooks/jira"]
    assert result["jira"]["outcome"] == "sent"
    assert result["tempo"]["outcome"] == "failed"
    assert result["tempo"]["attempts"] == 2
    assert "UnicodeEncodeError" in result["tempo"]["reason"]
    assert "UnicodeEncodeError" in result["tempo"]["history"][0]["reason"]


# 4. The sender thread survives its own errors, closing the connection's included.


def test_the_sender_outlives_its_errors(offline, receiver):
    result = in_sandbox(
        offline,
        f"""
        fresh()
        current = WebhookSettings.current
        calls = []

        def failing(cls):
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("the first look fails")
            return current()

        class BrokenConnection:
            def close(self):
                raise RuntimeError("closing fails too")

        WebhookSettings.current = classmethod(failing)
        sender.connection = BrokenConnection()
        sender.wake()
        time.sleep(0.5)
        two_deliveries({receiver.url!r})  # nobody wakes the sender: it must find them
        wait_idle(3)
        print(json.dumps({{"alive": sender._thread.is_alive(), "rows": rows()}}))
        """,
    )

    assert result["alive"] is True
    assert result["rows"]["tempo"]["outcome"] == "sent"
    assert result["rows"]["jira"]["outcome"] == "sent"


# 5. Subscriptions carry Tempo's required `updatedAt`.


def test_subscriptions_have_updated_at(tempo, receiver):
    created = subscribe(tempo, receiver.url).json()
    time.sleep(0.01)

    assert tempo.request("PATCH", f"{SUBSCRIPTIONS}/{created['id']}/refresh").status_code == 204
    refreshed = tempo.get(f"{SUBSCRIPTIONS}/{created['id']}").json()
    listed = tempo.get(SUBSCRIPTIONS).json()["results"][0]

    assert created["updatedAt"].endswith("Z")
    assert created["updatedAt"] >= created["createdAt"]
    assert refreshed["updatedAt"] > created["updatedAt"]
    assert listed["updatedAt"] == refreshed["updatedAt"]


# 7. Deleting many issues and worklogs: every event, in chunks, a few queries per chunk.


def test_deleting_a_large_project_sends_every_deletion(offline):
    result = in_sandbox(
        offline,
        """
        import copy
        import sqlite3
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from sandbox import drift
        from sandbox.jira.models import Project
        from sandbox.tempo.models import Worklog

        fresh(paused=True)
        sender.wake = lambda: None
        connection.ensure_connection()
        # SQLite's default before 3.32 (Debian builds allow 250,000): 999 variables a query.
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        project = Project.objects.get(key="SUP")
        ids = list(project.issues.order_by("pk").values_list("pk", flat=True))
        template = Worklog.objects.order_by("pk").first()
        first = Worklog.objects.order_by("-pk").first().pk + 1
        extra = []
        for n in range(1500):
            worklog = copy.copy(template)
            worklog.pk, worklog.issue_id = first + n, ids[n % len(ids)]
            worklog.project_id = project.pk
            extra.append(worklog)
        Worklog.objects.bulk_create(extra)
        TempoSubscription.objects.create(
            url="https://127.0.0.1:9/t", event="worklog.deleted", active=True
        )
        JiraWebhook.objects.create(
            name="t", url="https://127.0.0.1:9/j", events=["jira:issue_deleted"],
            jql="project = SUP", site="http://127.0.0.1:9/jira",
        )

        def queries(count):
            with transaction.atomic():
                with CaptureQueriesContext(connection) as captured:
                    events.jira_issues_deleted(ids[:count])
                transaction.set_rollback(True)
            # Reads: the INSERTs come in batches of as many rows as a query's variables allow.
            return sum(q["sql"].startswith("SELECT") for q in captured.captured_queries)

        class Unreadable:
            def __iter__(self):
                raise RuntimeError("reading the ids failed")

        try:
            with transaction.atomic():
                events.tempo_worklogs(events.WORKLOG_DELETED, Unreadable())
            guarded = True
        except Exception:
            guarded = False
        worklogs = Worklog.objects.filter(issue_id__in=ids).count()
        few, many = queries(2), queries(len(ids))
        drift.delete_project("SUP")
        print(json.dumps({
            "issues": len(ids), "worklogs": worklogs, "few": few, "many": many,
            "guarded": guarded,
            "sent": {kind: Delivery.objects.filter(event_type=kind).count()
                     for kind in ("worklog.deleted", "jira:issue_deleted")},
        }))
        """,
    )

    assert result["guarded"] is True
    assert result["issues"] > 2
    assert result["few"] == result["many"]
    assert result["sent"] == {
        "worklog.deleted": result["worklogs"],
        "jira:issue_deleted": result["issues"],
    }


# 8. With a seed, drops depend on the seed and the committed changes only.


def test_drops_repeat_after_a_restart_and_ignore_rolled_back_changes(
    webhook_sandbox, tempo, receiver, control
):
    subscribe(tempo, receiver.url)
    control.set_webhooks(drop_rate=0.5, seed=42)
    for _ in range(12):
        control.create_tempo_worklog(catalog.ITSD.key + "-1", 60)
    first = [d["outcome"] for d in control.wait_for_webhooks()["deliveries"][-12:]]
    control.set_webhooks(seed=42)

    # Another process, as after a restart: nothing in its memory was seeded.
    in_sandbox(
        webhook_sandbox,
        f"""
        from sandbox import drift

        sender.wake = lambda: None  # the server sends them, not this process

        class Undone(Exception):
            pass

        try:
            with transaction.atomic():
                drift.create_tempo_worklog({catalog.ITSD.key + "-1"!r}, 60)
                raise Undone
        except Undone:
            pass
        for _ in range(12):
            drift.create_tempo_worklog({catalog.ITSD.key + "-1"!r}, 60)
        print("{{}}")
        """,
    )
    second = [d["outcome"] for d in control.wait_for_webhooks()["deliveries"][-12:]]

    assert set(first) == {"sent", "dropped"}
    assert second == first


# 9. Simultaneous registrations cannot pass the limit of 25.


def test_simultaneous_subscriptions_stop_at_25(offline):
    result = in_sandbox(
        offline,
        """
        from django.db import connection
        from django.test import RequestFactory
        from sandbox.tempo.responses import BadRequest
        from sandbox.webhooks import tempo_api

        fresh()
        for number in range(24):
            TempoSubscription.objects.create(
                url=f"https://127.0.0.1:9/{number}", event="worklog.created"
            )
        save = TempoSubscription.save

        def slow_save(self, *args, **kwargs):
            time.sleep(0.3)  # a slow database: the other request counts meanwhile
            return save(self, *args, **kwargs)

        TempoSubscription.save = slow_save
        barrier = threading.Barrier(2)
        statuses = []

        def register(number):
            body = {"url": f"https://127.0.0.1:9/more-{number}", "event": "worklog.created"}
            request = RequestFactory().post(
                "/tempo/4/webhooks/subscriptions",
                json.dumps(body),
                content_type="application/json",
                HTTP_HOST="127.0.0.1",
            )
            barrier.wait()
            try:
                statuses.append(tempo_api._create(request).status_code)
            except BadRequest:
                statuses.append(400)
            finally:
                connection.close()

        threads = [threading.Thread(target=register, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        count = TempoSubscription.objects.count()
        print(json.dumps({"statuses": sorted(statuses), "count": count}))
        """,
    )

    assert result == {"statuses": [200, 400], "count": 25}


# 10. An update that changes nothing sends nothing.


def test_an_update_that_changes_nothing_sends_nothing(jira, receiver, control):
    key = catalog.ITSD.key + "-1"
    control.update_request(key, summary="Webhook baseline")
    register(jira, receiver.url, ["jira:issue_updated"])

    control.update_request(key, summary="Webhook baseline")
    control.update_request(key, summary="Webhook changed")
    control.update_request(key, summary="Webhook changed")
    control.wait_for_webhooks()

    time.sleep(0.2)
    (post,) = receiver.posts()
    items = post.json()["changelog"]["items"]
    assert [(i["field"], i["toString"]) for i in items] == [("summary", "Webhook changed")]
