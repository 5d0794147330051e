"""Bad input, one test each: oversized requests, path traversal, Host spoofing, open
redirects, forged ids, HTML in echoed text, CSV injection, sessions of removed users."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from backup.models import Backup
from jsm.models import JiraProject, Organization, Request, Worker
from portal.contracts import Contract
from portal.models import ReportSettings
from sync.models import SyncRun
from tempo_integration.models import IntegrationEvent, Worklog
from tests.clock import TODAY
from tests.conftest import PASSWORD

REPORT = "/portal/ITSD/worklog-report/"
CONTRACTS = "/configuration/projects/ITSD/contracts/"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


# -- oversized requests ---------------------------------------------------------------------


def test_a_body_larger_than_the_limit_is_413_before_anyone_reads_it(client, db, settings):
    body = "username=a&password=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(
        "/accounts/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "That request is too large" in response.content.decode()


def test_a_body_with_too_many_fields_is_400(client, db):
    body = "&".join(f"f{n}=1" for n in range(300))
    response = client.post(
        "/accounts/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_a_long_query_string_is_414(alice_client):
    response = alice_client.get("/portal/", {"q": "x" * 3000})
    assert response.status_code == 414
    assert "That address is too long" in response.content.decode()


def test_a_query_string_with_too_many_fields_is_400(full_world, as_user):
    query = "&".join(f"f{n}=1" for n in range(250))
    response = as_user("alice").get(f"{REPORT}?{query}")
    assert response.status_code == 400


# -- path traversal in project and request keys ----------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/portal/../configuration/tempo/",
        "/portal/..%2Fconfiguration/worklog-report/",
        "/portal/ITSD%2F..%2FSUP/worklog-report/",
        "/portal/..%2F..%2Fetc%2Fpasswd/worklog-report/",
        "/portal/itsd/worklog-report/",
        "/portal/ITSD%00/worklog-report/",
        "/portal/ITSD/worklog-report/ITSD-1%2F..%2F..%2FITSD-3/",
        "/portal/ITSD/worklog-report/..%2FITSD-3/",
        "/configuration/projects/..%2F..%2Fetc%2Fpasswd/",
        "/configuration/projects/ITSD%2F..%2FSUP/contracts/",
        "/static/..%2Fworklog_report%2Fsettings.py",
        "/static/../worklog_report/settings.py",
    ],
)
def test_traversal_in_keys_and_paths_is_404(full_world, client, path):
    client.force_login(full_world.admin)
    response = client.get(path)
    assert response.status_code == 404
    text = response.content.decode()
    assert "Page not found" in text and "SECRET_KEY" not in text and "Globex" not in text


def test_a_forged_project_in_the_select_form_goes_nowhere(full_world, client):
    client.force_login(full_world.admin)
    response = client.get("/configuration/projects/", {"project": "../../etc/passwd"}, follow=True)
    assert response.redirect_chain[-1][0] == "/configuration/projects/"
    assert "Choose one of the listed projects." in response.content.decode()


# -- Host header spoofing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example", "testserver.evil.example", "testserver:80@evil.example", ""]
)
@pytest.mark.parametrize("url", ["/accounts/login/", "/portal/", "/accounts/password/set/"])
def test_a_spoofed_host_is_400_with_debug_off(client, db, settings, host, url):
    assert settings.DEBUG is False
    response = client.get(url, HTTP_HOST=host)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert "ALLOWED_HOSTS" not in response.content.decode()


def test_x_forwarded_host_is_ignored(client, alice):
    client.post(
        "/accounts/password/set/",
        {"email": "alice@acme.example"},
        HTTP_X_FORWARDED_HOST="evil.example",
    )
    assert "evil.example" not in mail.outbox[0].body
    assert "http://testserver/accounts/password/set/" in mail.outbox[0].body


# -- open redirects ---------------------------------------------------------------------------

FOREIGN = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
    " https://evil.example/",
]


@pytest.mark.parametrize("target", FOREIGN)
def test_sign_in_never_redirects_off_site(client, alice, target):
    page = client.get("/accounts/login/", {"next": target})
    assert "evil.example" not in page.content.decode()
    response = client.post(
        "/accounts/login/",
        {"username": "alice@acme.example", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_sign_in_follows_a_local_next(client, alice):
    response = client.post(
        "/accounts/login/?next=/portal/",
        {"username": "alice@acme.example", "password": PASSWORD, "next": "/portal/"},
    )
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize("target", FOREIGN)
def test_sync_now_never_redirects_off_site(admin_client, target, monkeypatch):
    monkeypatch.setattr("sync.views.request_sync", lambda: True)
    response = admin_client.post("/configuration/sync/now/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/configuration/sync/"


@pytest.mark.parametrize("target", FOREIGN)
def test_sign_out_never_redirects_off_site(alice_client, target):
    response = alice_client.post(f"/accounts/logout/?next={target}")
    assert response.status_code == 302 and "evil.example" not in response["Location"]


# -- forged object ids ------------------------------------------------------------------------


@pytest.fixture
def other_project(full_world):
    """SUP, another project with its own organization, contract and request."""
    sup = JiraProject.objects.create(
        jira_id="10001", key="SUP", name="Support", service_desk_id="2"
    )
    ReportSettings.objects.create(project=sup, enabled=True)
    initech = Organization.objects.create(jira_id="9", name="Initech secret org")
    initech.projects.add(sup)
    contract = Contract.objects.create(
        project=sup,
        organization=initech,
        start_date=TODAY.replace(day=1),
        end_date=TODAY.replace(day=1) + dt.timedelta(days=90),
        hours=Decimal("99"),
        description="SUP-only contract",
    )
    now = timezone.now()
    Request.objects.create(
        jira_id="30001",
        key="SUP-1",
        project=sup,
        summary="SUP secret",
        status="Open",
        created=now,
        updated=now,
    )
    return sup, initech, contract


@pytest.mark.parametrize(
    "method,suffix",
    [
        ("get", "edit/"),
        ("post", "save/"),
        ("get", "delete/confirm/"),
        ("post", "delete/"),
        ("get", "usage.csv"),
    ],
)
def test_another_projects_contract_in_a_url_is_404(full_world, other_project, method, suffix):
    _, _, contract = other_project
    client = Client()
    client.force_login(full_world.admin)
    response = getattr(client, method)(f"{CONTRACTS}{contract.pk}/{suffix}")
    assert response.status_code == 404
    assert b"SUP-only" not in response.content and b"Initech" not in response.content
    assert Contract.objects.filter(pk=contract.pk).exists()


@pytest.mark.parametrize("contract_id", ["999999", "0", "-1", "1e3", "abc", "1%20OR%201=1"])
def test_a_made_up_contract_id_shows_nothing(full_world, admin_client, contract_id):
    for suffix in ("edit/", "usage.csv", "delete/confirm/"):
        response = admin_client.get(f"{CONTRACTS}{contract_id}/{suffix}")
        assert response.status_code in (302, 404), suffix
        if response.status_code == 302:  # a contract deleted meanwhile: back to the list
            assert response["Location"] == CONTRACTS


def test_another_projects_organization_in_the_contract_form_is_refused(
    full_world, other_project, admin_client
):
    _, initech, _ = other_project
    response = admin_client.post(
        f"{CONTRACTS}create/",
        {
            "type": "fixed",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + dt.timedelta(days=30)).isoformat(),
            "hours": "5",
            "organization": str(initech.pk),
        },
    )
    assert response.status_code == 400
    assert not Contract.objects.filter(project__key="ITSD", organization=initech).exists()


@pytest.mark.parametrize(
    "url,status",
    [
        ("/portal/ITSD/worklog-report/ITSD-3/", 404),  # carol's, not shared with Acme
        ("/portal/ITSD/worklog-report/ITSD-99/", 404),  # no such request
        ("/portal/SUP/worklog-report/ITSD-1/", 404),  # alice's request under another project
        ("/portal/ITSD/worklog-report/SUP-1/", 404),  # another project's request under ITSD
        ("/portal/SUP/worklog-report/", 200),  # a project without her requests: empty
    ],
)
def test_forged_keys_in_portal_urls_show_no_one_elses_data(full_world, other_project, url, status):
    client = Client()
    client.force_login(full_world.users["alice"])
    response = client.get(url)
    assert response.status_code == status
    text = response.content.decode()
    assert "Globex printer" not in text and "SUP secret" not in text


@pytest.mark.parametrize("scope", ["organization", "everyone", "../", "mine' OR 1=1"])
def test_a_forged_scope_never_widens_what_a_customer_sees(full_world, as_user, scope):
    text = as_user("carol").get(REPORT, {"scope": scope}).content.decode()
    assert "Globex printer" in text
    assert "Laptop will not boot" not in text and "VPN access for Bob" not in text


# -- HTML and script in every echoed text -----------------------------------------------------


@pytest.fixture
def hostile_world(full_world):
    """Every text that reaches a page from Jira, Tempo or a form holds markup."""
    project = full_world.project
    project.name = f"Desk {XSS}"
    project.save()
    request = full_world.requests["ITSD-1"]
    request.summary = f"Summary {XSS}"
    request.status = f"Status {XSS}"
    request.save()
    Organization.objects.filter(name="Acme").update(name=f"Acme {XSS}")
    Worker.objects.filter(account_id="agent-1").update(display_name=f"Agent {XSS}")
    Worklog.objects.filter(request=request).update(description=f"Did {XSS}")
    full_world.contracts["acme"].description = f"Contract {XSS}"
    full_world.contracts["acme"].save()
    ReportSettings.objects.filter(project=project).update(
        show_worker_names=True, visibility=ReportSettings.Visibility.ORGANIZATIONS
    )
    alice = full_world.users["alice"]
    alice.first_name = f"Alice {XSS}"
    alice.save()
    SyncRun.objects.create(kind="tempo", status="failed", error=f"Failed {XSS}")
    IntegrationEvent.record("add_failed", full_world.admin, f"Detail {XSS}")
    # A skipped data set's reason and a note quote what Tempo and Jira said.
    Backup.objects.create(
        trigger="button",
        status="succeeded",
        path=str(Path(settings.TEMPO_BACKUP_DIR) / "tempo-backup.zip"),
        data_sets=[{"name": "teams", "skipped": f"Skipped {XSS}", "records": 0}],
    )
    return full_world


@pytest.mark.parametrize(
    "who,url",
    [
        ("alice", "/portal/"),
        ("alice", REPORT),
        ("alice", f"{REPORT}?scope=organization"),
        ("alice", f"{REPORT}ITSD-1/"),
        ("admin", "/configuration/projects/"),
        ("admin", "/configuration/projects/ITSD/"),
        ("admin", CONTRACTS),
        ("admin", "/configuration/sync/"),
        ("admin", "/configuration/tempo/"),
        ("admin", "/configuration/backup/"),
    ],
)
def test_markup_in_synced_and_typed_text_is_escaped(hostile_world, who, url):
    client = Client()
    client.force_login(hostile_world.admin if who == "admin" else hostile_world.users[who])
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert '<script>alert("x")' not in text and "<img src=x" not in text
    assert ESCAPED in text or ESCAPED.replace("&quot;", "&#x27;") in text


def test_markup_typed_into_forms_comes_back_escaped(client, db):
    login = client.post("/accounts/login/", {"username": XSS, "password": "x"})
    assert "<script>alert" not in login.content.decode()
    assert "&lt;script&gt;" in login.content.decode()
    reset = client.post("/accounts/password/set/", {"email": XSS})
    assert "<script>alert" not in reset.content.decode()


def test_markup_in_the_contract_form_comes_back_escaped(full_world, admin_client):
    response = admin_client.post(
        f"{CONTRACTS}create/",
        {"type": "monthly", "start_date": XSS, "hours": XSS, "description": XSS},
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "<script>alert" not in text and "&lt;script&gt;" in text


# -- CSV injection ----------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_formulas_in_report_csv_cells_are_neutralised(full_world, as_user, formula):
    request = full_world.requests["ITSD-1"]
    request.summary = formula
    request.status = formula
    request.save()
    response = as_user("alice").get(REPORT, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(r for r in rows if r[0] == "ITSD-1")
    assert row[1] == row[2] == f"'{formula}"
    for cell in (c for r in rows for c in r):
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
        assert not cell.startswith("-") or re.fullmatch(r"-\d+\.\d\d", cell), cell


def test_contract_csv_cells_are_only_dates_and_numbers(full_world, admin_client):
    """The ledger has no free text: every cell is a month, a date or a number, so nothing in
    it can be a formula; the organization's name only reaches the file name, made safe."""
    contract = full_world.contracts["acme"]
    Organization.objects.filter(pk=contract.organization_id).update(name='=cmd|"/c calc"!A1')
    response = admin_client.get(f"{CONTRACTS}{contract.pk}/usage.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Month"
    for row in rows[1:]:
        assert re.fullmatch(r"\d{4}-\d\d", row[0])
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", cell) for cell in row[1:3])
        assert all(re.fullmatch(r"-?\d+\.\d\d", cell) for cell in row[3:]), row
    disposition = response["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9_.-]+"', disposition), disposition


# -- sessions of removed users ----------------------------------------------------------------


def test_a_deleted_users_session_cookie_opens_nothing(alice_client, alice):
    assert alice_client.get("/portal/").status_code == 200
    alice.delete()
    response = alice_client.get("/portal/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_deactivated_users_session_cookie_opens_nothing(alice_client, alice):
    alice.is_active = False
    alice.save()
    response = alice_client.get(REPORT)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_demoted_administrator_loses_configuration_at_once(admin_client, admin_user):
    assert admin_client.get("/configuration/sync/").status_code == 200
    admin_user.is_staff = False
    admin_user.save()
    assert admin_client.get("/configuration/sync/").status_code == 403


def test_a_password_change_ends_other_sessions(alice_client, alice):
    user = get_user_model().objects.get(pk=alice.pk)
    user.set_password("a brand new passphrase")
    user.save()
    assert alice_client.get("/portal/").status_code == 302
