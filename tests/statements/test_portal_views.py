"""Statements in the portal (issue 18 §3): the list, the PDF and the CSV are shown to staff
(all of them) and to customers (their organizations' only, as they stand now); anonymous
visitors sign in, revoked customers get the 403 page, a disabled project is a 404; the
customer's e-mail switch; the way there from the report page."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings as django_settings
from django.shortcuts import resolve_url
from django.urls import reverse

from accounts import sentences as account_sentences
from jsm.models import Customer, JiraProject, Organization
from portal.exports import UTF8_BOM
from portal.forms import STATEMENTS_NEED_ORGANIZATIONS, ReportSettingsForm
from portal.models import ReportSettings
from portal.periods import add_months
from statements import sentences
from statements.drawing import draw_statements
from statements.models import Statement, StatementDelivery, StatementOptOut
from tests.factories import people

from .conftest import FIRST_OF_NEXT, MONTH, draw, org, statement_of


@pytest.fixture
def drawn(itsd):
    draw()
    return itsd


@pytest.fixture
def staff(client, db):
    client.force_login(people.user("ann", "ann@provider.example", is_staff=True))
    return client


@pytest.fixture
def as_customer(client, itsd):
    def sign_in(name: str):
        client.force_login(itsd.users[name])
        return client

    return sign_in


def list_url() -> str:
    return reverse("statements:list", kwargs={"key": "ITSD"})


def file_url(statement: Statement, kind: str) -> str:
    return reverse(f"statements:{kind}", kwargs={"key": "ITSD", "public_id": statement.public_id})


def organizations_listed(response) -> list[str]:
    return sorted(s.organization_name for s, _ in response.context["statements"])


def test_the_urls(drawn):
    acme = statement_of("Acme")
    assert list_url() == "/portal/ITSD/statements/"
    assert file_url(acme, "pdf") == f"/portal/ITSD/statements/{acme.public_id}.pdf"
    assert file_url(acme, "csv") == f"/portal/ITSD/statements/{acme.public_id}.csv"


# -- Who sees which ------------------------------------------------------------------------


def test_staff_see_every_organizations_statements_and_their_emails(drawn, staff):
    StatementDelivery.objects.filter(email="bob@acme.example").update(
        status="failed", error="Connection refused", attempts=1
    )
    StatementDelivery.objects.filter(email="alice@acme.example").update(status="sent")
    response = staff.get(list_url())
    assert response.status_code == 200
    assert organizations_listed(response) == ["Acme", "Globex"]
    page = response.content.decode()
    assert "Sent to 1 · 1 failed" in page
    assert "bob@acme.example: Connection refused" in page
    assert "1 waiting" in page  # carol's
    assert "You are previewing as an administrator" in page


def test_staff_see_the_reason_of_each_skipped_email(drawn, staff):
    StatementDelivery.objects.filter(email="carol@globex.example").update(
        status="skipped", error=sentences.OPTED_OUT
    )
    StatementDelivery.objects.filter(email="bob@acme.example").update(
        status="skipped", error=sentences.not_a_customer_any_more("Acme")
    )
    StatementDelivery.objects.filter(email="alice@acme.example").update(
        status="failed", error="Connection refused", attempts=5
    )
    page = staff.get(list_url()).content.decode()
    assert f"carol@globex.example: {sentences.OPTED_OUT}" in page
    assert f"bob@acme.example: {sentences.not_a_customer_any_more('Acme')}" in page
    assert "alice@acme.example: Connection refused" in page
    assert "1 failed · 1 not sent" in page


def test_a_customer_sees_only_their_organizations_statements(drawn, as_customer):
    response = as_customer("alice").get(list_url())
    assert organizations_listed(response) == ["Acme"]
    page = response.content.decode()
    assert "Globex" not in page
    assert "E-mails</th>" not in page
    assert as_customer("carol").get(list_url()).context["statements"][0][0].organization_name == (
        "Globex"
    )


def test_a_customer_in_two_organizations_sees_both(drawn, as_customer):
    org("Globex").members.add(Customer.objects.get(display_name="Alice"))
    client = as_customer("alice")
    assert organizations_listed(client.get(list_url())) == ["Acme", "Globex"]
    assert client.get(file_url(statement_of("Globex"), "pdf")).status_code == 200
    assert client.get(file_url(statement_of("Acme"), "csv")).status_code == 200


def test_a_customer_of_globex_gets_404_for_acmes_pdf_and_csv(drawn, as_customer):
    client = as_customer("carol")
    assert client.get(file_url(statement_of("Acme"), "pdf")).status_code == 404
    assert client.get(file_url(statement_of("Acme"), "csv")).status_code == 404


def test_a_customer_removed_from_the_organization_no_longer_sees_its_statements(drawn, as_customer):
    org("Acme").members.remove(Customer.objects.get(display_name="Bob"))
    client = as_customer("bob")
    assert organizations_listed(client.get(list_url())) == []
    assert client.get(file_url(statement_of("Acme"), "pdf")).status_code == 404


def test_a_member_sees_a_statement_drawn_before_they_joined(drawn, as_customer):
    org("Globex").members.add(Customer.objects.get(display_name="Bob"))
    assert as_customer("bob").get(file_url(statement_of("Globex"), "pdf")).status_code == 200


def test_a_user_who_is_no_customer_sees_none(drawn, client):
    client.force_login(people.user("mallory", "mallory@example.com"))
    response = client.get(list_url())
    assert response.status_code == 200
    assert organizations_listed(response) == []
    assert client.get(file_url(statement_of("Acme"), "pdf")).status_code == 404


def test_a_deleted_organizations_statement_is_for_staff_only(drawn, staff):
    org("Globex").delete()
    globex = Statement.objects.get(organization_name="Globex")
    assert "Globex" in organizations_listed(staff.get(list_url()))
    assert staff.get(file_url(globex, "pdf")).status_code == 200


def test_a_statement_of_another_project_is_not_found_under_this_one(drawn, staff):
    other = JiraProject.objects.create(jira_id="10001", key="OPS", name="Ops", service_desk_id="2")
    ReportSettings.objects.create(project=other, enabled=True)
    acme = statement_of("Acme")
    url = reverse("statements:pdf", kwargs={"key": "OPS", "public_id": acme.public_id})
    assert staff.get(url).status_code == 404


def test_an_unknown_statement_is_not_found(drawn, staff):
    url = reverse("statements:pdf", kwargs={"key": "ITSD", "public_id": uuid.uuid4()})
    assert staff.get(url).status_code == 404


# -- The files -----------------------------------------------------------------------------


def test_the_pdf_is_the_statement_as_issued(drawn, as_customer):
    acme = statement_of("Acme")
    response = as_customer("alice").get(file_url(acme, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == bytes(acme.pdf)
    assert response["Content-Disposition"] == (
        f'attachment; filename="ITSD-Acme-statement-{MONTH:%Y-%m}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"


def test_the_csv_is_the_statement_as_issued_with_a_byte_order_mark(drawn, as_customer):
    acme = statement_of("Acme")
    response = as_customer("bob").get(file_url(acme, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8") == UTF8_BOM + acme.csv
    assert response["Content-Disposition"] == (
        f'attachment; filename="ITSD-Acme-statement-{MONTH:%Y-%m}.csv"'
    )
    assert response["Cache-Control"] == "private, no-store"


def test_the_files_answer_only_get_and_head(drawn, as_customer):
    client = as_customer("alice")
    acme = statement_of("Acme")
    assert client.post(file_url(acme, "pdf")).status_code == 405
    assert client.put(file_url(acme, "csv")).status_code == 405
    for kind, content_type in (("pdf", "application/pdf"), ("csv", "text/csv; charset=utf-8")):
        response = client.head(file_url(acme, kind))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type


def test_the_list_answers_head_and_not_post(drawn, as_customer):
    client = as_customer("alice")
    assert client.head(list_url()).status_code == 200
    assert client.post(list_url()).status_code == 405


# -- Anonymous, revoked, disabled ----------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(drawn, client):
    login = resolve_url(django_settings.LOGIN_URL)
    acme = statement_of("Acme")
    for url in (list_url(), file_url(acme, "pdf"), file_url(acme, "csv")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{login}?next=")
    response = client.post(reverse("statements:email_preference", kwargs={"key": "ITSD"}))
    assert response.status_code == 302
    assert response["Location"].startswith(login)
    assert not StatementOptOut.objects.exists()


def test_a_revoked_customer_gets_the_403_page(drawn, as_customer):
    Customer.objects.filter(display_name="Alice").update(active=False)
    client = as_customer("alice")
    acme = statement_of("Acme")
    for url in (list_url(), file_url(acme, "pdf"), file_url(acme, "csv")):
        response = client.get(url)
        assert response.status_code == 403
        assert account_sentences.ACCESS_REVOKED in response.content.decode()
    response = client.post(
        reverse("statements:email_preference", kwargs={"key": "ITSD"}), {"receive": "on"}
    )
    assert response.status_code == 403


def test_an_inactive_account_sees_nothing(drawn, as_customer):
    client = as_customer("alice")
    user = drawn.users["alice"]
    user.is_active = False
    user.save()
    assert client.get(list_url()).status_code == 302
    assert client.get(file_url(statement_of("Acme"), "pdf")).status_code == 302


def test_a_disabled_project_is_404_for_customers_and_a_preview_for_staff(drawn, client):
    drawn.settings.enabled = False
    drawn.settings.save()
    acme = statement_of("Acme")
    client.force_login(drawn.users["alice"])
    for url in (list_url(), file_url(acme, "pdf"), file_url(acme, "csv")):
        assert client.get(url).status_code == 404
    client.force_login(people.user("ann", "ann@provider.example", is_staff=True))
    assert client.get(list_url()).status_code == 200
    assert client.get(file_url(acme, "pdf")).status_code == 200


def test_an_unknown_project_is_404(drawn, staff):
    assert staff.get("/portal/NOPE/statements/").status_code == 404


# -- The list page -------------------------------------------------------------------------


def test_the_list_shows_month_hours_and_links(drawn, as_customer):
    acme = statement_of("Acme")
    page = as_customer("alice").get(list_url()).content.decode()
    assert f"{MONTH:%B %Y}" in page
    assert "2.75 h" in page  # ITSD-1 and ITSD-4, the requests shared with Acme
    assert '<td class="num" data-label="Requests">2</td>' in page
    assert file_url(acme, "pdf") in page and file_url(acme, "csv") in page


def test_the_list_shows_hours_as_the_statement_does(drawn, as_customer):
    """In the time format the statement was drawn up with, as its PDF says them, whatever
    the project shows now."""
    drawn.settings.time_format = "hours_minutes"
    drawn.settings.save()
    page = as_customer("alice").get(list_url()).content.decode()
    assert "2.75 h" in page
    assert "2h 45m" not in page


def test_a_statement_drawn_in_hours_and_minutes_stays_so_listed(itsd, as_customer):
    itsd.settings.time_format = "hours_minutes"
    itsd.settings.save()
    draw()
    itsd.settings.time_format = "decimal"
    itsd.settings.save()
    page = as_customer("alice").get(list_url()).content.decode()
    assert "2h 45m" in page
    assert "2.75 h" not in page


def test_the_list_with_no_statements_says_when_they_come(itsd, as_customer):
    page = as_customer("alice").get(list_url()).content.decode()
    assert "No statements yet" in page
    assert "drawn up after its month ends" in page
    itsd.settings.monthly_statements = False
    itsd.settings.save()
    page = as_customer("alice").get(list_url()).content.decode()
    assert "does not send monthly statements" in page


def test_the_list_shows_newest_month_first(drawn, staff):
    draw_statements(drawn.project, add_months(MONTH, -12), today=FIRST_OF_NEXT)
    months = [s.month for s, _ in staff.get(list_url()).context["statements"]]
    assert months == sorted(months, reverse=True) and len(set(months)) == 2


# -- The customer's e-mail switch ----------------------------------------------------------


def preference_url() -> str:
    return reverse("statements:email_preference", kwargs={"key": "ITSD"})


def test_a_customer_switches_the_emails_off_and_on(drawn, as_customer):
    client = as_customer("carol")
    carol = Customer.objects.get(display_name="Carol")
    response = client.post(preference_url(), follow=True)
    assert response.redirect_chain == [(list_url(), 302)]
    assert StatementOptOut.objects.filter(customer=carol, project=drawn.project).exists()
    page = response.content.decode()
    assert sentences.EMAILS_OFF in page
    assert 'name="receive">' in page  # unchecked
    response = client.post(preference_url(), {"receive": "on"}, follow=True)
    assert not StatementOptOut.objects.filter(customer=carol).exists()
    page = response.content.decode()
    assert sentences.EMAILS_ON in page
    assert 'name="receive" checked' in page


def test_the_switch_of_a_new_customer_is_on(drawn, as_customer):
    page = as_customer("alice").get(list_url()).content.decode()
    assert 'name="receive" checked' in page
    assert "alice@acme.example" in page


def test_a_customer_in_no_organization_has_no_switch_and_is_told_why(drawn, client):
    erin = people.customer("Erin", "erin@example.com")
    client.force_login(erin.user)
    response = client.get(list_url())
    assert response.status_code == 200
    assert organizations_listed(response) == []
    page = response.content.decode()
    assert sentences.NO_ORGANIZATION in page
    assert "No statements yet" in page
    assert 'name="receive"' not in page
    assert "Statement e-mails" not in page
    assert preference_url() not in page


def test_a_customer_only_of_another_projects_organization_has_no_switch(drawn, client):
    initech = Organization.objects.create(jira_id="3", name="Initech")  # on no ITSD
    erin = people.customer("Erin", "erin@initech.example", initech)
    client.force_login(erin.user)
    page = client.get(list_url()).content.decode()
    assert sentences.NO_ORGANIZATION in page
    assert 'name="receive"' not in page


def test_a_customer_in_an_organization_is_not_told_they_are_in_none(itsd, as_customer):
    page = as_customer("alice").get(list_url()).content.decode()
    assert "No statements yet" in page
    assert sentences.NO_ORGANIZATION not in page
    assert 'name="receive" checked' in page


def test_no_switch_on_a_project_that_does_not_send_statements(drawn, as_customer):
    drawn.settings.monthly_statements = False
    drawn.settings.save()
    response = as_customer("alice").get(list_url())
    assert organizations_listed(response) == ["Acme"]  # still listed
    page = response.content.decode()
    assert 'name="receive"' not in page
    assert "Statement e-mails" not in page


def test_staff_have_no_email_switch(drawn, staff):
    assert 'name="receive"' not in staff.get(list_url()).content.decode()
    response = staff.post(preference_url(), follow=True)
    assert sentences.NOT_A_CUSTOMER in response.content.decode()
    assert not StatementOptOut.objects.exists()


def test_the_switch_is_a_post(drawn, as_customer):
    assert as_customer("alice").get(preference_url()).status_code == 405


# -- The way there -------------------------------------------------------------------------


def report_page(client) -> str:
    return client.get(reverse("portal:worklog_report", kwargs={"key": "ITSD"})).content.decode()


def test_the_report_page_links_the_statements_for_staff_when_the_project_sends_them(itsd, staff):
    assert not Statement.objects.exists()
    assert f'href="{list_url()}"' in report_page(staff)


def test_a_customer_gets_the_link_only_with_a_statement_to_see(itsd, as_customer):
    client = as_customer("alice")
    assert f'href="{list_url()}"' not in report_page(client)  # none drawn up yet
    draw()
    assert f'href="{list_url()}"' in report_page(client)


def test_no_link_for_staff_when_the_project_sends_none(world, staff):
    assert f'href="{list_url()}"' not in report_page(staff)


def test_the_report_page_has_no_statements_link_when_the_project_sends_none(world, client):
    client.force_login(world.users["alice"])
    assert f'href="{list_url()}"' not in report_page(client)


def test_the_link_stays_while_a_customer_has_statements_to_see(drawn, as_customer):
    drawn.settings.monthly_statements = False
    drawn.settings.save()
    assert f'href="{list_url()}"' in report_page(as_customer("carol"))


def test_staff_see_a_statement_without_recipients(drawn, staff):
    StatementDelivery.objects.filter(statement__organization_name="Globex").delete()
    assert "No recipients" in staff.get(list_url()).content.decode()


def test_the_staff_list_shows_hours_as_each_statement_was_drawn_up(itsd, staff):
    itsd.settings.time_format = "hours_minutes"
    itsd.settings.save()
    draw()
    itsd.settings.time_format = "decimal"
    itsd.settings.save()
    page = staff.get(list_url()).content.decode()
    # Acme 2.75 h (ITSD-1, ITSD-4) and Globex 3 h (ITSD-3), in the statements' own format.
    assert "2h 45m" in page and "3h" in page
    assert "2.75 h" not in page and "3.00 h" not in page


# -- Only while the project shares requests with organizations ------------------------------


@pytest.fixture
def unshared(drawn):
    """Statements were drawn up; then the project stopped sharing with organizations."""
    drawn.settings.visibility = ReportSettings.Visibility.PARTICIPANTS
    drawn.settings.save()
    return drawn


def test_customers_see_no_statements_while_the_project_does_not_share(unshared, as_customer):
    client = as_customer("alice")
    response = client.get(list_url())
    assert response.status_code == 200
    assert organizations_listed(response) == []
    acme = statement_of("Acme")
    assert client.get(file_url(acme, "pdf")).status_code == 404
    assert client.get(file_url(acme, "csv")).status_code == 404
    assert f'href="{list_url()}"' not in report_page(client)


def test_staff_still_see_them_while_the_project_does_not_share(unshared, staff):
    response = staff.get(list_url())
    assert organizations_listed(response) == ["Acme", "Globex"]
    assert staff.get(file_url(statement_of("Acme"), "pdf")).status_code == 200


def test_customers_see_them_again_once_the_project_shares(unshared, as_customer):
    unshared.settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
    unshared.settings.save()
    response = as_customer("carol").get(list_url())
    assert organizations_listed(response) == ["Globex"]
    assert as_customer("carol").get(file_url(statement_of("Globex"), "pdf")).status_code == 200


def settings_form(world, **changes) -> ReportSettingsForm:
    data = {
        "enabled": True,
        "hours_source": world.settings.hours_source,
        "visibility": world.settings.visibility,
        "time_format": world.settings.time_format,
        "rounding_minutes": world.settings.rounding_minutes,
        "monthly_statements": False,
    } | changes
    return ReportSettingsForm(
        {k: v for k, v in data.items() if v is not False}, instance=world.settings
    )


def test_the_settings_refuse_statements_without_sharing_with_organizations(world):
    form = settings_form(world, visibility="participants", monthly_statements=True)
    assert not form.is_valid()
    assert form.errors["monthly_statements"] == [STATEMENTS_NEED_ORGANIZATIONS]
    assert list(form.errors) == ["monthly_statements"]
    world.settings.refresh_from_db()
    assert (world.settings.monthly_statements, world.settings.visibility) == (
        False,
        "participants",
    )


@pytest.mark.parametrize(
    ("was_on", "visibility", "statements"),
    [(False, "organizations", True), (True, "participants", False)],
    ids=["statements-with-sharing", "participants-without-statements"],
)
def test_the_settings_take_statements_only_with_sharing(world, was_on, visibility, statements):
    world.settings.monthly_statements = was_on
    world.settings.visibility = "organizations"
    world.settings.save()
    form = settings_form(world, visibility=visibility, monthly_statements=statements)
    assert form.is_valid(), form.errors
    form.save()
    world.settings.refresh_from_db()
    assert (world.settings.monthly_statements, world.settings.visibility) == (
        statements,
        visibility,
    )


def test_the_settings_refuse_to_stop_sharing_while_statements_are_on(world):
    world.settings.monthly_statements = True
    world.settings.visibility = "organizations"
    world.settings.save()
    form = settings_form(world, visibility="participants", monthly_statements=True)
    assert not form.is_valid()
    assert form.errors["monthly_statements"] == [STATEMENTS_NEED_ORGANIZATIONS]
    world.settings.refresh_from_db()
    assert world.settings.visibility == "organizations"
