"""Every sentence of the statements' pages, e-mails and rows, in one place: the views, the
templates and the tests import them from here."""

from __future__ import annotations

OPTED_OUT = "Opted out of statement e-mails before it was due; not sent."
OPT_OUT_TITLE = "Stop the statement e-mails?"
OPTED_OUT_TITLE = "You will get no more statement e-mails"
OPTED_IN_TITLE = "You will get the statement e-mails again"
BAD_LINK_TITLE = "This link does not work"
BAD_LINK = (
    "The link is incomplete or was changed, or its customer account no longer exists. Use "
    "the link of a newer statement e-mail, or sign in and switch the e-mails off under "
    "Statements."
)
EMAILS_ON = "You will get each new statement by e-mail."
EMAILS_OFF = "You will get no statement e-mails of this project; they stay listed here."
NOT_A_CUSTOMER = "Only customers of an organization get its statements by e-mail."
NO_ORGANIZATION = (
    "Statements are drawn up for organizations, and your account belongs to none: ask your "
    "service provider if that is wrong."
)


def not_a_customer_any_more(organization: str) -> str:
    return f"No longer an active customer of {organization} when it was due; not sent."


def opt_out_question(project_name: str) -> str:
    return (
        f"You get the monthly statements of {project_name} by e-mail. Stop them? They stay "
        "listed under Statements in the portal."
    )


def opted_out(project_name: str) -> str:
    return (
        f"You will get no more monthly statements of {project_name} by e-mail. They stay "
        "listed under Statements in the portal."
    )


def opted_in(project_name: str) -> str:
    return f"You will get the monthly statements of {project_name} by e-mail again."


def delivery_summary(counts: dict[str, int]) -> str:
    """What happened to a statement's e-mails, for staff: "Sent to 3 · 1 failed"."""
    parts = []
    if counts.get("sent"):
        parts.append(f"Sent to {counts['sent']}")
    if counts.get("pending") or counts.get("sending"):
        parts.append(f"{counts.get('pending', 0) + counts.get('sending', 0)} waiting")
    if counts.get("failed"):
        parts.append(f"{counts['failed']} failed")
    if counts.get("skipped"):
        parts.append(f"{counts['skipped']} not sent")
    return " · ".join(parts) or "No recipients"


def needs_organization_scope(project_key: str) -> str:
    return (
        f"{project_key} does not share requests with organizations: a monthly statement lists "
        "an organization's requests, so it needs “Also requests shared with their "
        "organizations” under Requests customers see."
    )


def statement_failed(exc: Exception) -> str:
    return (
        f"Its statement could not be made ({type(exc).__name__}); the details are in the "
        "worker's log. It is tried again after the next sync."
    )
