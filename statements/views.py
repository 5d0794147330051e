"""Statements in the portal (docs/product.md §4.6, §5): the list of a project's statements a
person may see, their PDF and CSV, the customer's e-mail switch, and the signed one-click
opt-out link of the e-mails."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.contrib import messages
from django.db.models.fields.json import KT
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.decorators import portal_access_required, report_project_or_404
from portal.exports import UTF8_BOM
from portal.visibility import customer_of

from . import sentences
from .drawing import statement_organizations
from .models import StatementDelivery, statements_visible_to
from .opt_out import receives_emails, set_receives_emails, subscriber_of


def _visible(request, project, report_settings):
    """The project's statements this person may see: see ``statements_visible_to``."""
    return statements_visible_to(request.user, project, report_settings)


@require_safe
@portal_access_required
def statement_list(request, key: str):
    """One row per month and organization, newest month first."""
    project, report_settings = report_project_or_404(request, key)
    statements = list(
        _visible(request, project, report_settings)
        .newest_first()
        .defer("pdf", "csv", "content")
        .annotate(time_format=KT("content__time_format"))
    )
    deliveries = {}
    if request.user.is_staff:
        counts = defaultdict(Counter)
        rows = StatementDelivery.objects.filter(statement__in=[s.pk for s in statements])
        for statement_id, status in rows.values_list("statement_id", "status"):
            counts[statement_id][status] += 1
        problems = defaultdict(list)
        not_sent = [StatementDelivery.Status.FAILED, StatementDelivery.Status.SKIPPED]
        for delivery in rows.filter(status__in=not_sent).order_by("email"):
            problems[delivery.statement_id].append(f"{delivery.email}: {delivery.error}")
        deliveries = {
            s.pk: (sentences.delivery_summary(counts[s.pk]), problems[s.pk]) for s in statements
        }
    customer = customer_of(request.user)
    # Statements are drawn up for the project's organizations (or those with a contract in it).
    in_organization = (
        customer is not None and statement_organizations(project).filter(members=customer).exists()
    )
    return render(
        request,
        "statements/list.html",
        {
            "project": project,
            "settings": report_settings,
            "statements": [(s, deliveries.get(s.pk)) for s in statements],
            "customer": customer,
            "in_organization": in_organization,
            # The switch only where statements will come: a project that sends them, to a
            # customer of an organization.
            "email_switch": in_organization and report_settings.monthly_statements,
            "receives_emails": in_organization and receives_emails(customer, project),
            "no_organization": sentences.NO_ORGANIZATION,
            "is_preview": request.user.is_staff,
        },
    )


@require_safe
@portal_access_required
def statement_file(request, key: str, public_id, kind: str):
    """The statement's PDF or CSV, as issued; a 404 for anyone who may not see it."""
    project, report_settings = report_project_or_404(request, key)
    statement = get_object_or_404(_visible(request, project, report_settings), public_id=public_id)
    if kind == "pdf":
        response = HttpResponse(bytes(statement.pdf), content_type="application/pdf")
    else:
        response = HttpResponse(UTF8_BOM + statement.csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{statement.file_stem}.{kind}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@portal_access_required
def email_preference(request, key: str):
    """A signed-in customer switches the project's statement e-mails on or off."""
    project, _ = report_project_or_404(request, key)
    customer = customer_of(request.user)
    if customer is None:
        messages.error(request, sentences.NOT_A_CUSTOMER)
        return redirect("statements:list", key=project.key)
    receive = request.POST.get("receive") == "on"
    set_receives_emails(customer, project, receive)
    messages.success(request, sentences.EMAILS_ON if receive else sentences.EMAILS_OFF)
    return redirect("statements:list", key=project.key)


@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", with no cookie
@require_http_methods(["GET", "HEAD", "POST"])
def opt_out(request):
    """The link in each statement e-mail. A GET only shows the page and its one button, so a
    mail scanner that opens links changes nothing (RFC 8058 §3.2); the button's POST, or the
    mail client's one-click POST (``List-Unsubscribe=One-Click``), stops the e-mails. The
    signed token is the only credential: no sign-in needed."""
    token = request.GET.get("token", "")
    subscriber = subscriber_of(token)
    if subscriber is None:
        return _bad_link(request)
    if request.method != "POST":
        return render(
            request,
            "statements/opt_out.html",
            {
                "title": sentences.OPT_OUT_TITLE,
                "sentence": sentences.opt_out_question(subscriber.project.name),
                "token": token,
                "ask": True,
            },
        )
    set_receives_emails(subscriber.customer, subscriber.project, False)
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse(
            sentences.opted_out(subscriber.project.name), content_type="text/plain; charset=utf-8"
        )
    return render(
        request,
        "statements/opt_out.html",
        {
            "title": sentences.OPTED_OUT_TITLE,
            "sentence": sentences.opted_out(subscriber.project.name),
            "token": token,
            "undo": True,
        },
    )


@require_POST
def opt_in(request):
    """Undo an opt-out from its page (a form with CSRF protection; the token in its body)."""
    token = request.POST.get("token", "")
    subscriber = subscriber_of(token)
    if subscriber is None:
        return _bad_link(request)
    set_receives_emails(subscriber.customer, subscriber.project, True)
    return render(
        request,
        "statements/opt_out.html",
        {
            "title": sentences.OPTED_IN_TITLE,
            "sentence": sentences.opted_in(subscriber.project.name),
            "token": token,
            "undo": False,
        },
    )


def _bad_link(request):
    return render(
        request,
        "statements/opt_out.html",
        {"title": sentences.BAD_LINK_TITLE, "sentence": sentences.BAD_LINK, "undo": False},
        status=400,
    )
