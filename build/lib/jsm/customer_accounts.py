"""Portal accounts for JSM customers (docs/product.md §1): the portal identity follows the
customer record Jira keeps, through its whole life.

- **Created** once Jira shows the customer's e-mail address, while JSM grants them the
  portal: a customer whose access is revoked (``active: false``, docs/outside-apis.md §6) gets
  none. Username and e-mail are the lower-cased address; no usable password until the
  customer sets one ("First time here?").
- **Owned by the accountId**, not by an address: when Jira shows a new address for the
  account, the portal account's username and e-mail move to it, so the customer signs in
  and receives set-password mail at the new address (a link sent to the old one stops
  working, as Django's reset tokens cover the e-mail). An address another account already
  uses is never taken over: that move waits (and is logged) until the address is free.
- **Kept when the address is hidden** by privacy settings (Jira answers null): the account
  keeps the last address it had, stays linked and keeps working.
- **Revoked and restored without touching it**: pages ask ``Customer.active`` on every
  request (portal/visibility.py), so a revoked customer sees nothing from the next sync on,
  and a restored one gets the same account back, never a second one.
- **Staff accounts are never affected**: never linked to a customer here, never renamed.
"""

from __future__ import annotations

import logging
from collections import Counter

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from .models import Customer

logger = logging.getLogger("worklog_report.sync")
BATCH = 500


def ensure_customer_accounts() -> int:
    """Bring portal accounts in line with the customers the sync just wrote.

    Moves accounts to their customer's new address first (that may free an address a
    newly seen customer needs), then links or creates accounts for customers without one.
    Returns how many accounts were created. Runs a handful of queries whatever the number
    of customers.
    """
    with transaction.atomic():
        follow_address_changes()
        return _link_or_create_accounts()


def follow_address_changes() -> int:
    """Move each linked account to the address Jira now shows for its customer.

    Skips customers whose address is hidden (empty) and staff accounts. A move to an
    address that another account uses as its username or e-mail waits: taking it would
    hand one person's sign-in to another. Moves are made in rounds, so a chain (A takes
    B's old address after B moved on) completes in one run; a swap never does, and is
    logged. Returns how many accounts moved.
    """
    User = get_user_model()
    longest = User._meta.get_field("username").max_length
    pending = {
        user_pk: email.lower()
        for user_pk, email, username, user_email in Customer.objects.filter(
            user__isnull=False, user__is_staff=False
        )
        .exclude(email="")
        .values_list("user_id", "email", "user__username", "user__email")
        if len(email) <= longest
        and (username.lower() != email.lower() or user_email.lower() != email.lower())
    }
    moved = 0
    while pending:
        wanted = Counter(pending.values())
        holders: dict[str, set[int]] = {}
        for pk, username, email in (
            User.objects.annotate(lower_username=Lower("username"), lower_email=Lower("email"))
            .filter(Q(lower_username__in=wanted) | Q(lower_email__in=wanted))
            .values_list("pk", "lower_username", "lower_email")
        ):
            for address in (username, email):
                holders.setdefault(address, set()).add(pk)
        free = {
            pk: address
            for pk, address in pending.items()
            if wanted[address] == 1 and holders.get(address, set()) <= {pk}
        }
        if not free:
            break
        users = list(User.objects.filter(pk__in=free))
        for user in users:
            user.username = user.email = free[user.pk]
        User.objects.bulk_update(users, ["username", "email"], batch_size=BATCH)
        moved += len(users)
        for pk in free:
            del pending[pk]
    if moved:
        logger.info("Moved %d portal account(s) to the address Jira now shows.", moved)
    for user_pk in pending:
        logger.warning(
            "The portal account %s keeps its old address: Jira shows its customer a new "
            "address that another account already uses.",
            user_pk,
        )
    return moved


def _link_or_create_accounts() -> int:
    """An account for every customer with an address and none yet; returns how many were
    created.

    An existing account whose username is the address is linked, not changed, unless it
    is staff or already linked to another customer (never taken over). A new one is made
    only while JSM grants the customer the portal.
    """
    User = get_user_model()
    longest = User._meta.get_field("username").max_length
    by_email: dict[str, Customer] = {}
    for customer in Customer.objects.filter(user__isnull=True).exclude(email="").order_by("pk"):
        if len(customer.email) <= longest:  # a longer address cannot be a username
            by_email.setdefault(customer.email.lower(), customer)
    if not by_email:
        return 0
    existing = {
        username: (pk, is_staff, linked)
        for username, pk, is_staff, linked in User.objects.annotate(
            lower_username=Lower("username")
        )
        .filter(lower_username__in=by_email)
        .values_list("lower_username", "pk", "is_staff", "jsm_customer")
    }
    unusable = make_password(None)
    new_users = []
    for email, customer in list(by_email.items()):
        if email in existing:
            pk, is_staff, linked = existing[email]
            if is_staff or linked is not None:
                del by_email[email]  # someone else's account: never taken over
            else:
                customer.user_id = pk
        elif not customer.active:
            del by_email[email]  # revoked in JSM: no account
        else:
            first, _, last = customer.display_name.partition(" ")
            new_users.append(
                User(
                    username=email,
                    email=email,
                    first_name=first[:150],
                    last_name=last[:150],
                    password=unusable,
                )
            )
    User.objects.bulk_create(new_users, ignore_conflicts=True, batch_size=BATCH)
    created = dict(
        User.objects.filter(username__in=[u.username for u in new_users]).values_list(
            "username", "pk"
        )
    )
    for email, customer in by_email.items():
        customer.user_id = customer.user_id or created.get(email)
    Customer.objects.bulk_update(list(by_email.values()), ["user"], batch_size=BATCH)
    return len(new_users)
