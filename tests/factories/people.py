"""People: Django users, and the Jira customers (`jsm.models.Customer`) signed in as them."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from jsm.models import Customer, Organization

PASSWORD = "correct horse battery staple"


def user(username: str, email: str = "", password: str | None = PASSWORD, **fields):
    """A Django user; `password=None` leaves it without a usable password (as Jira's
    customers are until they set one)."""
    return get_user_model().objects.create_user(username, email, password, **fields)


def customer(
    name: str,
    email: str,
    organization: Organization | None = None,
    *,
    password: str | None = PASSWORD,
) -> Customer:
    """The Jira customer `name` (account id `acc-<name>`) and the user they sign in as, whose
    username is their e-mail address; a member of `organization` when one is given."""
    account = user(email, email, password, first_name=name)
    person = Customer.objects.create(
        account_id=f"acc-{name.lower()}", email=email, display_name=name, user=account
    )
    if organization is not None:
        organization.members.add(person)
    return person
