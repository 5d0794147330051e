"""Forms of the Manage Tempo integration tab. They own every local check and its wording."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from worklog_report.redaction import register_secret

from . import sentences

MAX_TOKEN_LENGTH = 512
MAX_CLIENT_CREDENTIAL_LENGTH = 255


def header_safe(value: str, max_length: int) -> bool:
    """Printable ASCII without spaces, 1 to ``max_length`` characters: what can travel in an
    Authorization header or a form body unchanged, so worth asking Tempo about."""
    return 0 < len(value) <= max_length and all(33 <= ord(c) <= 126 for c in value)


class TempoTokenForm(forms.Form):
    token = forms.CharField(
        label="Tempo API Token",
        # No max_length here: a long paste must get our sentence, not Django's.
        strip=True,
        required=True,
        error_messages={"required": sentences.ENTER_TOKEN},
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"},
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # CharField's null-character validator would answer in its own words; ours covers it.
        self.fields["token"].validators = []

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        register_secret(token)
        # Tempo tokens are printable ASCII without spaces; anything else cannot travel in
        # an Authorization header, so there is no point asking Tempo about it.
        if not header_safe(token, MAX_TOKEN_LENGTH):
            raise forms.ValidationError(sentences.NOT_A_TOKEN, code="malformed")
        return token

    def first_error(self) -> str:
        return next(iter(self.errors.get("token", [sentences.ENTER_TOKEN])))


class ExpiryForm(forms.Form):
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the expiry date as YYYY-MM-DD."},
    )

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(sentences.EXPIRY_IN_PAST, code="past")
        return value


class OAuthApplicationForm(forms.Form):
    """Connect with OAuth 2.0: the application the administrator registered in Tempo."""

    application_name = forms.CharField(
        label="Application name",
        max_length=100,
        initial="Worklog Report",
        strip=True,
        error_messages={
            "required": sentences.ENTER_APPLICATION_NAME,
            "max_length": sentences.APPLICATION_NAME_TOO_LONG,
        },
        help_text="As you named it in Tempo, to recognise it here.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    client_id = forms.CharField(
        label="Client id",
        strip=True,
        error_messages={"required": sentences.ENTER_CLIENT_ID},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_secret = forms.CharField(
        label="Client secret",
        strip=True,
        error_messages={"required": sentences.ENTER_CLIENT_SECRET},
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("client_id", "client_secret"):
            self.fields[name].validators = []

    def clean_client_id(self) -> str:
        value = self.cleaned_data["client_id"]
        if not header_safe(value, MAX_CLIENT_CREDENTIAL_LENGTH):
            raise forms.ValidationError(sentences.NOT_A_CLIENT_CREDENTIAL, code="malformed")
        return value

    def clean_client_secret(self) -> str:
        value = self.cleaned_data["client_secret"]
        register_secret(value)
        if not header_safe(value, MAX_CLIENT_CREDENTIAL_LENGTH):
            raise forms.ValidationError(sentences.NOT_A_CLIENT_CREDENTIAL, code="malformed")
        return value

    def first_error(self) -> str:
        for name in ("client_id", "client_secret", "application_name"):
            if name in self.errors:
                return self.errors[name][0]
        return sentences.ENTER_CLIENT_ID
