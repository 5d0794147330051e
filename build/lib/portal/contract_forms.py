"""The Create contract / Edit contract form. It owns every check and its wording."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from jsm.models import JiraProject

from . import contract_sentences as sentences
from .models import MAX_DAYS, MAX_HOURS, Contract


class ContractForm(forms.ModelForm):
    # Our own field, not the model's: one clear sentence per problem, in a fixed order,
    # instead of Django's stack of min/max/digits messages.
    hours = forms.DecimalField(
        label="Hours",
        error_messages={"required": sentences.ENTER_HOURS, "invalid": sentences.HOURS_FORMAT},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text="Monthly: the hours of each calendar month. Fixed: of the whole period.",
    )

    class Meta:
        model = Contract
        fields = [
            "type",
            "start_date",
            "end_date",
            "hours",
            "description",
            "organization",
            "carry_over",
        ]
        widgets = {
            "type": forms.RadioSelect,
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.TextInput(attrs={"autocomplete": "off"}),
            "carry_over": forms.CheckboxInput(attrs={"data-carry-over": ""}),
        }
        labels = {"organization": "Organization (optional)"}
        help_texts = {
            "type": "Monthly: the hours renew every calendar month from the start to the end. "
            "Fixed: the hours cover the whole period.",
            "description": "Optional, for administrators: what the contract is about.",
            "organization": "Whole project: every request counts. An organization: the "
            "requests shared with it or raised by its members.",
            "carry_over": "Monthly contracts only: what a month does not use adds to the next.",
        }
        error_messages = {
            "type": {"required": sentences.CHOOSE_TYPE, "invalid_choice": sentences.CHOOSE_TYPE},
            "start_date": {"required": sentences.ENTER_START, "invalid": sentences.START_FORMAT},
            "end_date": {"required": sentences.ENTER_END, "invalid": sentences.END_FORMAT},
            "description": {"max_length": sentences.DESCRIPTION_TOO_LONG},
            "organization": {"invalid_choice": sentences.UNKNOWN_ORGANIZATION},
        }

    def __init__(self, *args, project: JiraProject, time_format: str = "decimal", **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.time_format = time_format
        organization = self.fields["organization"]
        organization.queryset = project.organizations.all()
        organization.empty_label = "Whole project"

    def clean_hours(self) -> Decimal:
        hours = self.cleaned_data["hours"]
        if hours <= 0:
            raise forms.ValidationError(sentences.HOURS_POSITIVE, code="min_value")
        if hours > MAX_HOURS:
            raise forms.ValidationError(sentences.HOURS_TOO_MANY, code="max_value")
        two_decimals = hours.quantize(Decimal("0.01"))
        if two_decimals != hours:  # 1.50 and 1.500 are fine, 1.505 is not
            raise forms.ValidationError(sentences.HOURS_DECIMALS, code="decimal_places")
        return two_decimals

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end:
            if end < start:
                self.add_error("end_date", sentences.END_BEFORE_START)
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end_date", sentences.TOO_LONG)
        if cleaned.get("type") != Contract.Type.MONTHLY:
            cleaned["carry_over"] = False  # meaningless for fixed contracts; never stored
        if not self.errors and "organization" in cleaned:
            candidate = Contract(
                project=self.instance.project,
                organization=cleaned["organization"],
                start_date=start,
                end_date=end,
                pk=self.instance.pk,
            )
            other = candidate.overlapping_contract()
            if other is not None:
                raise forms.ValidationError(
                    sentences.overlap(other, self.time_format), code="overlap"
                )
        return cleaned
