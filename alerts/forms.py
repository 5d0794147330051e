"""The alert settings of a contract. It owns every check and its wording."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from . import sentences
from .levels import format_levels, parse_levels
from .models import AlertSettings


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name() or user.get_username()
        return f"{name} ({user.email})" if user.email else f"{name} (no e-mail address)"


class AlertSettingsForm(forms.ModelForm):
    levels = forms.CharField(
        label="Alert levels (%)",
        max_length=200,
        error_messages={"required": sentences.ENTER_LEVELS},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="Percents of the window's hours, separated by commas, e.g. 80, 100. Each "
        "level is e-mailed once per month (monthly contracts) or once per contract (fixed).",
    )
    staff = StaffChoiceField(
        label="Staff recipients",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Staff members told when a level is reached.",
    )

    class Meta:
        model = AlertSettings
        fields = ["levels", "staff", "email_customers"]
        help_texts = {
            "email_customers": "Every member of the organization with an e-mail address, as "
            "the organization stands in Jira when the alert is sent.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["levels"] = format_levels(self.instance.levels)
        self.fields["staff"].queryset = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        )
        if not self.instance.contract.organization_id:
            del self.fields["email_customers"]

    def clean_levels(self) -> list[int]:
        return parse_levels(self.cleaned_data["levels"])

    def clean_staff(self):
        staff = self.cleaned_data["staff"]
        errors = [forms.ValidationError(sentences.no_email(u)) for u in staff if not u.email]
        if errors:
            raise forms.ValidationError(errors)
        return staff
