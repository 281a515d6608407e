from __future__ import annotations

from typing import Any

from django import forms

from tandem.core.forms import ShownFieldsOnly
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Objective, Organization, Program


class DateInput(forms.DateInput):
    input_type = "date"


class OrganizationForm(forms.ModelForm[Organization]):
    class Meta:
        model = Organization
        fields = ["name", "slug", "description"]
        labels = {"slug": "Web address"}
        help_texts = {"slug": "Letters, numbers and hyphens; appears in links: /o/<address>/"}


class ProgramForm(ShownFieldsOnly, forms.ModelForm[Program]):
    """A program's settings; a field the page did not show keeps its value."""

    match_confirmation_days = forms.IntegerField(
        label="Days to confirm a new match",
        required=False,
        min_value=0,
        max_value=30,
        initial=0,
        help_text="0 starts new matches at once. Otherwise both sides confirm (or decline with "
        "a reason) within this many days.",
    )

    class Meta:
        model = Program
        fields = [
            "name",
            "description",
            "program_type",
            "starts_on",
            "ends_on",
            "meeting_cadence",
            "matching_mode",
            "max_choices",
            "match_confirmation_days",
            "early_publishing",
            "enrolment_access",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "ends_on": "Best practice is a program of 3 to 6 months.",
            "program_type": (
                "One-to-one: a mentor and a mentee. Group: a mentor with several mentees. "
                "Reverse: junior staff mentor senior staff. Peer: colleagues at the same level."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Optional: a form (or a client) that does not send it keeps the program's setting.
        self.fields["match_confirmation_days"].required = False

    def clean_match_confirmation_days(self) -> int:
        days = self.cleaned_data.get("match_confirmation_days")
        if days is None:
            return self.instance.match_confirmation_days if self.instance.pk else 0
        return int(days)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on <= starts_on:
            self.add_error("ends_on", "The end date must be after the start date.")
        return cleaned


class ObjectiveForm(forms.ModelForm[Objective]):
    class Meta:
        model = Objective
        fields = ["statement", "metric", "baseline_value", "target_value", "unit", "deadline"]
        widgets = {"deadline": DateInput()}
        labels = {"baseline_value": "Baseline (today)", "target_value": "Target"}


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ProgramStatus.choices)


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MENTEE)
    message = forms.CharField(
        label="Personal message (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class MemberFilterForm(forms.Form):
    role = forms.ChoiceField(choices=[("", "All roles"), *Role.choices], required=False)
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *MembershipStatus.choices], required=False
    )
    q = forms.CharField(label="Search", required=False, max_length=100)


class MembershipChangeForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    status = forms.ChoiceField(choices=MembershipStatus.choices)
