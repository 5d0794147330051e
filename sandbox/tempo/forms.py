"""Forms of the emulated API Integration settings page; they own every validation message."""

from __future__ import annotations

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
