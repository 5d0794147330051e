from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse_lazy

from .forms import SetPasswordRequestForm


@login_required
def home(request):
    """Where sign-in lands: staff on the configuration, customers on the portal."""
    return redirect("configuration" if request.user.is_staff else "portal:home")


class SetPasswordRequestView(auth_views.PasswordResetView):
    form_class = SetPasswordRequestForm
    template_name = "registration/set_password_request.html"
    email_template_name = "registration/set_password_email.txt"
    subject_template_name = "registration/set_password_subject.txt"
    success_url = reverse_lazy("password_reset_done")
