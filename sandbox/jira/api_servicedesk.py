"""The emulated JSM REST API routes under /rest/servicedeskapi/ (docs/outside-apis.md §3).

All pages use JSM paging and all errors JSM's body. The customer list is experimental in
JSM and needs `X-ExperimentalApi: opt-in`: without it the sandbox answers 400 (assumed;
the request is malformed rather than forbidden, so a client cannot mistake it for missing
permission).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from sandbox.jira.auth import jira_api
from sandbox.jira.errors import SERVICE_DESK, JiraError, error_response
from sandbox.jira.models import Issue, Organization, Project, as_id, service_desk_issues
from sandbox.jira.paging import jsm_page
from sandbox.jira.serializers import Serializer
from sandbox.models import Behaviour, Quirk

OPT_IN_HEADER = "X-ExperimentalApi"
OPT_IN_VALUE = "opt-in"
OPT_IN_REQUIRED = (
    "This is an experimental API. To use it, set the request header 'X-ExperimentalApi: opt-in'."
)


@require_GET
@jira_api(SERVICE_DESK)
def service_desks(request: HttpRequest) -> HttpResponse:
    """Service desks only: a software project is never listed here."""
    serializer = Serializer(request)
    desks = Project.objects.service_desks().order_by("service_desk_id")
    return JsonResponse(jsm_page(request, desks, serializer.service_desk, serializer.base))


@require_GET
@jira_api(SERVICE_DESK)
def service_desk(request: HttpRequest, desk_ref: str) -> HttpResponse:
    """`GET /rest/servicedeskapi/servicedesk/{serviceDeskId}` (operation
    `getServiceDeskById`, `ServiceDeskDTO`): the `_links.self` of every listed desk."""
    return JsonResponse(Serializer(request).service_desk(_service_desk(desk_ref)))


@require_GET
@jira_api(SERVICE_DESK)
def service_desk_organizations(request: HttpRequest, desk_ref: str) -> HttpResponse:
    """The organizations linked to the desk (operation `getOrganizations` of the servicedesk
    resource); with `accountId`, only those of them that user belongs to."""
    desk = _service_desk(desk_ref)
    serializer = Serializer(request)
    organizations = desk.organizations.order_by("id")
    account_id = request.GET.get("accountId")
    if account_id:
        organizations = organizations.filter(members__account_id=account_id)
    return JsonResponse(
        jsm_page(request, organizations, serializer.jsm_organization, serializer.base)
    )


@require_GET
@jira_api(SERVICE_DESK)
def organizations(request: HttpRequest) -> HttpResponse:
    """Every organization, or with `accountId` those that user belongs to."""
    found = Organization.objects.order_by("id")
    account_id = request.GET.get("accountId")
    if account_id:
        found = found.filter(members__account_id=account_id)
    serializer = Serializer(request)
    return JsonResponse(jsm_page(request, found, serializer.jsm_organization, serializer.base))


@require_GET
@jira_api(SERVICE_DESK)
def organization(request: HttpRequest, organization_id: str) -> HttpResponse:
    """`GET /rest/servicedeskapi/organization/{organizationId}` (operation `getOrganization`,
    `OrganizationDTO`): the `_links.self` of every organization."""
    return JsonResponse(Serializer(request).jsm_organization(_organization(organization_id)))


@require_GET
@jira_api(SERVICE_DESK)
def organization_users(request: HttpRequest, organization_id: str) -> HttpResponse:
    organization = _organization(organization_id)
    serializer = Serializer(request)
    members = organization.members.order_by("account_id")
    return JsonResponse(jsm_page(request, members, serializer.jsm_user, serializer.base))


@require_GET
@jira_api(SERVICE_DESK)
def customers(request: HttpRequest, desk_ref: str) -> HttpResponse:
    """The desk's customers; `query` matches display name or e-mail, any case."""
    if request.headers.get(OPT_IN_HEADER, "").strip().lower() != OPT_IN_VALUE:
        raise JiraError(400, OPT_IN_REQUIRED, i18n_key="sd.api.experimental.optin.required")
    desk = _service_desk(desk_ref)
    found = desk.customers.order_by("account_id")
    text = request.GET.get("query", "").strip()
    if text:
        found = found.filter(Q(display_name__icontains=text) | Q(email__icontains=text))
    serializer = Serializer(request)
    return JsonResponse(jsm_page(request, found, serializer.jsm_user, serializer.base))


@require_GET
@jira_api(SERVICE_DESK)
def customer_request(request: HttpRequest, request_ref: str) -> HttpResponse:
    """`GET /rest/servicedeskapi/request/{issueIdOrKey}` (operation
    `getCustomerRequestByIdOrKey`, `CustomerRequestDTO`): a service desk issue, the
    `_links.self` of every request; 404 for any other issue, as JSM answers."""
    return JsonResponse(Serializer(request).customer_request(_request(request_ref)))


@require_GET
@jira_api(SERVICE_DESK)
def participants(request: HttpRequest, request_ref: str) -> HttpResponse:
    issue = _request(request_ref)
    serializer = Serializer(request)
    users = issue.participants.order_by("account_id")
    return JsonResponse(jsm_page(request, users, serializer.jsm_user, serializer.base))


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """Unknown JSM routes answer in JSM's JSON error body."""
    error = JiraError(404, "Not found.", i18n_key="sd.error.not.found")
    return error_response(error, SERVICE_DESK)


def _organization(ref: str) -> Organization:
    number = as_id(ref)
    found = None if number is None else Organization.objects.filter(pk=number).first()
    if found is None:
        raise JiraError(
            404,
            f"The organization with ID {ref} does not exist.",
            i18n_key="sd.organization.error.not.found",
        )
    return found


def _request(ref: str) -> Issue:
    """A JSM request (an issue of a service desk) by id or key, else JSM's 404."""
    found = service_desk_issues().select_related("project", "reporter").by_ref(ref)
    if found is None:
        raise JiraError(
            404,
            f"The request '{ref}' does not exist or you cannot see it.",
            i18n_key="sd.request.error.not.found",
        )
    return found


def _service_desk(ref: str) -> Project:
    desk = Project.objects.service_desk(ref)
    if desk is None:
        raise JiraError(
            404,
            f"The service desk '{ref}' does not exist or you cannot see it.",
            i18n_key="sd.servicedesk.error.not.found",
        )
    # The API account was taken out of this service desk's agents: JSM refuses its routes
    # (the wording is assumed; the status and body shape are JSM's, docs/outside-apis.md §3).
    if Quirk.take(Behaviour.JIRA_PROJECT_FORBIDDEN, str(desk.pk)):
        raise JiraError(
            403,
            "You do not have permission to perform this action.",
            i18n_key="sd.permission.denied",
        )
    return desk
