"""Tempo › Settings › API Integration, as the sandbox emulates it.

No sign-in: the emulator only listens on loopback. Every change is a POST followed by a
redirect. A new or regenerated token value travels from that POST to the page that shows
it through the session (kept in process memory, see settings), and is removed from the
session by the first page view: the value is shown exactly once.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from sandbox.tempo import texts
from sandbox.tempo.forms import NewTokenForm, TokenNameForm
from sandbox.tempo.models import Token, TokenError

REVEAL_SESSION_KEY = "sandbox_tempo_reveal"


@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, "sandbox/tempo/token_list.html", {"tokens": Token.objects.all()})


@require_http_methods(["GET", "POST"])
def token_new(request: HttpRequest) -> HttpResponse:
    form = NewTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, value = Token.issue(
            name=form.cleaned_data["name"],
            full_access=form.full_access,
            scopes=form.grant(),
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
        messages.success(request, texts.TOKEN_CREATED.format(name=token.name))
        return _reveal(request, token, value)
    return render(request, "sandbox/tempo/token_new.html", {"form": form})


@never_cache
@require_GET
def token_value(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(Token, pk=token_id)
    revealed = request.session.get(REVEAL_SESSION_KEY)
    if not revealed or revealed["token_id"] != token.pk:
        messages.info(request, texts.VALUE_GONE)
        return redirect("sandbox_tempo:token_list")
    del request.session[REVEAL_SESSION_KEY]
    return render(
        request,
        "sandbox/tempo/token_value.html",
        {"token": token, "value": revealed["value"], "warning": texts.SHOWN_ONCE_WARNING},
    )


@require_http_methods(["GET", "POST"])
def token_edit(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(Token, pk=token_id)
    form = TokenNameForm(request.POST or None, initial={"name": token.name})
    if request.method == "POST" and form.is_valid():
        token.name = form.cleaned_data["name"]
        token.save(update_fields=["name"])
        messages.success(request, texts.TOKEN_RENAMED.format(name=token.name))
        return redirect("sandbox_tempo:token_list")
    return render(request, "sandbox/tempo/token_edit.html", {"form": form, "token": token})


@require_http_methods(["GET", "POST"])
def token_regenerate(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(Token, pk=token_id)
    if request.method == "POST":
        try:
            value = token.regenerate()
        except TokenError as error:
            messages.error(request, str(error))
            return redirect("sandbox_tempo:token_list")
        messages.success(request, texts.TOKEN_REGENERATED.format(name=token.name))
        return _reveal(request, token, value)
    if token.is_expired:
        messages.error(request, texts.REGENERATE_EXPIRED)
        return redirect("sandbox_tempo:token_list")
    return render(request, "sandbox/tempo/token_regenerate.html", {"token": token})


@require_http_methods(["GET", "POST"])
def token_delete(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(Token, pk=token_id)
    if request.method == "POST":
        token.delete()
        messages.success(request, texts.TOKEN_DELETED.format(name=token.name))
        return redirect("sandbox_tempo:token_list")
    return render(request, "sandbox/tempo/token_delete.html", {"token": token})


def _reveal(request: HttpRequest, token: Token, value: str) -> HttpResponse:
    request.session[REVEAL_SESSION_KEY] = {"token_id": token.pk, "value": value}
    return redirect("sandbox_tempo:token_value", token_id=token.pk)
