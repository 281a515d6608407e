"""The form a member writes a message with."""

from __future__ import annotations

from django import forms

from tandem.mentoring.services.messages import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        max_length=MESSAGE_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown works: **bold**, *italic*, lists and links. Only the people in this "
        "mentorship read it.",
    )
