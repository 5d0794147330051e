"""Portal accounts for JSM customers (PRODUCT.md §1): the portal identity follows the
customer record Jira keeps."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from .models import Customer

BATCH = 500


def ensure_customer_accounts() -> int:
    """A portal account for every customer with an e-mail address (PRODUCT.md §1).

    The username is the lower-cased address; accounts start without a usable password
    (customers set one with "First time here?"). Existing accounts are linked, not changed.
    """
    User = get_user_model()
    by_email: dict[str, Customer] = {}
    for customer in Customer.objects.filter(user__isnull=True).exclude(email="").order_by("pk"):
        by_email.setdefault(customer.email.lower(), customer)
    if not by_email:
        return 0
    already_linked = set(
        Customer.objects.filter(user__username__in=by_email).values_list(
            "user__username", flat=True
        )
    )
    for email in already_linked:
        by_email.pop(email, None)
    existing = set(User.objects.filter(username__in=by_email).values_list("username", flat=True))
    unusable = make_password(None)
    new_users = []
    for email, customer in by_email.items():
        if email in existing:
            continue
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
    user_pk = dict(User.objects.filter(username__in=by_email).values_list("username", "pk"))
    for email, customer in by_email.items():
        customer.user_id = user_pk.get(email)
    Customer.objects.bulk_update(list(by_email.values()), ["user"], batch_size=BATCH)
    return len(new_users)
