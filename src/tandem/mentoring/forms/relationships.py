"""Forms for ending a relationship, pairing by hand, filtering, and groups."""

from __future__ import annotations

from django import forms

from tandem.mentoring.enums import EndReason, RelationshipStatus
from tandem.mentoring.services.groups import GROUP_DESCRIPTION_MAX
from tandem.programs.enums import MeetingCadence


class EndRelationshipForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is it ending?",
        choices=EndReason.choices,
        widget=forms.RadioSelect,
        help_text="Ending early is normal: nobody is blamed.",
    )
    note = forms.CharField(
        label="Anything the coordinators should know (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the program's coordinators read this; your partner never sees it.",
    )


class RelationshipFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *RelationshipStatus.choices]
    )


class PairForm(forms.Form):
    """Mentee and mentor membership ids; the choices are set by the view."""

    mentee = forms.TypedChoiceField(label="Mentee without a mentor", coerce=int)
    mentor = forms.TypedChoiceField(label="Mentor with a free place", coerce=int)

    def __init__(
        self,
        *args: object,
        mentees: list[tuple[int, str]],
        mentors: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature
        self.fields["mentee"].choices = [("", "Choose a mentee"), *mentees]  # type: ignore[attr-defined]  # ChoiceField
        self.fields["mentor"].choices = [("", "Choose a mentor"), *mentors]  # type: ignore[attr-defined]  # ChoiceField


class RematchForm(forms.Form):
    mentor = forms.IntegerField(widget=forms.HiddenInput)


class GroupSpaceForm(forms.Form):
    description = forms.CharField(
        label="What this group is about",
        required=False,
        max_length=GROUP_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A few lines every member sees: the group's focus, where you meet, norms.",
    )
    meeting_cadence = forms.ChoiceField(
        label="The group meets",
        required=False,
        choices=[("", "As the program suggests"), *MeetingCadence.choices],
    )


class MoveMemberForm(forms.Form):
    mentee = forms.IntegerField(widget=forms.HiddenInput)
    to = forms.IntegerField(label="Move to")


class FacilitatorForm(forms.Form):
    mentor = forms.IntegerField(label="Mentor")
