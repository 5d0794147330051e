"""Tempo › Settings › OAuth 2.0 Applications, as the sandbox emulates it (docs/outside-apis.md §2).

No sign-in, like the API Integration page: the emulator only listens on loopback. Every change
is a POST followed by a redirect. The credentials page shows the client id and secret
whenever asked, as Tempo's does.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from sandbox.tempo import texts
from sandbox.tempo.forms import OAuthApplicationEditForm, OAuthApplicationForm
from sandbox.tempo.models import OAuthApplication


@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sandbox/tempo/oauth_list.html",
        {"applications": OAuthApplication.objects.all()},
    )


@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest) -> HttpResponse:
    form = OAuthApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        application = OAuthApplication.objects.create(
            name=form.cleaned_data["name"],
            redirect_uris=form.cleaned_data["redirect_uris"],
            client_type=form.cleaned_data["client_type"],
        )
        messages.success(request, texts.APP_CREATED.format(name=application.name))
        return redirect("sandbox_tempo:oauth_application", application_id=application.pk)
    return render(request, "sandbox/tempo/oauth_form.html", {"form": form, "application": None})


@never_cache
@require_GET
def application_credentials(request: HttpRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(OAuthApplication, pk=application_id)
    return render(request, "sandbox/tempo/oauth_credentials.html", {"application": application})


@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(OAuthApplication, pk=application_id)
    form = OAuthApplicationEditForm(
        request.POST or None,
        initial={
            "name": application.name,
            "redirect_uris": application.redirect_uris_text,
            "client_type": application.client_type,
        },
    )
    if request.method == "POST" and form.is_valid():
        application.name = form.cleaned_data["name"]
        application.redirect_uris = form.cleaned_data["redirect_uris"]
        application.client_type = form.cleaned_data["client_type"]
        application.save(update_fields=["name", "redirect_uris", "client_type"])
        if form.cleaned_data["new_secret"]:
            application.new_secret()
            messages.success(request, texts.APP_SECRET_RENEWED.format(name=application.name))
        else:
            messages.success(request, texts.APP_UPDATED.format(name=application.name))
        return redirect("sandbox_tempo:oauth_application", application_id=application.pk)
    return render(
        request, "sandbox/tempo/oauth_form.html", {"form": form, "application": application}
    )


@require_http_methods(["GET", "POST"])
def application_delete(request: HttpRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(OAuthApplication, pk=application_id)
    if request.method == "POST":
        with transaction.atomic():
            application.delete()  # its codes and tokens go with it
        messages.success(request, texts.APP_DELETED.format(name=application.name))
        return redirect("sandbox_tempo:oauth_list")
    return render(request, "sandbox/tempo/oauth_delete.html", {"application": application})
