"""Forms for self-selection: notes when sending, the mentor's answers, the mentee's reply."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.matches.requests import DeclineReason

NOTE_MAX = 1000


class SendRequestsForm(forms.Form):
    """One optional note per chosen mentor (fields ``note_<mentor id>``)."""

    def __init__(self, *args: Any, mentors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mentor_ids = [mentor_id for mentor_id, _ in mentors]
        for mentor_id, name in mentors:
            self.fields[f"note_{mentor_id}"] = forms.CharField(
                label=f"Note to {name} (optional)",
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Why you chose them, what you hope to work on.",
            )

    def note_field(self, mentor_id: int) -> forms.BoundField:
        return self[f"note_{mentor_id}"]

    def notes(self) -> dict[int, str]:
        return {
            mentor_id: self.cleaned_data.get(f"note_{mentor_id}", "")
            for mentor_id in self.mentor_ids
        }


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label="Reason", choices=[("", "Choose a reason…"), *DeclineReason.choices]
    )
    note = forms.CharField(
        label="A word for the mentee (optional — they will see it)",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class QuestionForm(forms.Form):
    question = forms.CharField(
        label="Your question",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Your deadline pauses until the mentee answers.",
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class MatchByHandForm(forms.Form):
    mentee = forms.IntegerField(widget=forms.HiddenInput)
    mentor = forms.IntegerField(widget=forms.HiddenInput)
