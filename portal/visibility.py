"""Who sees what (docs/product.md §5.3) — the one place that decides it.

The report page, its CSV, its chart and the request detail all start from
``requests_visible_to``; nothing else filters requests for customers. Which contract a
person sees (``contracts_visible_to``) and which requests are an organization's
(``organization_requests``, what its contract counts) are decided here too.

It sits at the bottom of the portal: it reads ``jsm``'s customers, organizations and requests
and imports no portal module (the settings and contracts it is handed are only annotated).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet

from jsm.models import Customer, JiraProject, Organization, Request

if TYPE_CHECKING:
    from .models import Contract, ReportSettings

MINE = "mine"
ORGANIZATION = "organization"
SCOPES = (MINE, ORGANIZATION)


def customer_of(user) -> Customer | None:
    """The JSM customer this account stands for, while JSM grants them the portal.

    None for an account linked to no customer, and for one whose customer JSM revoked
    (``active`` false since the last sync): every customer page and query starts here, so
    a revoked customer sees nothing, even in a session opened before the sync revoked them.
    """
    try:
        customer = user.jsm_customer
    except (Customer.DoesNotExist, AttributeError):  # AttributeError: an anonymous visitor
        return None
    return customer if customer.active else None


def access_revoked(user) -> bool:
    """True for a signed-in customer whose portal access JSM revoked (docs/product.md §1).

    Staff are never revoked, whatever customer record their account may be linked to.
    Pages answer such a person with ``accounts.sentences.ACCESS_REVOKED``, not with data.
    """
    if not user.is_authenticated or user.is_staff:
        return False
    try:
        return not user.jsm_customer.active
    except Customer.DoesNotExist:
        return False


def organization_scope_allowed(report_settings: ReportSettings) -> bool:
    """Whether the **Organization requests** scope exists on this project."""
    return report_settings.shares_with_organizations


def requests_visible_to(
    user, project: JiraProject, report_settings: ReportSettings, scope: str = MINE
) -> QuerySet[Request]:
    """The requests of ``project`` that ``user`` may see in ``scope``.

    ``mine``: requests they raised or take part in. ``organization``: requests shared with
    one of their organizations, only when the project allows it. Staff preview the whole
    project. Anyone else sees nothing: a stranger, an inactive account, a customer whose
    portal access JSM revoked.
    """
    requests = Request.objects.filter(project=project)
    if user.is_staff:
        return requests
    customer = customer_of(user)
    if customer is None or not user.is_active:
        return Request.objects.none()
    if scope == ORGANIZATION:
        if not organization_scope_allowed(report_settings):
            return Request.objects.none()
        # Their organizations are read first (a handful of ids): given the ids, the planner
        # knows how many requests each shares and joins them with the project's requests
        # by hash; through the membership join it guessed a few and looked up thousands
        # one by one (a third of the report's time at 500,000 worklogs, docs/product.md §8).
        organizations = list(customer.organizations.values_list("pk", flat=True))
        shared = Request.organizations.through.objects.filter(
            request=OuterRef("pk"), organization__in=organizations
        )
        return requests.filter(Exists(shared))
    participating = Request.participants.through.objects.filter(
        request=OuterRef("pk"), customer=customer
    )
    return requests.filter(Q(reporter=customer) | Exists(participating))


def projects_with_requests_visible_to(user, projects: list[JiraProject]) -> list[JiraProject]:
    """Those of ``projects`` (their ``report_settings`` selected) in which ``user`` sees at
    least one request, in any scope ``requests_visible_to`` allows there: one query, however
    many projects (the portal's home page lists them)."""
    if user.is_staff:
        return list(projects)
    customer = customer_of(user)
    if customer is None or not user.is_active or not projects:
        return []
    participating = Request.participants.through.objects.filter(
        request=OuterRef("pk"), customer=customer
    )
    condition = Q(reporter=customer) | Exists(participating)
    sharing = [p.pk for p in projects if organization_scope_allowed(p.report_settings)]
    if sharing:
        organizations = list(customer.organizations.values_list("pk", flat=True))
        shared = Request.organizations.through.objects.filter(
            request=OuterRef("pk"), organization__in=organizations
        )
        condition |= Q(project__in=sharing) & Exists(shared)
    visible = set(
        JiraProject.objects.filter(pk__in=[p.pk for p in projects])
        .filter(Exists(Request.objects.filter(condition, project=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    return [p for p in projects if p.pk in visible]


def requests_shared_with(organization_id: int) -> QuerySet[Request]:
    """The requests shared with an organization: what its members see in ``organization``
    scope when the project allows it."""
    return Request.objects.filter(organizations=organization_id)


def organization_requests(project_id: int, organization_id: int) -> QuerySet[Request]:
    """The requests of a project that are an organization's: shared with it, or raised by one
    of its members. An organization's contract counts the hours of these (docs/product.md §4.3);
    a member sees the second kind only as its reporter or a participant."""
    return Request.objects.filter(project_id=project_id).filter(
        Q(organizations=organization_id) | Q(reporter__organizations=organization_id)
    )


def contracts_visible_to(user, contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """The contracts of ``contracts`` whose terms and usage ``user`` may see: a customer the
    project-wide ones and their organizations'; staff preview the project-wide ones; anyone
    else (not a JSM customer, inactive, revoked) none."""
    if user.is_staff:
        return contracts.filter(organization__isnull=True)
    customer = customer_of(user)
    if customer is None or not user.is_active:
        return contracts.none()
    theirs = Organization.objects.filter(members=customer).values("pk")
    return contracts.filter(Q(organization__isnull=True) | Q(organization__in=theirs))


def organization_documents_visible_to(user, documents: QuerySet) -> QuerySet:
    """The documents of ``documents`` (a queryset of a model with an ``organization``, e.g.
    monthly statements) that ``user`` may see: a customer those of the organizations they
    belong to now; staff all of them; anyone else (not a JSM customer, inactive, revoked)
    none."""
    if user.is_staff:
        return documents
    customer = customer_of(user)
    if customer is None or not user.is_active:
        return documents.none()
    theirs = Organization.objects.filter(members=customer).values("pk")
    return documents.filter(organization__in=theirs)
