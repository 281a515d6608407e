from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from tandem.programs.enums import MembershipStatus, Role

APPLY_ROLES = [
    (Role.MENTEE.value, "Mentee — I want to learn and grow"),
    (Role.MENTOR.value, "Mentor — I want to help someone grow"),
]
DECISION_CHOICES = [
    (MembershipStatus.APPROVED.value, "Approve"),
    (MembershipStatus.WAITLISTED.value, "Waiting list"),
    (MembershipStatus.DECLINED.value, "Decline"),
]


class ApplicationForm(forms.Form):
    role = forms.ChoiceField(
        label="I would like to take part as", choices=APPLY_ROLES, widget=forms.RadioSelect
    )
    motivation = forms.CharField(
        label="Why do you want to take part?",
        help_text="A few sentences for the coordinators: what you hope to give or get.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=3000,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISION_CHOICES)
    message = forms.CharField(
        label="Message to the applicant (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkApproveForm(forms.Form):
    selected = forms.TypedMultipleChoiceField(coerce=int, choices=[], label="Applications")
    message = forms.CharField(
        label="Message to everyone approved (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, membership_ids: list[int]) -> None:
        super().__init__(data)
        selected = self.fields["selected"]
        assert isinstance(selected, forms.TypedMultipleChoiceField)
        selected.choices = [(pk, str(pk)) for pk in membership_ids]


class BulkInvitationForm(forms.Form):
    addresses = forms.CharField(
        label="E-mail addresses",
        help_text=(
            "One per line, or several on a line separated by commas. To give someone another "
            "role than the one below, write “email, role” on its own line "
            "(e.g. ana@example.org, mentor)."
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=200_000,
    )
    role = forms.ChoiceField(
        label="Role for addresses without one", choices=Role.choices, initial=Role.MENTEE
    )
    message = forms.CharField(
        label="Personal message (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
