"""Misbehaviour and bookkeeping shared by every emulated service.

Both live in the sandbox's database rather than in memory because the control endpoint, the
threaded server and the tests must agree on them, and SQL makes "take one use of a fault"
atomic without locks of our own.
"""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.db.models import F


class Service(models.TextChoices):
    TEMPO = "tempo", "Tempo"
    # Tempo's OAuth 2.0 token and revocation endpoints (/tempo/oauth/), counted and faulted
    # apart from its API (/tempo/4/).
    TEMPO_OAUTH = "tempo_oauth", "Tempo OAuth 2.0"
    JIRA = "jira", "Jira"


class FaultKind(models.TextChoices):
    RATE_LIMITED = "429", "429 Too Many Requests"
    SERVER_ERROR = "500", "500 Internal Server Error"
    UNAVAILABLE = "503", "503 Service Unavailable"
    SLOW = "slow", "Slow answer"
    HTML = "html", "200 with an HTML body"
    TRUNCATED = "truncated", "200 with a cut-off JSON body"
    DROP = "drop", "Connection closed without an answer"
    DRIP = "drip", "200 whose body arrives a byte at a time"


class Fault(models.Model):
    """A misbehaviour queued for the next `remaining` API calls to one service."""

    service = models.CharField(max_length=16, choices=Service.choices)
    kind = models.CharField(max_length=16, choices=FaultKind.choices)
    remaining = models.PositiveIntegerField()
    retry_after = models.PositiveIntegerField(null=True, blank=True)
    delay = models.FloatField(default=0.0)

    class Meta:
        indexes = [models.Index(fields=["service", "remaining"])]

    def __str__(self) -> str:
        return f"{self.service} {self.kind} ×{self.remaining}"

    @classmethod
    def take(cls, service: str) -> Fault | None:
        """Consume one use of the oldest pending fault of `service`, or return None.

        Concurrent requests race on a conditional UPDATE: only as many of them win as the
        fault has uses left, so a fault with count N misbehaves exactly N times.
        """
        while True:
            fault = cls.objects.filter(service=service, remaining__gt=0).order_by("id").first()
            if fault is None:
                return None
            won = cls.objects.filter(pk=fault.pk, remaining__gt=0).update(
                remaining=F("remaining") - 1
            )
            if won:
                cls.objects.filter(pk=fault.pk, remaining=0).delete()
                return fault


class RequestCounter(models.Model):
    """How many API calls a service has received since the last reset (tests count these)."""

    service = models.CharField(max_length=16, choices=Service.choices, primary_key=True)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.service}: {self.count}"

    @classmethod
    def increment(cls, service: str) -> None:
        if cls.objects.filter(service=service).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                cls.objects.create(service=service, count=1)
        except IntegrityError:
            # Another thread created the row first: count on top of it.
            cls.objects.filter(service=service).update(count=F("count") + 1)

    @classmethod
    def value(cls, service: str) -> int:
        return cls.objects.filter(service=service).values_list("count", flat=True).first() or 0

    @classmethod
    def reset(cls) -> None:
        cls.objects.update(count=0)


class IdSequence(models.Model):
    """The last id handed out for one kind of object, so a deleted id is never reused.

    Jira and Tempo never give a new object the id of a deleted one; a sync test that deletes
    a request and creates another must see two ids, not one that "changed". The database's
    own counters cannot promise that (SQLite reuses the highest id after it is deleted).
    """

    name = models.CharField(max_length=64, primary_key=True)
    last = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}: {self.last}"

    @classmethod
    def take(cls, name: str, floor: int = 0) -> int:
        """The next id of `name`: one more than the last one, and more than `floor`.

        `floor` is the highest id in use, which starts a sequence that was never restarted.
        """
        with transaction.atomic():
            sequence, _ = cls.objects.select_for_update().get_or_create(
                name=name, defaults={"last": floor}
            )
            sequence.last = max(sequence.last, floor) + 1
            sequence.save(update_fields=["last"])
            return sequence.last

    @classmethod
    def next_pk(cls, model: type[models.Model]) -> int:
        """A fresh primary key for a new `model` row."""
        highest = model.objects.aggregate(highest=models.Max("pk"))["highest"] or 0
        return cls.take(cls.name_of(model), highest)

    @staticmethod
    def name_of(model: type[models.Model]) -> str:
        """The sequence of a model's primary keys."""
        return model._meta.label_lower

    @classmethod
    def restart(cls, lasts: dict[str, int]) -> None:
        """Start every sequence afresh from `lasts` (a reseed: the ids of the new data)."""
        cls.objects.all().delete()
        cls.objects.bulk_create(cls(name=name, last=last) for name, last in lasts.items())


class Behaviour(models.TextChoices):
    """Documented behaviours of the real services that the sandbox shows only when asked
    (docs/outside-apis.md §6), each aimed at one object."""

    SEARCH_OMITS_ISSUE = (
        "search_omits_issue",
        "Jira's search/jql leaves the issue out (eventually consistent, JRACLOUD-96208)",
    )
    JIRA_PROJECT_FORBIDDEN = (
        "jira_project_forbidden",
        "JSM answers 403 for the service desk: the API account lost access to it",
    )
    TEMPO_PROJECT_NOT_FOUND = (
        "tempo_project_not_found",
        "Tempo answers 404 for the project until it catches up with its permissions",
    )
    TEMPO_NO_VIEW_ALL_WORKLOGS = (
        "tempo_no_view_all_worklogs",
        "The token's owner lacks View All Worklogs on the project: Tempo lists none of its "
        "worklogs, and its project route answers 404",
    )


class Quirk(models.Model):
    """One documented behaviour switched on for one object (an issue id, a project id).

    ``remaining`` counts the calls it still affects; None keeps it on until it is switched off
    through the control endpoint.
    """

    behaviour = models.CharField(max_length=40, choices=Behaviour.choices)
    target = models.CharField(max_length=64)
    remaining = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["behaviour", "target"])]

    def __str__(self) -> str:
        return (
            f"{self.behaviour} {self.target} ×{'∞' if self.remaining is None else self.remaining}"
        )

    @classmethod
    def active_targets(cls, behaviour: str) -> set[str]:
        """The targets for which `behaviour` is on, without using any of it up."""
        return set(
            cls.objects.filter(behaviour=behaviour)
            .exclude(remaining=0)
            .values_list("target", flat=True)
        )

    @classmethod
    def take(cls, behaviour: str, target: str) -> bool:
        """Use one call of `behaviour` on `target`: True when it applies to this call.

        Like ``Fault.take``, a conditional UPDATE lets exactly `remaining` calls win.
        """
        for quirk in cls.objects.filter(behaviour=behaviour, target=target).order_by("id"):
            if quirk.remaining is None:
                return True
            won = cls.objects.filter(pk=quirk.pk, remaining__gt=0).update(
                remaining=F("remaining") - 1
            )
            if won:
                cls.objects.filter(pk=quirk.pk, remaining=0).delete()
                return True
        return False
