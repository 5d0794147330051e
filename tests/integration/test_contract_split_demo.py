"""A contract's "used" is explainable, on the demo data (issue 13 §2): for each demo customer,
used = the hours of the contract's scope they can see + the hours the panel says they cannot
see, and the panel and the admin's contract table say so in the same numbers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from portal.contracts import Contract, contract_usages
from portal.models import ReportSettings
from portal.templatetags.hours import decimal_hours
from portal.visibility import SCOPES, requests_visible_to
from sync.models import SyncRun
from sync.runs import sync_jira, sync_tempo
from tempo_integration.models import TempoIntegration, Worklog

pytestmark = pytest.mark.integration

REPORT = "/portal/ITSD/worklog-report/"


@pytest.fixture
def demo(fresh_sandbox, admin_user, capsys, time_machine):
    """The demo as `make run` prepares it: synced, sign-ins, reports and Acme's contract.

    The app's clock runs from yesterday noon: the demo's worklogs all lie before today, so on
    the 1st of a month this month would hold none and the split would be empty.
    """
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    yesterday = dt.date.today() - dt.timedelta(days=1)
    time_machine.move_to(dt.datetime.combine(yesterday, dt.time(12), dt.UTC), tick=True)
    call_command("seed_demo", force=True)
    capsys.readouterr()
    TempoIntegration.store(fresh_sandbox.client.mint_token(full=True), admin_user)
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED
    settings = ReportSettings.objects.get(project__key="ITSD")
    contract = Contract.objects.get(project__key="ITSD")
    return settings, contract


def in_contract(usage, settings):
    """The worklogs the contract's used hours count (its scope, its window, billable)."""
    return Worklog.objects.filter(
        usage.contract.worklog_scope(),
        request__project=settings.project,
        start_date__gte=usage.start,
        start_date__lte=usage.end,
        billable_seconds__gt=0,
    )


def visible_seconds(user, settings, usage) -> int:
    visible = set()
    for scope in SCOPES:
        requests = requests_visible_to(user, settings.project, settings, scope)
        visible |= set(requests.values_list("pk", flat=True))
    worklogs = in_contract(usage, settings).filter(request__in=visible)
    return worklogs.aggregate(s=Sum(settings.shown_seconds()))["s"] or 0


@pytest.mark.parametrize("email", ["alice@acme.example", "bob@acme.example"])
def test_used_is_what_the_customer_sees_plus_what_the_panel_says_they_cannot(demo, email):
    settings, contract = demo
    user = get_user_model().objects.get(email=email)
    usage = contract_usages([contract], settings, timezone.localdate())[contract.pk]
    client = Client()
    client.force_login(user)
    page = client.get(REPORT).content.decode()

    used = usage.used_seconds
    assert f"{decimal_hours(used)} h" in page
    unseen = used - visible_seconds(user, settings, usage)
    note = re.search(
        r"Used includes ([\d.,]+) h on (\d+) requests? of Acme not shared with you\.", page
    )
    if unseen:
        assert note is not None, "used hours the customer cannot see, without a sentence"
        assert note.group(1) == decimal_hours(unseen)
    else:
        assert note is None


def test_the_admin_table_shows_the_same_split(demo):
    settings, contract = demo
    usage = contract_usages([contract], settings, timezone.localdate())[contract.pk]
    not_shared = in_contract(usage, settings).exclude(
        request__organizations=contract.organization_id
    )
    seconds = not_shared.aggregate(s=Sum(settings.shown_seconds()))["s"] or 0
    requests = not_shared.values("request").distinct().count()
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="admin"))

    table = admin.get("/configuration/projects/ITSD/contracts/").content.decode()

    assert f"{decimal_hours(usage.used_seconds)} h" in table
    assert seconds > 0, "the demo data has hours on an Acme request not shared with Acme"
    noun = "request" if requests == 1 else "requests"
    assert f"incl. {decimal_hours(seconds)} h on {requests} {noun} not shared with Acme" in table
