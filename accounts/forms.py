from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm


class SetPasswordRequestForm(PasswordResetForm):
    """ "First time here? Set your password": like Django's reset form, but it also reaches
    customers whose account was created by the sync and has no password yet."""

    def get_users(self, email):
        User = get_user_model()
        return User._default_manager.filter(email__iexact=email, is_active=True).exclude(email="")
