from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from .forms import SetPasswordRequestForm
from .security import client_ip, normalise_username, within_limit
from .tasks import send_set_password_link

SET_PASSWORD_LIMITED = (
    "Too many requests for a set-password link. Nothing was sent; please wait an hour and "
    "try again, or ask your service provider for help."
)


@login_required
def home(request):
    """Where sign-in lands: staff on the configuration, customers on the portal."""
    return redirect("configuration" if request.user.is_staff else "portal:home")


def lockout_sentence() -> str:
    cool_off = settings.AXES_COOLOFF_TIME
    if cool_off is None:
        return (
            "Too many failed sign-ins with this username. Signing in with it from your "
            "network is locked until your administrator unlocks it."
        )
    minutes = max(1, round(cool_off.total_seconds() / 60))
    return (
        "Too many failed sign-ins with this username. For your security, signing in with it "
        f"from your network is paused for {minutes} minutes. Try again later, or ask your "
        "administrator to unlock it."
    )


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying why it refuses (429)."""
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "locked_out": lockout_sentence(),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class SetPasswordRequestView(auth_views.PasswordResetView):
    """Django's reset view with two changes against abuse: limits per address and per client
    address, and the mail handed to the task worker (the page answers the same, equally fast,
    whether or not the address belongs to someone)."""

    form_class = SetPasswordRequestForm
    template_name = "registration/set_password_request.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = normalise_username(form.cleaned_data["email"])
        # Both counters move on every request, known address or not, so being limited
        # says nothing about who is a customer.
        address_ok = within_limit(
            "set-password-address", email, settings.SET_PASSWORD_LIMIT_PER_ADDRESS
        )
        ip_ok = within_limit(
            "set-password-ip",
            client_ip(self.request) or "unknown",
            settings.SET_PASSWORD_LIMIT_PER_IP,
        )
        if not (address_ok and ip_ok):
            form.add_error(None, SET_PASSWORD_LIMITED)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        send_set_password_link.enqueue(
            email=form.cleaned_data["email"],
            domain=self.request.get_host(),
            use_https=self.request.is_secure(),
        )
        return HttpResponseRedirect(self.get_success_url())
