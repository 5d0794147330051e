"""Every sentence of the alert settings and of the alert problems, in one place: the form,
the templates and the tests import them from here."""

from __future__ import annotations

MAX_LEVEL = 1000
MAX_LEVELS = 10

ENTER_LEVELS = "Enter at least one level, e.g. 80, 100."
LEVEL_ZERO = "A level must be more than 0 %."
LEVEL_TOO_HIGH = f"A level can be at most {MAX_LEVEL} %."
TOO_MANY_LEVELS = f"Enter at most {MAX_LEVELS} levels."
SAVED = "Alert settings saved."
NOT_SAVED = "The alert settings were not saved. Check the fields marked below."
PROJECT_WIDE_STAFF_ONLY = (
    "A contract of the whole project alerts the staff chosen here only: it has no "
    "organization whose customers could be told."
)
REMOVED_RECIPIENT = "No longer a recipient when it was due; not sent."


def not_a_number(piece: str) -> str:
    return f"“{piece}” is not a whole number: enter percents separated by commas, e.g. 80, 100."


def listed_twice(level: int) -> str:
    return f"{level} % is listed twice."


def no_email(user) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name} has no e-mail address: add one in Django admin, or leave them out."


def failed(delivery) -> str:
    """A failed alert, on the Contract management page."""
    what = f"{delivery.level} % alert to {delivery.email} failed: {delivery.error}"
    if delivery.gives_up:
        return f"{what} Gave up after {delivery.attempts} attempts."
    return f"{what} Attempt {delivery.attempts}; it is tried again after the next sync."
