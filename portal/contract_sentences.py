"""Every sentence of Contract management and the contract panel (docs/product.md §4.3, §5.2).

Forms, views, templates and tests import them from here, so the wording lives in one place.
"""

from __future__ import annotations

import datetime as dt

from .forecast import ENOUGH, RUNS_OUT, Forecast
from .templatetags.hours import format_hours

CREATED = "Contract created."
SAVED = "Contract saved."
DELETED = "Contract deleted."
NOT_SAVED = "The contract was not saved. Correct the fields marked below."
GONE = (
    "This contract no longer exists: someone has deleted it. Nothing was saved. "
    "Create a new contract if you still need one."
)
ALREADY_DELETED = "This contract had already been deleted."

CHOOSE_TYPE = "Choose Monthly contract hours or Fixed contract hours."
ENTER_START = "Enter the start date."
ENTER_END = "Enter the end date."
START_FORMAT = "Enter the start date as YYYY-MM-DD."
END_FORMAT = "Enter the end date as YYYY-MM-DD."
END_BEFORE_START = "The end date cannot be before the start date."
TOO_LONG = "A contract can last at most 10 years. Create another one after it ends."
ENTER_HOURS = "Enter the contracted hours."
HOURS_FORMAT = "Enter the hours as a number, like 40 or 37.5."
HOURS_POSITIVE = "Enter more than 0 hours."
HOURS_TOO_MANY = "Enter at most 100,000 hours."
HOURS_DECIMALS = "Enter the hours with at most two decimals, like 37.25."
UNKNOWN_ORGANIZATION = "Choose one of this project's organizations, or Whole project."
DESCRIPTION_TOO_LONG = "Keep the description to 200 characters or fewer."


def period_label(start: dt.date, end: dt.date) -> str:
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"


def overlap(contract, time_format: str) -> str:
    """The refusal naming the contract a new period would overlap (same scope)."""
    whose = f"{contract.organization.name}’s" if contract.organization_id else "the project-wide"
    hours = format_hours(contract.seconds, time_format)
    if contract.is_monthly:
        hours += " a month"
    return (
        f"This period overlaps {whose} {contract.type_word} contract of "
        f"{period_label(contract.start_date, contract.end_date)} ({hours}). "
        "Change the dates or edit that contract."
    )


def delete_question(contract, time_format: str) -> str:
    whose = contract.organization.name if contract.organization_id else "the whole project"
    hours = format_hours(contract.seconds, time_format)
    return (
        f"Delete the {contract.type_word} contract of {whose} for "
        f"{period_label(contract.start_date, contract.end_date)} ({hours}"
        f"{' a month' if contract.is_monthly else ''})? Customers will no longer see it."
    )


def _requests(count: int) -> str:
    return f"{count} request{'' if count == 1 else 's'}"


def unseen_by_customer(unseen, contract, time_format: str) -> str:
    """The panel's note on used hours counted on requests this customer cannot see."""
    whose = contract.organization.name if contract.organization_id else "this project"
    return (
        f"Used includes {format_hours(unseen.seconds, time_format)} on "
        f"{_requests(unseen.requests)} of {whose} not shared with you."
    )


def not_shared_with_organization(unseen, contract, time_format: str) -> str:
    """The Contract management table's note: the same split, seen from the organization
    (only the reporter and participants of such a request see it)."""
    return (
        f"incl. {format_hours(unseen.seconds, time_format)} on "
        f"{_requests(unseen.requests)} not shared with {contract.organization.name}"
    )


HOURS_UNAVAILABLE_IN_PANEL = "Not available until Tempo is connected again."
HOURS_UNAVAILABLE_FOR_STAFF = (
    "Used and remaining hours are not available: this project shows billable hours from "
    "Tempo, and there is no working Tempo integration that has read it. Customers see the "
    "contract's terms without them."
)


# The run-out forecast (portal/forecast.py states the method).
ENOUGH_FOR_THIS_PERIOD = "Enough for this period at this pace."


def run_out(forecast: Forecast, today: dt.date) -> str:
    """The forecast in one sentence; "" when there is too little data to say."""
    if forecast.kind == ENOUGH:
        return ENOUGH_FOR_THIS_PERIOD
    if forecast.kind != RUNS_OUT:
        return ""
    day = forecast.date
    when = f"{day:%-d %b}" if day.year == today.year else f"{day:%-d %b %Y}"
    return f"At this pace the hours run out on {when}."


def pace(forecast: Forecast, time_format: str) -> str:
    """How the forecast was made, under it on the panel; "" when there is none."""
    if not forecast.is_known:
        return ""
    return (
        f"Pace: {format_hours(forecast.pace_seconds, time_format)} a working day "
        f"over the last {forecast.working_days} working days."
    )
