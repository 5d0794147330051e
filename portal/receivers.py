"""The portal listens to the data's changes (``portal.usage_cache``'s key) without the sync
knowing it: a sync round (``sync_finished``), a webhook's targeted sync (``data_changed``),
and a worklog, request, customer or organization saved one at a time through the ORM (the
syncs write in bulk and announce it with the signals above; these catch the rest, an admin's
fix or a test's factory), or a customer or organization deleted. Each is one UPDATE of one
row.

Deletions of worklogs and requests are not watched: a delete receiver makes Django load and
signal every row a delete removes (no fast delete), and a sync removes thousands at a time —
and announces its round anyway. Their other deleters announce too: the drain of webhook
changes (``data_changed``), the sync's removals (``sync_finished``)."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from jsm.models import Customer, JiraWorklog, Organization, Request
from sync.signals import data_changed, sync_finished
from tempo_integration.models import Worklog

from .models import DataVersion

WATCHED = (Worklog, JiraWorklog, Request, Customer, Organization)
# Deleted one at a time, and never in bulk by a sync (see the docstring).
WATCHED_DELETIONS = (Customer, Organization)
WATCHED_LINKS = (
    Request.organizations.through,
    Request.participants.through,
    Organization.members.through,
)


def data_may_have_changed(sender=None, **kwargs) -> None:
    DataVersion.bump()


def connect() -> None:
    sync_finished.connect(data_may_have_changed, dispatch_uid="portal.data_version.sync")
    data_changed.connect(data_may_have_changed, dispatch_uid="portal.data_version.changed")
    for model in WATCHED:
        post_save.connect(
            data_may_have_changed, sender=model, dispatch_uid=f"portal.data_version.save.{model}"
        )
    for model in WATCHED_DELETIONS:
        post_delete.connect(
            data_may_have_changed, sender=model, dispatch_uid=f"portal.data_version.delete.{model}"
        )
    for through in WATCHED_LINKS:
        m2m_changed.connect(
            data_may_have_changed,
            sender=through,
            dispatch_uid=f"portal.data_version.m2m.{through._meta.db_table}",
        )
