"""Forms of the emulated API Integration settings page; they own every validation message."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms

from sandbox.scopes import (
    DEFAULT_EXPIRY_DAYS,
    LEVEL_LABELS,
    LEVELS,
    MAX_EXPIRY_DAYS,
    MIN_EXPIRY_DAYS,
    SCOPES,
)
from sandbox.tempo import texts
from sandbox.tempo.models import OAuthClientType

FULL = "full"
CUSTOM = "custom"
NONE = "none"
SCOPE_FIELD_PREFIX = "scope_"


class TokenNameForm(forms.Form):
    name = forms.CharField(
        max_length=255,
        error_messages={"required": texts.NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


class NewTokenForm(TokenNameForm):
    """Tempo's New Token form: name, expiry, and Full access or a level per scope."""

    expires_in_days = forms.IntegerField(
        label="Expiry (days)",
        initial=DEFAULT_EXPIRY_DAYS,
        min_value=MIN_EXPIRY_DAYS,
        max_value=MAX_EXPIRY_DAYS,
        error_messages={
            "required": texts.EXPIRY_REQUIRED,
            "invalid": texts.EXPIRY_NOT_A_NUMBER,
            "min_value": texts.EXPIRY_OUT_OF_RANGE,
            "max_value": texts.EXPIRY_OUT_OF_RANGE,
        },
        help_text=(
            f"Default {DEFAULT_EXPIRY_DAYS} days, from {MIN_EXPIRY_DAYS} up to {MAX_EXPIRY_DAYS}."
        ),
    )
    access_type = forms.ChoiceField(
        label="Access",
        choices=[(FULL, "Full access"), (CUSTOM, "Custom access")],
        initial=FULL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        level_choices = [(NONE, "None")] + [(level, LEVEL_LABELS[level]) for level in LEVELS]
        for scope in SCOPES.values():
            self.fields[SCOPE_FIELD_PREFIX + scope.name] = forms.ChoiceField(
                label=scope.label,
                choices=level_choices,
                initial=NONE,
                required=False,
                widget=forms.RadioSelect,
                help_text=", ".join(scope.areas),
            )

    def scope_fields(self) -> list[forms.BoundField]:
        """The per-scope radio groups, in Tempo's order, for the template's table."""
        return [self[SCOPE_FIELD_PREFIX + scope.name] for scope in SCOPES.values()]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("access_type") == CUSTOM and not self.grant():
            raise forms.ValidationError(texts.NO_SCOPE_CHOSEN)
        return cleaned

    @property
    def full_access(self) -> bool:
        return self.cleaned_data.get("access_type") == FULL

    def grant(self) -> dict[str, str]:
        """The custom grant: {scope: level} for every scope not left at None."""
        grant: dict[str, str] = {}
        for scope in SCOPES.values():
            level = self.cleaned_data.get(SCOPE_FIELD_PREFIX + scope.name) or NONE
            if level != NONE:
                grant[scope.name] = level
        return grant


class OAuthApplicationForm(forms.Form):
    """Tempo's OAuth 2.0 application: name, redirect URLs (one per line), client type."""

    name = forms.CharField(
        max_length=255,
        error_messages={"required": texts.APP_NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    redirect_uris = forms.CharField(
        label="Redirect URLs",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": texts.REDIRECT_URLS_REQUIRED},
        help_text="One per line; absolute http or https URLs.",
    )
    client_type = forms.ChoiceField(
        label="Client type",
        choices=OAuthClientType.choices,
        initial=OAuthClientType.CONFIDENTIAL,
        widget=forms.RadioSelect,
        error_messages={
            "required": texts.CLIENT_TYPE_REQUIRED,
            "invalid_choice": texts.CLIENT_TYPE_REQUIRED,
        },
    )

    def clean_redirect_uris(self) -> list[str]:
        urls = [line.strip() for line in self.cleaned_data["redirect_uris"].splitlines()]
        urls = list(dict.fromkeys(url for url in urls if url))
        if not urls:
            raise forms.ValidationError(texts.REDIRECT_URLS_REQUIRED)
        errors = [
            forms.ValidationError(texts.REDIRECT_URL_INVALID.format(url=url))
            for url in urls
            if not is_redirect_url(url)
        ]
        if errors:
            raise forms.ValidationError(errors)
        return urls


class OAuthApplicationEditForm(OAuthApplicationForm):
    new_secret = forms.BooleanField(
        label="Generate a new client secret",
        required=False,
        help_text="The current secret stops working for token, refresh and revoke calls.",
    )


def is_redirect_url(url: str) -> bool:
    """An absolute http(s) URL with a host and no fragment (RFC 6749 §3.1.2)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.fragment
        and not any(char.isspace() for char in url)
    )
