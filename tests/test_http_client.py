"""The shared transport against a real loopback server: a total deadline per call, however
slowly the answer drips (urllib3 issue 1338, docs/outside-apis.md §5), and whole answers read
as before (plain, gzip, chunked), on a kept-alive connection."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jsm.client import JiraClient
from tempo_integration.client import TempoClient
from worklog_report.http_client import JsonHttpClient, ServiceUnavailable

PAGE = {"results": [{"id": n, "summary": "Überprüfung Drucker – Büro Zürich"} for n in range(3000)]}
BODY = json.dumps(PAGE).encode()
DRIP_DELAY = 0.05  # seconds between bytes of /drip


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Tempo and Jira speak

    def do_GET(self) -> None:
        self.server.calls[self.path].append(self.client_address[1])
        try:
            getattr(self, "answer_" + self.path.strip("/").replace("-", "_"))()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client hung up: stop answering

    def head(self, length: int, **headers: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if length >= 0:
            self.send_header("Content-Length", str(length))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()

    def answer_plain(self) -> None:
        self.head(len(BODY))
        self.wfile.write(BODY)

    def answer_gzip(self) -> None:
        packed = gzip.compress(BODY)
        self.head(len(packed), Content_Encoding="gzip")
        self.wfile.write(packed)

    def answer_chunked(self) -> None:
        self.head(-1, Transfer_Encoding="chunked")
        for start in range(0, len(BODY), 10_000):
            piece = BODY[start : start + 10_000]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def answer_drip(self) -> None:
        """Issue 12's example: a 200 declaring 100,000 bytes, sent a byte at a time."""
        self.head(100_000)
        for byte in b'{"results": []}'.ljust(100_000):
            self.wfile.write(bytes([byte]))
            time.sleep(DRIP_DELAY)  # the drip is the behaviour under test, not a wait

    def answer_slow_but_steady(self) -> None:
        """A small answer that drips, yet is whole well before the deadline."""
        body = b'{"ok": true}'
        self.head(len(body))
        for byte in body:
            self.wfile.write(bytes([byte]))
            time.sleep(0.02)  # slow on purpose: the behaviour under test, not a wait

    def answer_cut(self) -> None:
        self.head(1000)
        self.wfile.write(b'{"results": [')
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    """A loopback server; ``server.calls`` maps each path to the client ports that asked."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.calls = defaultdict(list)
    httpd.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def client(server, waits: list[float] | None = None, **options) -> JsonHttpClient:
    options.setdefault("timeout", (1.0, 5.0))
    options.setdefault("retry_budget", 0)
    sleep = waits.append if waits is not None else None
    return JsonHttpClient(server.url, {}, sleep=sleep, **options)


def test_a_dripping_answer_ends_at_the_deadline(server):
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match=r"took longer than 0\.5 s to answer\.$"):
        client(server, deadline=0.5).request_json("GET", "/drip")
    # Ended by the deadline, not by the 5 s read timeout that each byte easily beats.
    assert 0.5 <= time.monotonic() - started < 1.5


def test_retries_of_a_dripping_answer_end_within_budget_plus_deadline(server):
    """Failed attempts count towards the budget with the waits after them, so a service
    that drips every time fails the call within retry_budget + deadline seconds."""
    waits: list[float] = []
    jsonapi = client(server, waits, deadline=0.3, retry_budget=2)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="took longer than 0.3 s"):
        jsonapi.request_json("GET", "/drip")
    attempts = time.monotonic() - started  # the waits were not slept, only recorded
    # 0.3 s + a wait of 1 s (±30 %) fits in 2 s; a second 0.3 s + a wait of 2 s does not.
    assert len(server.calls["/drip"]) == jsonapi.request_count == 2
    assert len(waits) == 1
    assert attempts + sum(waits) <= 2 + 0.3 + 0.2


def test_a_slow_but_steady_answer_within_the_deadline_is_read(server):
    assert client(server, deadline=5).request_json("GET", "/slow-but-steady") == {"ok": True}


@pytest.mark.parametrize("path", ["/plain", "/gzip", "/chunked"])
def test_whole_answers_are_read_as_before(server, path):
    assert client(server, deadline=5).request_json("GET", path) == PAGE


def test_the_connection_is_kept_for_the_next_call(server):
    jsonapi = client(server, deadline=5)
    jsonapi.request_json("GET", "/plain")
    jsonapi.request_json("GET", "/gzip")
    assert server.calls["/plain"] == server.calls["/gzip"]  # the same client port


def test_an_answer_broken_off_half_way_is_unavailable_in_words(server):
    with pytest.raises(ServiceUnavailable, match=r"broke off its answer \(\w+\)\.$"):
        client(server, deadline=5).request_json("GET", "/cut")


def test_the_deadline_comes_from_the_setting(settings):
    settings.HTTP_CALL_DEADLINE = 7.5
    assert TempoClient("tok", base_url="http://tempo.test").deadline == 7.5
    assert JiraClient(base_url="http://jira.test", email="e", api_token="t").deadline == 7.5


def test_connect_and_read_timeouts_never_exceed_the_deadline(server, monkeypatch):
    seen = {}
    jsonapi = client(server, timeout=(5.0, 30.0), deadline=2)
    real_request = jsonapi.session.request

    def spy(method, url, timeout=None, **kwargs):
        seen["timeout"] = timeout
        return real_request(method, url, timeout=timeout, **kwargs)

    monkeypatch.setattr(jsonapi.session, "request", spy)
    jsonapi.request_json("GET", "/plain")
    assert seen["timeout"] == (2, 2)
