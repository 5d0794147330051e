"""The signed link in each statement e-mail that stops them (one click), and its undo.

The link carries ``{"c": customer id, "p": project id}`` signed with the app's
``SECRET_KEY`` (``django.core.signing``, salted for this use only): it can stop or restart
the statement e-mails of that customer and project, nothing else, and a changed character
makes it invalid. It does not expire: an old e-mail's link still works, as mail clients
expect of RFC 8058 one-click links.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

from jsm.models import Customer, JiraProject

from .models import StatementOptOut

SALT = "statements.opt-out"


@dataclass(frozen=True)
class Subscriber:
    customer: Customer
    project: JiraProject


def opt_out_token(customer_id: int, project_id: int) -> str:
    """The signed value of the opt-out link of ``customer_id``'s e-mails of ``project_id``."""
    return signing.dumps({"c": customer_id, "p": project_id}, salt=SALT, compress=True)


def opt_out_url(customer_id: int, project_id: int) -> str:
    """The path of the opt-out link (the signed value in its query string, which logs
    redact; RFC 8058 allows any HTTPS URI)."""
    query = urlencode({"token": opt_out_token(customer_id, project_id)})
    return f"{reverse('statements:opt_out')}?{query}"


def subscriber_of(token: str) -> Subscriber | None:
    """The customer and project a link stands for; None for a forged, cut or stale link
    (one whose customer or project no longer exists)."""
    try:
        data = signing.loads(token, salt=SALT)
        customer = Customer.objects.get(pk=int(data["c"]))
        project = JiraProject.objects.get(pk=int(data["p"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    except (Customer.DoesNotExist, JiraProject.DoesNotExist):
        return None
    return Subscriber(customer, project)


def set_receives_emails(customer: Customer, project: JiraProject, receive: bool) -> None:
    """Start or stop the statement e-mails of ``project`` for ``customer`` (idempotent)."""
    if receive:
        StatementOptOut.objects.filter(customer=customer, project=project).delete()
    else:
        StatementOptOut.objects.get_or_create(customer=customer, project=project)


def receives_emails(customer: Customer, project: JiraProject) -> bool:
    """Whether ``customer`` gets the statement e-mails of ``project`` (no opt-out)."""
    return not StatementOptOut.objects.filter(customer=customer, project=project).exists()
