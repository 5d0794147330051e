"""Every sentence of the Worklog Report page that is not a contract's (docs/product.md §5.2).

Views, templates and tests import them from here, so the wording lives in one place.
"""

from __future__ import annotations

# The project's hours come from Tempo and there is no working Tempo integration (revoked,
# never added, or Invalid): the page has no hours to show, which is not the same as no work.
HOURS_UNAVAILABLE_TITLE = "Billable hours are not available right now"
HOURS_UNAVAILABLE = (
    "Your service provider is reconnecting Tempo, where these hours come from. "
    "They will show here again once it is connected."
)
HOURS_UNAVAILABLE_STAFF = (
    "Customers see this instead of hours: the project shows billable hours from Tempo, and "
    "no working Tempo integration has read it (none is stored, it was revoked or is "
    "Invalid, or a new token's first sync has not finished). Add a Tempo API Token, or "
    "wait for the sync, to bring them back."
)


# A project on approved timesheets only (docs/product.md §5.2): hours whose Tempo timesheet
# is not approved yet are in no total, row, chart, CSV or contract; the page says how many.
def awaiting_approval(seconds: int, time_format: str) -> str:
    from .templatetags.hours import format_hours

    return (
        f"{format_hours(seconds, time_format)} awaiting approval (Tempo timesheets not yet "
        "approved) are not included."
    )


# Tempo refused the timesheet approvals (403): approved hours cannot be known.
APPROVALS_UNAVAILABLE_TITLE = "Approved hours are not available right now"
APPROVALS_UNAVAILABLE = (
    "This report shows only hours of approved timesheets, and the approvals cannot be read "
    "from Tempo right now. The hours will show here again once they can."
)
APPROVALS_UNAVAILABLE_STAFF = (
    "Customers see this instead of hours: the project shows only hours of approved Tempo "
    "timesheets, and Tempo refused the timesheet approvals (the token has no Approvals "
    'scope) or they have not been read yet. Add a token with the Approvals scope "View '
    'approvals", or choose another hours source on the General tab.'
)
