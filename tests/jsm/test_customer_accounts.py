"""Portal accounts follow JSM's customer record through its life (jsm/customer_accounts.py).

Run through the whole Jira sync against the in-memory Jira (tests/jsm/fake_jira.py): a
customer revoked (`active: false`) and restored, an address changed or hidden in Jira, a
customer removed from every organization and project, and staff, who are never affected.
People of the fake Jira: alice and bob in Acme, carol in Globex (conftest.py).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import RequestFactory

from jsm.models import Customer, JiraProject
from portal.models import ReportSettings
from portal.visibility import MINE, ORGANIZATION, requests_visible_to
from sync.runs import sync_jira
from tests.factories import people

from .fake_jira import PARTICIPANTS, user

PASSWORD = "a long customer password"


def change_user(jira, account_id: str, **changes) -> None:
    """Change a Jira user in every object Jira returns them in, as Jira does (the shared
    dicts of conftest.py are replaced, never changed in place)."""

    def changed(found):
        if isinstance(found, dict) and found.get("accountId") == account_id:
            return {**found, **changes}
        return found

    for group in (*jira.customers.values(), *jira.members.values()):
        group[:] = [changed(u) for u in group]
    for issues in jira.issues.values():
        for issue in issues:
            fields = issue["fields"]
            fields["reporter"] = changed(fields["reporter"])
            fields[PARTICIPANTS] = [changed(u) for u in fields[PARTICIPANTS] or []] or None


def account(account_id: str):
    return Customer.objects.select_related("user").get(account_id=account_id).user


def visible_keys(user, key="ITSD", scope=MINE) -> set[str]:
    """What the account sees, read afresh as each page request does."""
    user = get_user_model().objects.get(pk=user.pk)
    project = JiraProject.objects.get(key=key)
    settings, _ = ReportSettings.objects.get_or_create(
        project=project, defaults={"enabled": True, "visibility": "organizations"}
    )
    return set(requests_visible_to(user, project, settings, scope).values_list("key", flat=True))


def signs_in(username: str):
    """The account the sign-in backends accept for this username and PASSWORD, or None."""
    return authenticate(
        RequestFactory().post("/accounts/login/"), username=username, password=PASSWORD
    )


def with_password(account_id: str):
    found = account(account_id)
    found.set_password(PASSWORD)
    found.save()
    return found


def test_a_customer_revoked_in_jsm_gets_no_account(fake_jira, db):
    change_user(fake_jira, "acc-carol", active=False)
    run = sync_jira()
    assert Customer.objects.get(account_id="acc-carol").active is False
    assert account("acc-carol") is None
    assert not get_user_model().objects.filter(username="carol@globex.example").exists()
    assert run.counts["accounts_created"] == 2  # alice and bob


def test_a_customer_revoked_later_keeps_the_account_and_sees_nothing(fake_jira, db):
    sync_jira()
    alice = with_password("acc-alice")
    assert visible_keys(alice) == {"ITSD-1"}
    change_user(fake_jira, "acc-alice", active=False)
    sync_jira()
    assert account("acc-alice").pk == alice.pk
    assert visible_keys(alice) == set()
    assert visible_keys(alice, scope=ORGANIZATION) == set()
    assert visible_keys(alice, key="SUP") == set()
    # Signing in still finds the account; the sign-in form is what refuses it.
    assert signs_in("alice@acme.example") == alice


def test_restored_access_comes_back_on_the_same_account(fake_jira, db):
    change_user(fake_jira, "acc-carol", active=False)
    sync_jira()
    change_user(fake_jira, "acc-carol", active=True)
    run = sync_jira()
    carol = account("acc-carol")
    assert carol.username == "carol@globex.example"
    assert run.counts["accounts_created"] == 1
    assert visible_keys(carol) == {"ITSD-3"}

    with_password("acc-carol")
    change_user(fake_jira, "acc-carol", active=False)
    sync_jira()
    assert visible_keys(carol) == set()
    change_user(fake_jira, "acc-carol", active=True)
    run = sync_jira()
    assert run.counts["accounts_created"] == 0
    assert get_user_model().objects.filter(username="carol@globex.example").count() == 1
    assert account("acc-carol").pk == carol.pk and account("acc-carol").check_password(PASSWORD)
    assert visible_keys(carol) == {"ITSD-3"}


def test_a_new_address_in_jira_moves_the_account(fake_jira, db):
    sync_jira()
    alice = with_password("acc-alice")
    change_user(fake_jira, "acc-alice", emailAddress="Alice.Anders@Acme.example")
    run = sync_jira()
    moved = account("acc-alice")
    assert (moved.pk, moved.username, moved.email) == (
        alice.pk,
        "alice.anders@acme.example",
        "alice.anders@acme.example",
    )
    assert run.counts["accounts_created"] == 0
    assert signs_in("alice.anders@acme.example") == moved
    assert signs_in("alice@acme.example") is None
    assert visible_keys(moved) == {"ITSD-1"}


def test_an_address_hidden_later_keeps_the_account(fake_jira, db):
    sync_jira()
    bob = with_password("acc-bob")
    change_user(fake_jira, "acc-bob", emailAddress=None)
    sync_jira()
    assert Customer.objects.get(account_id="acc-bob").email == ""
    kept = account("acc-bob")
    assert (kept.pk, kept.username, kept.email) == (bob.pk, "bob@acme.example", "bob@acme.example")
    assert signs_in("bob@acme.example") == kept
    assert visible_keys(kept) == {"ITSD-1", "ITSD-2"}


def test_an_address_someone_else_uses_is_never_taken_over(fake_jira, db, caplog):
    sync_jira()
    alice, bob = with_password("acc-alice"), with_password("acc-bob")
    # Jira shows alice with the address bob's account uses: alice's account must not
    # become bob's, nor the reverse; alice's move waits until the address is free.
    change_user(fake_jira, "acc-alice", emailAddress="bob@acme.example")
    sync_jira()
    assert account("acc-alice").pk == alice.pk and account("acc-alice").username == (
        "alice@acme.example"
    )
    assert account("acc-bob").pk == bob.pk and account("acc-bob").username == "bob@acme.example"
    assert "keeps its old address" in caplog.text


def test_an_address_given_up_goes_to_a_new_account_not_the_old_one(fake_jira, db):
    sync_jira()
    bob = with_password("acc-bob")
    change_user(fake_jira, "acc-bob", emailAddress="robert@acme.example")
    newcomer = user("acc-newbob", "bob@acme.example", "Bob Newman")
    fake_jira.customers["1"].append(newcomer)
    run = sync_jira()
    assert account("acc-bob").pk == bob.pk
    assert account("acc-bob").username == "robert@acme.example"
    assert account("acc-bob").check_password(PASSWORD)
    fresh = account("acc-newbob")
    assert fresh.pk != bob.pk and fresh.username == "bob@acme.example"
    assert not fresh.has_usable_password()
    assert run.counts["accounts_created"] == 1


def test_swapped_addresses_move_neither_account(fake_jira, db):
    sync_jira()
    alice, bob = with_password("acc-alice"), with_password("acc-bob")
    change_user(fake_jira, "acc-alice", emailAddress="bob@acme.example")
    change_user(fake_jira, "acc-bob", emailAddress="alice@acme.example")
    sync_jira()
    assert account("acc-alice").username == "alice@acme.example"
    assert account("acc-bob").username == "bob@acme.example"
    assert signs_in("alice@acme.example") == alice
    assert signs_in("bob@acme.example") == bob


@pytest.mark.parametrize("active", [True, False])
def test_staff_accounts_are_never_linked_renamed_or_revoked(fake_jira, db, active):
    staff = people.user("carol@globex.example", "carol@globex.example", PASSWORD, is_staff=True)
    change_user(fake_jira, "acc-carol", active=active)
    sync_jira()
    assert account("acc-carol") is None
    staff.refresh_from_db()
    assert staff.username == "carol@globex.example" and staff.is_staff and staff.is_active
    # A staff account linked to a customer (by hand, say) is not moved or revoked either.
    Customer.objects.filter(account_id="acc-carol").update(user=staff)
    change_user(fake_jira, "acc-carol", emailAddress="carol@new.example", active=False)
    sync_jira()
    staff.refresh_from_db()
    assert staff.username == "carol@globex.example"
    assert visible_keys(staff) == {"ITSD-1", "ITSD-2", "ITSD-3"}


def test_an_existing_account_of_a_revoked_customer_is_linked_and_sees_nothing(fake_jira, db):
    carol = people.user("carol@globex.example", "carol@globex.example", PASSWORD)
    change_user(fake_jira, "acc-carol", active=False)
    sync_jira()
    assert account("acc-carol") == carol
    assert visible_keys(carol) == set()


def test_a_customer_removed_from_every_organization_and_project(fake_jira, db):
    """JSM keeps the customer record and the account stays `active`: the account stays,
    organization-shared requests go at once, and the requests they raised or take part in
    stay visible, as on a JSM portal open to any customer (the API does not say whether a
    project is open; to shut someone out entirely, JSM revokes their portal access)."""
    sync_jira()
    alice = with_password("acc-alice")
    assert visible_keys(alice, scope=ORGANIZATION) == {"ITSD-1"}
    fake_jira.members["1"] = [u for u in fake_jira.members["1"] if u["accountId"] != "acc-alice"]
    for desk in fake_jira.customers:
        fake_jira.customers[desk] = [
            u for u in fake_jira.customers[desk] if u["accountId"] != "acc-alice"
        ]
    run = sync_jira()
    assert account("acc-alice").pk == alice.pk
    assert run.counts["accounts_created"] == 0
    assert visible_keys(alice, scope=ORGANIZATION) == set()
    assert visible_keys(alice) == {"ITSD-1"}
