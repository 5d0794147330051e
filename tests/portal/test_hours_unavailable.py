"""No data is not no work (issue 13, docs/product.md §5.2): while a Tempo-sourced project has no
working Tempo integration, the report, its CSV and the contract panel say the hours are not
available — never 0.00 h, "no work" or contract arithmetic."""

from __future__ import annotations

from decimal import Decimal
from html import escape

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from jsm.models import JiraProject
from portal import contract_sentences, report_sentences
from portal.contracts import Contract
from portal.models import ReportSettings
from tempo_integration import sentences as tempo_sentences
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog

from .conftest import THIS_MONTH
from .test_contract_panel import MONTH_END, panel

URL = "/portal/ITSD/worklog-report/"
TITLE = escape(report_sentences.HOURS_UNAVAILABLE_TITLE)
TEXT = escape(report_sentences.HOURS_UNAVAILABLE)


def revoke():
    admin = get_user_model().objects.get(username="tempo-admin")
    TempoIntegration.current().revoke(admin)


def invalidate():
    TempoIntegration.current().mark_invalid("Tempo rejected the stored token (401).")


def add_new_token_not_synced_yet():
    revoke()
    TempoIntegration.store(
        "New-Token-Not-Synced-0043", get_user_model().objects.get(username="tempo-admin")
    )


NO_WORKING_TEMPO = {
    "revoked": revoke,
    "invalid": invalidate,
    "new token, project not read yet": add_new_token_not_synced_yet,
}


def acme_contract(world) -> Contract:
    return Contract.objects.create(
        project=world.project,
        organization=world.requests["ITSD-1"].organizations.get(),
        start_date=THIS_MONTH.replace(year=THIS_MONTH.year - 1),
        end_date=MONTH_END,
        hours=Decimal("40"),
        carry_over=True,
    )


@pytest.mark.parametrize("cause", NO_WORKING_TEMPO)
@pytest.mark.parametrize("scope", ["mine", "organization"])
def test_report_says_hours_are_unavailable_not_no_work(world, as_user, cause, scope):
    world.settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
    world.settings.save()
    NO_WORKING_TEMPO[cause]()
    response = as_user("alice").get(URL, {"scope": scope})
    page = response.content.decode()
    assert response.status_code == 200
    assert TITLE in page and TEXT in page
    assert "0.00 h" not in page and "1.75 h" not in page
    assert "No work was logged" not in page and "No hours in this period" not in page
    assert '<svg class="chart' not in page and "Total for" not in page
    assert "Export CSV" not in page
    # Nor an "Updated just now" beside it: nothing was updated that the customer can see.
    assert "· not available right now" in page and "Updated <time" not in page


@pytest.mark.parametrize("cause", NO_WORKING_TEMPO)
def test_csv_answers_with_the_page_as_503_not_a_file_of_zeros(world, as_user, cause):
    NO_WORKING_TEMPO[cause]()
    response = as_user("alice").get(URL, {"format": "csv"})
    assert response.status_code == 503
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Disposition" not in response
    assert TITLE in response.content.decode()


def test_contract_panel_shows_its_terms_without_arithmetic(world, as_user):
    acme_contract(world)
    revoke()
    page = panel(as_user("alice").get(URL).content.decode())
    assert "Monthly contract hours" in page and "40.00 h a month" in page
    assert escape(contract_sentences.HOURS_UNAVAILABLE_IN_PANEL) in page
    assert 'data-figure="used"' not in page and 'data-figure="remaining"' not in page
    assert "carried over" not in page and "progressbar" not in page and "%" not in page


def test_request_lines_say_unavailable_too(world, as_user):
    invalidate()  # the worklogs are still stored, but no longer kept up to date
    page = as_user("alice").get("/portal/ITSD/worklog-report/ITSD-1/").content.decode()
    assert TITLE in page and "1.50 h" not in page


def test_staff_preview_says_why_and_where_to_fix_it(world, admin_client):
    revoke()
    page = admin_client.get(URL).content.decode()
    assert escape(report_sentences.HOURS_UNAVAILABLE_STAFF) in page
    assert 'href="/configuration/tempo/"' in page


def test_logged_time_from_jira_is_unaffected(world, as_user):
    world.settings.hours_source = ReportSettings.HoursSource.JIRA_LOGGED
    world.settings.save()
    revoke()
    page = as_user("alice").get(URL).content.decode()
    assert TITLE not in page
    assert "2.78 h" in page  # ITSD-1's 10,000 s of Jira logged time
    response = as_user("alice").get(URL, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_an_empty_period_with_working_tempo_still_says_no_work(world, as_user):
    Worklog.objects.filter(start_date=THIS_MONTH).delete()
    page = as_user("alice").get(URL).content.decode()
    assert TITLE not in page
    assert "No work was logged on your requests in " in page
    assert "0.00 h" in page


def test_other_projects_state_does_not_matter(world, as_user):
    """The sync state is per project: a project read by Tempo shows its hours."""
    other = JiraProject.objects.create(jira_id="2", key="OPS", name="Ops", service_desk_id="2")
    ProjectSyncState.objects.create(project=other)  # never read
    page = as_user("bob").get(URL).content.decode()
    assert TITLE not in page and "3.75 h" in page


def test_revoke_does_what_its_question_says(world, as_user, admin_client):
    """The dialog promises: the token and every synced Tempo worklog are erased, and
    customers see no Tempo hours — the report says they are not available — until a new
    token is added and synced."""
    question = tempo_sentences.REVOKE_QUESTION
    assert "erases the stored token and every synced Tempo worklog" in question
    assert "until a new token is added and synced" in question
    assert "reports say the hours are not available" in question
    admin_client.post("/configuration/tempo/revoke/")
    assert TempoIntegration.current() is None and not Worklog.objects.exists()
    assert TITLE in as_user("alice").get(URL).content.decode()
    TempoIntegration.store("New-Token-0044", get_user_model().objects.get(username="tempo-admin"))
    assert TITLE in as_user("alice").get(URL).content.decode()  # not synced yet
    ProjectSyncState.objects.create(project=world.project, last_full_sync_at=timezone.now())
    page = as_user("alice").get(URL).content.decode()
    assert TITLE not in page  # synced; the worklogs are Tempo's to bring back


def test_admin_contract_table_has_no_arithmetic_without_working_tempo(world, admin_client):
    contract = acme_contract(world)
    revoke()
    page = admin_client.get("/configuration/projects/ITSD/contracts/").content.decode()
    assert escape(contract_sentences.HOURS_UNAVAILABLE_FOR_STAFF) in page
    row = page[page.index(f'id="contract-{contract.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-figure="used">—<' in row and 'data-figure="remaining">—<' in row
    assert "carried over" not in row and "usage.csv" not in row and "/usage/" not in row
    response = admin_client.get(
        f"/configuration/projects/ITSD/contracts/{contract.pk}/usage.csv", follow=True
    )
    assert "text/csv" not in response["Content-Type"]
