"""A customer's portal access follows JSM, against a real sandbox process of its own.

Issue 12's example: JSM revokes alice's portal access (`active: false`) → the next sync →
her report page and its CSV, in the session she already had, say so and show no data, and
signing in says so too; a revoked customer who never had an account gets none; JSM restores
her access → the next sync → the same account sees the report again. And an address
changed in Jira moves the account with it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from accounts import sentences
from jsm.models import Customer, JiraProject
from portal.models import ReportSettings
from sandbox.demo import catalog
from sync.models import SyncRun
from sync.runs import sync_jira

pytestmark = pytest.mark.integration

PASSWORD = "alice's own passphrase"
REPORT = "/portal/ITSD/worklog-report/"


@pytest.fixture
def sandbox(fresh_sandbox):
    """The demo data afresh, and the app's Jira pointed at it."""
    return fresh_sandbox


def sync() -> None:
    run = sync_jira()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error


def show_jira_hours_on_itsd() -> None:
    """ITSD's report on, with Jira's own worklogs (which the Jira sync brings)."""
    ReportSettings.objects.update_or_create(
        project=JiraProject.objects.get(key="ITSD"),
        defaults={"enabled": True, "hours_source": ReportSettings.HoursSource.JIRA_LOGGED},
    )


def her_requests() -> list[str]:
    return list(
        Customer.objects.get(account_id=catalog.ALICE.account_id)
        .reported.filter(project__key="ITSD", jira_worklogs__isnull=False)
        .values_list("key", flat=True)
        .distinct()
    )


def period() -> dict[str, str]:
    today = timezone.localdate()
    return {"from": f"{today - dt.timedelta(days=400):%Y-%m-%d}", "to": f"{today:%Y-%m-%d}"}


def sign_in(client: Client, username: str = catalog.ALICE.email):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_revoked_then_restored_in_jsm(sandbox, db):
    sync()
    show_jira_hours_on_itsd()
    alice = get_user_model().objects.get(username=catalog.ALICE.email)
    alice.set_password(PASSWORD)
    alice.save()
    client = Client()
    assert sign_in(client).status_code == 302
    keys = her_requests()
    assert keys
    page = client.get(REPORT, period()).content.decode()
    csv = client.get(REPORT, {**period(), "format": "csv"}).content.decode()
    assert all(key in page and key in csv for key in keys)

    sandbox.client.revoke_portal_access(catalog.ALICE.account_id)
    sync()
    for response in (
        client.get(REPORT, period()),
        client.get(REPORT, {**period(), "format": "csv"}),
        client.get("/portal/"),
    ):
        assert response.status_code == 403
        text = response.content.decode()
        assert escape(sentences.ACCESS_REVOKED) in text
        assert not any(key in text for key in keys)
    client.post("/accounts/logout/")
    assert escape(sentences.ACCESS_REVOKED) in sign_in(client).content.decode()

    sandbox.client.restore_portal_access(catalog.ALICE.account_id)
    sync()
    assert get_user_model().objects.filter(username=catalog.ALICE.email).count() == 1
    assert Customer.objects.get(account_id=catalog.ALICE.account_id).user_id == alice.pk
    assert sign_in(client).status_code == 302
    csv = client.get(REPORT, {**period(), "format": "csv"})
    assert csv.status_code == 200
    assert all(key in csv.content.decode() for key in keys)


def test_a_revoked_customer_who_never_had_an_account_gets_none(sandbox, db):
    sandbox.client.revoke_portal_access(catalog.BOB.account_id)
    sync()
    users = get_user_model().objects
    assert not users.filter(username=catalog.BOB.email).exists()
    assert not users.filter(username=catalog.INACTIVE.email).exists()  # inactive in the demo
    assert users.filter(username=catalog.ALICE.email).exists()
    assert Customer.objects.get(account_id=catalog.BOB.account_id).user is None

    sandbox.client.restore_portal_access(catalog.BOB.account_id)
    sync()
    assert Customer.objects.get(account_id=catalog.BOB.account_id).user.username == (
        catalog.BOB.email
    )


def test_an_address_changed_in_jira_moves_the_account(sandbox, db):
    sync()
    alice = get_user_model().objects.get(username=catalog.ALICE.email)
    alice.set_password(PASSWORD)
    alice.save()
    sandbox.client.change_jira_email(catalog.ALICE.account_id, "alice.anders@acme.example")
    sync()
    client = Client()
    assert sign_in(client, "alice.anders@acme.example").status_code == 302
    assert Customer.objects.get(account_id=catalog.ALICE.account_id).user_id == alice.pk

    sandbox.client.change_jira_email(catalog.ALICE.account_id, None)  # hidden by privacy
    sync()
    assert Customer.objects.get(account_id=catalog.ALICE.account_id).user_id == alice.pk
    assert client.get("/portal/").status_code == 200
