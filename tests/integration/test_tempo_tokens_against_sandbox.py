"""Add, re-check and revoke against the real sandbox process, with tokens from sandbox_token."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from sandbox.process import free_port
from tempo_integration import sentences
from tempo_integration.models import TempoIntegration

pytestmark = pytest.mark.integration

ADD = reverse("tempo_integration:add")
TAB = reverse("tempo_integration:tab")


def add(client, token: str) -> list[str]:
    response = client.post(ADD, {"token": token}, follow=True)
    assert response.status_code == 200
    assert token not in response.content.decode()
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    "args,expected",
    [
        ((), sentences.ADDED),
        (("--full",), sentences.ADDED),
        (("--scope", "worklogs:view"), sentences.ADDED),
        (("--scope", "worklogs:manage", "--scope", "teams:view"), sentences.ADDED),
        (("--scope", "teams:view", "--scope", "accounts:manage"), sentences.NO_WORKLOG_SCOPE),
        (("--expired",), sentences.INVALID_TOKEN),
        (("--expires-in-days", "1", "--name", "short-lived"), sentences.ADDED),
    ],
    ids=["default", "full", "worklogs-view", "worklogs-manage", "no-worklogs", "expired", "1-day"],
)
def test_minted_tokens(admin_client, mint, args, expected):
    token = mint(*args)
    assert add(admin_client, token) == [expected]
    assert TempoIntegration.objects.exists() == (expected == sentences.ADDED)


def test_deleted_token_is_invalid(admin_client, mint):
    token = mint("--scope", "worklogs:view")
    call_command("sandbox_token", "--delete", token)
    assert add(admin_client, token) == [sentences.INVALID_TOKEN]


def test_regenerated_tokens_old_value_is_invalid_and_new_value_works(
    admin_client, mint, tempo_sandbox
):
    old = mint("--scope", "worklogs:view")
    new = tempo_sandbox.client.regenerate_token(old)
    assert add(admin_client, old) == [sentences.INVALID_TOKEN]
    assert add(admin_client, new) == [sentences.ADDED]


def test_unknown_well_formed_token_is_invalid(admin_client, tempo_sandbox):
    assert add(admin_client, "Wf7kq2NcT9xZbLr4mPa8vYs3dHe6uJg1") == [sentences.INVALID_TOKEN]


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "500", "count": 10},
        {"kind": "503", "count": 10},
        {"kind": "429", "count": 50, "retry_after": 1},
        {"kind": "html", "count": 10},
        {"kind": "truncated", "count": 10},
        {"kind": "drop", "count": 10},
    ],
    ids=lambda f: f["kind"],
)
def test_tempo_misbehaving_beyond_the_retries_stores_nothing(
    admin_client, mint, tempo_sandbox, settings, fault
):
    settings.TEMPO_RETRY_BUDGET = 3
    token = mint()
    tempo_sandbox.client.add_fault("tempo", **fault)
    assert add(admin_client, token) == [sentences.UNREACHABLE]
    assert not TempoIntegration.objects.exists()


def test_tempo_slower_than_the_timeout_stores_nothing(admin_client, mint, tempo_sandbox, settings):
    settings.TEMPO_READ_TIMEOUT = 0.5
    settings.TEMPO_RETRY_BUDGET = 0
    token = mint()
    tempo_sandbox.client.add_fault("tempo", "slow", count=1, delay=2)
    assert add(admin_client, token) == [sentences.UNREACHABLE]
    assert not TempoIntegration.objects.exists()


@pytest.mark.parametrize(
    "fault",
    [{"kind": "429", "retry_after": 1}, {"kind": "500"}, {"kind": "truncated"}],
    ids=lambda f: f["kind"],
)
def test_one_hiccup_is_retried_and_the_token_is_stored(admin_client, mint, tempo_sandbox, fault):
    token = mint()
    tempo_sandbox.client.add_fault("tempo", count=1, **fault)
    assert add(admin_client, token) == [sentences.ADDED]
    assert tempo_sandbox.client.request_count("tempo") == 2


def test_add_makes_exactly_one_call_to_tempo(admin_client, mint, tempo_sandbox):
    token = mint()
    add(admin_client, token)
    assert tempo_sandbox.client.request_count("tempo") == 1


def test_tempo_down_stores_nothing(admin_client, settings, db):
    settings.TEMPO_BASE_URL = f"http://127.0.0.1:{free_port()}/tempo"
    settings.TEMPO_RETRY_BUDGET = 0
    assert add(admin_client, "Wf7kq2NcT9xZbLr4mPa8vYs3dHe6uJg1") == [sentences.UNREACHABLE]


def test_token_deleted_in_tempo_turns_the_integration_invalid_on_the_next_check(admin_client, mint):
    token = mint("--scope", "worklogs:view")
    add(admin_client, token)
    call_command("sandbox_token", "--delete", token)
    TempoIntegration.objects.update(last_verified_at=timezone.now() - dt.timedelta(minutes=11))
    page = admin_client.get(TAB).content.decode()
    assert TempoIntegration.current().status == TempoIntegration.Status.INVALID
    assert sentences.INVALID_TOKEN in page


def test_check_now_after_the_token_was_deleted_in_tempo_turns_it_invalid(admin_client, mint):
    token = mint("--scope", "worklogs:view")
    add(admin_client, token)
    call_command("sandbox_token", "--delete", token)
    response = admin_client.post(reverse("tempo_integration:check"), follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [sentences.INVALID_TOKEN]
    assert TempoIntegration.current().status == TempoIntegration.Status.INVALID


def test_tab_opens_quickly_with_a_sentence_when_tempo_hangs(admin_client, mint, tempo_sandbox):
    add(admin_client, mint())
    TempoIntegration.objects.update(last_verified_at=timezone.now() - dt.timedelta(minutes=2))
    tempo_sandbox.client.add_fault("tempo", "slow", count=1, delay=10)
    started = time.monotonic()
    page = admin_client.get(TAB).content.decode()
    assert time.monotonic() - started < 6  # the on-view check's 3 s read timeout, not 10 s
    assert "Tempo could not be reached to check the token:" in page
    assert TempoIntegration.current().status == TempoIntegration.Status.ACTIVE


def test_sandbox_token_rejects_bad_arguments(tempo_sandbox):
    with pytest.raises(CommandError, match="between 1 and 5000"):
        call_command("sandbox_token", "--expires-in-days", "5001")
    with pytest.raises(CommandError):
        call_command("sandbox_token", "--scope", "worklogs:edit")


def test_sandbox_token_says_when_the_sandbox_is_not_running(db):
    with pytest.raises(CommandError, match="not running"):
        call_command("sandbox_token", "--sandbox-url", f"http://127.0.0.1:{free_port()}")
