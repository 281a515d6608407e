"""SBI feedback and a request for feedback."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.growth.services.feedback import PART_MAX, TOPIC_MAX, FeedbackInput
from tandem.mentoring.models import MentorshipMember


def _people(members: list[MentorshipMember]) -> list[tuple[int, str]]:
    return [(m.membership_id, m.membership.user.display_name) for m in members]


class FeedbackForm(forms.Form):
    recipient = forms.TypedChoiceField(coerce=int, label="To")
    request = forms.IntegerField(required=False, widget=forms.HiddenInput)
    situation = forms.CharField(
        max_length=PART_MAX,
        label="Situation",
        help_text="When and where: “In Tuesday's planning meeting…”",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    behaviour = forms.CharField(
        max_length=PART_MAX,
        label="Behaviour",
        help_text="What they did, as you saw or heard it.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    impact = forms.CharField(
        max_length=PART_MAX,
        label="Impact",
        help_text="What it led to, for you or for others.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    keep_doing = forms.CharField(
        required=False,
        max_length=PART_MAX,
        label="What to keep doing (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    try_next = forms.CharField(
        required=False,
        max_length=PART_MAX,
        label="What to try next time (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, others: list[MentorshipMember], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = _people(others)  # type: ignore[attr-defined]

    def feedback_input(self) -> FeedbackInput:
        data = self.cleaned_data
        return FeedbackInput(
            situation=data["situation"],
            behaviour=data["behaviour"],
            impact=data["impact"],
            keep_doing=data.get("keep_doing", ""),
            try_next=data.get("try_next", ""),
        )


class FeedbackRequestForm(forms.Form):
    recipient = forms.TypedChoiceField(coerce=int, label="Ask")
    topic = forms.CharField(
        max_length=TOPIC_MAX,
        label="On what",
        help_text="Be specific: “how I presented the budget on Monday”.",
    )

    def __init__(self, *args: Any, others: list[MentorshipMember], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = _people(others)  # type: ignore[attr-defined]
