"""The statement e-mail: text and HTML in the product's look (templates/statements/email/),
the PDF and the CSV attached, and RFC 8058 one-click unsubscribe headers, sent through
Django's mail (``EMAIL_URL``)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from jsm.models import Customer
from portal.exports import UTF8_BOM
from worklog_report.deliveries import site_url

from .documents import statement_context
from .models import Statement
from .opt_out import opt_out_url


def render_statement_email(statement: Statement, customer: Customer) -> EmailMultiAlternatives:
    unsubscribe_url = site_url(opt_out_url(customer.pk, statement.project_id))
    context = statement_context(statement.content) | {
        "statements_url": site_url(
            reverse("statements:list", kwargs={"key": statement.project.key})
        ),
        "opt_out_url": unsubscribe_url,
        "customer": customer,
    }
    subject = " ".join(render_to_string("statements/email/subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("statements/email/statement.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string("statements/email/statement.html", context), "text/html"
    )
    message.attach(f"{statement.file_stem}.pdf", bytes(statement.pdf), "application/pdf")
    message.attach(f"{statement.file_stem}.csv", UTF8_BOM + statement.csv, "text/csv")
    return message


def send_statement(statement: Statement, customer: Customer, email: str) -> None:
    """Send one statement to one address; raises what the mail backend raises."""
    message = render_statement_email(statement, customer)
    message.to = [email]
    message.send()
