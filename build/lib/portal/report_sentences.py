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
