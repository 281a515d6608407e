"""Declining a proposed match, with a reason for the coordinators."""

from __future__ import annotations

from django import forms

from tandem.mentoring.services.confirmation import DECLINE_NOTE_MAX


class DeclineForm(forms.Form):
    note = forms.CharField(
        label="Why does this match not suit you?",
        max_length=DECLINE_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the program's coordinators read this: they use it to find you a better "
        "match.",
    )
