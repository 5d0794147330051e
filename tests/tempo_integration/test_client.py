"""TempoClient: auth header, errors, retries with Retry-After, timeouts, paging."""

from __future__ import annotations

import pytest
import requests
import responses
from responses import matchers

from tempo_integration.client import (
    TempoAuthError,
    TempoClient,
    TempoRequestError,
    TempoScopeError,
    TempoUnavailable,
)

BASE = "http://tempo.test/tempo"
WORKLOGS = f"{BASE}/4/worklogs"
PAGE = {"self": WORKLOGS, "metadata": {"count": 0, "offset": 0, "limit": 1}, "results": []}


def make_client(**options) -> tuple[TempoClient, list[float]]:
    waits: list[float] = []
    options.setdefault("retry_budget", 60)
    client = TempoClient(
        "tok-ABCDEFGH1234", base_url=BASE, min_interval=0, sleep=waits.append, **options
    )
    return client, waits


@responses.activate
def test_token_travels_only_in_the_authorization_header():
    responses.get(
        WORKLOGS,
        json=PAGE,
        match=[
            matchers.header_matcher({"Authorization": "Bearer tok-ABCDEFGH1234"}),
            matchers.query_param_matcher({"limit": "1"}),
        ],
    )
    client, _ = make_client()
    client.check_access()
    assert "tok-ABCDEFGH1234" not in responses.calls[0].request.url


@responses.activate
def test_401_is_an_auth_error_without_retry():
    responses.get(WORKLOGS, status=401, body="<html>Unauthorized</html>")
    client, waits = make_client()
    with pytest.raises(TempoAuthError):
        client.check_access()
    assert len(responses.calls) == 1 and waits == []


@responses.activate
def test_403_is_a_scope_error_without_retry():
    responses.get(WORKLOGS, status=403, body="<html>Forbidden</html>")
    client, _ = make_client()
    with pytest.raises(TempoScopeError):
        client.check_access()
    assert len(responses.calls) == 1


@responses.activate
def test_other_4xx_is_not_retried_and_carries_tempos_message():
    responses.get(WORKLOGS, status=400, json={"errors": [{"message": "use projectId"}]})
    client, _ = make_client()
    with pytest.raises(TempoRequestError, match="use projectId"):
        client.check_access()
    assert len(responses.calls) == 1


@responses.activate
def test_400_with_the_documented_object_shape_is_read_too():
    responses.get(WORKLOGS, status=400, json={"errors": {"message": "bad date"}})
    client, _ = make_client()
    with pytest.raises(TempoRequestError, match="bad date"):
        client.check_access()


@responses.activate
def test_429_waits_for_retry_after_then_succeeds():
    responses.get(WORKLOGS, status=429, headers={"Retry-After": "3"})
    responses.get(WORKLOGS, json=PAGE)
    client, waits = make_client()
    client.check_access()
    assert waits == [3.0]
    assert len(responses.calls) == 2


@responses.activate
def test_429_without_retry_after_backs_off_exponentially():
    for _ in range(3):
        responses.get(WORKLOGS, status=429)
    responses.get(WORKLOGS, json=PAGE)
    client, waits = make_client()
    client.check_access()
    assert len(waits) == 3
    # 1, 2, 4 seconds, each with jitter of ±30 %.
    for wait, base in zip(waits, [1, 2, 4], strict=True):
        assert 0.7 * base <= wait <= 1.3 * base


@responses.activate
def test_429_longer_than_the_budget_gives_up_without_waiting():
    responses.get(WORKLOGS, status=429, headers={"Retry-After": "120"})
    client, waits = make_client(retry_budget=30)
    with pytest.raises(TempoUnavailable, match="rate limiting"):
        client.check_access()
    assert waits == []


@responses.activate
def test_total_wait_is_bounded_by_the_budget():
    responses.get(WORKLOGS, status=429, headers={"Retry-After": "4"})
    client, waits = make_client(retry_budget=10)
    with pytest.raises(TempoUnavailable):
        client.check_access()
    assert waits == [4.0, 4.0]
    assert len(responses.calls) == 3


@responses.activate
def test_retry_after_zero_for_ever_stops_after_max_attempts():
    """Waits of 0 s never use up the budget: the number of attempts is bounded too."""
    responses.get(WORKLOGS, status=429, headers={"Retry-After": "0"})
    client, waits = make_client()
    with pytest.raises(TempoUnavailable, match="rate limiting"):
        client.check_access()
    assert len(responses.calls) == client.max_attempts == 8
    assert waits == [0.0] * 7


@responses.activate
def test_5xx_is_retried_after_5_then_10_seconds():
    responses.get(WORKLOGS, status=500, body="<html>oops</html>")
    responses.get(WORKLOGS, status=503, body="down")
    responses.get(WORKLOGS, json=PAGE)
    client, waits = make_client()
    client.check_access()
    assert waits == [5.0, 10.0]


@responses.activate
def test_5xx_beyond_the_budget_is_unavailable():
    responses.get(WORKLOGS, status=500)
    client, _ = make_client(retry_budget=12)
    with pytest.raises(TempoUnavailable, match="500"):
        client.check_access()
    assert len(responses.calls) == 2  # after 5 s once; 5 + 10 would pass the budget


@responses.activate
def test_timeout_is_retried_then_unavailable():
    responses.get(WORKLOGS, body=requests.ReadTimeout("read timed out"))
    client, waits = make_client(retry_budget=2.5)
    with pytest.raises(TempoUnavailable, match="did not answer in time"):
        client.check_access()
    assert len(responses.calls) >= 2


@responses.activate
def test_connection_error_message_does_not_quote_the_url():
    responses.get(WORKLOGS, body=requests.ConnectionError(f"cannot reach {WORKLOGS}"))
    client, _ = make_client(retry_budget=0)
    with pytest.raises(TempoUnavailable) as caught:
        client.check_access()
    assert "tempo.test" not in str(caught.value)


def test_every_call_has_connect_and_read_timeouts(monkeypatch):
    seen = {}

    def fake_request(method, url, timeout=None, **kwargs):
        seen["timeout"] = timeout
        raise requests.ConnectTimeout()

    client, _ = make_client(retry_budget=0, connect_timeout=1.5, read_timeout=7)
    monkeypatch.setattr(client.session, "request", fake_request)
    with pytest.raises(TempoUnavailable):
        client.check_access()
    assert seen["timeout"] == (1.5, 7)


@responses.activate
def test_200_with_html_is_not_tempos_answer():
    responses.get(WORKLOGS, body="<html>Log in to Atlassian</html>", content_type="text/html")
    client, _ = make_client(retry_budget=0)
    with pytest.raises(TempoUnavailable, match="not JSON"):
        client.check_access()


@responses.activate
def test_200_with_foreign_json_is_not_tempos_answer():
    responses.get(WORKLOGS, json={"hello": "world"})
    client, _ = make_client(retry_budget=0)
    with pytest.raises(TempoUnavailable, match="not a Tempo page"):
        client.check_access()


@responses.activate
def test_paging_follows_next_verbatim_until_absent():
    second = f"{BASE}/4/worklogs?offset=2&limit=2&projectId=1"
    responses.get(
        WORKLOGS,
        json={
            "self": WORKLOGS,
            "metadata": {"count": 2, "offset": 0, "limit": 2, "next": second},
            "results": [{"tempoWorklogId": 1}, {"tempoWorklogId": 2}],
        },
        match=[matchers.query_param_matcher({"limit": "2", "projectId": "1"})],
    )
    responses.get(
        second,
        json={
            "self": second,
            "metadata": {"count": 1, "offset": 2, "limit": 2},
            "results": [{"tempoWorklogId": 3}],
        },
        match=[matchers.query_param_matcher({"offset": "2", "limit": "2", "projectId": "1"})],
    )
    client, _ = make_client()
    pages = list(client.iter_pages("/4/worklogs", {"limit": 2, "projectId": 1}))
    ids = [w["tempoWorklogId"] for page in pages for w in page["results"]]
    assert ids == [1, 2, 3]
    assert client.request_count == 2


@pytest.mark.parametrize(
    "link",
    [
        "https://elsewhere.test/tempo/4/worklogs?offset=2",  # another host: not the token's
        "https://tempo.test/tempo/4/worklogs?offset=2",  # another scheme
        "http://tempo.test:8443/tempo/4/worklogs?offset=2",  # another port
        "/4/worklogs?offset=2",  # not a full URL
        "not a url",
        "http://[tempo.test/4/worklogs",  # unreadable
        123,
        {"href": f"{BASE}/4/worklogs?offset=2"},
        ["x"],
    ],
)
@responses.activate
def test_a_next_link_off_tempos_address_is_not_followed(link):
    """The token goes with every request: a ``metadata.next`` on another address (or one
    that is not a URL at all) ends the list with a sentence, and nothing is sent there."""
    responses.get(
        WORKLOGS,
        json={**PAGE, "metadata": {**PAGE["metadata"], "next": link}},
    )
    client, _ = make_client()
    pages = client.iter_pages("/4/worklogs", {"limit": 1})
    assert next(pages)["results"] == []
    with pytest.raises(TempoUnavailable) as caught:
        next(pages)
    assert str(caught.value) == (
        "Tempo answered with a link to its next page that is not on Tempo's address; it was "
        "not followed."
    )
    assert len(responses.calls) == 1


def test_requests_are_spaced_to_stay_under_five_per_second(monkeypatch):
    waits: list[float] = []
    client = TempoClient("tok", base_url=BASE, sleep=waits.append)
    client._throttle()
    client._throttle()
    assert waits and 0 < waits[0] <= 0.2


@responses.activate
def test_a_204_no_content_is_a_success_without_a_body_never_retried():
    """RFC 9110: 204 has no content. Tempo's DELETE and PATCH …/refresh of a webhook
    subscription answer it; the transport must not read it as a broken JSON answer."""
    url = f"{BASE}/4/webhooks/subscriptions/0b7d"
    responses.delete(url, status=204)
    tempo, waits = make_client()
    assert tempo.request_json("DELETE", "/4/webhooks/subscriptions/0b7d") is None
    assert len(responses.calls) == 1 and waits == []
