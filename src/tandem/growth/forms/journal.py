"""Writing a journal entry, optionally answering one of the guide's prompts."""

from __future__ import annotations

from django import forms

from tandem.growth.services.journal import ENTRY_MAX, PROMPTS


class EntryForm(forms.Form):
    prompt = forms.ChoiceField(
        required=False,
        choices=[("", "No prompt — write freely"), *((p, p) for p in PROMPTS)],
        label="A prompt to start from (optional)",
    )
    text = forms.CharField(
        max_length=ENTRY_MAX,
        strip=False,
        label="Your entry",
        help_text="Only you can read it unless you share it. Markdown works.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class EditEntryForm(forms.Form):
    text = forms.CharField(
        max_length=ENTRY_MAX,
        strip=False,
        label="Your entry",
        widget=forms.Textarea(attrs={"rows": 8}),
    )
