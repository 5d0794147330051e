from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError

from . import sentences
from .signals import sign_in_refused


class SignInForm(AuthenticationForm):
    """Django's sign-in form, which also refuses a customer whose portal access JSM revoked
    (the portal says who is, answering ``accounts.signals.sign_in_refused``).

    Django asks ``confirm_login_allowed`` only once the password is right, so the sentence
    tells nobody else who is a customer; a refusal is not a failed sign-in (no lockout).
    ``refusal`` holds the sentence for the template, which words other errors itself.
    """

    error_messages = {**AuthenticationForm.error_messages, "revoked": sentences.ACCESS_REVOKED}
    refusal = ""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if any(refused for _, refused in sign_in_refused.send(sender=SignInForm, user=user)):
            self.refusal = self.error_messages["revoked"]
            raise ValidationError(self.refusal, code="revoked")


class SetPasswordRequestForm(PasswordResetForm):
    """ "First time here? Set your password": like Django's reset form, but it also reaches
    customers whose account was created by the sync and has no password yet. A customer
    whose portal access JSM revoked is sent nothing (the page answers the same)."""

    def get_users(self, email):
        User = get_user_model()
        return (
            User._default_manager.filter(email__iexact=email, is_active=True)
            .exclude(email="")
            .exclude(is_staff=False, jsm_customer__active=False)
        )


class ChoosePasswordForm(SetPasswordForm):
    """Django's set-password form with each error beside the field that caused it: what the
    validators say about the password under the password (Django puts it under the
    confirmation), a mismatch under the confirmation."""

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        # SetPasswordForm.clean would validate again, against the confirmation.
        return super(SetPasswordForm, self).clean()
